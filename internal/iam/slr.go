package iam

import (
	"crypto/rand"
	"encoding/hex"
	"regexp"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/policy"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// Service-linked roles: roles a service creates for itself under
// /aws-service-role/SERVICE/, trusted by that service, with the service's
// AWS managed policy attached when the catalogue has it. No user may
// delete one with DeleteRole; DeleteServiceLinkedRole removes it (at once:
// gatehouse has no service resources still using it), and
// GetServiceLinkedRoleDeletionStatus answers for the task.

// slrNames are the role-name parts AWS uses for services whose name is
// not the first label of the service principal capitalized (from the
// IAM User Guide's list of services that work with IAM).
var slrNames = map[string]string{
	"autoscaling.amazonaws.com":                      "AutoScaling",
	"elasticloadbalancing.amazonaws.com":             "ElasticLoadBalancing",
	"ecs.amazonaws.com":                              "ECS",
	"rds.amazonaws.com":                              "RDS",
	"eks.amazonaws.com":                              "AmazonEKS",
	"es.amazonaws.com":                               "AmazonElasticsearchService",
	"opensearchservice.amazonaws.com":                "AmazonOpenSearchService",
	"apigateway.amazonaws.com":                       "APIGateway",
	"elasticbeanstalk.amazonaws.com":                 "ElasticBeanstalk",
	"spot.amazonaws.com":                             "EC2Spot",
	"cloudtrail.amazonaws.com":                       "CloudTrail",
	"config.amazonaws.com":                           "Config",
	"organizations.amazonaws.com":                    "Organizations",
	"support.amazonaws.com":                          "Support",
	"trustedadvisor.amazonaws.com":                   "TrustedAdvisor",
	"dynamodb.application-autoscaling.amazonaws.com": "ApplicationAutoScaling_DynamoDBTable",
	"ecs.application-autoscaling.amazonaws.com":      "ApplicationAutoScaling_ECSService",
	"lambda.application-autoscaling.amazonaws.com":   "ApplicationAutoScaling_LambdaConcurrency",
	// The other Application Auto Scaling targets (its User Guide's
	// "Service-linked roles" table).
	"custom-resource.application-autoscaling.amazonaws.com": "ApplicationAutoScaling_CustomResource",
	"ec2.application-autoscaling.amazonaws.com":             "ApplicationAutoScaling_EC2SpotFleetRequest",
	"rds.application-autoscaling.amazonaws.com":             "ApplicationAutoScaling_RDSCluster",
	"sagemaker.application-autoscaling.amazonaws.com":       "ApplicationAutoScaling_SageMakerEndpoint",
	"cassandra.application-autoscaling.amazonaws.com":       "ApplicationAutoScaling_CassandraTable",
	"kafka.application-autoscaling.amazonaws.com":           "ApplicationAutoScaling_KafkaCluster",
	"elasticache.application-autoscaling.amazonaws.com":     "ApplicationAutoScaling_ElastiCacheRG",
	"neptune.application-autoscaling.amazonaws.com":         "ApplicationAutoScaling_NeptuneCluster",
	"appstream.application-autoscaling.amazonaws.com":       "ApplicationAutoScaling_AppStreamFleet",
	"comprehend.application-autoscaling.amazonaws.com":      "ApplicationAutoScaling_ComprehendEndpoint",
}

var servicePrincipalRE = regexp.MustCompile(`^[a-z0-9-]+(\.[a-z0-9-]+)*\.amazonaws\.com$`)

func slrName(service string) string {
	if n, ok := slrNames[service]; ok {
		return n
	}
	labels := strings.Split(strings.TrimSuffix(service, ".amazonaws.com"), ".")
	var b strings.Builder
	for _, part := range strings.Split(labels[0], "-") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}

func protectedRole(name string) error {
	return awserr.UnmodifiableEntity.Errorf("Cannot perform the operation on the protected role '%s' - this role is only modifiable by AWS", name)
}

func opCreateServiceLinkedRole(c *call, in *createServiceLinkedRoleIn) (*createServiceLinkedRoleOut, error) {
	svc := in.AWSServiceName
	if err := checkName(svc, "aWSServiceName", 128); err != nil {
		return nil, err
	}
	desc := in.Description
	if len(desc) > 1000 {
		return nil, validation(desc, "description", "Member must have length less than or equal to 1000")
	}
	suffix := in.CustomSuffix
	if suffix != "" {
		if err := checkName(suffix, "customSuffix", 64); err != nil {
			return nil, err
		}
	}
	if !servicePrincipalRE.MatchString(svc) {
		return nil, awserr.InvalidInput.Errorf("Service role name %s is not valid.", svc)
	}
	name := "AWSServiceRoleFor" + slrName(svc)
	if suffix != "" {
		name += "_" + suffix
	}
	path := "/aws-service-role/" + svc + "/"
	arn := roleARN(c.account(), path, name)
	if err := c.allow(arn, func(pc *policy.Context) { pc.Set("iam:AWSServiceName", svc) }); err != nil {
		return nil, err
	}
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["` + svc + `"]},"Action":["sts:AssumeRole"]}]}`
	r := &Role{Account: c.account(), Name: name, Path: path, ID: NewID("AROA", c.account(), 21), Created: c.s.now().UTC(),
		TrustPolicy: trust, Description: desc, MaxSessionDuration: 3600, LinkedService: svc}
	// The service's own managed policy, when AWS publishes one by the
	// usual name.
	base := strings.TrimPrefix(slrName(svc), "Amazon")
	for _, cand := range []string{base + "ServiceRolePolicy", "AWS" + base + "ServiceRolePolicy", "Amazon" + base + "ServiceRolePolicy"} {
		if a := policyARN(awsAccount, "/aws-service-role/", cand); awsManaged(a) != nil {
			r.Attached = []string{a}
			break
		}
	}
	err := c.update(func(tx store.Tx) error {
		if err := createJSON(tx, kindRole, entityKey(r.Account, name), r); err == store.ErrExists {
			return awserr.InvalidInput.Errorf("Service role name %s has been taken in this account, please try a different suffix.", name)
		} else {
			return err
		}
	})
	if err != nil {
		return nil, err
	}
	x := roleXML(r, false)
	return &createServiceLinkedRoleOut{x}, nil
}

func opDeleteServiceLinkedRole(c *call, in *deleteServiceLinkedRoleIn) (*deleteServiceLinkedRoleOut, error) {
	r, err := c.roleTarget(in.RoleName, nil)
	if err != nil {
		return nil, err
	}
	if r.LinkedService == "" {
		return nil, awserr.InvalidInput.Errorf("Role %s is not a service-linked role.", r.Name)
	}
	id := make([]byte, 16)
	_, _ = rand.Read(id)
	h := hex.EncodeToString(id)
	task := "task/aws-service-role/" + r.LinkedService + "/" + r.Name + "/" + h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
	err = c.update(func(tx store.Tx) error {
		key := entityKey(r.Account, r.Name)
		cur, err := getJSON[Role](tx, kindRole, key)
		if err != nil || cur == nil {
			return firstErr(err, noSuchRole(r.Name))
		}
		return tx.Delete(kindRole, key)
	})
	if err != nil {
		return nil, err
	}
	return &deleteServiceLinkedRoleOut{task}, nil
}

var deletionTaskRE = regexp.MustCompile(`^task/aws-service-role/([a-z0-9.-]+)/([\w+=,.@-]+)/[0-9a-f-]{36}$`)

func opGetServiceLinkedRoleDeletionStatus(c *call, in *getServiceLinkedRoleDeletionStatusIn) (*getServiceLinkedRoleDeletionStatusOut, error) {
	task := in.DeletionTaskId
	if len(task) < 1 || len(task) > 1000 {
		return nil, validation(task, "deletionTaskId", "Member must have length between 1 and 1000")
	}
	m := deletionTaskRE.FindStringSubmatch(task)
	if m == nil {
		return nil, awserr.InvalidInput.Errorf("Invalid deletion task id %s.", task)
	}
	if err := c.allow(roleARN(c.account(), "/aws-service-role/"+m[1]+"/", m[2]), nil); err != nil {
		return nil, err
	}
	// Deletion is immediate: the task succeeded unless the role is back.
	status := "SUCCEEDED"
	if r := c.snap.Role(c.account(), m[2]); r != nil && r.LinkedService == m[1] {
		status = "IN_PROGRESS"
	}
	return &getServiceLinkedRoleDeletionStatusOut{status}, nil
}

type createServiceLinkedRoleOut struct {
	Role xmlRole
}

type createServiceLinkedRoleIn struct {
	AWSServiceName string
	CustomSuffix   string
	Description    string
}

type deleteServiceLinkedRoleOut struct {
	DeletionTaskId string
}

type deleteServiceLinkedRoleIn struct {
	RoleName string
}

type getServiceLinkedRoleDeletionStatusOut struct {
	Status string
}

type getServiceLinkedRoleDeletionStatusIn struct {
	DeletionTaskId string
}
