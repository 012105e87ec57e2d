package callers

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"strings"
)

// awsError extracts "Code: message" from an AWS error response in any of the
// wire formats gatehouse and AWS use: API Gateway / REST-JSON bodies
// ({"message": ...} or {"Message": ...}, with the type in x-amzn-ErrorType
// or "__type") and Query/REST-XML bodies (<Error><Code/><Message/></Error>).
// It returns "" when the body carries no recognisable error.
func awsError(h http.Header, body []byte) string {
	code := h.Get("X-Amzn-Errortype")
	var msg string
	trimmed := bytes.TrimSpace(body)
	switch {
	case len(trimmed) > 0 && trimmed[0] == '{':
		var j struct {
			Message1 *string `json:"message"`
			Message2 *string `json:"Message"`
			Type     string  `json:"__type"`
			Code     string  `json:"code"`
		}
		if json.Unmarshal(trimmed, &j) == nil {
			switch {
			case j.Message1 != nil:
				msg = *j.Message1
			case j.Message2 != nil:
				msg = *j.Message2
			}
			if code == "" {
				code = j.Type
			}
			if code == "" {
				code = j.Code
			}
		}
	case len(trimmed) > 0 && trimmed[0] == '<':
		c, m, ok := xmlError(trimmed)
		if ok {
			msg = m
			if c != "" {
				code = c
			}
		}
	}
	// x-amzn-ErrorType may carry a URL suffix ("Code:http://...") and
	// __type a namespace prefix ("com.amazon...#Code").
	code, _, _ = strings.Cut(code, ":")
	if i := strings.LastIndexByte(code, '#'); i >= 0 {
		code = code[i+1:]
	}
	switch {
	case code != "" && msg != "":
		return code + ": " + msg
	case msg != "":
		return msg
	default:
		return code
	}
}

// xmlError finds the first <Code> and <Message> anywhere in the document,
// which covers Query's ErrorResponse/Error and S3's bare Error.
func xmlError(b []byte) (code, msg string, ok bool) {
	d := xml.NewDecoder(bytes.NewReader(b))
	var stack []string
	for {
		tok, err := d.Token()
		if err != nil {
			return code, msg, code != "" || msg != ""
		}
		switch t := tok.(type) {
		case xml.StartElement:
			stack = append(stack, t.Name.Local)
		case xml.EndElement:
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		case xml.CharData:
			if len(stack) == 0 {
				continue
			}
			switch stack[len(stack)-1] {
			case "Code":
				if code == "" {
					code = strings.TrimSpace(string(t))
				}
			case "Message":
				if msg == "" {
					msg = strings.TrimSpace(string(t))
				}
			}
		}
	}
}
