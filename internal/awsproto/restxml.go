package awsproto

import (
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/awserr"
)

// S3Namespace is the XML namespace of S3's REST-XML documents.
const S3Namespace = "http://s3.amazonaws.com/doc/2006-03-01/"

// WriteXMLDocument writes a REST-XML response (S3): the XML declaration,
// <root xmlns="ns">, what body writes, </root>, with status and the
// headers already set on w. An empty ns writes no xmlns attribute.
func WriteXMLDocument(w http.ResponseWriter, r *http.Request, status int, root, ns string, body XMLResult) {
	x := getXMLWriter()
	defer putXMLWriter(x)
	x.buf.WriteString(xmlDecl)
	if ns != "" {
		x.open(root, ns)
	} else {
		x.Start(root)
	}
	if body != nil {
		body.WriteXML(x)
	}
	x.End(root)
	if x.err != nil {
		WriteS3Error(w, r, awserr.From(x.err))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/xml")
	h.Set("Content-Length", strconv.Itoa(x.buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(x.buf.Bytes())
}

// WriteS3Error renders err as S3 does: a bare <Error> document with Code,
// Message, the error's Fields as further elements (BucketName, Key,
// Region, …, in name order) and RequestId; the fields' names are checked
// like every element name. A HEAD response carries the status only.
func WriteS3Error(w http.ResponseWriter, r *http.Request, err error) {
	e := errorOf(r, err)
	m := MetaFrom(r.Context())
	reqID := ""
	if m != nil {
		reqID = m.RequestID
	}
	h := w.Header()
	for _, k := range sortedKeys(e.Header) {
		h.Set(k, e.Header[k])
	}
	if r.Method == http.MethodHead {
		h.Set("x-amzn-RequestId", reqID)
		h.Set("x-amz-request-id", reqID)
		w.WriteHeader(e.Status)
		return
	}
	x := getXMLWriter()
	defer putXMLWriter(x)
	x.buf.WriteString(xmlDecl)
	x.Start("Error")
	x.Element("Code", e.Code)
	x.Element("Message", e.Message)
	for _, k := range sortedKeys(e.Fields) {
		x.Element(k, e.Fields[k])
	}
	x.Element("RequestId", reqID)
	x.End("Error")
	if x.err != nil {
		x.buf.Reset()
		e = awserr.InternalFailure.New("")
		x.err = nil
		x.buf.WriteString(xmlDecl)
		x.Start("Error")
		x.Element("Code", e.Code)
		x.Element("Message", e.Message)
		x.Element("RequestId", reqID)
		x.End("Error")
	}
	h.Set("x-amz-request-id", reqID)
	writeXMLError(w, reqID, e, x.buf.Bytes())
}

// SplitS3Host returns the bucket a virtual-host style S3 host names and
// the rest of the host, or "" when host is not of that form:
// "{bucket}.s3.{anything}", "{bucket}.s3-{region}.{anything}" (AWS's
// forms, and "bucket.s3.localhost") or "{bucket}.localhost", the host the
// SDKs build from an endpoint of http://localhost:PORT. The port is
// ignored; an IP address never names a bucket.
func SplitS3Host(host string) (bucket, rest string) {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if i := strings.Index(host, ".s3."); i > 0 {
		return host[:i], host[i+1:]
	}
	if i := strings.Index(host, ".s3-"); i > 0 {
		return host[:i], host[i+1:]
	}
	if b, ok := strings.CutSuffix(host, ".localhost"); ok && b != "" && b != "s3" {
		return b, "localhost"
	}
	return "", ""
}
