package sts

import (
	"bytes"
	"encoding/xml"
	"net/http"
	"strconv"
	"sync"

	"github.com/gatehouse-dev/gatehouse/internal/awsproto"
)

// fastResult is a response written without reflection: AssumeRole is the
// hot operation and encoding/xml was a tenth of its cost.
type fastResult interface {
	writeXML(b *xmlBuf)
}

type xmlBuf struct{ bytes.Buffer }

var bufPool = sync.Pool{New: func() any { return new(xmlBuf) }}

func (b *xmlBuf) open(name string)  { b.WriteByte('<'); b.WriteString(name); b.WriteByte('>') }
func (b *xmlBuf) close(name string) { b.WriteString("</"); b.WriteString(name); b.WriteByte('>') }

func (b *xmlBuf) elem(name, value string) {
	b.open(name)
	if needsEscape(value) {
		_ = xml.EscapeText(b, []byte(value))
	} else {
		b.WriteString(value) // ids, base64 tokens, ARNs: the common case
	}
	b.close(name)
}

func needsEscape(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '<', c == '>', c == '&', c == '\'', c == '"', c < 0x20, c >= 0x80:
			return true
		}
	}
	return false
}

// writeFast writes a Query success response like awsproto.WriteQuery.
func writeFast(w http.ResponseWriter, r *http.Request, op string, res fastResult) {
	m := awsproto.MetaFrom(r.Context())
	b := bufPool.Get().(*xmlBuf)
	b.Reset()
	defer bufPool.Put(b)
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n<" + op + `Response xmlns="` + awsproto.STSNamespace + `">`)
	b.open(op + "Result")
	res.writeXML(b)
	b.close(op + "Result")
	b.WriteString("<ResponseMetadata><RequestId>" + m.RequestID + "</RequestId></ResponseMetadata></" + op + "Response>")
	h := w.Header()
	h.Set("Content-Type", "text/xml")
	h.Set("x-amzn-RequestId", m.RequestID)
	h.Set("Content-Length", strconv.Itoa(b.Len()))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b.Bytes())
}

func (c xmlCredentials) writeXML(b *xmlBuf) {
	b.open("Credentials")
	b.elem("AccessKeyId", c.AccessKeyId)
	b.elem("SecretAccessKey", c.SecretAccessKey)
	b.elem("SessionToken", c.SessionToken)
	b.elem("Expiration", c.Expiration)
	b.close("Credentials")
}

type assumeRoleResult struct {
	Credentials      xmlCredentials
	AssumedRoleUser  xmlAssumedRoleUser
	PackedPolicySize *int
	SourceIdentity   string
}

// maxTokenSize is gatehouse's session token budget, the 100% of
// SessionTokenUtilization (AWS does not publish its own).
const maxTokenSize = 8192

// tokenUsage returns SessionTokenSize and SessionTokenUtilization.
func tokenUsage(tok string) (size, pct int) {
	return len(tok), (len(tok)*100 + maxTokenSize - 1) / maxTokenSize
}

func (a *assumeRoleResult) writeXML(b *xmlBuf) {
	a.Credentials.writeXML(b)
	b.open("AssumedRoleUser")
	b.elem("AssumedRoleId", a.AssumedRoleUser.AssumedRoleId)
	b.elem("Arn", a.AssumedRoleUser.Arn)
	b.close("AssumedRoleUser")
	if a.PackedPolicySize != nil {
		b.elem("PackedPolicySize", strconv.Itoa(*a.PackedPolicySize))
	}
	if a.SourceIdentity != "" {
		b.elem("SourceIdentity", a.SourceIdentity)
	}
	size, pct := tokenUsage(a.Credentials.SessionToken)
	b.elem("SessionTokenSize", strconv.Itoa(size))
	b.elem("SessionTokenUtilization", strconv.Itoa(pct))
}
