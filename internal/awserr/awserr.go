package awserr

import (
	"errors"
	"fmt"
)

// Fault says who is to blame, as AWS Query errors report it in <Type>.
type Fault uint8

const (
	Sender   Fault = iota // the client's request is wrong (4xx)
	Receiver              // the server failed (5xx)
)

func (f Fault) String() string {
	if f == Receiver {
		return "Receiver"
	}
	return "Sender"
}

// Code is a catalogue entry: an AWS error code with its HTTP status and the
// wire details some services attach to it. Codes are values; use New or
// Errorf to make an error from one.
type Code struct {
	Name   string // the AWS error code, e.g. "NoSuchEntity"
	Status int    // HTTP status
	// MessageKey is the JSON member that carries the message in REST-JSON and
	// execute-api bodies: "message" (the default when empty) or "Message"
	// (API Gateway access denials, several Lambda errors).
	MessageKey string
	// BodyType, when set, is written as the JSON member "Type" (Lambda's
	// "User"/"Service" classification).
	BodyType string
	// DefaultMessage is used when New is given an empty message.
	DefaultMessage string
}

// New returns an error with this code and message.
func (c Code) New(msg string) *Error {
	if msg == "" {
		msg = c.DefaultMessage
	}
	return &Error{Code: c.Name, Status: c.Status, Fault: faultOf(c.Status), Message: msg, MessageKey: c.MessageKey, BodyType: c.BodyType}
}

// Errorf returns an error with this code and a formatted message.
func (c Code) Errorf(format string, args ...any) *Error {
	return c.New(fmt.Sprintf(format, args...))
}

// Is reports whether err is an *Error with this code.
func (c Code) Is(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == c.Name
}

func faultOf(status int) Fault {
	if status >= 500 {
		return Receiver
	}
	return Sender
}

// Error is an AWS error as a client sees it, plus a private cause.
type Error struct {
	Code       string
	Status     int
	Fault      Fault
	Message    string
	MessageKey string // see Code.MessageKey
	BodyType   string // see Code.BodyType
	// Fields are extra members of a JSON error body (e.g. Lambda's "Reason").
	Fields map[string]string
	// Header holds extra response headers (e.g. Retry-After).
	Header map[string]string
	// Cause is for the server log only; it is never rendered to the client.
	Cause error
}

func (e *Error) Error() string {
	if e.Cause != nil {
		return e.Code + ": " + e.Message + ": " + e.Cause.Error()
	}
	return e.Code + ": " + e.Message
}

// Unwrap returns the private cause.
func (e *Error) Unwrap() error { return e.Cause }

// WithCause returns a copy of e that records cause for the log.
func (e *Error) WithCause(cause error) *Error {
	c := *e
	c.Cause = cause
	return &c
}

// WithField returns a copy of e with an extra JSON body member.
func (e *Error) WithField(k, v string) *Error {
	c := *e
	c.Fields = make(map[string]string, len(e.Fields)+1)
	for fk, fv := range e.Fields {
		c.Fields[fk] = fv
	}
	c.Fields[k] = v
	return &c
}

// WithHeader returns a copy of e with an extra response header.
func (e *Error) WithHeader(k, v string) *Error {
	c := *e
	c.Header = make(map[string]string, len(e.Header)+1)
	for hk, hv := range e.Header {
		c.Header[hk] = hv
	}
	c.Header[k] = v
	return &c
}

// From returns err as an *Error. Anything that is not one becomes
// InternalFailure with err as its private cause, so no Go error text ever
// reaches a client.
func From(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return InternalFailure.New("").WithCause(err)
}

var catalogue []Code

// define adds c to the catalogue; every Code variable is declared through it
// so tests can render the whole catalogue in every wire format.
func define(c Code) Code {
	catalogue = append(catalogue, c)
	return c
}

// Catalogue returns every defined code, in declaration order.
func Catalogue() []Code { return append([]Code(nil), catalogue...) }
