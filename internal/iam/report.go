package iam

import (
	"bytes"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/authn"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/policy"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// The credential report (AWS's CSV, one row for the root user and one per
// IAM user), the Organizations-related operations of an account that
// belongs to no organization, the STS token-version preference, and
// GetHumanReadableSummary of a managed policy.

const kindCredReport = "iam/credreport"

type credReport struct {
	Generated time.Time `json:"generated"`
	CSV       string    `json:"csv"`
}

// A report is reused for four hours, as IAM does; after that
// GetCredentialReport answers ReportExpired until a new one is generated.
const reportTTL = 4 * time.Hour

var reportColumns = []string{"user", "arn", "user_creation_time", "password_enabled", "password_last_used", "password_last_changed",
	"password_next_rotation", "mfa_active", "access_key_1_active", "access_key_1_last_rotated", "access_key_1_last_used_date",
	"access_key_1_last_used_region", "access_key_1_last_used_service", "access_key_2_active", "access_key_2_last_rotated",
	"access_key_2_last_used_date", "access_key_2_last_used_region", "access_key_2_last_used_service", "cert_1_active",
	"cert_1_last_rotated", "cert_2_active", "cert_2_last_rotated"}

func reportTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05+00:00") }

func (c *call) buildReport(r store.Reader) (string, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(reportColumns)
	acct := c.account()
	created := time.Time{}
	if a := c.snap.accounts.get(acct); a != nil {
		created = a.Created
	}
	mfas, err := accountMFA(r, acct)
	if err != nil {
		return "", err
	}
	keyCols := func(keys []*KeyEntry) []string {
		var out []string
		for i := range 2 {
			if i < len(keys) {
				out = append(out, fmt.Sprint(keys[i].Status == "Active"), reportTime(keys[i].Created), "N/A", "N/A", "N/A")
			} else {
				out = append(out, "false", "N/A", "N/A", "N/A", "N/A")
			}
		}
		return out
	}
	// The root user: its password is not IAM's to report.
	row := []string{"<root_account>", authn.RootARN(acct), reportTime(created), "not_supported", "N/A", "not_supported", "not_supported", "false"}
	row = append(row, keyCols(c.snap.ownerKeyList(acct+"/"))...)
	row = append(row, "false", "N/A", "false", "N/A")
	_ = w.Write(row)
	var users []*UserEntry
	for _, u := range c.snap.users.all() {
		if u.Account == acct {
			users = append(users, u)
		}
	}
	sort.Slice(users, func(i, j int) bool { return strings.ToLower(users[i].Name) < strings.ToLower(users[j].Name) })
	for _, u := range users {
		lp, err := getJSON[LoginProfile](r, kindLoginProfile, u.Account+"/"+u.ID)
		if err != nil {
			return "", err
		}
		pwEnabled, pwChanged, pwNext := "false", "N/A", "N/A"
		if lp != nil {
			pwEnabled, pwChanged = "true", reportTime(lp.Changed)
			if pol, _ := getJSON[PasswordPolicy](r, kindPasswordPolicy, acct); pol != nil && pol.MaxPasswordAge > 0 {
				pwNext = reportTime(lp.Changed.Add(time.Duration(pol.MaxPasswordAge) * 24 * time.Hour))
			}
		}
		mfa := false
		for _, d := range mfas {
			mfa = mfa || d.UserID == u.ID
		}
		row := []string{u.Name, u.arn, reportTime(u.Created), pwEnabled, "N/A", pwChanged, pwNext, fmt.Sprint(mfa)}
		row = append(row, keyCols(c.snap.ownerKeyList(entityKey(acct, u.Name)))...)
		certs, err := userCreds(r, kindSigningCert, &u.User)
		if err != nil {
			return "", err
		}
		for i := range 2 {
			if i < len(certs) {
				row = append(row, fmt.Sprint(certs[i].Status == "Active"), reportTime(certs[i].Created))
			} else {
				row = append(row, "false", "N/A")
			}
		}
		_ = w.Write(row)
	}
	w.Flush()
	return buf.String(), nil
}

func opGenerateCredentialReport(c *call, in *generateCredentialReportIn) (*generateCredentialReportOut, error) {
	if err := c.allow("*", nil); err != nil {
		return nil, err
	}
	state, desc := "COMPLETE", ""
	err := c.update(func(tx store.Tx) error {
		old, err := getJSON[credReport](tx, kindCredReport, c.account())
		if err != nil {
			return err
		}
		if old != nil && c.s.now().Sub(old.Generated) < reportTTL {
			return nil
		}
		// Generation is immediate; the first answer still says STARTED,
		// as AWS's does, so clients poll once and then read it.
		state, desc = "STARTED", "No report exists. Starting a new report generation task"
		csvText, err := c.buildReport(tx)
		if err != nil {
			return err
		}
		return putJSON(tx, kindCredReport, c.account(), &credReport{Generated: c.s.now().UTC(), CSV: csvText})
	})
	if err != nil {
		return nil, err
	}
	return &generateCredentialReportOut{state, desc}, nil
}

func opGetCredentialReport(c *call, in *getCredentialReportIn) (*getCredentialReportOut, error) {
	if err := c.allow("*", nil); err != nil {
		return nil, err
	}
	var rep *credReport
	if err := c.view(func(r store.Reader) (err error) {
		rep, err = getJSON[credReport](r, kindCredReport, c.account())
		return err
	}); err != nil {
		return nil, err
	}
	if rep == nil {
		return nil, awserr.ReportNotPresent.New("Report not present. Please run GenerateCredentialReport.")
	}
	if c.s.now().Sub(rep.Generated) >= reportTTL {
		return nil, awserr.ReportExpired.New("The credential report has expired. To generate a new credential report, use GenerateCredentialReport.")
	}
	return &getCredentialReportOut{base64.StdEncoding.EncodeToString([]byte(rep.CSV)), "text/csv", isoTime(rep.Generated)}, nil
}

// opNoOrganization answers the operations that need the account to be in
// an organization (gatehouse accounts never are).
func opNoOrganization(c *call, in *noOrganizationIn) (*noOutput, error) {
	if err := c.allow("*", nil); err != nil {
		return done(err)
	}
	return done(awserr.OrganizationNotFound.New("The request was rejected because no organization is associated with your account."))
}

func opGetOrganizationsAccessReport(c *call, in *getOrganizationsAccessReportIn) (*noOutput, error) {
	id := in.JobId
	if len(id) < 36 || len(id) > 36 {
		return done(validation(id, "jobId", "Member must have length between 36 and 36"))
	}
	if err := c.allow("*", nil); err != nil {
		return done(err)
	}
	// No report can have been generated outside an organization.
	return done(awserr.NoSuchEntity.Errorf("No report exists for job %s.", id))
}

func opSetSecurityTokenServicePreferences(c *call, in *setSecurityTokenServicePreferencesIn) (*noOutput, error) {
	v := in.GlobalEndpointTokenVersion
	if v != "v1Token" && v != "v2Token" {
		return done(validation(v, "globalEndpointTokenVersion", "Member must satisfy enum value set: [v1Token, v2Token]"))
	}
	if err := c.allow("*", nil); err != nil {
		return done(err)
	}
	// gatehouse's session tokens are valid in every region whatever the
	// preference: it is accepted and has no other effect.
	return done(nil)
}

// opGetHumanReadableSummary summarizes a managed policy's default version
// in English: one line per statement, effect, actions and resources.
func opGetHumanReadableSummary(c *call, in *getHumanReadableSummaryIn) (*getHumanReadableSummaryOut, error) {
	arn := in.EntityArn
	if len(arn) < 20 || len(arn) > 2048 {
		return nil, validation(arn, "entityArn", "Member must have length between 20 and 2048")
	}
	locale := in.Locale
	if locale == "" {
		locale = "en"
	}
	if locale != "en" && locale != "en-US" {
		return nil, awserr.InvalidInput.Errorf("Locale %s is not supported.", locale)
	}
	if err := c.allow(arn, nil); err != nil {
		return nil, err
	}
	pe := c.snap.Policy(arn)
	if pe == nil || pe.Account != c.account() && pe.Account != awsAccount {
		return nil, awserr.NoSuchEntity.Errorf("Entity %s was not found.", arn)
	}
	v := pe.Version(pe.DefaultVersion)
	if v == nil {
		return nil, awserr.NoSuchEntity.Errorf("Entity %s was not found.", arn)
	}
	if _, err := policy.Parse([]byte(v.Document), policy.ParseOptions{Type: policy.TypeIdentity, Trusted: true}); err != nil {
		return nil, awserr.ServiceFailure.New("The policy could not be summarized.")
	}
	var doc struct{ Statement json.RawMessage }
	_ = json.Unmarshal([]byte(v.Document), &doc)
	var stmts []map[string]json.RawMessage
	if json.Unmarshal(doc.Statement, &stmts) != nil {
		var one map[string]json.RawMessage
		_ = json.Unmarshal(doc.Statement, &one)
		stmts = []map[string]json.RawMessage{one}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Policy %s (version %s):\n", pe.Name, pe.DefaultVersion)
	for i, st := range stmts {
		var effect string
		_ = json.Unmarshal(st["Effect"], &effect)
		verb := "Allows"
		if effect == "Deny" {
			verb = "Denies"
		}
		what := "actions " + strings.Join(stringsOf(st["Action"]), ", ")
		if st["NotAction"] != nil {
			what = "every action except " + strings.Join(stringsOf(st["NotAction"]), ", ")
		}
		on := "resources " + strings.Join(stringsOf(st["Resource"]), ", ")
		if st["NotResource"] != nil {
			on = "every resource except " + strings.Join(stringsOf(st["NotResource"]), ", ")
		}
		fmt.Fprintf(&b, "%d. %s %s on %s", i+1, verb, what, on)
		if st["Condition"] != nil {
			var cond map[string]map[string]json.RawMessage
			_ = json.Unmarshal(st["Condition"], &cond)
			var keys []string
			for op, kv := range cond {
				for k := range kv {
					keys = append(keys, op+" "+k)
				}
			}
			sort.Strings(keys)
			fmt.Fprintf(&b, ", when %s", strings.Join(keys, " and "))
		}
		b.WriteString(".\n")
	}
	return &getHumanReadableSummaryOut{b.String(), locale, "AVAILABLE"}, nil
}

// stringsOf reads a policy element that is a string or a list of strings.
func stringsOf(raw json.RawMessage) []string {
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}
	}
	var many []string
	_ = json.Unmarshal(raw, &many)
	return many
}

type generateCredentialReportOut struct {
	State       string
	Description string "xml:\",omitempty\""
}

type generateCredentialReportIn struct{}

type getCredentialReportOut struct {
	Content       string
	ReportFormat  string
	GeneratedTime string
}

type getCredentialReportIn struct{}

type noOrganizationIn struct{}

type getOrganizationsAccessReportIn struct {
	JobId string
}

type setSecurityTokenServicePreferencesIn struct {
	GlobalEndpointTokenVersion string
}

type getHumanReadableSummaryOut struct {
	SummaryContent string
	Locale         string
	SummaryState   string
}

type getHumanReadableSummaryIn struct {
	EntityArn string
	Locale    string
}
