package awsproto

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/awserr"
)

//go:generate sh -c "python3 gen_services.py > services_gen.go"

// Service is what gatehouse knows of an AWS service it may not implement:
// enough to tell a client, in that service's own wire format, that the
// operation it called does not exist here (services_gen.go, from botocore's
// models).
type Service struct {
	Model          string // botocore model name, e.g. "dynamodb"
	SigningName    string // SigV4 credential-scope service
	EndpointPrefix string // first label of the service's AWS host name
	Protocol       string // query, json, rest-json, rest-xml, ec2, smithy-rpc-v2-cbor
	APIVersion     string
	TargetPrefix   string // JSON protocol: X-Amz-Target is TargetPrefix.Operation
	JSONVersion    string // JSON protocol: 1.0 or 1.1
	XMLNamespace   string // Query and ec2 protocols
	FullName       string // e.g. "Amazon DynamoDB"
}

var (
	bySigningName = map[string]*Service{}
	byTarget      = map[string]*Service{}
	byEndpoint    = map[string]*Service{}
)

func init() {
	for i := range awsServices {
		s := &awsServices[i]
		// Several models share a signing name (dynamodb and its streams,
		// rds/docdb/neptune): the model named like it wins, else the first.
		if cur, ok := bySigningName[s.SigningName]; !ok || cur.Model != s.SigningName && s.Model == s.SigningName {
			bySigningName[s.SigningName] = s
		}
		if s.TargetPrefix != "" {
			byTarget[s.TargetPrefix] = s
		}
		if _, ok := byEndpoint[s.EndpointPrefix]; !ok {
			byEndpoint[s.EndpointPrefix] = s
		}
	}
}

// ServiceBySigningName returns the service whose SigV4 credential scope
// names service, or nil.
func ServiceBySigningName(service string) *Service { return bySigningName[service] }

// ServiceOf returns the AWS service an unsigned or unrecognised request is
// for, from what it carries: the X-Amz-Target of the JSON protocols
// ("DynamoDB_20120810.ListTables"), then the host name
// ("sqs.us-east-1.amazonaws.com"). It returns nil when neither names a
// known service.
func ServiceOf(r *http.Request) *Service {
	if t := r.Header.Get("X-Amz-Target"); t != "" {
		if i := strings.LastIndexByte(t, '.'); i > 0 {
			if s := byTarget[t[:i]]; s != nil {
				return s
			}
		}
	}
	host := r.Host
	if h, _, ok := strings.Cut(host, ":"); ok {
		host = h
	}
	if strings.HasSuffix(host, ".amazonaws.com") {
		if i := strings.IndexByte(host, '.'); i > 0 {
			return byEndpoint[host[:i]]
		}
	}
	return nil
}

// WriteUnknownService answers a request for an operation of svc (nil: a
// service gatehouse cannot name) with that service's unknown-operation error
// in the wire format the request used, naming the service and operation so
// a client sees what is missing rather than an authentication failure. It
// returns the error it rendered. The codes are each protocol's own (AWS
// "Common Errors": InvalidAction for the Query and EC2 protocols,
// UnknownOperationException for the JSON ones; S3 answers NotImplemented for
// functionality it does not have).
//
// action is the Query Action of a form-encoded body, when the caller read
// one ("" otherwise); the URL's Action and X-Amz-Target are read here.
func WriteUnknownService(w http.ResponseWriter, r *http.Request, svc *Service, signingName, action string) *awserr.Error {
	name, full := signingName, signingName
	if svc != nil {
		name, full = svc.SigningName, svc.FullName
	}
	if name == "" {
		name, full = "unknown", "an unknown service"
	}
	op := operationOf(r, action)
	what := "gatehouse does not implement " + full + " (" + name + ")"
	if op != "" {
		what = "gatehouse does not implement " + full + " (" + name + "): operation " + op + " is unknown"
	}
	target := r.Header.Get("X-Amz-Target")
	proto := ""
	if svc != nil {
		proto = svc.Protocol
	}
	// The request's own shape decides first: an older client may speak
	// a protocol the service has since left (SQS moved from Query to JSON;
	// AWS CLI 2.9 still sends it Query requests).
	query := r.URL.Query().Has("Action") || action != ""
	switch {
	case target != "" || proto == "json" && !query:
		e := awserr.UnknownOperation.New(what)
		version := "1.1"
		if svc != nil && svc.JSONVersion != "" {
			version = svc.JSONVersion
		}
		writeAWSJSONError(w, r, "application/x-amz-json-"+version, e)
		return e
	case query || proto == "query" || proto == "ec2":
		e := awserr.InvalidAction.New(what)
		if proto == "ec2" {
			writeEC2Error(w, r, e)
			return e
		}
		ns := ""
		if svc != nil {
			ns = svc.XMLNamespace
		}
		WriteQueryError(w, r, ns, e)
		return e
	case name == "s3":
		e := awserr.S3NotImplemented.New(what)
		writeS3Error(w, r, e)
		return e
	case proto == "rest-xml":
		e := awserr.UnknownOperation.New(what)
		WriteQueryError(w, r, svc.XMLNamespace, e)
		return e
	default: // rest-json, smithy-rpc-v2-cbor, unknown: x-amzn-ErrorType is read by every SDK
		e := awserr.UnknownOperation.New(what)
		WriteJSONError(w, r, e)
		return e
	}
}

// operationOf names the operation a request calls, when its protocol says
// it without a model: X-Amz-Target's operation, or the Query Action from
// the URL. It is for the message only, so it is cut short and restricted to
// the characters of AWS operation names.
func operationOf(r *http.Request, action string) string {
	op := action
	if t := r.Header.Get("X-Amz-Target"); t != "" {
		op = t
		if i := strings.LastIndexByte(t, '.'); i >= 0 {
			op = t[i+1:]
		}
	} else if a := r.URL.Query().Get("Action"); a != "" && op == "" {
		op = a
	}
	if len(op) > 64 {
		op = op[:64]
	}
	for i := 0; i < len(op); i++ {
		c := op[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return ""
		}
	}
	return op
}

// writeAWSJSONError renders e in the AWS JSON 1.0/1.1 protocols' error form:
// {"__type": code, "message": ...}, with the code also in x-amzn-ErrorType.
func writeAWSJSONError(w http.ResponseWriter, r *http.Request, contentType string, e *awserr.Error) {
	m := MetaFrom(r.Context())
	var buf bytes.Buffer
	buf.WriteString(`{"__type":`)
	writeJSONString(&buf, e.Code)
	buf.WriteString(`,"message":`)
	writeJSONString(&buf, e.Message)
	buf.WriteByte('}')
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("x-amzn-RequestId", m.RequestID)
	h.Set("x-amzn-ErrorType", e.Code)
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(e.Status)
	_, _ = w.Write(buf.Bytes())
}

// WriteAWSJSONError renders err in the AWS JSON protocol's error form with
// the given JSON version ("1.0" or "1.1").
func WriteAWSJSONError(w http.ResponseWriter, r *http.Request, jsonVersion string, err error) {
	writeAWSJSONError(w, r, "application/x-amz-json-"+jsonVersion, errorOf(r, err))
}

// writeEC2Error renders e as the EC2 protocol does:
// <Response><Errors><Error>...</Error></Errors><RequestID>.
func writeEC2Error(w http.ResponseWriter, r *http.Request, e *awserr.Error) {
	m := MetaFrom(r.Context())
	x := getXMLWriter()
	defer putXMLWriter(x)
	x.buf.WriteString(xmlDecl)
	x.Start("Response")
	x.Start("Errors")
	x.Start("Error")
	x.Element("Code", e.Code)
	x.Element("Message", e.Message)
	x.End("Error")
	x.End("Errors")
	x.Element("RequestID", m.RequestID)
	x.End("Response")
	writeXMLError(w, m.RequestID, e, x.buf.Bytes())
}

// writeS3Error renders e as S3 does: a bare <Error> document.
func writeS3Error(w http.ResponseWriter, r *http.Request, e *awserr.Error) {
	m := MetaFrom(r.Context())
	x := getXMLWriter()
	defer putXMLWriter(x)
	x.buf.WriteString(xmlDecl)
	x.Start("Error")
	x.Element("Code", e.Code)
	x.Element("Message", e.Message)
	x.Element("RequestId", m.RequestID)
	x.End("Error")
	writeXMLError(w, m.RequestID, e, x.buf.Bytes())
}

func writeXMLError(w http.ResponseWriter, reqID string, e *awserr.Error, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/xml")
	h.Set("x-amzn-RequestId", reqID)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(e.Status)
	_, _ = w.Write(body)
}
