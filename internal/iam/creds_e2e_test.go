package iam_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/binary"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	. "github.com/gatehouse-dev/gatehouse/internal/iam/iamtest"
)

// sshRSA renders an RSA public key in OpenSSH form.
func sshRSA(k *rsa.PublicKey) string {
	var b []byte
	put := func(p []byte) {
		b = binary.BigEndian.AppendUint32(b, uint32(len(p)))
		b = append(b, p...)
	}
	mp := func(x *big.Int) []byte {
		p := x.Bytes()
		if p[0]&0x80 != 0 {
			p = append([]byte{0}, p...)
		}
		return p
	}
	put([]byte("ssh-rsa"))
	put(mp(big.NewInt(int64(k.E))))
	put(mp(k.N))
	return "ssh-rsa " + base64.StdEncoding.EncodeToString(b) + " test@example"
}

func selfSigned(t *testing.T, key *rsa.PrivateKey, cn string) string {
	t.Helper()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

// TestAccountSettingsAndPasswords: account alias, password policy and
// login profiles through aws-sdk-go-v2.
func TestAccountSettingsAndPasswords(t *testing.T) {
	srv, ic, _ := rootClients(t)
	for _, tc := range []struct{ alias, code string }{{"ab", "ValidationError"}, {"Upper", "ValidationError"}, {"a--b", "ValidationError"}, {"-ab", "ValidationError"}} {
		_, err := ic.CreateAccountAlias(Ctx, &awsiam.CreateAccountAliasInput{AccountAlias: aws.String(tc.alias)})
		WantCode(t, err, tc.code)
	}
	if _, err := ic.CreateAccountAlias(Ctx, &awsiam.CreateAccountAliasInput{AccountAlias: aws.String("my-corp")}); err != nil {
		t.Fatal(err)
	}
	la, err := ic.ListAccountAliases(Ctx, &awsiam.ListAccountAliasesInput{})
	if err != nil || len(la.AccountAliases) != 1 || la.AccountAliases[0] != "my-corp" {
		t.Fatalf("aliases %+v %v", la, err)
	}
	_, err = ic.DeleteAccountAlias(Ctx, &awsiam.DeleteAccountAliasInput{AccountAlias: aws.String("other")})
	WantCode(t, err, "NoSuchEntity")
	if _, err := ic.DeleteAccountAlias(Ctx, &awsiam.DeleteAccountAliasInput{AccountAlias: aws.String("my-corp")}); err != nil {
		t.Fatal(err)
	}

	_, err = ic.GetAccountPasswordPolicy(Ctx, &awsiam.GetAccountPasswordPolicyInput{})
	if msg := WantCode(t, err, "NoSuchEntity"); msg != "The Password Policy with domain name 000000000000 cannot be found." {
		t.Fatalf("msg %q", msg)
	}
	ic.CreateUser(Ctx, &awsiam.CreateUserInput{UserName: aws.String("carol")})
	// AWS's default policy: 8 characters of three kinds.
	_, err = ic.CreateLoginProfile(Ctx, &awsiam.CreateLoginProfileInput{UserName: aws.String("carol"), Password: aws.String("short")})
	WantCode(t, err, "PasswordPolicyViolation")
	if _, err := ic.UpdateAccountPasswordPolicy(Ctx, &awsiam.UpdateAccountPasswordPolicyInput{MinimumPasswordLength: aws.Int32(12),
		RequireNumbers: true, AllowUsersToChangePassword: true, MaxPasswordAge: aws.Int32(90)}); err != nil {
		t.Fatal(err)
	}
	_, err = ic.UpdateAccountPasswordPolicy(Ctx, &awsiam.UpdateAccountPasswordPolicyInput{MinimumPasswordLength: aws.Int32(5)})
	WantCode(t, err, "ValidationError")
	pp, err := ic.GetAccountPasswordPolicy(Ctx, &awsiam.GetAccountPasswordPolicyInput{})
	if err != nil || *pp.PasswordPolicy.MinimumPasswordLength != 12 || !pp.PasswordPolicy.RequireNumbers || !pp.PasswordPolicy.ExpirePasswords ||
		*pp.PasswordPolicy.MaxPasswordAge != 90 || pp.PasswordPolicy.RequireSymbols {
		t.Fatalf("policy %+v %v", pp.PasswordPolicy, err)
	}
	for _, tc := range []struct{ pw, code string }{{"longbutnodigits", "PasswordPolicyViolation"}, {"short1", "PasswordPolicyViolation"}, {"longenough123", ""}} {
		_, err := ic.CreateLoginProfile(Ctx, &awsiam.CreateLoginProfileInput{UserName: aws.String("carol"), Password: aws.String(tc.pw), PasswordResetRequired: true})
		if tc.code != "" {
			WantCode(t, err, tc.code)
		} else if err != nil {
			t.Fatal(err)
		}
	}
	_, err = ic.CreateLoginProfile(Ctx, &awsiam.CreateLoginProfileInput{UserName: aws.String("carol"), Password: aws.String("longenough123")})
	WantCode(t, err, "EntityAlreadyExists")
	lp, err := ic.GetLoginProfile(Ctx, &awsiam.GetLoginProfileInput{UserName: aws.String("carol")})
	if err != nil || *lp.LoginProfile.UserName != "carol" || !lp.LoginProfile.PasswordResetRequired {
		t.Fatalf("login profile %+v %v", lp, err)
	}
	// carol changes her own password.
	k, _ := ic.CreateAccessKey(Ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("carol")})
	ic.PutUserPolicy(Ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("carol"), PolicyName: aws.String("pw"), PolicyDocument: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ChangePassword","Resource":"arn:aws:iam::*:user/${aws:username}"}]}`)})
	cc := IAM(srv.URL, *k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey, "")
	_, err = cc.ChangePassword(Ctx, &awsiam.ChangePasswordInput{OldPassword: aws.String("wrong-old-1234"), NewPassword: aws.String("brandnew12345")})
	WantCode(t, err, "InvalidUserType")
	if _, err := cc.ChangePassword(Ctx, &awsiam.ChangePasswordInput{OldPassword: aws.String("longenough123"), NewPassword: aws.String("brandnew12345")}); err != nil {
		t.Fatal(err)
	}
	_, err = ic.ChangePassword(Ctx, &awsiam.ChangePasswordInput{OldPassword: aws.String("x"), NewPassword: aws.String("y")})
	WantCode(t, err, "InvalidUserType")
	lp, _ = ic.GetLoginProfile(Ctx, &awsiam.GetLoginProfileInput{UserName: aws.String("carol")})
	if lp.LoginProfile.PasswordResetRequired {
		t.Fatal("reset still required after ChangePassword")
	}
	ic.DeleteUserPolicy(Ctx, &awsiam.DeleteUserPolicyInput{UserName: aws.String("carol"), PolicyName: aws.String("pw")})
	ic.DeleteAccessKey(Ctx, &awsiam.DeleteAccessKeyInput{UserName: aws.String("carol"), AccessKeyId: k.AccessKey.AccessKeyId})
	_, err = ic.DeleteUser(Ctx, &awsiam.DeleteUserInput{UserName: aws.String("carol")})
	WantCode(t, err, "DeleteConflict")
	if _, err := ic.DeleteLoginProfile(Ctx, &awsiam.DeleteLoginProfileInput{UserName: aws.String("carol")}); err != nil {
		t.Fatal(err)
	}
	_, err = ic.GetLoginProfile(Ctx, &awsiam.GetLoginProfileInput{UserName: aws.String("carol")})
	WantCode(t, err, "NoSuchEntity")
	if _, err := ic.DeleteUser(Ctx, &awsiam.DeleteUserInput{UserName: aws.String("carol")}); err != nil {
		t.Fatal(err)
	}
	if _, err := ic.DeleteAccountPasswordPolicy(Ctx, &awsiam.DeleteAccountPasswordPolicyInput{}); err != nil {
		t.Fatal(err)
	}
	_, err = ic.DeleteAccountPasswordPolicy(Ctx, &awsiam.DeleteAccountPasswordPolicyInput{})
	WantCode(t, err, "NoSuchEntity")
}

// TestUserCredentials: SSH public keys, signing certificates and
// service-specific credentials.
func TestUserCredentials(t *testing.T) {
	_, ic, _ := rootClients(t)
	ic.CreateUser(Ctx, &awsiam.CreateUserInput{UserName: aws.String("dev")})
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	for _, tc := range []struct{ name, body, code string }{
		{"garbage", "not a key", "UnrecognizedPublicKeyEncoding"},
		{"dsa", "ssh-dss AAAA", "UnrecognizedPublicKeyEncoding"},
		{"1024 bits", sshRSA(&small.PublicKey), "InvalidPublicKey"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ic.UploadSSHPublicKey(Ctx, &awsiam.UploadSSHPublicKeyInput{UserName: aws.String("dev"), SSHPublicKeyBody: aws.String(tc.body)})
			WantCode(t, err, tc.code)
		})
	}
	up, err := ic.UploadSSHPublicKey(Ctx, &awsiam.UploadSSHPublicKeyInput{UserName: aws.String("dev"), SSHPublicKeyBody: aws.String(sshRSA(&key.PublicKey))})
	if err != nil {
		t.Fatal(err)
	}
	sk := up.SSHPublicKey
	if !strings.HasPrefix(*sk.SSHPublicKeyId, "APKA") || len(strings.Split(*sk.Fingerprint, ":")) != 16 || sk.Status != "Active" {
		t.Fatalf("ssh key %+v", sk)
	}
	_, err = ic.UploadSSHPublicKey(Ctx, &awsiam.UploadSSHPublicKeyInput{UserName: aws.String("dev"), SSHPublicKeyBody: aws.String(sshRSA(&key.PublicKey))})
	WantCode(t, err, "DuplicateSSHPublicKey")
	g, err := ic.GetSSHPublicKey(Ctx, &awsiam.GetSSHPublicKeyInput{UserName: aws.String("dev"), SSHPublicKeyId: sk.SSHPublicKeyId, Encoding: iamtypes.EncodingTypePem})
	if err != nil || !strings.HasPrefix(*g.SSHPublicKey.SSHPublicKeyBody, "-----BEGIN PUBLIC KEY-----") {
		t.Fatalf("pem %+v %v", g, err)
	}
	if _, err := ic.UpdateSSHPublicKey(Ctx, &awsiam.UpdateSSHPublicKeyInput{UserName: aws.String("dev"), SSHPublicKeyId: sk.SSHPublicKeyId, Status: "Inactive"}); err != nil {
		t.Fatal(err)
	}
	ls, err := ic.ListSSHPublicKeys(Ctx, &awsiam.ListSSHPublicKeysInput{UserName: aws.String("dev")})
	if err != nil || len(ls.SSHPublicKeys) != 1 || ls.SSHPublicKeys[0].Status != "Inactive" {
		t.Fatalf("list %+v %v", ls, err)
	}

	cert := selfSigned(t, key, "dev")
	_, err = ic.UploadSigningCertificate(Ctx, &awsiam.UploadSigningCertificateInput{UserName: aws.String("dev"), CertificateBody: aws.String("junk")})
	WantCode(t, err, "MalformedCertificate")
	uc, err := ic.UploadSigningCertificate(Ctx, &awsiam.UploadSigningCertificateInput{UserName: aws.String("dev"), CertificateBody: aws.String(cert)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = ic.UploadSigningCertificate(Ctx, &awsiam.UploadSigningCertificateInput{UserName: aws.String("dev"), CertificateBody: aws.String(cert)})
	WantCode(t, err, "DuplicateCertificate")
	lc, err := ic.ListSigningCertificates(Ctx, &awsiam.ListSigningCertificatesInput{UserName: aws.String("dev")})
	if err != nil || len(lc.Certificates) != 1 || *lc.Certificates[0].CertificateId != *uc.Certificate.CertificateId {
		t.Fatalf("certs %+v %v", lc, err)
	}

	_, err = ic.CreateServiceSpecificCredential(Ctx, &awsiam.CreateServiceSpecificCredentialInput{UserName: aws.String("dev"), ServiceName: aws.String("s3.amazonaws.com")})
	WantCode(t, err, "NotSupportedService")
	sc, err := ic.CreateServiceSpecificCredential(Ctx, &awsiam.CreateServiceSpecificCredentialInput{UserName: aws.String("dev"), ServiceName: aws.String("codecommit.amazonaws.com")})
	if err != nil {
		t.Fatal(err)
	}
	c := sc.ServiceSpecificCredential
	if *c.ServiceUserName != "dev-at-000000000000" || len(*c.ServicePassword) < 20 || !strings.HasPrefix(*c.ServiceSpecificCredentialId, "ACCA") {
		t.Fatalf("credential %+v", c)
	}
	ic.CreateServiceSpecificCredential(Ctx, &awsiam.CreateServiceSpecificCredentialInput{UserName: aws.String("dev"), ServiceName: aws.String("codecommit.amazonaws.com")})
	_, err = ic.CreateServiceSpecificCredential(Ctx, &awsiam.CreateServiceSpecificCredentialInput{UserName: aws.String("dev"), ServiceName: aws.String("codecommit.amazonaws.com")})
	WantCode(t, err, "LimitExceeded")
	rs, err := ic.ResetServiceSpecificCredential(Ctx, &awsiam.ResetServiceSpecificCredentialInput{UserName: aws.String("dev"), ServiceSpecificCredentialId: c.ServiceSpecificCredentialId})
	if err != nil || *rs.ServiceSpecificCredential.ServicePassword == *c.ServicePassword {
		t.Fatalf("reset %+v %v", rs, err)
	}
	lsc, err := ic.ListServiceSpecificCredentials(Ctx, &awsiam.ListServiceSpecificCredentialsInput{UserName: aws.String("dev")})
	if err != nil || len(lsc.ServiceSpecificCredentials) != 2 {
		t.Fatalf("list creds %+v %v", lsc, err)
	}

	_, err = ic.DeleteUser(Ctx, &awsiam.DeleteUserInput{UserName: aws.String("dev")})
	WantCode(t, err, "DeleteConflict")
	ic.DeleteSSHPublicKey(Ctx, &awsiam.DeleteSSHPublicKeyInput{UserName: aws.String("dev"), SSHPublicKeyId: sk.SSHPublicKeyId})
	ic.DeleteSigningCertificate(Ctx, &awsiam.DeleteSigningCertificateInput{UserName: aws.String("dev"), CertificateId: uc.Certificate.CertificateId})
	for _, x := range lsc.ServiceSpecificCredentials {
		if _, err := ic.DeleteServiceSpecificCredential(Ctx, &awsiam.DeleteServiceSpecificCredentialInput{UserName: aws.String("dev"), ServiceSpecificCredentialId: x.ServiceSpecificCredentialId}); err != nil {
			t.Fatal(err)
		}
	}
	_, err = ic.DeleteSSHPublicKey(Ctx, &awsiam.DeleteSSHPublicKeyInput{UserName: aws.String("dev"), SSHPublicKeyId: sk.SSHPublicKeyId})
	WantCode(t, err, "NoSuchEntity")
	if _, err := ic.DeleteUser(Ctx, &awsiam.DeleteUserInput{UserName: aws.String("dev")}); err != nil {
		t.Fatal(err)
	}
}

func TestServerCertificates(t *testing.T) {
	_, ic, _ := rootClients(t)
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	cert := selfSigned(t, key, "www.example.com")
	keyPEM := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}))
	otherPEM := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(other)}))
	for _, tc := range []struct{ name, body, key, code string }{
		{"mismatch", cert, otherPEM, "KeyPairMismatch"},
		{"bad cert", "junk", keyPEM, "MalformedCertificate"},
		{"bad key", cert, "junk", "MalformedCertificate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ic.UploadServerCertificate(Ctx, &awsiam.UploadServerCertificateInput{ServerCertificateName: aws.String("web"),
				CertificateBody: aws.String(tc.body), PrivateKey: aws.String(tc.key)})
			WantCode(t, err, tc.code)
		})
	}
	up, err := ic.UploadServerCertificate(Ctx, &awsiam.UploadServerCertificateInput{ServerCertificateName: aws.String("web"), Path: aws.String("/cf/"),
		CertificateBody: aws.String(cert), PrivateKey: aws.String(keyPEM), Tags: []iamtypes.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	if err != nil {
		t.Fatal(err)
	}
	if m := up.ServerCertificateMetadata; *m.Arn != "arn:aws:iam::000000000000:server-certificate/cf/web" || !strings.HasPrefix(*m.ServerCertificateId, "ASCA") {
		t.Fatalf("meta %+v", m)
	}
	_, err = ic.UploadServerCertificate(Ctx, &awsiam.UploadServerCertificateInput{ServerCertificateName: aws.String("web"), CertificateBody: aws.String(cert), PrivateKey: aws.String(keyPEM)})
	WantCode(t, err, "EntityAlreadyExists")
	g, err := ic.GetServerCertificate(Ctx, &awsiam.GetServerCertificateInput{ServerCertificateName: aws.String("web")})
	if err != nil || *g.ServerCertificate.CertificateBody != cert || len(g.ServerCertificate.Tags) != 1 {
		t.Fatalf("get %+v %v", g, err)
	}
	if _, err := ic.UpdateServerCertificate(Ctx, &awsiam.UpdateServerCertificateInput{ServerCertificateName: aws.String("web"), NewServerCertificateName: aws.String("web2")}); err != nil {
		t.Fatal(err)
	}
	l, err := ic.ListServerCertificates(Ctx, &awsiam.ListServerCertificatesInput{PathPrefix: aws.String("/cf/")})
	if err != nil || len(l.ServerCertificateMetadataList) != 1 || *l.ServerCertificateMetadataList[0].ServerCertificateName != "web2" {
		t.Fatalf("list %+v %v", l, err)
	}
	if _, err := ic.DeleteServerCertificate(Ctx, &awsiam.DeleteServerCertificateInput{ServerCertificateName: aws.String("web2")}); err != nil {
		t.Fatal(err)
	}
	_, err = ic.GetServerCertificate(Ctx, &awsiam.GetServerCertificateInput{ServerCertificateName: aws.String("web2")})
	WantCode(t, err, "NoSuchEntity")
}

func samlMetadata(t *testing.T) string {
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	blk, _ := pem.Decode([]byte(selfSigned(t, key, "idp.example.com")))
	return `<?xml version="1.0"?><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.example.com/saml">` +
		`<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:KeyDescriptor use="signing">` +
		`<ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>` + base64.StdEncoding.EncodeToString(blk.Bytes) +
		`</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>` +
		`<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example.com/sso"/>` +
		`</md:IDPSSODescriptor></md:EntityDescriptor>`
}

func TestSAMLProviders(t *testing.T) {
	_, ic, _ := rootClients(t)
	md := samlMetadata(t)
	_, err := ic.CreateSAMLProvider(Ctx, &awsiam.CreateSAMLProviderInput{Name: aws.String("corp"), SAMLMetadataDocument: aws.String(strings.Repeat("x", 1200))})
	WantCode(t, err, "InvalidInput")
	cp, err := ic.CreateSAMLProvider(Ctx, &awsiam.CreateSAMLProviderInput{Name: aws.String("corp"), SAMLMetadataDocument: aws.String(md),
		Tags: []iamtypes.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	if err != nil {
		t.Fatal(err)
	}
	if *cp.SAMLProviderArn != "arn:aws:iam::000000000000:saml-provider/corp" {
		t.Fatalf("arn %s", *cp.SAMLProviderArn)
	}
	_, err = ic.CreateSAMLProvider(Ctx, &awsiam.CreateSAMLProviderInput{Name: aws.String("corp"), SAMLMetadataDocument: aws.String(md)})
	WantCode(t, err, "EntityAlreadyExists")
	g, err := ic.GetSAMLProvider(Ctx, &awsiam.GetSAMLProviderInput{SAMLProviderArn: cp.SAMLProviderArn})
	if err != nil || *g.SAMLMetadataDocument != md || len(g.Tags) != 1 || g.ValidUntil == nil {
		t.Fatalf("get %+v %v", g, err)
	}
	if _, err := ic.UpdateSAMLProvider(Ctx, &awsiam.UpdateSAMLProviderInput{SAMLProviderArn: cp.SAMLProviderArn, SAMLMetadataDocument: aws.String(samlMetadata(t))}); err != nil {
		t.Fatal(err)
	}
	l, err := ic.ListSAMLProviders(Ctx, &awsiam.ListSAMLProvidersInput{})
	if err != nil || len(l.SAMLProviderList) != 1 {
		t.Fatalf("list %+v %v", l, err)
	}
	if _, err := ic.DeleteSAMLProvider(Ctx, &awsiam.DeleteSAMLProviderInput{SAMLProviderArn: cp.SAMLProviderArn}); err != nil {
		t.Fatal(err)
	}
	_, err = ic.GetSAMLProvider(Ctx, &awsiam.GetSAMLProviderInput{SAMLProviderArn: cp.SAMLProviderArn})
	WantCode(t, err, "NoSuchEntity")
}
