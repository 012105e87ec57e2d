package gateway

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"

	"github.com/gatehouse-dev/gatehouse/internal/apigw"
	"github.com/gatehouse-dev/gatehouse/internal/authn"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// clientCert is the certificate a stage presents to HTTPS backends
// (Stage.clientCertificateId), as API Gateway does: the backend can verify
// that a request comes through the gateway.
type clientCert struct {
	id   string
	cert *tls.Certificate
}

type clientCertCtxKey struct{}

func withClientCert(ctx context.Context, c *clientCert) context.Context {
	if c == nil {
		return ctx
	}
	return context.WithValue(ctx, clientCertCtxKey{}, c)
}

func clientCertFrom(ctx context.Context) *clientCert {
	c, _ := ctx.Value(clientCertCtxKey{}).(*clientCert)
	return c
}

// loadClientCert reads the stage's client certificate and key. Only a
// certificate of the stage's own account and region is used (the control
// plane checks it too); one that is missing or unreadable is not
// presented, and an HTTPS backend that requires one then refuses the
// handshake (500 from the gateway, as any backend failure).
func loadClientCert(r store.Reader, box *authn.SecretBox, st *apigw.StageRecord, cache map[string]*clientCert) (*clientCert, error) {
	id := st.Stage.ClientCertificateID
	if id == "" {
		return nil, nil
	}
	if c, ok := cache[id]; ok {
		return c, nil
	}
	rec, err := r.Get(apigw.KindClientCert, id)
	if errors.Is(err, store.ErrNotFound) {
		cache[id] = nil
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var cr apigw.ClientCertRecord
	if err := json.Unmarshal(rec.Value, &cr); err != nil {
		return nil, err
	}
	if cr.Account != st.Account || cr.Region != st.Region || box == nil {
		return nil, nil
	}
	key, err := box.Open(cr.Key, apigw.ClientCertKeyLabel(id))
	if err != nil {
		// A key not sealed under this master key (or a record from before
		// keys were sealed) is not presented.
		cache[id] = nil
		return nil, nil
	}
	pair, err := tls.X509KeyPair([]byte(cr.Cert.PemEncodedCertificate), []byte(key))
	if err != nil {
		cache[id] = nil
		return nil, nil
	}
	c := &clientCert{id: id, cert: &pair}
	cache[id] = c
	return c, nil
}
