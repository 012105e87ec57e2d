package awsproto

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"
)

// Meta is what the server knows about a request in flight. The server
// creates it; handlers fill in Operation and Principal so that logs and
// metrics can name them.
type Meta struct {
	RequestID string
	Service   string // "iam", "sts", "apigateway", "lambda", "execute-api", "gatehouse"
	Operation string // e.g. "CreateUser"; "" until a handler knows it
	Principal string // caller ARN once authenticated
}

type metaKey struct{}

// WithMeta returns ctx carrying m.
func WithMeta(ctx context.Context, m *Meta) context.Context {
	return context.WithValue(ctx, metaKey{}, m)
}

// MetaFrom returns the request's Meta. It never returns nil: a request that
// did not pass through the server gets a fresh Meta with a new request id.
func MetaFrom(ctx context.Context) *Meta {
	if m, ok := ctx.Value(metaKey{}).(*Meta); ok {
		return m
	}
	return &Meta{RequestID: NewRequestID()}
}

// SetOperation records the operation name for logs and metrics.
func SetOperation(ctx context.Context, op string) {
	if m, ok := ctx.Value(metaKey{}).(*Meta); ok {
		m.Operation = op
	}
}

// NewRequestID returns a random UUID v4 in AWS's textual form. Request ids
// must be unique, not secret, so they come from math/rand/v2's per-thread
// ChaCha8 source rather than a getrandom system call per request.
func NewRequestID() string {
	var b [16]byte
	binary.LittleEndian.PutUint64(b[0:8], rand.Uint64())
	binary.LittleEndian.PutUint64(b[8:16], rand.Uint64())
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:36], b[10:16])
	return string(out[:])
}
