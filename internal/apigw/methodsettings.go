package apigw

import (
	"strconv"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// Method settings are patched at /{method key}/{setting}/{name}, the
// method key being "{resource path}/{VERB}" or "*/*". AWS keys the
// stage's methodSettings map by the method key exactly as the patch wrote
// it, without its leading slash: "/~1pets~1{id}/GET/logging/loglevel"
// (the documented, ~1-escaped form) is the key "~1pets~1{id}/GET", and
// "/pets/{id}/GET/metrics/enabled" (what Terraform sends from a
// method_path with the leading slash trimmed) is "pets/{id}/GET", which
// is the key Terraform then reads back. The resource path may thus hold
// unescaped slashes: the setting is the last two segments and the verb
// the one before. Removing "/{method key}" (Terraform's delete, "/*/*"
// included) drops the whole entry.

// methodSettingNames are the settings of a MethodSetting, by patch path.
var methodSettingNames = map[string]bool{
	"metrics/enabled": true, "logging/loglevel": true, "logging/dataTrace": true,
	"throttling/burstLimit": true, "throttling/rateLimit": true,
	"caching/enabled": true, "caching/ttlInSeconds": true, "caching/dataEncrypted": true,
	"caching/requireAuthorizationForCacheControl":    true,
	"caching/unauthorizedCacheControlHeaderStrategy": true,
}

func newMethodSetting() MethodSetting {
	return MethodSetting{ThrottlingRateLimit: DefaultRateLimit, ThrottlingBurstLimit: DefaultBurstLimit,
		CacheTTLInSeconds: 300, LoggingLevel: "OFF", RequireAuthorizationForCacheControl: true,
		UnauthorizedCacheControlHeaderStrategy: "SUCCEED_WITH_RESPONSE_HEADER"}
}

// validMethodKey: "*/*", or a resource path (any spelling) and a verb or
// "*" after its last slash.
func validMethodKey(key string) bool {
	i := strings.LastIndexByte(key, '/')
	if i < 0 {
		return false
	}
	verb := key[i+1:]
	return verb == "*" || validVerbs[verb]
}

func applyMethodSettingPatch(st *StageRecord, op PatchOp) error {
	p := strings.TrimPrefix(op.Path, "/")
	if !strings.HasPrefix(op.Path, "/") || p == "" {
		return badPatch(op)
	}
	if st.Stage.MethodSettings == nil {
		st.Stage.MethodSettings = map[string]MethodSetting{}
	}
	parts := strings.Split(p, "/")
	if op.Op == "remove" && validMethodKey(p) {
		if _, ok := st.Stage.MethodSettings[p]; !ok {
			// AWS answers a removal of an absent key with success: a
			// destroy after a partial apply must not fail.
			return nil
		}
		delete(st.Stage.MethodSettings, p)
		return nil
	}
	if len(parts) < 4 {
		return badPatch(op)
	}
	setting := strings.Join(parts[len(parts)-2:], "/")
	key := strings.Join(parts[:len(parts)-2], "/")
	if !methodSettingNames[setting] || !validMethodKey(key) {
		return badPatch(op)
	}
	if op.Op != "replace" && op.Op != "add" && op.Op != "remove" {
		return badPatch(op)
	}
	ms, ok := st.Stage.MethodSettings[key]
	if !ok {
		ms = newMethodSetting()
	}
	v := op.Value
	if op.Op == "remove" {
		// Removing one setting restores its default.
		def := newMethodSetting()
		setMethodSettingDefault(&ms, &def, setting)
		st.Stage.MethodSettings[key] = ms
		return nil
	}
	boolean := func(dst *bool) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return awserr.BadRequestException.Errorf("Invalid value for %s: %s", setting, echo(v))
		}
		*dst = b
		return nil
	}
	var err error
	switch setting {
	case "metrics/enabled":
		err = boolean(&ms.MetricsEnabled)
	case "logging/dataTrace":
		err = boolean(&ms.DataTraceEnabled)
	case "caching/enabled":
		err = boolean(&ms.CachingEnabled)
	case "caching/dataEncrypted":
		err = boolean(&ms.CacheDataEncrypted)
	case "caching/requireAuthorizationForCacheControl":
		err = boolean(&ms.RequireAuthorizationForCacheControl)
	case "logging/loglevel":
		switch v {
		case "OFF", "ERROR", "INFO":
			ms.LoggingLevel = v
		default:
			return awserr.BadRequestException.Errorf("Invalid logging level: %s. Valid options are OFF, ERROR, INFO", echo(v))
		}
	case "caching/unauthorizedCacheControlHeaderStrategy":
		switch v {
		case "FAIL_WITH_403", "SUCCEED_WITH_RESPONSE_HEADER", "SUCCEED_WITHOUT_RESPONSE_HEADER":
			ms.UnauthorizedCacheControlHeaderStrategy = v
		default:
			return awserr.BadRequestException.Errorf("Invalid unauthorizedCacheControlHeaderStrategy: %s", echo(v))
		}
	case "throttling/rateLimit":
		// -1 (Terraform's default) turns the method's throttle off: the
		// stage-wide or account-level one applies (ThrottleFor).
		f, perr := strconv.ParseFloat(v, 64)
		if perr != nil || f < -1 {
			return awserr.BadRequestException.New("Invalid value for rateLimit")
		}
		ms.ThrottlingRateLimit = f
	case "throttling/burstLimit":
		n, perr := strconv.Atoi(v)
		if perr != nil || n < -1 {
			return awserr.BadRequestException.New("Invalid value for burstLimit")
		}
		ms.ThrottlingBurstLimit = n
	case "caching/ttlInSeconds":
		n, perr := strconv.Atoi(v)
		if perr != nil || n < 0 || n > 3600 {
			return awserr.BadRequestException.New("Cache TTL must be between 0 and 3600 seconds")
		}
		ms.CacheTTLInSeconds = n
	}
	if err != nil {
		return err
	}
	st.Stage.MethodSettings[key] = ms
	return nil
}

func setMethodSettingDefault(ms, def *MethodSetting, setting string) {
	switch setting {
	case "metrics/enabled":
		ms.MetricsEnabled = def.MetricsEnabled
	case "logging/dataTrace":
		ms.DataTraceEnabled = def.DataTraceEnabled
	case "logging/loglevel":
		ms.LoggingLevel = def.LoggingLevel
	case "caching/enabled":
		ms.CachingEnabled = def.CachingEnabled
	case "caching/dataEncrypted":
		ms.CacheDataEncrypted = def.CacheDataEncrypted
	case "caching/requireAuthorizationForCacheControl":
		ms.RequireAuthorizationForCacheControl = def.RequireAuthorizationForCacheControl
	case "caching/unauthorizedCacheControlHeaderStrategy":
		ms.UnauthorizedCacheControlHeaderStrategy = def.UnauthorizedCacheControlHeaderStrategy
	case "throttling/rateLimit":
		ms.ThrottlingRateLimit = def.ThrottlingRateLimit
	case "throttling/burstLimit":
		ms.ThrottlingBurstLimit = def.ThrottlingBurstLimit
	case "caching/ttlInSeconds":
		ms.CacheTTLInSeconds = def.CacheTTLInSeconds
	}
}

// MethodSettingFor returns the settings that apply to the method verb of
// the resource at path (as stored, "/pets/{id}"): the method's own entry,
// whatever spelling of the key wrote it (escaped, unescaped, with or
// without the leading slash), else "*/*"'s.
func MethodSettingFor(st *Stage, path, verb string) (MethodSetting, bool) {
	if ms, ok := OwnMethodSetting(st, path, verb); ok {
		return ms, true
	}
	if ms, ok := st.MethodSettings["*/*"]; ok {
		return ms, true
	}
	return MethodSetting{}, false
}

// OwnMethodSetting is the method's own entry of st's method settings,
// whatever spelling of the key wrote it ("*/*" not included).
func OwnMethodSetting(st *Stage, path, verb string) (MethodSetting, bool) {
	for k, ms := range st.MethodSettings {
		if k == "*/*" {
			continue
		}
		i := strings.LastIndexByte(k, '/')
		if i < 0 || k[i+1:] != verb {
			continue
		}
		p := unescapePointer(k[:i])
		if !strings.HasPrefix(p, "/") {
			p = "/" + p
		}
		if p == path {
			return ms, true
		}
	}
	return MethodSetting{}, false
}

// ThrottleFor returns the throttle of the method verb of the resource at
// path: its own method setting's rate and burst, each of them negative
// (off) falling back to "*/*"'s, then to the account-level default.
func ThrottleFor(st *Stage, path, verb string) (rate float64, burst int) {
	rate, burst = DefaultRateLimit, DefaultBurstLimit
	layers := []MethodSetting{}
	if ms, ok := st.MethodSettings["*/*"]; ok {
		layers = append(layers, ms)
	}
	if ms, ok := MethodSettingFor(st, path, verb); ok {
		layers = append(layers, ms)
	}
	for _, ms := range layers {
		if ms.ThrottlingRateLimit >= 0 {
			rate = ms.ThrottlingRateLimit
		}
		if ms.ThrottlingBurstLimit >= 0 {
			burst = ms.ThrottlingBurstLimit
		}
	}
	return rate, burst
}

// applyStageSettingPatch patches the stage's own settings other than
// method settings.
func applyStageSettingPatch(tx store.Tx, st *StageRecord, op PatchOp) error {
	v := valueOrEmpty(op)
	switch op.Path {
	case "/cacheClusterSize":
		if err := validCacheSize(v); err != nil {
			return err
		}
		st.Stage.CacheClusterSize = v
	case "/clientCertificateId":
		if v != "" {
			// Only a certificate of the stage's own account and region.
			cr, err := loadClientCert(tx, v)
			if err != nil {
				return err
			}
			if cr.Account != st.Account || cr.Region != st.Region {
				return errClientCert
			}
		}
		st.Stage.ClientCertificateID = v
	case "/documentationVersion":
		st.Stage.DocumentationVersion = v
	case "/accessLogSettings":
		if op.Op != "remove" {
			return badPatch(op)
		}
		st.Stage.AccessLogSettings = nil
	case "/accessLogSettings/destinationArn", "/accessLogSettings/format":
		if st.Stage.AccessLogSettings == nil {
			st.Stage.AccessLogSettings = &AccessLogSettings{}
		}
		if op.Path == "/accessLogSettings/format" {
			st.Stage.AccessLogSettings.Format = v
		} else {
			st.Stage.AccessLogSettings.DestinationARN = v
		}
		if *st.Stage.AccessLogSettings == (AccessLogSettings{}) {
			st.Stage.AccessLogSettings = nil
		}
	default:
		return badPatch(op)
	}
	return nil
}
