package app

import (
	"github.com/gatehouse-dev/gatehouse/internal/apigw"
	"github.com/gatehouse-dev/gatehouse/internal/cfn"
	"github.com/gatehouse-dev/gatehouse/internal/ecr"
	"github.com/gatehouse-dev/gatehouse/internal/iam"
	"github.com/gatehouse-dev/gatehouse/internal/lambda"
	"github.com/gatehouse-dev/gatehouse/internal/metrics"
	"github.com/gatehouse-dev/gatehouse/internal/s3"
	"github.com/gatehouse-dev/gatehouse/internal/server"
	"github.com/gatehouse-dev/gatehouse/internal/ssm"
	"github.com/gatehouse-dev/gatehouse/internal/sts"
)

// Operations returns, per surface, every operation name a request can be
// recorded under: the closed label sets of gatehouse's metrics (issue #12
// item 7). The metrics layer records anything else as "unknown", so a
// handler that names an operation from client input cannot grow them.
func Operations() map[string][]string {
	return map[string][]string{
		server.SurfaceIAM:            iam.Operations(),
		server.SurfaceSTS:            sts.Operations(),
		server.SurfaceAPIGateway:     apigw.Operations(),
		server.SurfaceLambda:         lambda.Operations(),
		server.SurfaceLogs:           lambda.LogsOperations(),
		server.SurfaceS3:             s3.Operations(),
		server.SurfaceSSM:            ssm.Operations(),
		server.SurfaceECR:            ecr.Operations(),
		server.SurfaceCloudFormation: cfn.Operations(),
		server.SurfaceExecuteAPI:     {"Invoke"},
		server.SurfaceGatehouse:      {"Health", "Metrics", "OIDC"},
	}
}

func registerOperations(m *metrics.Metrics) {
	for surface, ops := range Operations() {
		m.Register(surface, ops...)
	}
}
