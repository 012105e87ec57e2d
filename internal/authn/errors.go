package authn

import (
	"errors"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/reqbody"
	"github.com/gatehouse-dev/gatehouse/internal/sigv4"
)

// surface selects a column of the error table.
type surface uint8

const (
	surfaceQuery surface = iota
	surfaceJSON
	surfaceGateway
)

// QueryError maps an authentication failure to the IAM/STS Query error
// (spec/sts.md §1.5). reqbody.ErrBusy (no room to buffer the body) becomes
// the protocol's retryable error; other errors that are not *sigv4.Error
// pass through awserr.From.
func QueryError(err error) error { return mapError(err, surfaceQuery) }

// JSONError maps an authentication failure to the REST-JSON error of the
// API Gateway and Lambda control planes.
func JSONError(err error) error { return mapError(err, surfaceJSON) }

// GatewayError maps an authentication failure to the execute-api gateway
// response (spec/sigv4.md §12.1).
func GatewayError(err error) error { return mapError(err, surfaceGateway) }

// amzDate is the X-Amz-Date layout used in expiry messages.
const amzDate = "20060102T150405Z"

func mapError(err error, s surface) error {
	var se *sigv4.Error
	if !errors.As(err, &se) {
		if errors.Is(err, reqbody.ErrBusy) {
			// The server's body buffer is full: a retryable answer, in the
			// words each protocol uses for "try again later".
			var out *awserr.Error
			switch s {
			case surfaceQuery:
				out = awserr.ServiceUnavailable.New("")
			case surfaceJSON:
				out = awserr.TooManyRequestsJSON.New("")
			default:
				out = awserr.GatewayThrottled.New("")
			}
			return out.WithCause(err)
		}
		return awserr.From(err)
	}
	pick := func(q, j, g awserr.Code) awserr.Code {
		switch s {
		case surfaceJSON:
			return j
		case surfaceGateway:
			return g
		}
		return q
	}
	var out *awserr.Error
	switch se.Kind {
	case sigv4.MissingAuthenticationToken:
		out = pick(awserr.MissingAuthenticationToken, awserr.MissingAuthenticationTokenException, awserr.GatewayMissingAuthenticationToken).New("")
	case sigv4.IncompleteSignature:
		out = pick(awserr.IncompleteSignature, awserr.IncompleteSignatureException, awserr.GatewayIncompleteSignature).New(se.Message)
	case sigv4.AmbiguousSignature, sigv4.HostNotSigned, sigv4.InvalidScope:
		if s == surfaceQuery && se.Kind != sigv4.InvalidScope {
			out = awserr.IncompleteSignature.New(se.Message)
		} else {
			out = pick(awserr.SignatureDoesNotMatch, awserr.InvalidSignatureException, awserr.GatewayInvalidSignature).New(se.Message)
		}
	case sigv4.SignatureExpired, sigv4.SignatureNotYetCurrent:
		msg := se.Message
		if s == surfaceQuery && !se.RequestTime.IsZero() {
			msg = skewMessage(se)
		}
		out = pick(awserr.SignatureDoesNotMatch, awserr.InvalidSignatureException, awserr.GatewayInvalidSignature).New(msg)
	case sigv4.UnknownAccessKey, sigv4.InvalidToken:
		out = pick(awserr.InvalidClientTokenID, awserr.UnrecognizedClientException, awserr.GatewayUnknownKey).New("")
	case sigv4.ExpiredToken:
		out = pick(awserr.ExpiredToken, awserr.ExpiredTokenException, awserr.GatewayExpiredToken).New("")
	case sigv4.InvalidSignature:
		switch s {
		case surfaceGateway:
			out = awserr.GatewayInvalidSignature.New(se.Message)
		case surfaceJSON:
			out = awserr.InvalidSignatureException.New(se.Message)
		default:
			out = awserr.SignatureDoesNotMatch.New("")
		}
	case sigv4.MalformedQuery:
		out = awserr.MalformedQueryString.New(se.Message)
		if s == surfaceGateway {
			out = awserr.GatewayBadRequestParameters.New(se.Message)
		}
	default:
		out = awserr.InternalFailure.New("")
		if s == surfaceGateway {
			out = awserr.GatewayInternalError.New("")
		}
	}
	return out.WithCause(err)
}

// skewMessage renders STS's wording: "Signature expired: 20220127T001427Z
// is now earlier than 20220127T014428Z (20220127T015928Z - 15 min.)".
func skewMessage(se *sigv4.Error) string {
	w := se.Window
	if w <= 0 {
		w = 15 * time.Minute
	}
	mins := itoa(int(w / time.Minute))
	req := se.RequestTime.UTC().Format(amzDate)
	now := se.ServerTime.UTC()
	if se.Kind == sigv4.SignatureExpired {
		return "Signature expired: " + req + " is now earlier than " + now.Add(-w).Format(amzDate) +
			" (" + now.Format(amzDate) + " - " + mins + " min.)"
	}
	return "Signature not yet current: " + req + " is still later than " + now.Add(w).Format(amzDate) +
		" (" + now.Format(amzDate) + " + " + mins + " min.)"
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}
