package iam

import (
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/authn"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// Account aliases, the account password policy, and console passwords
// (login profiles). gatehouse has no console: a password is stored (as a
// PBKDF2 hash) so that the operations answer as AWS does, the password
// policy is enforced on it, and the credential report shows it.

// The alias pattern of IAM's model (accountAliasType).
var aliasRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9]|-[a-z0-9])*$`)

func opCreateAccountAlias(c *call, in *createAccountAliasIn) (*noOutput, error) {
	alias := in.AccountAlias
	if len(alias) < 3 || len(alias) > 63 {
		return done(validation(alias, "accountAlias", "Member must have length between 3 and 63"))
	}
	if !aliasRE.MatchString(alias) {
		return done(validation(alias, "accountAlias", `Member must satisfy regular expression pattern: ^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$`))
	}
	if err := c.allow("*", nil); err != nil {
		return done(err)
	}
	return done(c.update(func(tx store.Tx) error {
		// Aliases are unique across accounts (they name sign-in URLs).
		accts, err := listJSON[Account](tx, kindAccount)
		if err != nil {
			return err
		}
		var mine *Account
		for _, a := range accts {
			if a.ID == c.account() {
				mine = a
			} else if a.Alias == alias {
				return awserr.EntityAlreadyExists.Errorf("The account alias %s already exists.", alias)
			}
		}
		if mine == nil {
			return awserr.NoSuchEntity.New("The account cannot be found.")
		}
		// An account has one alias: a new one replaces it.
		mine.Alias = alias
		return putJSON(tx, kindAccount, mine.ID, mine)
	}))
}

func opDeleteAccountAlias(c *call, in *deleteAccountAliasIn) (*noOutput, error) {
	alias := in.AccountAlias
	if len(alias) < 3 || len(alias) > 63 {
		return done(validation(alias, "accountAlias", "Member must have length between 3 and 63"))
	}
	if err := c.allow("*", nil); err != nil {
		return done(err)
	}
	return done(c.update(func(tx store.Tx) error {
		a, err := getJSON[Account](tx, kindAccount, c.account())
		if err != nil {
			return err
		}
		if a == nil || a.Alias != alias {
			return awserr.NoSuchEntity.Errorf("The account alias %s cannot be found.", alias)
		}
		a.Alias = ""
		return putJSON(tx, kindAccount, a.ID, a)
	}))
}

func opListAccountAliases(c *call, in *listAccountAliasesIn) (*listAccountAliasesOut, error) {
	if err := c.allow("*", nil); err != nil {
		return nil, err
	}
	aliases := []string{}
	if a := c.snap.accounts.get(c.account()); a != nil && a.Alias != "" {
		aliases = append(aliases, a.Alias)
	}
	if _, _, _, err := page(in.Marker, in.MaxItems, aliases, func(s string) string { return s }); err != nil {
		return nil, err
	}
	return &listAccountAliasesOut{list(aliases), false}, nil
}

// PasswordPolicy is an account's password policy.
type PasswordPolicy struct {
	MinimumPasswordLength      int  `json:"min"`
	RequireSymbols             bool `json:"symbols,omitempty"`
	RequireNumbers             bool `json:"numbers,omitempty"`
	RequireUppercaseCharacters bool `json:"upper,omitempty"`
	RequireLowercaseCharacters bool `json:"lower,omitempty"`
	AllowUsersToChangePassword bool `json:"change,omitempty"`
	MaxPasswordAge             int  `json:"max_age,omitempty"`
	PasswordReusePrevention    int  `json:"reuse,omitempty"`
	HardExpiry                 bool `json:"hard_expiry,omitempty"`
}

const kindPasswordPolicy = "iam/passwordpolicy"

func noPasswordPolicy(account string) error {
	return awserr.NoSuchEntity.Errorf("The Password Policy with domain name %s cannot be found.", account)
}

func boolParam(v, member string) (bool, error) {
	switch v {
	case "", "false":
		return false, nil
	case "true":
		return true, nil
	default:
		return false, validation(v, member, "Member must be a boolean")
	}
}

func intParam(v, member string, def, lo, hi int) (int, error) {
	n, vi := intParamV(v, member, def, lo, hi)
	if vi != nil {
		return 0, validation(vi.value, vi.member, vi.constraint)
	}
	return n, nil
}

// intParamV is intParam giving the failed constraint, for operations
// that report all of them at once.
func intParamV(v, member string, def, lo, hi int) (int, *violation) {
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	switch {
	case err != nil:
		return 0, &violation{v, member, "Member must be a number"}
	case n < lo:
		return 0, &violation{v, member, "Member must have value greater than or equal to " + strconv.Itoa(lo)}
	case n > hi:
		return 0, &violation{v, member, "Member must have value less than or equal to " + strconv.Itoa(hi)}
	}
	return n, nil
}

// opUpdateAccountPasswordPolicy sets the policy; a parameter left out
// reverts to its default (the API reference), so the call replaces the
// whole policy.
func opUpdateAccountPasswordPolicy(c *call, in *updateAccountPasswordPolicyIn) (*noOutput, error) {
	var p PasswordPolicy
	var err error
	var vs []violation
	for _, f := range []struct {
		value, member string
		def, lo, hi   int
		dst           *int
	}{
		{in.MinimumPasswordLength, "minimumPasswordLength", 6, 6, 128, &p.MinimumPasswordLength},
		{in.PasswordReusePrevention, "passwordReusePrevention", 0, 1, 24, &p.PasswordReusePrevention},
		{in.MaxPasswordAge, "maxPasswordAge", 0, 1, 1095, &p.MaxPasswordAge},
	} {
		var v *violation
		if *f.dst, v = intParamV(f.value, f.member, f.def, f.lo, f.hi); v != nil {
			vs = append(vs, *v)
		}
	}
	if e := validations(vs); e != nil {
		return done(e)
	}
	for _, b := range []struct {
		value, member string
		dst           *bool
	}{
		{in.RequireSymbols, "requireSymbols", &p.RequireSymbols}, {in.RequireNumbers, "requireNumbers", &p.RequireNumbers},
		{in.RequireUppercaseCharacters, "requireUppercaseCharacters", &p.RequireUppercaseCharacters},
		{in.RequireLowercaseCharacters, "requireLowercaseCharacters", &p.RequireLowercaseCharacters},
		{in.AllowUsersToChangePassword, "allowUsersToChangePassword", &p.AllowUsersToChangePassword},
		{in.HardExpiry, "hardExpiry", &p.HardExpiry},
	} {
		if *b.dst, err = boolParam(b.value, b.member); err != nil {
			return done(err)
		}
	}
	if err := c.allow("*", nil); err != nil {
		return done(err)
	}
	return done(c.update(func(tx store.Tx) error { return putJSON(tx, kindPasswordPolicy, c.account(), &p) }))
}

func (c *call) passwordPolicy(r store.Reader) (*PasswordPolicy, error) {
	return getJSON[PasswordPolicy](r, kindPasswordPolicy, c.account())
}

func opGetAccountPasswordPolicy(c *call, in *getAccountPasswordPolicyIn) (*getAccountPasswordPolicyOut, error) {
	if err := c.allow("*", nil); err != nil {
		return nil, err
	}
	var p *PasswordPolicy
	if err := c.view(func(r store.Reader) (err error) { p, err = c.passwordPolicy(r); return err }); err != nil {
		return nil, err
	}
	if p == nil {
		return nil, noPasswordPolicy(c.account())
	}
	x := xmlPasswordPolicy{p.MinimumPasswordLength, p.RequireSymbols, p.RequireNumbers, p.RequireUppercaseCharacters, p.RequireLowercaseCharacters,
		p.AllowUsersToChangePassword, p.MaxPasswordAge > 0, p.MaxPasswordAge, p.PasswordReusePrevention, nil}
	if p.MaxPasswordAge > 0 {
		x.HardExpiry = &p.HardExpiry
	}
	return &getAccountPasswordPolicyOut{x}, nil
}

func opDeleteAccountPasswordPolicy(c *call, in *deleteAccountPasswordPolicyIn) (*noOutput, error) {
	if err := c.allow("*", nil); err != nil {
		return done(err)
	}
	return done(c.update(func(tx store.Tx) error {
		if err := tx.Delete(kindPasswordPolicy, c.account()); err == store.ErrNotFound {
			// DeleteAccountPasswordPolicy words it as a named account
			// policy, unlike Get (moto's recorded texts for each).
			return awserr.NoSuchEntity.New("The account policy with name PasswordPolicy cannot be found.")
		} else {
			return err
		}
	}))
}

const passwordSymbols = "!@#$%^&*()_+-=[]{}|'"

// checkPassword applies the account's password policy, or AWS's default
// one when the account has none: at least 8 characters of at least three
// of the four kinds (upper case, lower case, digits, symbols).
func checkPassword(pw string, p *PasswordPolicy) error {
	var upper, lower, digit, symbol bool
	for _, r := range pw {
		switch {
		case r >= 'A' && r <= 'Z':
			upper = true
		case r >= 'a' && r <= 'z':
			lower = true
		case r >= '0' && r <= '9':
			digit = true
		case strings.ContainsRune(passwordSymbols, r):
			symbol = true
		}
	}
	ok := true
	if p == nil {
		kinds := 0
		for _, b := range []bool{upper, lower, digit, symbol} {
			if b {
				kinds++
			}
		}
		ok = len(pw) >= 8 && kinds >= 3
	} else {
		ok = len(pw) >= p.MinimumPasswordLength && (!p.RequireSymbols || symbol) && (!p.RequireNumbers || digit) &&
			(!p.RequireUppercaseCharacters || upper) && (!p.RequireLowercaseCharacters || lower)
	}
	if !ok {
		return awserr.PasswordPolicyViolation.New("Password does not conform to the account password policy.")
	}
	return nil
}

// LoginProfile is a user's console password.
type LoginProfile struct {
	Account       string    `json:"account"`
	UserID        string    `json:"user_id"`
	Hash          string    `json:"hash"` // salt$pbkdf2-sha256, base64
	Created       time.Time `json:"created"`
	Changed       time.Time `json:"changed"`
	ResetRequired bool      `json:"reset,omitempty"`
}

const kindLoginProfile = "iam/loginprofile"

// Login profiles are keyed by the user's unique id, which a rename keeps.
func loginKey(u *UserEntry) string { return u.Account + "/" + u.ID }

const pbkdf2Iter = 100_000

func hashPassword(pw string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	k, err := pbkdf2.Key(sha256.New, pw, salt, pbkdf2Iter, 32)
	if err != nil {
		return "", err
	}
	return base64.RawStdEncoding.EncodeToString(salt) + "$" + base64.RawStdEncoding.EncodeToString(k), nil
}

func passwordMatches(hash, pw string) bool {
	s, k, ok := strings.Cut(hash, "$")
	salt, err1 := base64.RawStdEncoding.DecodeString(s)
	want, err2 := base64.RawStdEncoding.DecodeString(k)
	if !ok || err1 != nil || err2 != nil {
		return false
	}
	got, err := pbkdf2.Key(sha256.New, pw, salt, pbkdf2Iter, len(want))
	return err == nil && subtle.ConstantTimeCompare(got, want) == 1
}

var passwordRE = regexp.MustCompile(`^[\t\n\r\x20-\x{FF}]+$`)

func checkPasswordParam(pw, member string) error {
	if len(pw) < 1 || len(pw) > 128 || !passwordRE.MatchString(pw) {
		return validation("*******", member, `Member must have length between 1 and 128 and satisfy regular expression pattern: [\u0009\u000A\u000D\u0020-\u00FF]+`)
	}
	return nil
}

func noLoginProfile(user string) error {
	return awserr.NoSuchEntity.Errorf("Login Profile for User %s cannot be found.", user)
}

type loginProfileOut struct{ LoginProfile xmlLoginProfile }

func loginXML(u *UserEntry, lp *LoginProfile) *loginProfileOut {
	return &loginProfileOut{xmlLoginProfile{u.Name, isoTime(lp.Created), lp.ResetRequired}}
}

func opCreateLoginProfile(c *call, in *createLoginProfileIn) (*loginProfileOut, error) {
	u, err := c.userTarget(in.UserName, false, nil)
	if err != nil {
		return nil, err
	}
	pw := in.Password
	if err := checkPasswordParam(pw, "password"); err != nil {
		return nil, err
	}
	reset, err := boolParam(in.PasswordResetRequired, "passwordResetRequired")
	if err != nil {
		return nil, err
	}
	now := c.s.now().UTC()
	lp := &LoginProfile{Account: u.Account, UserID: u.ID, Created: now, Changed: now, ResetRequired: reset}
	err = c.update(func(tx store.Tx) error {
		pol, err := c.passwordPolicy(tx)
		if err != nil {
			return err
		}
		if err := checkPassword(pw, pol); err != nil {
			return err
		}
		if lp.Hash, err = hashPassword(pw); err != nil {
			return err
		}
		if err := createJSON(tx, kindLoginProfile, loginKey(u), lp); err == store.ErrExists {
			return awserr.EntityAlreadyExists.Errorf("Login Profile for user %s already exists.", u.Name)
		} else {
			return err
		}
	})
	if err != nil {
		return nil, err
	}
	return loginXML(u, lp), nil
}

func opGetLoginProfile(c *call, in *getLoginProfileIn) (*loginProfileOut, error) {
	u, err := c.userTarget(in.UserName, false, nil)
	if err != nil {
		return nil, err
	}
	var lp *LoginProfile
	if err := c.view(func(r store.Reader) (err error) {
		lp, err = getJSON[LoginProfile](r, kindLoginProfile, loginKey(u))
		return err
	}); err != nil {
		return nil, err
	}
	if lp == nil {
		return nil, noLoginProfile(u.Name)
	}
	return loginXML(u, lp), nil
}

func opUpdateLoginProfile(c *call, in *updateLoginProfileIn) (*noOutput, error) {
	u, err := c.userTarget(in.UserName, false, nil)
	if err != nil {
		return done(err)
	}
	pw := str(in.Password)
	if in.Password != nil {
		if err := checkPasswordParam(pw, "password"); err != nil {
			return done(err)
		}
	}
	reset, err := boolParam(str(in.PasswordResetRequired), "passwordResetRequired")
	if err != nil {
		return done(err)
	}
	return done(c.update(func(tx store.Tx) error {
		lp, err := getJSON[LoginProfile](tx, kindLoginProfile, loginKey(u))
		if err != nil || lp == nil {
			return firstErr(err, noLoginProfile(u.Name))
		}
		if in.Password != nil {
			pol, err := c.passwordPolicy(tx)
			if err != nil {
				return err
			}
			if err := checkPassword(pw, pol); err != nil {
				return err
			}
			if lp.Hash, err = hashPassword(pw); err != nil {
				return err
			}
			lp.Changed = c.s.now().UTC()
		}
		if in.PasswordResetRequired != nil {
			lp.ResetRequired = reset
		}
		return putJSON(tx, kindLoginProfile, loginKey(u), lp)
	}))
}

func opDeleteLoginProfile(c *call, in *deleteLoginProfileIn) (*noOutput, error) {
	u, err := c.userTarget(in.UserName, false, nil)
	if err != nil {
		return done(err)
	}
	return done(c.update(func(tx store.Tx) error {
		if err := tx.Delete(kindLoginProfile, loginKey(u)); err == store.ErrNotFound {
			return noLoginProfile(u.Name)
		} else {
			return err
		}
	}))
}

// opChangePassword is an IAM user changing their own password, allowed by
// iam:ChangePassword on themselves; the account's policy must let users
// change passwords (when it has one).
func opChangePassword(c *call, in *changePasswordIn) (*noOutput, error) {
	oldPW, newPW := in.OldPassword, in.NewPassword
	if err := checkPasswordParam(oldPW, "oldPassword"); err != nil {
		return done(err)
	}
	if err := checkPasswordParam(newPW, "newPassword"); err != nil {
		return done(err)
	}
	if c.p.Kind != authn.User {
		return done(awserr.InvalidUserType.New("Only IAM users can change their own password."))
	}
	u := c.snap.User(c.account(), c.p.UserName)
	if u == nil {
		return done(noSuchUser(c.p.UserName))
	}
	if err := c.allow(u.arn, nil); err != nil {
		return done(err)
	}
	return done(c.update(func(tx store.Tx) error {
		lp, err := getJSON[LoginProfile](tx, kindLoginProfile, loginKey(u))
		if err != nil || lp == nil {
			return firstErr(err, noLoginProfile(u.Name))
		}
		if !passwordMatches(lp.Hash, oldPW) {
			return awserr.InvalidUserType.New("The old password was incorrect.")
		}
		pol, err := c.passwordPolicy(tx)
		if err != nil {
			return err
		}
		if pol != nil && !pol.AllowUsersToChangePassword {
			return awserr.AccessDenied.New("The account password policy does not allow users to change their password.")
		}
		if err := checkPassword(newPW, pol); err != nil {
			return err
		}
		if lp.Hash, err = hashPassword(newPW); err != nil {
			return err
		}
		lp.Changed, lp.ResetRequired = c.s.now().UTC(), false
		return putJSON(tx, kindLoginProfile, loginKey(u), lp)
	}))
}

type createAccountAliasIn struct {
	AccountAlias string
}

type deleteAccountAliasIn struct {
	AccountAlias string
}

type listAccountAliasesOut struct {
	AccountAliases *members[string]
	IsTruncated    bool
}

type listAccountAliasesIn struct {
	Marker   string
	MaxItems string
}

type updateAccountPasswordPolicyIn struct {
	MinimumPasswordLength, PasswordReusePrevention, MaxPasswordAge     string
	RequireSymbols, RequireNumbers, RequireUppercaseCharacters         string
	RequireLowercaseCharacters, AllowUsersToChangePassword, HardExpiry string
}

type getAccountPasswordPolicyOut struct {
	PasswordPolicy xmlPasswordPolicy
}

type getAccountPasswordPolicyIn struct{}

type deleteAccountPasswordPolicyIn struct{}

type createLoginProfileIn struct {
	Password              string
	UserName              string
	PasswordResetRequired string
}

type getLoginProfileIn struct {
	UserName string
}

type updateLoginProfileIn struct {
	Password              *string
	PasswordResetRequired *string
	UserName              string
}

type deleteLoginProfileIn struct {
	UserName string
}

type changePasswordIn struct {
	NewPassword string
	OldPassword string
}

type xmlLoginProfile struct {
	UserName              string
	CreateDate            string
	PasswordResetRequired bool
}

type xmlPasswordPolicy struct {
	MinimumPasswordLength      int
	RequireSymbols             bool
	RequireNumbers             bool
	RequireUppercaseCharacters bool
	RequireLowercaseCharacters bool
	AllowUsersToChangePassword bool
	ExpirePasswords            bool
	MaxPasswordAge             int   `xml:",omitempty"`
	PasswordReusePrevention    int   `xml:",omitempty"`
	HardExpiry                 *bool `xml:",omitempty"`
}
