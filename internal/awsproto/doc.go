// Package awsproto speaks the AWS wire protocols gatehouse serves: the Query
// protocol (form-encoded requests, XML responses) of IAM and STS, the
// REST-JSON protocol of the API Gateway and Lambda control planes, and the
// JSON gateway responses of the execute-api data plane.
//
// It is the only place that renders an awserr.Error; handlers return errors
// and call the Write*Error function of their surface. Every response carries
// the request id held in the request's Meta.
//
// It is also the only package that writes XML (XMLWriter; checked by
// internal/archtest): values are escaped in one place, so no string a
// client chose can change the shape of a document.
package awsproto
