package iam

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/base64"
	"encoding/json"
	"image/png"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	arnpkg "github.com/gatehouse-dev/gatehouse/internal/arn"
	"github.com/gatehouse-dev/gatehouse/internal/authn"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// Virtual MFA devices with real TOTP (RFC 6238: HMAC-SHA1, 30-second
// steps, 6 digits, the parameters of AWS's virtual devices), verified with
// github.com/pquerna/otp. A device is enabled for a user with two
// consecutive codes; GetSessionToken and AssumeRole then take its serial
// number and a current code, and the credentials they issue carry
// aws:MultiFactorAuthPresent and aws:MultiFactorAuthAge.
//
// Devices are records of their own, read from the store by the operations
// that need them: they take no part in authorizing requests signed with
// keys, so the snapshot does not hold them. A code is accepted once (RFC
// 6238 §5.2): each device remembers the last time step it accepted.

const kindMFA = "iam/mfa"

// MFADevice is a virtual MFA device.
type MFADevice struct {
	Account string      `json:"account"`
	Name    string      `json:"name"`
	Path    string      `json:"path"`
	Seed    string      `json:"seed"` // the base32 seed, sealed with the master key
	Created time.Time   `json:"created"`
	Tags    []authn.Tag `json:"tags,omitempty"`
	// The user it is enabled for (lower-case name, and unique id so that a
	// user deleted and re-created does not inherit it).
	User     string    `json:"user,omitempty"`
	UserID   string    `json:"user_id,omitempty"`
	Enabled  time.Time `json:"enabled,omitzero"`
	LastStep int64     `json:"last_step,omitempty"`
}

// Serial returns the device's serial number, its ARN.
func (d *MFADevice) Serial() string { return arnpkg.MFA(d.Account, d.Path, d.Name) }

// mfaKey is a virtual MFA device's store key: its serial's resource after
// "mfa/", that is path (without the leading "/") and name. AWS's serial
// names the path, so "/a/" and "/b/" may each hold a device "x"; devices
// on the root path keep the name-only key earlier versions stored.
func mfaKey(account, path, name string) string {
	return entityKey(account, strings.TrimPrefix(path, "/")+name)
}

// mfaKeyOf is mfaKey for the resource part ("mfa/PATH/NAME") of a serial.
func mfaKeyOf(account, res string) string {
	return entityKey(account, strings.TrimPrefix(res, "mfa/"))
}

var (
	mfaPathRE   = regexp.MustCompile(`^(/|/[\x21-\x7E]+/)$`)
	mfaSerialRE = regexp.MustCompile(`^[\w+=/:,.@-]{9,256}$`)
	mfaCodeRE   = regexp.MustCompile(`^\d{6}$`)
)

var totpOpts = totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// totpStep returns the step in [from, to] whose code is code, or -1.
func totpStep(seed, code string, from, to int64) int64 {
	for s := from; s <= to; s++ {
		c, err := totp.GenerateCodeCustom(seed, time.Unix(s*30, 0), totpOpts)
		if err == nil && c == code {
			return s
		}
	}
	return -1
}

func stepOf(t time.Time) int64 { return t.Unix() / 30 }

func (c *call) view(fn func(r store.Reader) error) error {
	_, err := c.s.store.View(c.ctx, fn)
	return err
}

type xmlMFADevice struct {
	UserName     string
	SerialNumber string
	EnableDate   string
}

type xmlVirtualMFADevice struct {
	SerialNumber     string
	Base32StringSeed string           `xml:",omitempty"`
	QRCodePNG        string           `xml:",omitempty"`
	User             *xmlUser         `xml:",omitempty"`
	EnableDate       string           `xml:",omitempty"`
	Tags             *members[xmlTag] `xml:",omitempty"`
}

func noSuchMFA(serial string) error {
	return awserr.NoSuchEntity.Errorf("VirtualMFADevice with serial number %s doesn't exist.", serial)
}

func opCreateVirtualMFADevice(c *call, in *createVirtualMFADeviceIn) (*createVirtualMFADeviceOut, error) {
	name := in.VirtualMFADeviceName
	if err := checkName(name, "virtualMFADeviceName", 226); err != nil {
		return nil, err
	}
	path := in.Path
	if path == "" {
		path = "/"
	} else if len(path) > 512 {
		return nil, validation(path, "path", "Member must have length less than or equal to 512")
	} else if !entityPath(path) {
		return nil, errBadPath
	}
	tags, err := parseTags(in.Tags)
	if err != nil {
		return nil, err
	}
	serial := arnpkg.MFA(c.account(), path, name)
	if err := c.allow(serial, tagContext(tags)); err != nil {
		return nil, err
	}
	// 40 random bytes: a 64-character base32 seed, the length AWS issues.
	raw := make([]byte, 40)
	if _, err := rand.Read(raw); err != nil {
		return nil, err
	}
	seed := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(raw)
	d := &MFADevice{Account: c.account(), Name: name, Path: path, Seed: c.s.box.Seal(seed, "mfa/"+mfaKey(c.account(), path, name)),
		Created: c.s.now().UTC(), Tags: tags}
	err = c.update(func(tx store.Tx) error {
		// A device an earlier version made at this path sits under its
		// name alone (see getMFA).
		if path != "/" {
			old, err := getJSON[MFADevice](tx, kindMFA, mfaKey(d.Account, "/", name))
			if err != nil {
				return err
			}
			if old != nil && old.Path == path {
				return awserr.EntityAlreadyExists.New("MFADevice entity at the same path and name already exists.")
			}
		}
		if err := createJSON(tx, kindMFA, mfaKey(d.Account, path, name), d); err == store.ErrExists {
			return awserr.EntityAlreadyExists.New("MFADevice entity at the same path and name already exists.")
		} else {
			return err
		}
	})
	if err != nil {
		return nil, err
	}
	// The QR code is the otpauth URI authenticator apps scan; AWS labels
	// it NAME@ACCOUNT (the alias, when the account has one).
	label := name + "@" + c.accountLabel()
	key, err := otp.NewKeyFromURL("otpauth://totp/" + url.PathEscape(label) + "?secret=" + seed + "&issuer=" + url.QueryEscape("Amazon Web Services"))
	if err != nil {
		return nil, err
	}
	img, err := key.Image(200, 200)
	if err != nil {
		return nil, err
	}
	var pngBuf bytes.Buffer
	if err := png.Encode(&pngBuf, img); err != nil {
		return nil, err
	}
	return &createVirtualMFADeviceOut{xmlVirtualMFADevice{SerialNumber: d.Serial(),
		Base32StringSeed: base64.StdEncoding.EncodeToString([]byte(seed)), QRCodePNG: base64.StdEncoding.EncodeToString(pngBuf.Bytes()),
		Tags: xmlTags(tags)}}, nil
}

// accountLabel is the account's alias if it has one, else its id.
func (c *call) accountLabel() string {
	if a := c.snap.accounts.get(c.account()); a != nil && a.Alias != "" {
		return a.Alias
	}
	return c.account()
}

// mfaSerial validates SerialNumber and returns the store key of the
// virtual device it names in the caller's account ("" for a serial that
// cannot be one: a hardware device's, or another account's).
func (c *call) mfaSerial(serialNumber string) (serial, key string, err error) {
	serial = serialNumber
	if serial == "" {
		return "", "", validation("", "serialNumber", "Member must not be null")
	}
	if !mfaSerialRE.MatchString(serial) {
		return "", "", validation(serial, "serialNumber", `Member must satisfy regular expression pattern: [\w+=/:,.@-]+`)
	}
	acct, res, ok := arnpkg.ParseIAM(serial)
	if !ok || acct != c.account() || !strings.HasPrefix(res, "mfa/") {
		return serial, "", nil
	}
	return serial, mfaKeyOf(acct, res), nil
}

func getMFA(r store.Reader, key *string, serial string) (*MFADevice, error) {
	if *key == "" {
		return nil, noSuchMFA(serial)
	}
	d, err := getJSON[MFADevice](r, kindMFA, *key)
	if err != nil {
		return nil, err
	}
	if d == nil {
		// Earlier versions keyed every device by its name alone, whatever
		// its path: a device they made under a path is found there, and
		// key becomes the one its record (and its sealed seed) uses.
		acct, res, _ := arnpkg.ParseIAM(serial)
		if old := entityKey(acct, arnpkg.Name(res)); old != *key {
			if d, err = getJSON[MFADevice](r, kindMFA, old); err != nil {
				return nil, err
			}
			if d != nil && d.Serial() == serial {
				*key = old
			}
		}
	}
	if d == nil || d.Serial() != serial {
		return nil, noSuchMFA(serial)
	}
	return d, nil
}

func (c *call) mfaCodes(code1, code2 string) (string, string, error) {
	c1, c2 := code1, code2
	for i, v := range []string{c1, c2} {
		member := []string{"authenticationCode1", "authenticationCode2"}[i]
		if v == "" {
			return "", "", validation("", member, "Member must not be null")
		}
		if !mfaCodeRE.MatchString(v) {
			return "", "", validation(v, member, `Member must satisfy regular expression pattern: [\d]+ and have length 6`)
		}
	}
	return c1, c2, nil
}

// consecutive finds two consecutive steps whose codes are c1 and c2, the
// second no later than the next step from now and within window steps
// before it.
func consecutive(seed, c1, c2 string, now time.Time, window int64) (int64, bool) {
	cur := stepOf(now)
	for s := cur + 1; s >= cur-window; s-- {
		if totpStep(seed, c2, s, s) == s && totpStep(seed, c1, s-1, s-1) == s-1 {
			return s, true
		}
	}
	return 0, false
}

func invalidCode() error {
	return awserr.InvalidAuthenticationCode.New("Authentication code for device is not valid.")
}

// opEnableMFADevice assigns a virtual device to a user, proven by two
// consecutive codes (the device's clock is checked, as AWS does).
func opEnableMFADevice(c *call, in *enableMFADeviceIn) (*noOutput, error) {
	u, err := c.userTarget(in.UserName, true, nil)
	if err != nil {
		return done(err)
	}
	serial, key, err := c.mfaSerial(in.SerialNumber)
	if err != nil {
		return done(err)
	}
	c1, c2, err := c.mfaCodes(in.AuthenticationCode1, in.AuthenticationCode2)
	if err != nil {
		return done(err)
	}
	return done(c.update(func(tx store.Tx) error {
		d, err := getMFA(tx, &key, serial)
		if err != nil {
			return err
		}
		if d.UserID != "" {
			return awserr.EntityAlreadyExists.New("MFA Device is already in use.")
		}
		n, err := countUserMFA(tx, u.Account, u.ID)
		if err != nil {
			return err
		}
		if n >= 8 {
			return awserr.LimitExceeded.New("Cannot exceed quota for MFADevicesPerUser: 8")
		}
		seed, err := c.s.box.Open(d.Seed, "mfa/"+key)
		if err != nil {
			return err
		}
		// The second code from at most ten minutes ago up to the next step.
		step, ok := consecutive(seed, c1, c2, c.s.now(), 20)
		if !ok {
			return invalidCode()
		}
		d.User, d.UserID, d.Enabled, d.LastStep = strings.ToLower(u.Name), u.ID, c.s.now().UTC(), step
		return putJSON(tx, kindMFA, key, d)
	}))
}

func accountMFA(r store.Reader, account string) ([]*MFADevice, error) {
	recs, err := r.List(kindMFA, account+"/")
	if err != nil {
		return nil, err
	}
	out := make([]*MFADevice, 0, len(recs))
	for _, rec := range recs {
		d := new(MFADevice)
		if err := json.Unmarshal(rec.Value, d); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

func countUserMFA(r store.Reader, account, userID string) (int, error) {
	ds, err := accountMFA(r, account)
	n := 0
	for _, d := range ds {
		if d.UserID == userID {
			n++
		}
	}
	return n, err
}

func opResyncMFADevice(c *call, in *resyncMFADeviceIn) (*noOutput, error) {
	u, err := c.userTarget(in.UserName, true, nil)
	if err != nil {
		return done(err)
	}
	serial, key, err := c.mfaSerial(in.SerialNumber)
	if err != nil {
		return done(err)
	}
	c1, c2, err := c.mfaCodes(in.AuthenticationCode1, in.AuthenticationCode2)
	if err != nil {
		return done(err)
	}
	return done(c.update(func(tx store.Tx) error {
		d, err := getMFA(tx, &key, serial)
		if err != nil {
			return err
		}
		if d.UserID != u.ID {
			return noSuchMFA(serial)
		}
		seed, err := c.s.box.Open(d.Seed, "mfa/"+key)
		if err != nil {
			return err
		}
		// Resynchronization looks further (a device whose clock drifted),
		// but never accepts a step already used.
		step, ok := consecutive(seed, c1, c2, c.s.now().Add(30*time.Minute), 120)
		if !ok || step <= d.LastStep {
			return invalidCode()
		}
		d.LastStep = step
		return putJSON(tx, kindMFA, key, d)
	}))
}

func opDeactivateMFADevice(c *call, in *deactivateMFADeviceIn) (*noOutput, error) {
	u, err := c.userTarget(in.UserName, false, nil)
	if err != nil {
		return done(err)
	}
	serial, key, err := c.mfaSerial(in.SerialNumber)
	if err != nil {
		return done(err)
	}
	return done(c.update(func(tx store.Tx) error {
		d, err := getMFA(tx, &key, serial)
		if err != nil {
			return err
		}
		if d.UserID != u.ID {
			return awserr.NoSuchEntity.Errorf("MFA Device with serial number %s does not exist.", serial)
		}
		d.User, d.UserID, d.Enabled = "", "", time.Time{}
		return putJSON(tx, kindMFA, key, d)
	}))
}

func opDeleteVirtualMFADevice(c *call, in *deleteVirtualMFADeviceIn) (*noOutput, error) {
	serial, key, err := c.mfaSerial(in.SerialNumber)
	if err != nil {
		return done(err)
	}
	if err := c.allow(serial, nil); err != nil {
		return done(err)
	}
	return done(c.update(func(tx store.Tx) error {
		d, err := getMFA(tx, &key, serial)
		if err != nil {
			return err
		}
		if d.UserID != "" {
			return awserr.DeleteConflict.New("MFA device is already in use.")
		}
		return tx.Delete(kindMFA, key)
	}))
}

func opListMFADevices(c *call, in *listMFADevicesIn) (*listMFADevicesOut, error) {
	u, err := c.userTarget(in.UserName, false, nil)
	if err != nil {
		return nil, err
	}
	var ds []*MFADevice
	err = c.view(func(r store.Reader) error {
		all, err := accountMFA(r, u.Account)
		for _, d := range all {
			if d.UserID == u.ID {
				ds = append(ds, d)
			}
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i].Serial() < ds[j].Serial() })
	pg, marker, trunc, err := page(in.Marker, in.MaxItems, ds, func(d *MFADevice) string { return d.Serial() })
	if err != nil {
		return nil, err
	}
	out := make([]xmlMFADevice, len(pg))
	for i, d := range pg {
		out[i] = xmlMFADevice{UserName: u.Name, SerialNumber: d.Serial(), EnableDate: isoTime(d.Enabled)}
	}
	return &listMFADevicesOut{list(out), trunc, marker}, nil
}

func opListVirtualMFADevices(c *call, in *listVirtualMFADevicesIn) (*listVirtualMFADevicesOut, error) {
	status := in.AssignmentStatus
	switch status {
	case "", "Any", "Assigned", "Unassigned":
	default:
		return nil, validation(status, "assignmentStatus", "Member must satisfy enum value set: [Unassigned, Any, Assigned]")
	}
	if err := c.allow(arnpkg.MFA(c.account(), "/", "*"), nil); err != nil {
		return nil, err
	}
	var ds []*MFADevice
	err := c.view(func(r store.Reader) error {
		all, err := accountMFA(r, c.account())
		for _, d := range all {
			if status == "Assigned" && d.UserID == "" || status == "Unassigned" && d.UserID != "" {
				continue
			}
			ds = append(ds, d)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i].Serial() < ds[j].Serial() })
	pg, marker, trunc, err := page(in.Marker, in.MaxItems, ds, func(d *MFADevice) string { return d.Serial() })
	if err != nil {
		return nil, err
	}
	out := make([]xmlVirtualMFADevice, len(pg))
	for i, d := range pg {
		out[i] = xmlVirtualMFADevice{SerialNumber: d.Serial(), Tags: xmlTags(d.Tags)}
		if u := c.snap.User(d.Account, d.User); d.UserID != "" && u != nil && u.ID == d.UserID {
			x := userXML(&u.User, false)
			out[i].User, out[i].EnableDate = &x, isoTime(d.Enabled)
		}
	}
	return &listVirtualMFADevicesOut{list(out), trunc, marker}, nil
}

func opGetMFADevice(c *call, in *getMFADeviceIn) (*getMFADeviceOut, error) {
	serial, key, err := c.mfaSerial(in.SerialNumber)
	if err != nil {
		return nil, err
	}
	var u *UserEntry
	if in.UserName != "" {
		if u, err = c.userTarget(in.UserName, true, nil); err != nil {
			return nil, err
		}
	} else if err := c.allow(serial, nil); err != nil {
		return nil, err
	}
	var d *MFADevice
	if err := c.view(func(r store.Reader) (err error) { d, err = getMFA(r, &key, serial); return err }); err != nil {
		return nil, err
	}
	if d.UserID == "" || u != nil && d.UserID != u.ID {
		return nil, noSuchMFA(serial)
	}
	return &getMFADeviceOut{d.User, serial, isoTime(d.Enabled)}, nil
}

// mfaTagTarget resolves SerialNumber for the tagging operations.
func (c *call) mfaTagTarget(serialNumber string, fn func(d *MFADevice) error) (*MFADevice, error) {
	serial, key, err := c.mfaSerial(serialNumber)
	if err != nil {
		return nil, err
	}
	if err := c.allow(serial, nil); err != nil {
		return nil, err
	}
	var d *MFADevice
	if fn == nil {
		err = c.view(func(r store.Reader) (err error) { d, err = getMFA(r, &key, serial); return err })
		return d, err
	}
	return nil, c.update(func(tx store.Tx) error {
		d, err := getMFA(tx, &key, serial)
		if err != nil {
			return err
		}
		if err := fn(d); err != nil {
			return err
		}
		return putJSON(tx, kindMFA, key, d)
	})
}

func opTagMFADevice(c *call, in *tagMFADeviceIn) (*noOutput, error) {
	tags, err := parseTags(in.Tags)
	if err != nil {
		return done(err)
	}
	_, err = c.mfaTagTarget(in.SerialNumber, func(d *MFADevice) error {
		d.Tags = mergeTags(d.Tags, tags)
		return tooManyTags(d.Tags)
	})
	return done(err)
}

func opUntagMFADevice(c *call, in *untagMFADeviceIn) (*noOutput, error) {
	keys, err := checkTagKeys(in.TagKeys)
	if err != nil {
		return done(err)
	}
	_, err = c.mfaTagTarget(in.SerialNumber, func(d *MFADevice) error {
		d.Tags = removeTags(d.Tags, keys)
		return nil
	})
	return done(err)
}

func opListMFADeviceTags(c *call, in *listMFADeviceTagsIn) (*tagsPageOut, error) {
	d, err := c.mfaTagTarget(in.SerialNumber, nil)
	if err != nil {
		return nil, err
	}
	return tagsPage(in.Marker, in.MaxItems, d.Tags)
}

// VerifyMFA checks a code of the virtual MFA device serial for the caller
// of GetSessionToken or AssumeRole: the device must be enabled for the
// calling user and the code current (this step or the one either side)
// and not used before. It returns STS's AccessDenied otherwise.
func (s *Service) VerifyMFA(ctx context.Context, p *authn.Principal, serial, code string) error {
	fail := awserr.AccessDenied.New("MultiFactorAuthentication failed with invalid MFA one time pass code. ")
	if p == nil || p.Kind != authn.User {
		return fail
	}
	acct, res, ok := arnpkg.ParseIAM(serial)
	if !ok || acct != p.AccountID || !strings.HasPrefix(res, "mfa/") || !mfaCodeRE.MatchString(code) {
		return fail
	}
	key := mfaKeyOf(acct, res)
	_, err := s.store.Update(ctx, func(tx store.Tx) error {
		d, err := getMFA(tx, &key, serial)
		if err != nil {
			if awserr.NoSuchEntity.Is(err) {
				return fail
			}
			return err
		}
		if d.UserID == "" || d.UserID != p.UniqueID {
			return fail
		}
		seed, err := s.box.Open(d.Seed, "mfa/"+key)
		if err != nil {
			return fail
		}
		cur := stepOf(s.now())
		step := totpStep(seed, code, max(cur-1, d.LastStep+1), cur+1)
		if step < 0 {
			return fail
		}
		d.LastStep = step
		return putJSON(tx, kindMFA, key, d)
	})
	return err
}

type createVirtualMFADeviceOut struct {
	VirtualMFADevice xmlVirtualMFADevice
}

type createVirtualMFADeviceIn struct {
	requestTagsIn
	Path                 string
	VirtualMFADeviceName string
}

type enableMFADeviceIn struct {
	AuthenticationCode1 string
	AuthenticationCode2 string
	SerialNumber        string
	UserName            string
}

type resyncMFADeviceIn struct {
	AuthenticationCode1 string
	AuthenticationCode2 string
	SerialNumber        string
	UserName            string
}

type deactivateMFADeviceIn struct {
	SerialNumber string
	UserName     string
}

type deleteVirtualMFADeviceIn struct {
	SerialNumber string
}

type listMFADevicesOut struct {
	MFADevices  *members[xmlMFADevice]
	IsTruncated bool
	Marker      string "xml:\",omitempty\""
}

type listMFADevicesIn struct {
	Marker   string
	MaxItems string
	UserName string
}

type listVirtualMFADevicesOut struct {
	VirtualMFADevices *members[xmlVirtualMFADevice]
	IsTruncated       bool
	Marker            string "xml:\",omitempty\""
}

type listVirtualMFADevicesIn struct {
	AssignmentStatus string
	Marker           string
	MaxItems         string
}

type getMFADeviceOut struct {
	UserName     string
	SerialNumber string
	EnableDate   string
}

type getMFADeviceIn struct {
	SerialNumber string
	UserName     string
}

type tagMFADeviceIn struct {
	requestTagsIn
	SerialNumber string
}

type untagMFADeviceIn struct {
	untagIn
	SerialNumber string
}

type listMFADeviceTagsIn struct {
	Marker       string
	MaxItems     string
	SerialNumber string
}
