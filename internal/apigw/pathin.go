package apigw

// pathIn is an operation's path parameters by name, each decoded and
// validated by its kind and in the canonical form of the authorization
// resource (routes.go): verbs upper-case, domain names lower-case, the
// ARNs of {tagarn} and {assocarn} percent-encoded again. A route fills the
// fields its pattern names and leaves the others empty. Handlers read
// their parameters here, never by position in the path.
type pathIn struct {
	API          string // {api}: a RestApi's id
	Resource     string // {resource}
	Verb         string // {verb}: an HTTP method, upper-case
	Status       string // {status}: a method or integration response's status code
	Deployment   string // {deployment}
	Stage        string // {stage}: a stage name
	Export       string // {export}: an export type
	Domain       string // {domain}: a custom domain name, lower-case
	BasePath     string // {basepath}
	Authorizer   string // {authorizer}
	ResponseType string // {gwtype}: a gateway response type
	APIKey       string // {apikey}
	UsagePlan    string // {usageplan}
	Model        string // {model}: a model's name
	Validator    string // {validator}: a request validator's id
	DocPart      string // {docpart}
	DocVersion   string // {docversion}
	VPCLink      string // {vpclink}
	ClientCert   string // {clientcert}
	SDKType      string // {sdktype}
	AssocARN     string // {assocarn}: percent-encoded
	TagARN       string // {tagarn}: percent-encoded
}

// pathFields are the pattern's parameter names with their pathIn field.
var pathFields = map[string]func(*pathIn) *string{
	"{api}":        func(p *pathIn) *string { return &p.API },
	"{resource}":   func(p *pathIn) *string { return &p.Resource },
	"{verb}":       func(p *pathIn) *string { return &p.Verb },
	"{status}":     func(p *pathIn) *string { return &p.Status },
	"{deployment}": func(p *pathIn) *string { return &p.Deployment },
	"{stage}":      func(p *pathIn) *string { return &p.Stage },
	"{export}":     func(p *pathIn) *string { return &p.Export },
	"{domain}":     func(p *pathIn) *string { return &p.Domain },
	"{basepath}":   func(p *pathIn) *string { return &p.BasePath },
	"{authorizer}": func(p *pathIn) *string { return &p.Authorizer },
	"{gwtype}":     func(p *pathIn) *string { return &p.ResponseType },
	"{apikey}":     func(p *pathIn) *string { return &p.APIKey },
	"{usageplan}":  func(p *pathIn) *string { return &p.UsagePlan },
	"{model}":      func(p *pathIn) *string { return &p.Model },
	"{validator}":  func(p *pathIn) *string { return &p.Validator },
	"{docpart}":    func(p *pathIn) *string { return &p.DocPart },
	"{docversion}": func(p *pathIn) *string { return &p.DocVersion },
	"{vpclink}":    func(p *pathIn) *string { return &p.VPCLink },
	"{clientcert}": func(p *pathIn) *string { return &p.ClientCert },
	"{sdktype}":    func(p *pathIn) *string { return &p.SDKType },
	"{assocarn}":   func(p *pathIn) *string { return &p.AssocARN },
	"{tagarn}":     func(p *pathIn) *string { return &p.TagARN },
}

// paramField is the pathIn field of the pattern's parameter name; a name
// without one is a table declaration error, found when the package loads.
func paramField(name string) func(*pathIn) *string {
	f, ok := pathFields[name]
	if !ok {
		panic("apigw: route parameter " + name + " has no pathIn field")
	}
	return f
}
