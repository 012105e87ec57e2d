package sts

import (
	"net/http"
	"time"
)

type oidcCache struct {
	client *http.Client
	now    func() time.Time
}

func newOIDCCache(c *http.Client, now func() time.Time) *oidcCache {
	return &oidcCache{client: c, now: now}
}
