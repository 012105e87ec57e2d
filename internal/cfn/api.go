package cfn

import (
	"context"
	"errors"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/arn"
	"github.com/gatehouse-dev/gatehouse/internal/authn"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/cfn/tmpl"
	"github.com/gatehouse-dev/gatehouse/internal/pipeline"
	"github.com/gatehouse-dev/gatehouse/internal/policy"
)

// Operations returns the names of the operations gatehouse serves: the
// closed set of the cloudformation surface's metric labels.
func Operations() []string { return Table.Names() }

// authorize asks whether the caller may do the operation's action on
// resource.
func (c *call) authorize(action, resource string) error {
	_, err := c.s.surface.Authorize(&pipeline.Call{Request: c.r, Region: c.region, Caller: c.p,
		AuthzRequest: pipeline.AuthzRequest{Action: action, Resource: resource}, Op: c.op})
	return err
}

func (c *call) authorizePassRole(role string) error {
	if role == "" {
		return nil
	}
	_, err := c.s.surface.Authorize(&pipeline.Call{Request: c.r, Region: c.region, Caller: c.p, Op: c.op,
		AuthzRequest: pipeline.AuthzRequest{Action: "iam:PassRole", Resource: role},
		Keys:         func(pc *policy.Context) { pc.Set("iam:PassedToService", "cloudformation.amazonaws.com") }})
	return err
}

// stackResource is the ARN a call on stack name (or id) authorizes: the
// stack's own id when it exists, stack/NAME/* otherwise.
func (c *call) stackResource(st *Stack, name string) string {
	if st != nil {
		return st.ID
	}
	if strings.HasPrefix(name, "arn:") {
		return name
	}
	return arn.CloudFormationStacks(c.region, c.p.AccountID, name)
}

var stackNameRE = regexp.MustCompile(`^[a-zA-Z][-a-zA-Z0-9]*$`)

func validation(value, member, constraint string) *awserr.Error {
	return awserr.ValidationError.Errorf("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: %s", value, member, constraint)
}

func checkStackName(name string) error {
	if name == "" {
		return awserr.ValidationError.New("1 validation error detected: Value null at 'stackName' failed to satisfy constraint: Member must not be null")
	}
	if len(name) > 128 || !stackNameRE.MatchString(name) {
		return validation(name, "stackName", "Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*")
	}
	return nil
}

func notExist(name string) error {
	return awserr.ValidationError.Errorf("Stack with id %s does not exist", name)
}

// lookup finds the stack StackName names and authorizes action on it.
// A stack that does not exist is AWS's ValidationError, after the
// authorization on its would-be ARN (so a denied caller learns nothing).
func (c *call) lookup(action, name string, required bool) (*Stack, error) {
	if name == "" && required {
		return nil, awserr.ValidationError.New("1 validation error detected: Value null at 'stackName' failed to satisfy constraint: Member must not be null")
	}
	st, err := c.s.findStack(c.ctx, c.p.AccountID, c.region, name)
	if err != nil {
		return nil, err
	}
	if err := c.authorize(action, c.stackResource(st, name)); err != nil {
		return nil, err
	}
	if st == nil {
		return nil, notExist(name)
	}
	return st, nil
}

// readParameters reads Parameters.member.N.
func readParameters(in []map[string]string) []Parameter {
	var ps []Parameter
	for _, m := range in {
		ps = append(ps, Parameter{Key: m["ParameterKey"], Value: m["ParameterValue"], UsePrevious: m["UsePreviousValue"] == "true"})
	}
	return ps
}

func readTags(in []map[string]string) ([]Tag, error) {
	var out []Tag
	for _, m := range in {
		if m["Key"] == "" {
			return nil, awserr.ValidationError.New("1 validation error detected: Value null at 'tags.member.key' failed to satisfy constraint: Member must not be null")
		}
		out = append(out, Tag{Key: m["Key"], Value: m["Value"]})
	}
	if len(out) > 50 {
		return nil, awserr.ValidationError.New("1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50")
	}
	return out, nil
}

var knownCapabilities = []string{"CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"}

func readCapabilities(caps []string) ([]string, error) {
	for i, cp := range caps {
		if !slices.Contains(knownCapabilities, cp) {
			return nil, validation(cp, "capabilities."+strconv.Itoa(i+1)+".member", "Member must satisfy enum value set: [CAPABILITY_AUTO_EXPAND, CAPABILITY_NAMED_IAM, CAPABILITY_IAM]")
		}
	}
	return caps, nil
}

// templateBody reads TemplateBody or TemplateURL (exactly one).
func (c *call) templateBody(in templateIn, creds func() (Credentials, error)) (string, error) {
	body, u := in.TemplateBody, in.TemplateURL
	switch {
	case body != "" && u != "":
		return "", awserr.ValidationError.New("Specify exactly one of TemplateBody and TemplateUrl.")
	case body != "":
		return body, nil
	case u != "":
		return c.s.fetchTemplate(c.ctx, u, c.region, creds)
	}
	return "", awserr.ValidationError.New("Either Template URL or Template Body must be specified.")
}

// fetchTemplate reads a TemplateURL (an S3 URL, path or virtual-host
// style) through Artifacts.
func (s *Service) fetchTemplate(ctx context.Context, raw, region string, creds func() (Credentials, error)) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "", awserr.ValidationError.New("TemplateURL must be a supported URL.")
	}
	bucket, key := "", strings.TrimPrefix(u.Path, "/")
	if h, _, ok := strings.Cut(u.Host, ".s3"); ok && h != "" && !strings.HasPrefix(u.Host, "s3") {
		bucket = h
	} else {
		bucket, key, _ = strings.Cut(key, "/")
	}
	cr, err := creds()
	if err != nil {
		return "", err
	}
	b, err := s.artifacts(region).Get(ctx, cr, bucket, key, u.Query().Get("versionId"))
	if err != nil {
		return "", awserr.ValidationError.Errorf("TemplateURL must reference a valid S3 object to which you have access. (%v)", err)
	}
	return string(b), nil
}

// credsFor returns the credentials a stack operation acts with.
func (s *Service) credsFor(ctx context.Context, p *authn.Principal, roleARN string) (Credentials, error) {
	if s.creds == nil {
		return Credentials{}, errors.New("cloudformation: no credential source")
	}
	if roleARN != "" {
		cr, err := s.creds.RoleCredentials(ctx, roleARN, "AWSCloudFormation")
		if err != nil {
			var e *awserr.Error
			if errors.As(err, &e) {
				return Credentials{}, awserr.ValidationError.Errorf("Role %s is invalid or cannot be assumed", roleARN)
			}
			return Credentials{}, err
		}
		return cr, nil
	}
	return s.creds.CallerCredentials(ctx, p)
}

func (s *Service) clientsFor(cr Credentials, region string) *clients {
	cl := newClients(s.endpointURL(), region, cr, s.hc, s.artifacts(region))
	cl.custom, cl.responseBase = s.custom, s.endpointURL()
	return cl
}

func (c *call) createStack(in *createStackIn) (*CreateStackOutput, error) {
	name := in.StackName
	if err := checkStackName(name); err != nil {
		return nil, err
	}
	role := in.RoleARN
	if err := c.authorize("cloudformation:CreateStack", arn.CloudFormationStacks(c.region, c.p.AccountID, name)); err != nil {
		return nil, err
	}
	if err := c.authorizePassRole(role); err != nil {
		return nil, err
	}
	caps, err := readCapabilities(in.Capabilities)
	if err != nil {
		return nil, err
	}
	tags, err := readTags(in.Tags)
	if err != nil {
		return nil, err
	}
	onFailure := in.OnFailure
	if onFailure != "" && in.DisableRollback != "" {
		return nil, awserr.ValidationError.New("You cannot specify both DisableRollback and OnFailure.")
	}
	if onFailure != "" && onFailure != "ROLLBACK" && onFailure != "DELETE" && onFailure != "DO_NOTHING" {
		return nil, validation(onFailure, "onFailure", "Member must satisfy enum value set: [DO_NOTHING, ROLLBACK, DELETE]")
	}
	credsFn := func() (Credentials, error) { return c.s.credsFor(c.ctx, c.p, role) }
	body, err := c.templateBody(in.templateIn, credsFn)
	if err != nil {
		return nil, err
	}
	tpl, macro, err := process(body)
	if err != nil {
		return nil, err
	}
	if err := checkCapabilities(tpl, macro, caps); err != nil {
		return nil, err
	}
	c.s.opMu.Lock()
	defer c.s.opMu.Unlock()
	existing, err := c.s.findStack(c.ctx, c.p.AccountID, c.region, name)
	if err != nil {
		return nil, err
	}
	if existing != nil {
		if tok := in.ClientRequestToken; tok != "" && tok == existing.ClientRequestToken {
			return &CreateStackOutput{existing.ID}, nil
		}
		return nil, awserr.CFNAlreadyExists.Errorf("Stack [%s] already exists", name)
	}
	id := newUUID()
	st := &Stack{ID: arn.Stack(c.region, c.p.AccountID, name, id), Name: name, UUID: id, Account: c.p.AccountID, Region: c.region,
		Created: c.s.now().UTC(), Capabilities: caps, RoleARN: role, Tags: tags, DisableRollback: in.DisableRollback == "true" || onFailure == "DO_NOTHING",
		TerminationProtection: in.EnableTerminationProtection == "true", NotificationARNs: in.NotificationARNs,
		Template: body, ClientRequestToken: in.ClientRequestToken, Resources: map[string]*resourceState{}}
	st.Description, _ = tpl["Description"].(string)
	st.TimeoutInMinutes, _ = strconv.Atoi(in.TimeoutInMinutes)
	p, err := c.s.newPlan(c.ctx, st, tpl, readParameters(in.Parameters), nil)
	if err != nil {
		return nil, err
	}
	cr, err := credsFn()
	if err != nil {
		return nil, err
	}
	processed, err := tmpl.JSON(tpl)
	if err != nil {
		return nil, err
	}
	st.Processed, st.Parameters = processed, p.stackPar
	st.Status, st.StatusReason = "CREATE_IN_PROGRESS", "User Initiated"
	if err := c.s.putStack(c.ctx, st); err != nil {
		return nil, err
	}
	o := &op{s: c.s, st: st, cl: c.s.clientsFor(cr, c.region), token: st.ClientRequestToken}
	c.started = st.UUID
	c.s.start(st, func() {
		o.create(p)
		if onFailure == "DELETE" && st.Status == "ROLLBACK_COMPLETE" {
			o.delete()
		}
	})
	return &CreateStackOutput{st.ID}, nil
}

func (c *call) updateStack(in *updateStackIn) (*UpdateStackOutput, error) {
	st, err := c.lookup("cloudformation:UpdateStack", in.StackName, true)
	if err != nil {
		return nil, err
	}
	role := in.RoleARN
	if role == "" {
		role = st.RoleARN
	}
	if err := c.authorizePassRole(in.RoleARN); err != nil {
		return nil, err
	}
	caps, err := readCapabilities(in.Capabilities)
	if err != nil {
		return nil, err
	}
	credsFn := func() (Credentials, error) { return c.s.credsFor(c.ctx, c.p, role) }
	var body string
	if in.UsePreviousTemplate == "true" {
		if in.TemplateBody != "" || in.TemplateURL != "" {
			return nil, awserr.ValidationError.New("You cannot specify both usePreviousTemplate and Template Body/Template URL")
		}
		body = st.Template
	} else if body, err = c.templateBody(in.templateIn, credsFn); err != nil {
		return nil, err
	}
	tpl, macro, err := process(body)
	if err != nil {
		return nil, err
	}
	if err := checkCapabilities(tpl, macro, caps); err != nil {
		return nil, err
	}
	tags, err := readTags(in.Tags)
	if err != nil {
		return nil, err
	}
	c.started = st.UUID
	return c.s.startUpdate(c.ctx, c.p, st, body, tpl, readParameters(in.Parameters), caps, role, tags, in.ClientRequestToken, credsFn)
}

func (s *Service) startUpdate(ctx context.Context, p *authn.Principal, st *Stack, body string, tpl tmpl.Template, params []Parameter,
	caps []string, role string, tags []Tag, token string, credsFn func() (Credentials, error)) (*UpdateStackOutput, error) {
	s.opMu.Lock()
	defer s.opMu.Unlock()
	cur, err := s.findStack(ctx, st.Account, st.Region, st.ID)
	if err != nil {
		return nil, err
	}
	st = cur
	switch st.Status {
	case "CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "IMPORT_COMPLETE":
	default:
		return nil, awserr.ValidationError.Errorf("Stack:%s is in %s state and can not be updated.", st.ID, st.Status)
	}
	pl, err := s.newPlan(ctx, st, tpl, params, st.Parameters)
	if err != nil {
		return nil, err
	}
	processed, err := tmpl.JSON(tpl)
	if err != nil {
		return nil, err
	}
	if processed == st.Processed && sameParams(pl.stackPar, st.Parameters) && role == st.RoleARN && tagsEqual(tags, st.Tags) {
		return nil, awserr.ValidationError.New("No updates are to be performed.")
	}
	cr, err := credsFn()
	if err != nil {
		return nil, err
	}
	st.PreviousTemplate, st.PreviousProcessed, st.PreviousParameters = st.Template, st.Processed, st.Parameters
	st.Template, st.Processed, st.Parameters, st.Capabilities, st.RoleARN, st.Tags = body, processed, pl.stackPar, caps, role, tags
	st.Description, _ = tpl["Description"].(string)
	st.ClientRequestToken = token
	st.Status, st.StatusReason = "UPDATE_IN_PROGRESS", "User Initiated"
	if err := s.putStack(ctx, st); err != nil {
		return nil, err
	}
	o := &op{s: s, st: st, cl: s.clientsFor(cr, st.Region), token: token}
	s.start(st, func() { o.update(pl) })
	return &UpdateStackOutput{st.ID}, nil
}

func sameParams(a, b []Parameter) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Key != b[i].Key || a[i].Value != b[i].Value {
			return false
		}
	}
	return true
}

func tagsEqual(a, b []Tag) bool { return slices.Equal(a, b) }

func (c *call) deleteStack(in *deleteStackIn) (*DeleteStackOutput, error) {
	if err := c.deleteStackErr(in); err != nil {
		return nil, err
	}
	return &DeleteStackOutput{}, nil
}

func (c *call) deleteStackErr(in *deleteStackIn) error {
	name := in.StackName
	if name == "" {
		return awserr.ValidationError.New("1 validation error detected: Value null at 'stackName' failed to satisfy constraint: Member must not be null")
	}
	st, err := c.s.findStack(c.ctx, c.p.AccountID, c.region, name)
	if err != nil {
		return err
	}
	if err := c.authorize("cloudformation:DeleteStack", c.stackResource(st, name)); err != nil {
		return err
	}
	role := in.RoleARN
	if err := c.authorizePassRole(role); err != nil {
		return err
	}
	// Deleting a stack that does not exist (or is deleted) succeeds, as
	// on AWS.
	if st == nil || st.Status == "DELETE_COMPLETE" {
		return nil
	}
	if st.TerminationProtection {
		return awserr.ValidationError.Errorf("Stack [%s] cannot be deleted while TerminationProtection is enabled", st.Name)
	}
	c.s.opMu.Lock()
	defer c.s.opMu.Unlock()
	if cur, err := c.s.findStack(c.ctx, st.Account, st.Region, st.ID); err != nil {
		return err
	} else if cur != nil {
		st = cur
	}
	if st.Status == "DELETE_IN_PROGRESS" {
		return nil
	}
	if tmpl.InProgress(st.Status) && st.Status != "REVIEW_IN_PROGRESS" {
		return awserr.ValidationError.Errorf("Stack [%s] cannot be deleted while in status %s", st.Name, st.Status)
	}
	if role == "" {
		role = st.RoleARN
	}
	cr, err := c.s.credsFor(c.ctx, c.p, role)
	if err != nil {
		return err
	}
	if err := c.s.deleteChangeSets(c.ctx, st.Account, st.Region, func(cs *ChangeSet) bool { return cs.StackID == st.ID }); err != nil {
		return err
	}
	st.Status, st.StatusReason = "DELETE_IN_PROGRESS", "User Initiated"
	if err := c.s.putStack(c.ctx, st); err != nil {
		return err
	}
	o := &op{s: c.s, st: st, cl: c.s.clientsFor(cr, st.Region), token: in.ClientRequestToken}
	c.started = st.UUID
	c.s.start(st, o.delete)
	return nil
}

func (c *call) updateTerminationProtection(in *updateTerminationProtectionIn) (*UpdateTerminationProtectionOutput, error) {
	st, err := c.lookup("cloudformation:UpdateTerminationProtection", in.StackName, true)
	if err != nil {
		return nil, err
	}
	v := in.EnableTerminationProtection
	if v != "true" && v != "false" {
		return nil, awserr.ValidationError.New("1 validation error detected: Value null at 'enableTerminationProtection' failed to satisfy constraint: Member must not be null")
	}
	st.TerminationProtection = v == "true"
	if err := c.s.putStack(c.ctx, st); err != nil {
		return nil, err
	}
	return &UpdateTerminationProtectionOutput{st.ID}, nil
}

func ts(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }
