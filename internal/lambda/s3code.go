package lambda

import (
	"errors"
	"net/http"

	"github.com/gatehouse-dev/gatehouse/internal/authn"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
)

// ObjectReader reads a package from gatehouse's own S3 as the caller, as
// Lambda reads Code.S3Bucket/S3Key with the caller's forward access
// session: the caller needs s3:GetObject on the object (internal/s3's
// ReadObjectAs). Errors are S3's (*awserr.Error with S3 codes).
type ObjectReader interface {
	ReadObjectAs(r *http.Request, caller *authn.Principal, region, bucket, key, versionID string, max int64) ([]byte, error)
}

// readS3 reads a code or layer package from S3 as the caller. S3's
// answers become Lambda's, in AWS's words: a denial is
// AccessDeniedException "Your access has been denied by S3, …"; any
// other S3 error is InvalidParameterValueException "Error occurred while
// GetObject. S3 Error Code: X. S3 Error Message: Y" (both as AWS answers
// them, quoted in CloudFormation and CLI reports).
func (s *Service) readS3(q *request, bucket, key, version string) ([]byte, error) {
	if bucket == "" || key == "" {
		return nil, awserr.InvalidParameterValueException.New("Please provide a source for function code.")
	}
	if s.cfg.Objects == nil {
		return nil, awserr.InvalidParameterValueException.New("Error occurred while GetObject. S3 Error Code: NoSuchBucket. S3 Error Message: The specified bucket does not exist")
	}
	b, err := s.cfg.Objects.ReadObjectAs(q.r, q.caller, q.region, bucket, key, version, maxUnzipped)
	if err == nil {
		return b, nil
	}
	var ae *awserr.Error
	if !errors.As(err, &ae) {
		return nil, err
	}
	if ae.Code == "EntityTooLarge" {
		return nil, awserr.InvalidParameterValueException.Errorf("Unzipped size must be smaller than %d bytes", maxUnzipped)
	}
	if ae.Code == "AccessDenied" {
		return nil, awserr.LambdaAccessDeniedException.Errorf("Your access has been denied by S3, please make sure your request credentials have permission to GetObject for %s/%s. S3 Error Code: AccessDenied. S3 Error Message: Access Denied", bucket, key).WithCause(err)
	}
	return nil, awserr.InvalidParameterValueException.Errorf("Error occurred while GetObject. S3 Error Code: %s. S3 Error Message: %s", ae.Code, ae.Message)
}
