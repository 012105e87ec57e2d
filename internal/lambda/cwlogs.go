package lambda

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/arn"
	"github.com/gatehouse-dev/gatehouse/internal/authn"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/awsproto"
	"github.com/gatehouse-dev/gatehouse/internal/lambda/runtime"
	"github.com/gatehouse-dev/gatehouse/internal/pipeline"
	"github.com/gatehouse-dev/gatehouse/internal/reqbody"
)

// Logs serves functions' logs through the CloudWatch Logs API (JSON 1.1,
// X-Amz-Target Logs_20140328.*), so `aws logs tail /aws/lambda/FN`,
// `aws logs filter-log-events`, the SDKs and `gatehouse logs` read them
// through the server, signed and authorized as logs:<Action>, as on AWS.
// The subset: FilterLogEvents, GetLogEvents, DescribeLogGroups and
// DescribeLogStreams over the log groups /aws/lambda/<function> of the
// caller's account and signing region, and log groups as records
// (CreateLogGroup, DeleteLogGroup, PutRetentionPolicy,
// DeleteRetentionPolicy: cwlogs_groups.go). Every other operation is
// UnknownOperationException.
//
// A node serves the logs of the functions it ran (the log lives in its data
// dir, not in the shared store).
type Logs struct{ s *Service }

// Logs returns the CloudWatch Logs handler over s's function logs.
func (s *Service) Logs() *Logs { return &Logs{s: s} }

// LogsOperations are the operations Logs serves: its metrics labels.
func LogsOperations() []string {
	return []string{"CreateLogGroup", "DeleteLogGroup", "DeleteRetentionPolicy", "DescribeLogGroups", "DescribeLogStreams",
		"FilterLogEvents", "GetLogEvents", "PutRetentionPolicy"}
}

const (
	logsTargetPrefix = "Logs_20140328."
	// maxLogsRequest bounds a request body: the largest input (64
	// logStreamNames of 512 bytes and a filter pattern) is far below it.
	maxLogsRequest = 64 << 10
	// maxLogsResponse is CloudWatch Logs' bound on the events of one
	// response: "up to 1 MB (up to 10,000 log events)".
	maxLogsResponse  = 1 << 20
	maxEventsLimit   = 10000
	maxDescribeLimit = 50
	lambdaGroup      = "/aws/lambda/"
)

func (l *Logs) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := l.serve(w, r); err != nil {
		awsproto.WriteAWSJSONError(w, r, "1.1", err)
	}
}

func (l *Logs) serve(w http.ResponseWriter, r *http.Request) error {
	target := r.Header.Get("X-Amz-Target")
	op, ok := strings.CutPrefix(target, logsTargetPrefix)
	if r.Method != http.MethodPost || r.URL.Path != "/" || !ok {
		return awserr.LogsUnknownOperation.New("")
	}
	var h func(*request, []byte) (any, error)
	switch op {
	case "FilterLogEvents":
		h = l.filterLogEvents
	case "GetLogEvents":
		h = l.getLogEvents
	case "DescribeLogGroups":
		h = l.describeLogGroups
	case "DescribeLogStreams":
		h = l.describeLogStreams
	case "CreateLogGroup":
		h = l.createLogGroup
	case "DeleteLogGroup":
		h = l.deleteLogGroup
	case "PutRetentionPolicy":
		h = l.putRetentionPolicy
	case "DeleteRetentionPolicy":
		h = l.deleteRetentionPolicy
	default:
		return awserr.LogsUnknownOperation.Errorf("gatehouse serves functions' logs and log groups only (%s); operation %s is unknown", strings.Join(LogsOperations(), ", "), sanitizeOp(op))
	}
	awsproto.SetOperation(r.Context(), op)
	s := l.s
	if s.cfg.Authn == nil {
		return awserr.ServiceUnavailable.New("The logs service is not configured.")
	}
	caller, vr, b, err := s.cfg.Authn.ReadRequest(w, r, "logs", maxLogsRequest)
	switch {
	case errors.Is(err, reqbody.ErrTooLarge):
		return awserr.LogsSerialization.New("Request body too large")
	case reqbody.IsReadError(err):
		return awserr.LogsSerialization.New("Could not read request body").WithCause(err)
	case err != nil:
		return authn.JSONError(err)
	}
	defer b.Release()
	awsproto.MetaFrom(r.Context()).Principal = caller.ARN
	region := vr.Region
	if !regionRE.MatchString(region) {
		// The region names a directory of the data dir: only a region's
		// shape may (a signed scope can carry any string).
		return awserr.LogsInvalidParameter.New("The signing region is not a region")
	}
	out, err := h(&request{r: r, caller: caller, region: region}, b.Bytes())
	if err != nil {
		return err
	}
	return awsproto.WriteJSON11(w, out)
}

// sanitizeOp keeps an operation name fit for a message.
func sanitizeOp(op string) string {
	if len(op) > 64 || !opNameRE.MatchString(op) {
		return "(invalid)"
	}
	return op
}

// decode parses a JSON 1.1 body into v strictly: one object, members of the
// operation's model only, no trailing data. An empty body is an empty
// object.
func decode(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return awserr.LogsSerialization.New("Start of structure or map found where not expected, or unknown member: " + jsonErrText(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return awserr.LogsSerialization.New("Unexpected data after the request object")
	}
	return nil
}

// jsonErrText is encoding/json's complaint without the Go type names.
func jsonErrText(err error) string {
	var ute *json.UnmarshalTypeError
	if errors.As(err, &ute) {
		return "member " + ute.Field + " has the wrong type"
	}
	msg := err.Error()
	if i := strings.Index(msg, "unknown field "); i >= 0 {
		return msg[i:]
	}
	return "malformed JSON"
}

// logGroup is a resolved /aws/lambda/<function> log group of the caller's
// account and region.
type logGroup struct {
	account, region, name, function string
}

func (g logGroup) path(dataDir string) string {
	return LogPath(dataDir, g.account, g.region, g.function)
}

// groupARN is the log group's ARN as DescribeLogGroups reports it ("arn"
// carries a trailing ":*"; logGroupArn does not).
func (g logGroup) groupARN() string { return arn.LogGroup(g.region, g.account, g.name) }

// resourceARN is what CloudWatch Logs authorizes an operation on: the log
// stream ARN, with an empty stream name for operations on the whole group.
func (g logGroup) resourceARN(stream string) string {
	return arn.LogStream(g.region, g.account, g.name, stream)
}

var (
	logGroupNameRE  = regexp.MustCompile(`^[\.\-_/#A-Za-z0-9]{1,512}$`)
	logStreamNameRE = regexp.MustCompile(`^[^:*]{1,512}$`)
	// logGroupPatternRE is DescribeLogGroups' logGroupNamePattern charset.
	logGroupPatternRE = regexp.MustCompile(`^[\.\-_/#A-Za-z0-9]*$`)
	opNameRE          = regexp.MustCompile(`^[A-Za-z0-9]*$`)
)

// resolveGroup reads logGroupName / logGroupIdentifier (exactly one, as
// AWS requires): a name, or a log group ARN of the caller's account and
// region. A group that is not a function's, or of another account, does
// not exist here.
func resolveGroup(q *request, name, identifier *string) (logGroup, error) {
	g := logGroup{account: q.caller.AccountID, region: q.region}
	switch {
	case name != nil && identifier != nil:
		return g, awserr.LogsInvalidParameter.New("LogGroup name and LogGroup ARN are mutually exclusive parameters.")
	case name != nil:
		g.name = *name
	case identifier != nil:
		id := strings.TrimSuffix(*identifier, ":*")
		if strings.HasPrefix(id, "arn:") {
			a, err := arn.Parse(id)
			name, isGroup := strings.CutPrefix(a.Resource, "log-group:")
			if err != nil || a.Partition != arn.Partition || a.Service != "logs" || !isGroup {
				return g, awserr.LogsInvalidParameter.New("Invalid log group identifier")
			}
			if a.Region != q.region || a.AccountID != q.caller.AccountID {
				return g, awserr.LogsResourceNotFound.New("The specified log group does not exist.")
			}
			id = name
		}
		g.name = id
	default:
		return g, awserr.LogsInvalidParameter.New("Either LogGroup name or LogGroup ARN must be specified.")
	}
	if !logGroupNameRE.MatchString(g.name) {
		return g, awserr.LogsValidation.Errorf("1 validation error detected: Value '%s' at 'logGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+", g.name)
	}
	fn, ok := strings.CutPrefix(g.name, lambdaGroup)
	if !ok || validateName(fn) != nil {
		// Authorization comes first (below); a group gatehouse has no
		// log for is simply absent.
		g.function = ""
		return g, nil
	}
	g.function = fn
	return g, nil
}

// authorize decides logs:<action> on resource for the caller through the
// shared pipeline (the request's global condition keys, the one denial
// message in the logs service's words).
func (l *Logs) authorize(q *request, action, resource, account string) error {
	s := l.s
	surface := pipeline.Surface{Authz: s.cfg.Authz, Now: s.cfg.Now, Denied: awserr.LogsAccessDenied, Legacy: s.cfg.LegacyDenyMessages}
	_, err := surface.Authorize(&pipeline.Call{Request: q.r, Region: q.region, Caller: q.caller,
		AuthzRequest: pipeline.AuthzRequest{Action: "logs:" + action, Resource: resource, ResourceAccount: account}})
	return err
}

// groupFor resolves, authorizes and checks the existence of a log group.
func (l *Logs) groupFor(q *request, action string, name, identifier *string, stream string) (logGroup, error) {
	g, err := resolveGroup(q, name, identifier)
	if err != nil {
		return g, err
	}
	if err := l.authorize(q, action, g.resourceARN(stream), g.account); err != nil {
		return g, err
	}
	if l.hasEvents(g) {
		return g, nil
	}
	// A created group (a record), possibly without events yet.
	rec, err := l.groupRecordOf(q.r.Context(), g)
	if err != nil {
		return g, err
	}
	if rec == nil {
		return g, errGroupMissing
	}
	return g, nil
}

// position is a place in a log: before the event that is the n-th (from
// 0) of those stamped ts. Events are stored in timestamp order, so a
// position stays valid across appends, rotation and restarts.
type position struct {
	ts int64
	n  int
}

// before reports whether event (ts, ord) comes before p.
func (p position) before(ts int64, ord int) bool {
	return ts < p.ts || ts == p.ts && ord < p.n
}

// Tokens are "<kind>/<ts>/<n>" in unpadded base64url; kind is "f"
// (FilterLogEvents, GetLogEvents forward) or "b" (GetLogEvents backward).
func encodeToken(kind string, p position) string {
	return base64.RawURLEncoding.EncodeToString([]byte(kind + "/" + strconv.FormatInt(p.ts, 10) + "/" + strconv.Itoa(p.n)))
}

func decodeToken(tok string) (kind string, p position, err error) {
	bad := awserr.LogsInvalidParameter.New("The specified nextToken is invalid.")
	if len(tok) > 128 {
		return "", p, bad
	}
	raw, derr := base64.RawURLEncoding.DecodeString(tok)
	if derr != nil {
		return "", p, bad
	}
	parts := strings.Split(string(raw), "/")
	if len(parts) != 3 || parts[0] != "f" && parts[0] != "b" {
		return "", p, bad
	}
	ts, e1 := strconv.ParseInt(parts[1], 10, 64)
	n, e2 := strconv.Atoi(parts[2])
	if e1 != nil || e2 != nil || ts < 0 || n < 0 {
		return "", p, bad
	}
	return parts[0], position{ts, n}, nil
}

// scanned is an event with its ordinal among the events of its timestamp.
type scanned struct {
	runtime.LogEvent
	ord int
}

func (e scanned) eventID() string {
	// Numeric like AWS's, unique per log and stable across reads.
	return strconv.FormatInt(e.Timestamp, 10) + strconv.FormatInt(1_000_000+int64(e.ord), 10)[1:]
}

func (e scanned) pos() position { return position{e.Timestamp, e.ord} }

// scan calls fn with every event of g's log and its ordinal, until fn
// returns false.
func (l *Logs) scan(g logGroup, fn func(scanned) bool) error {
	if g.function == "" {
		return nil // a created group: no function writes into it
	}
	var lastTS int64 = -1
	ord := 0
	err := runtime.ReadLog(g.path(l.s.dataDir), func(ev runtime.LogEvent) bool {
		if ev.Timestamp == lastTS {
			ord++
		} else {
			lastTS, ord = ev.Timestamp, 0
		}
		return fn(scanned{ev, ord})
	})
	if errors.Is(err, fs.ErrNotExist) {
		// A created group without events (its existence was checked).
		return nil
	}
	if err != nil {
		return awserr.ServiceUnavailable.New("").WithCause(err)
	}
	return nil
}

// limitOf checks an optional limit against [1, max] and defaults it.
func limitOf(p *int, max int) (int, error) {
	if p == nil {
		return max, nil
	}
	if *p < 1 || *p > max {
		return 0, awserr.LogsValidation.Errorf("1 validation error detected: Value '%d' at 'limit' failed to satisfy constraint: Member must have value between 1 and %d", *p, max)
	}
	return *p, nil
}

func timeOf(p *int64, name string) (int64, error) {
	if p == nil {
		return -1, nil
	}
	if *p < 0 {
		return 0, awserr.LogsValidation.Errorf("1 validation error detected: Value '%d' at '%s' failed to satisfy constraint: Member must have value greater than or equal to 0", *p, name)
	}
	return *p, nil
}

type filteredEvent struct {
	LogStreamName string `json:"logStreamName"`
	Timestamp     int64  `json:"timestamp"`
	Message       string `json:"message"`
	IngestionTime int64  `json:"ingestionTime"`
	EventID       string `json:"eventId"`
}

type outputEvent struct {
	Timestamp     int64  `json:"timestamp"`
	Message       string `json:"message"`
	IngestionTime int64  `json:"ingestionTime"`
}

func (l *Logs) filterLogEvents(q *request, body []byte) (any, error) {
	var in struct {
		LogGroupName        *string  `json:"logGroupName"`
		LogGroupIdentifier  *string  `json:"logGroupIdentifier"`
		LogStreamNames      []string `json:"logStreamNames"`
		LogStreamNamePrefix *string  `json:"logStreamNamePrefix"`
		StartTime           *int64   `json:"startTime"`
		EndTime             *int64   `json:"endTime"`
		FilterPattern       *string  `json:"filterPattern"`
		NextToken           *string  `json:"nextToken"`
		Limit               *int     `json:"limit"`
		Interleaved         *bool    `json:"interleaved"` // deprecated; events are always interleaved
		Unmask              *bool    `json:"unmask"`      // nothing is masked here
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	limit, err := limitOf(in.Limit, maxEventsLimit)
	if err != nil {
		return nil, err
	}
	start, err := timeOf(in.StartTime, "startTime")
	if err != nil {
		return nil, err
	}
	end, err := timeOf(in.EndTime, "endTime")
	if err != nil {
		return nil, err
	}
	if in.LogStreamNames != nil && in.LogStreamNamePrefix != nil {
		return nil, awserr.LogsInvalidParameter.New("logStreamNames and logStreamNamePrefix are mutually exclusive")
	}
	if in.LogStreamNames != nil && (len(in.LogStreamNames) < 1 || len(in.LogStreamNames) > 100) {
		return nil, awserr.LogsValidation.New("1 validation error detected: Value at 'logStreamNames' failed to satisfy constraint: Member must have length between 1 and 100")
	}
	streams := map[string]bool{}
	for _, n := range in.LogStreamNames {
		if !logStreamNameRE.MatchString(n) {
			return nil, awserr.LogsValidation.New("1 validation error detected: Value at 'logStreamNames' failed to satisfy constraint: Member must satisfy regular expression pattern: [^:*]*")
		}
		streams[n] = true
	}
	prefix := ""
	if in.LogStreamNamePrefix != nil {
		if !logStreamNameRE.MatchString(*in.LogStreamNamePrefix) {
			return nil, awserr.LogsValidation.New("1 validation error detected: Value at 'logStreamNamePrefix' failed to satisfy constraint: Member must satisfy regular expression pattern: [^:*]*")
		}
		prefix = *in.LogStreamNamePrefix
	}
	var match func(string) bool
	if in.FilterPattern != nil {
		if match, err = compileFilter(*in.FilterPattern); err != nil {
			return nil, err
		}
	}
	var from position
	if in.NextToken != nil {
		kind, p, err := decodeToken(*in.NextToken)
		if err != nil || kind != "f" {
			return nil, awserr.LogsInvalidParameter.New("The specified nextToken is invalid.")
		}
		from = p
	}
	g, err := l.groupFor(q, "FilterLogEvents", in.LogGroupName, in.LogGroupIdentifier, "")
	if err != nil {
		return nil, err
	}
	events := []filteredEvent{}
	size := 0
	var next *position
	err = l.scan(g, func(e scanned) bool {
		if from.before(e.Timestamp, e.ord) || start >= 0 && e.Timestamp < start {
			return true
		}
		if end >= 0 && e.Timestamp > end {
			return false // stored in timestamp order: nothing later matches
		}
		if len(streams) > 0 && !streams[e.Stream] || !strings.HasPrefix(e.Stream, prefix) || match != nil && !match(e.Message) {
			return true
		}
		msg := e.Message + "\n"
		if len(events) == limit || size+len(msg)+26 > maxLogsResponse && len(events) > 0 {
			p := e.pos()
			next = &p
			return false
		}
		size += len(msg) + 26 // CloudWatch counts each event's bytes plus 26
		events = append(events, filteredEvent{LogStreamName: e.Stream, Timestamp: e.Timestamp, Message: msg, IngestionTime: e.Timestamp, EventID: e.eventID()})
		return true
	})
	if err != nil {
		return nil, err
	}
	out := struct {
		Events             []filteredEvent `json:"events"`
		SearchedLogStreams []struct{}      `json:"searchedLogStreams"`
		NextToken          *string         `json:"nextToken,omitempty"`
	}{Events: events, SearchedLogStreams: []struct{}{}}
	if next != nil {
		t := encodeToken("f", *next)
		out.NextToken = &t
	}
	return out, nil
}

func (l *Logs) getLogEvents(q *request, body []byte) (any, error) {
	var in struct {
		LogGroupName       *string `json:"logGroupName"`
		LogGroupIdentifier *string `json:"logGroupIdentifier"`
		LogStreamName      *string `json:"logStreamName"`
		StartTime          *int64  `json:"startTime"`
		EndTime            *int64  `json:"endTime"`
		NextToken          *string `json:"nextToken"`
		Limit              *int    `json:"limit"`
		StartFromHead      *bool   `json:"startFromHead"`
		Unmask             *bool   `json:"unmask"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.LogStreamName == nil {
		return nil, awserr.LogsValidation.New("1 validation error detected: Value null at 'logStreamName' failed to satisfy constraint: Member must not be null")
	}
	stream := *in.LogStreamName
	if !logStreamNameRE.MatchString(stream) {
		return nil, awserr.LogsValidation.New("1 validation error detected: Value at 'logStreamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [^:*]*")
	}
	limit, err := limitOf(in.Limit, maxEventsLimit)
	if err != nil {
		return nil, err
	}
	start, err := timeOf(in.StartTime, "startTime")
	if err != nil {
		return nil, err
	}
	end, err := timeOf(in.EndTime, "endTime")
	if err != nil {
		return nil, err
	}
	forward := in.StartFromHead != nil && *in.StartFromHead
	var tok *position
	if in.NextToken != nil {
		kind, p, err := decodeToken(*in.NextToken)
		if err != nil {
			return nil, err
		}
		forward, tok = kind == "f", &p
	}
	g, err := l.groupFor(q, "GetLogEvents", in.LogGroupName, in.LogGroupIdentifier, stream)
	if err != nil {
		return nil, err
	}
	// Forward: the first events at or after the token; backward (the
	// default, and a "b" token): the last events before it. A ring of at
	// most limit events bounds memory either way.
	var ring []scanned
	size, found := 0, false
	err = l.scan(g, func(e scanned) bool {
		if e.Stream != stream {
			return true
		}
		found = true
		if start >= 0 && e.Timestamp < start {
			return true
		}
		if end >= 0 && e.Timestamp >= end {
			return false
		}
		if tok != nil {
			if forward && tok.before(e.Timestamp, e.ord) {
				return true
			}
			if !forward && !tok.before(e.Timestamp, e.ord) {
				return false
			}
		}
		n := len(e.Message) + 26
		if forward {
			if len(ring) == limit || size+n > maxLogsResponse && len(ring) > 0 {
				return false
			}
			ring, size = append(ring, e), size+n
			return true
		}
		ring, size = append(ring, e), size+n
		for len(ring) > limit || size > maxLogsResponse && len(ring) > 1 {
			size -= len(ring[0].Message) + 26
			ring = ring[1:]
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, awserr.LogsResourceNotFound.New("The specified log stream does not exist.")
	}
	events := make([]outputEvent, 0, len(ring))
	for _, e := range ring {
		events = append(events, outputEvent{Timestamp: e.Timestamp, Message: e.Message + "\n", IngestionTime: e.Timestamp})
	}
	// At either end, the token handed back is the one given (AWS's
	// signal that there is nothing more); else the edges of this page.
	var fwd, back position
	switch {
	case len(ring) > 0:
		last := ring[len(ring)-1]
		fwd, back = position{last.Timestamp, last.ord + 1}, ring[0].pos()
	case tok != nil:
		fwd, back = *tok, *tok
	}
	return struct {
		Events            []outputEvent `json:"events"`
		NextForwardToken  string        `json:"nextForwardToken"`
		NextBackwardToken string        `json:"nextBackwardToken"`
	}{events, encodeToken("f", fwd), encodeToken("b", back)}, nil
}

type logGroupOut struct {
	LogGroupName    string `json:"logGroupName"`
	CreationTime    int64  `json:"creationTime"`
	MetricFilterCnt int    `json:"metricFilterCount"`
	Arn             string `json:"arn"`
	StoredBytes     int64  `json:"storedBytes"`
	LogGroupClass   string `json:"logGroupClass"`
	LogGroupArn     string `json:"logGroupArn"`
	RetentionInDays *int   `json:"retentionInDays,omitempty"`
	KmsKeyID        string `json:"kmsKeyId,omitempty"`
}

func (l *Logs) describeLogGroups(q *request, body []byte) (any, error) {
	var in struct {
		AccountIdentifiers    []string `json:"accountIdentifiers"`
		LogGroupNamePrefix    *string  `json:"logGroupNamePrefix"`
		LogGroupNamePattern   *string  `json:"logGroupNamePattern"`
		NextToken             *string  `json:"nextToken"`
		Limit                 *int     `json:"limit"`
		IncludeLinkedAccounts *bool    `json:"includeLinkedAccounts"`
		LogGroupClass         *string  `json:"logGroupClass"`
		LogGroupIdentifiers   []string `json:"logGroupIdentifiers"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if len(in.AccountIdentifiers) > 0 || in.IncludeLinkedAccounts != nil && *in.IncludeLinkedAccounts || len(in.LogGroupIdentifiers) > 0 {
		return nil, awserr.LogsInvalidParameter.New("gatehouse serves the log groups of the caller's own account only: accountIdentifiers, includeLinkedAccounts and logGroupIdentifiers are not supported")
	}
	if in.LogGroupNamePrefix != nil && in.LogGroupNamePattern != nil {
		return nil, awserr.LogsInvalidParameter.New("LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.")
	}
	limit, err := limitOf(in.Limit, maxDescribeLimit)
	if err != nil {
		return nil, err
	}
	prefix, pattern, after := "", "", ""
	if in.LogGroupNamePrefix != nil {
		if !logGroupNameRE.MatchString(*in.LogGroupNamePrefix) {
			return nil, awserr.LogsValidation.New("1 validation error detected: Value at 'logGroupNamePrefix' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+")
		}
		prefix = *in.LogGroupNamePrefix
	}
	if in.LogGroupNamePattern != nil {
		if len(*in.LogGroupNamePattern) > 512 || !logGroupPatternRE.MatchString(*in.LogGroupNamePattern) {
			return nil, awserr.LogsValidation.New("1 validation error detected: Value at 'logGroupNamePattern' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]*")
		}
		pattern = strings.ToLower(*in.LogGroupNamePattern)
	}
	if in.LogGroupClass != nil && *in.LogGroupClass != "STANDARD" {
		return nil, awserr.LogsInvalidParameter.New("Only the STANDARD log group class exists here")
	}
	if in.NextToken != nil {
		raw, err := base64.RawURLEncoding.DecodeString(*in.NextToken)
		if err != nil || !strings.HasPrefix(string(raw), "g/") {
			return nil, awserr.LogsInvalidParameter.New("The specified nextToken is invalid.")
		}
		after = string(raw[2:])
	}
	// DescribeLogGroups is authorized on the account's groups as a whole
	// (AWS's denial names "log-group::log-stream:").
	g := logGroup{account: q.caller.AccountID, region: q.region}
	if err := l.authorize(q, "DescribeLogGroups", g.resourceARN(""), g.account); err != nil {
		return nil, err
	}
	dir := filepath.Dir(LogPath(l.s.dataDir, g.account, g.region, "x"))
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, awserr.ServiceUnavailable.New("").WithCause(err)
	}
	created, err := l.createdGroups(q.r.Context(), g.account, g.region)
	if err != nil {
		return nil, err
	}
	var names []string
	keep := func(name string) bool {
		return strings.HasPrefix(name, prefix) && (pattern == "" || strings.Contains(strings.ToLower(name), pattern)) && name > after
	}
	for _, e := range entries {
		fn, ok := strings.CutSuffix(e.Name(), ".log")
		if !ok || e.IsDir() || validateName(fn) != nil {
			continue
		}
		if name := lambdaGroup + fn; keep(name) && created[name] == nil {
			names = append(names, name)
		}
	}
	for name := range created {
		if keep(name) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	out := struct {
		LogGroups []logGroupOut `json:"logGroups"`
		NextToken *string       `json:"nextToken,omitempty"`
	}{LogGroups: []logGroupOut{}}
	for i, name := range names {
		if i == limit {
			t := base64.RawURLEncoding.EncodeToString([]byte("g/" + names[i-1]))
			out.NextToken = &t
			break
		}
		gr := logGroup{account: g.account, region: g.region, name: name}
		if fn, ok := strings.CutPrefix(name, lambdaGroup); ok && validateName(fn) == nil {
			gr.function = fn
		}
		o := logGroupOut{LogGroupName: name, Arn: gr.groupARN() + ":*", LogGroupArn: gr.groupARN(), LogGroupClass: "STANDARD"}
		if st, err := os.Stat(gr.path(l.s.dataDir)); gr.function != "" && err == nil {
			o.StoredBytes = st.Size()
			o.CreationTime = st.ModTime().UnixMilli()
		}
		if rec := created[name]; rec != nil {
			o.CreationTime = rec.Created
			if rec.Retention > 0 {
				o.RetentionInDays = &rec.Retention
			}
			o.KmsKeyID = rec.KMSKeyID
		} else {
			// The creation time is the first event's when the log has one.
			_ = l.scan(gr, func(e scanned) bool { o.CreationTime = e.Timestamp; return false })
		}
		out.LogGroups = append(out.LogGroups, o)
	}
	return out, nil
}

type logStreamOut struct {
	LogStreamName       string `json:"logStreamName"`
	CreationTime        int64  `json:"creationTime"`
	FirstEventTimestamp int64  `json:"firstEventTimestamp"`
	LastEventTimestamp  int64  `json:"lastEventTimestamp"`
	LastIngestionTime   int64  `json:"lastIngestionTime"`
	Arn                 string `json:"arn"`
	StoredBytes         int64  `json:"storedBytes"`
}

// maxStreams bounds the streams DescribeLogStreams collects from one log
// (each instance is one stream; a log holds at most 16 MB).
const maxStreams = 100000

func (l *Logs) describeLogStreams(q *request, body []byte) (any, error) {
	var in struct {
		LogGroupName        *string `json:"logGroupName"`
		LogGroupIdentifier  *string `json:"logGroupIdentifier"`
		LogStreamNamePrefix *string `json:"logStreamNamePrefix"`
		OrderBy             *string `json:"orderBy"`
		Descending          *bool   `json:"descending"`
		NextToken           *string `json:"nextToken"`
		Limit               *int    `json:"limit"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	limit, err := limitOf(in.Limit, maxDescribeLimit)
	if err != nil {
		return nil, err
	}
	byTime := false
	if in.OrderBy != nil {
		switch *in.OrderBy {
		case "LogStreamName":
		case "LastEventTime":
			byTime = true
		default:
			return nil, awserr.LogsValidation.Errorf("1 validation error detected: Value '%s' at 'orderBy' failed to satisfy constraint: Member must satisfy enum value set: [LogStreamName, LastEventTime]", *in.OrderBy)
		}
	}
	prefix := ""
	if in.LogStreamNamePrefix != nil {
		if byTime {
			return nil, awserr.LogsInvalidParameter.New("Cannot order by LastEventTime with a logStreamNamePrefix.")
		}
		if !logStreamNameRE.MatchString(*in.LogStreamNamePrefix) {
			return nil, awserr.LogsValidation.New("1 validation error detected: Value at 'logStreamNamePrefix' failed to satisfy constraint: Member must satisfy regular expression pattern: [^:*]*")
		}
		prefix = *in.LogStreamNamePrefix
	}
	skip := 0
	if in.NextToken != nil {
		raw, err := base64.RawURLEncoding.DecodeString(*in.NextToken)
		n, cerr := strconv.Atoi(strings.TrimPrefix(string(raw), "s/"))
		if err != nil || !strings.HasPrefix(string(raw), "s/") || cerr != nil || n < 0 || n > maxStreams {
			return nil, awserr.LogsInvalidParameter.New("The specified nextToken is invalid.")
		}
		skip = n
	}
	g, err := l.groupFor(q, "DescribeLogStreams", in.LogGroupName, in.LogGroupIdentifier, "")
	if err != nil {
		return nil, err
	}
	streams := map[string]*logStreamOut{}
	err = l.scan(g, func(e scanned) bool {
		if !strings.HasPrefix(e.Stream, prefix) {
			return true
		}
		st := streams[e.Stream]
		if st == nil {
			if len(streams) == maxStreams {
				return true
			}
			st = &logStreamOut{LogStreamName: e.Stream, CreationTime: e.Timestamp, FirstEventTimestamp: e.Timestamp,
				Arn: g.resourceARN(e.Stream)}
			streams[e.Stream] = st
		}
		st.LastEventTimestamp, st.LastIngestionTime = e.Timestamp, e.Timestamp
		return true
	})
	if err != nil {
		return nil, err
	}
	list := make([]*logStreamOut, 0, len(streams))
	for _, st := range streams {
		list = append(list, st)
	}
	sort.Slice(list, func(i, j int) bool {
		if byTime && list[i].LastEventTimestamp != list[j].LastEventTimestamp {
			return list[i].LastEventTimestamp < list[j].LastEventTimestamp
		}
		return list[i].LogStreamName < list[j].LogStreamName
	})
	if in.Descending != nil && *in.Descending {
		for i, j := 0, len(list)-1; i < j; i, j = i+1, j-1 {
			list[i], list[j] = list[j], list[i]
		}
	}
	out := struct {
		LogStreams []*logStreamOut `json:"logStreams"`
		NextToken  *string         `json:"nextToken,omitempty"`
	}{LogStreams: []*logStreamOut{}}
	if skip < len(list) {
		list = list[skip:]
		if len(list) > limit {
			t := base64.RawURLEncoding.EncodeToString([]byte("s/" + strconv.Itoa(skip+limit)))
			out.NextToken = &t
			list = list[:limit]
		}
		out.LogStreams = list
	}
	return out, nil
}

// compileFilter compiles the subset of CloudWatch Logs' filter pattern
// syntax that matches unstructured log events: an empty pattern matches
// everything; otherwise space-separated terms, each a word or a
// double-quoted phrase, all of which must occur (case-sensitively); a term
// starting with '-' must not occur; "?" before terms makes them
// alternatives (any one may occur). JSON ({...}), space-delimited ([...])
// and regular-expression (%...%) patterns are refused rather than
// mismatched.
func compileFilter(p string) (func(string) bool, error) {
	if len(p) > 1024 {
		return nil, awserr.LogsValidation.New("1 validation error detected: Value at 'filterPattern' failed to satisfy constraint: Member must have length less than or equal to 1024")
	}
	p = strings.TrimSpace(p)
	if p == "" {
		return func(string) bool { return true }, nil
	}
	if strings.HasPrefix(p, "{") || strings.HasPrefix(p, "[") || strings.HasPrefix(p, "%") {
		return nil, awserr.LogsInvalidParameter.New("Invalid filter pattern: gatehouse supports term and phrase patterns only (no JSON, space-delimited or regular-expression patterns)")
	}
	var must, mustNot, any []string
	for len(p) > 0 {
		p = strings.TrimLeft(p, " ")
		if p == "" {
			break
		}
		neg, alt := false, false
		switch p[0] {
		case '-':
			neg, p = true, p[1:]
		case '?':
			alt, p = true, p[1:]
		}
		var term string
		if strings.HasPrefix(p, `"`) {
			end := strings.IndexByte(p[1:], '"')
			if end < 0 {
				return nil, awserr.LogsInvalidParameter.New("Invalid filter pattern: unterminated quoted phrase")
			}
			term, p = p[1:1+end], p[2+end:]
		} else {
			end := strings.IndexByte(p, ' ')
			if end < 0 {
				end = len(p)
			}
			term, p = p[:end], p[end:]
		}
		if term == "" {
			return nil, awserr.LogsInvalidParameter.New("Invalid filter pattern: empty term")
		}
		switch {
		case neg:
			mustNot = append(mustNot, term)
		case alt:
			any = append(any, term)
		default:
			must = append(must, term)
		}
	}
	if len(any) > 0 && (len(must) > 0 || len(mustNot) > 0) {
		return nil, awserr.LogsInvalidParameter.New("Invalid filter pattern: ?term alternatives cannot be combined with other terms")
	}
	return func(msg string) bool {
		for _, t := range mustNot {
			if strings.Contains(msg, t) {
				return false
			}
		}
		for _, t := range must {
			if !strings.Contains(msg, t) {
				return false
			}
		}
		if len(any) == 0 {
			return true
		}
		for _, t := range any {
			if strings.Contains(msg, t) {
				return true
			}
		}
		return false
	}, nil
}
