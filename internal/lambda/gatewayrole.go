package lambda

import (
	"context"
	"fmt"

	"github.com/gatehouse-dev/gatehouse/internal/arn"
	"github.com/gatehouse-dev/gatehouse/internal/awsproto"
	"github.com/gatehouse-dev/gatehouse/internal/lambda/runtime"
)

// InvokeAuthorized runs a function for API Gateway when the caller has
// already established that API Gateway may invoke it some other way than
// the function's resource policy: an authorizer's (or integration's)
// credentials role, which API Gateway assumed and whose policies allow
// lambda:InvokeFunction on the function (internal/app checks both before
// calling). It is never reachable from a client request.
func (s *Service) InvokeAuthorized(ctx context.Context, functionARN string, event []byte) ([]byte, string, error) {
	ref, ok := arn.ParseFunction(functionARN)
	if !ok || ref.Partition != arn.Partition {
		return nil, "", fmt.Errorf("lambda: invalid function ARN %q", functionARN)
	}
	res := resolved{account: ref.Account, region: ref.Region, name: ref.Name, qualifier: ref.Qualifier}
	e, err := s.lookup(res)
	if err != nil {
		return nil, "", err
	}
	spec, err := s.spec(e)
	if err != nil {
		return nil, "", err
	}
	out, err := s.mgr.Invoke(ctx, spec, runtime.Invocation{RequestID: awsproto.NewRequestID(), Payload: event, InvokedARN: functionARN})
	if err != nil {
		return nil, "", invokeError(err)
	}
	return out.Payload, out.FunctionError, nil
}
