package apigw

import "sync/atomic"

// extState holds the hooks the data plane installs after both services
// exist (internal/app wires them): the control plane cannot import the
// gateway, which imports it.
type extState struct {
	tester atomic.Pointer[AuthorizerTester]
	usage  atomic.Pointer[UsageCounter]
}

func (s *Service) ext() *extState { return &s.x }
