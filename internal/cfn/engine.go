package cfn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/cfn/sam"
	"github.com/gatehouse-dev/gatehouse/internal/cfn/tmpl"
)

// plan is a template made ready for one stack operation: parameters
// resolved, conditions evaluated, resources ordered by dependency.
type plan struct {
	tpl      tmpl.Template
	params   map[string]paramValue
	stackPar []Parameter
	ev       *evaluator
	defs     map[string]map[string]any // active resources' definitions
	order    []string                  // creation order
	deps     map[string][]string       // resource -> resources it depends on
}

// samTransform is the SAM macro's name.
const samTransform = "AWS::Serverless-2016-10-31"

// transforms returns the template's Transform names.
func transforms(tpl tmpl.Template) ([]string, error) {
	switch t := tpl["Transform"].(type) {
	case nil:
		return nil, nil
	case string:
		return []string{t}, nil
	case []any:
		var out []string
		for _, x := range t {
			s, ok := x.(string)
			if !ok {
				return nil, awserr.ValidationError.New("Template format error: Transform must be a string or a list of strings")
			}
			out = append(out, s)
		}
		return out, nil
	}
	return nil, awserr.ValidationError.New("Template format error: Transform must be a string or a list of strings")
}

// process parses body and applies its transforms; it returns the
// processed template and whether a macro (CAPABILITY_AUTO_EXPAND) ran.
func process(body string) (tmpl.Template, bool, error) {
	tpl, err := tmpl.Parse([]byte(body))
	if err != nil {
		return nil, false, awserr.ValidationError.New(err.Error())
	}
	names, err := transforms(tpl)
	if err != nil {
		return nil, false, err
	}
	macro := false
	for _, n := range names {
		switch n {
		case samTransform:
			out, err := sam.Transform(tpl)
			if err != nil {
				return nil, false, awserr.ValidationError.New(err.Error())
			}
			tpl = out
			macro = true
		case "AWS::LanguageExtensions":
			// Fn::Length, Fn::ToJsonString and FindInMap's DefaultValue
			// are evaluated by the engine itself.
			delete(tpl, "Transform")
		default:
			return nil, false, awserr.ValidationError.Errorf("Template format error: Unsupported transform: %s. gatehouse runs %s and AWS::LanguageExtensions.", n, samTransform)
		}
	}
	delete(tpl, "Transform")
	return tpl, macro, nil
}

var topLevel = map[string]bool{"AWSTemplateFormatVersion": true, "Description": true, "Metadata": true, "Parameters": true,
	"Rules": true, "Mappings": true, "Conditions": true, "Transform": true, "Resources": true, "Outputs": true, "Hooks": true}

// validate checks the template's structure the way CloudFormation's
// ValidateTemplate does (before any parameter value is known).
func validate(tpl tmpl.Template) error {
	for k := range tpl {
		if !topLevel[k] {
			return awserr.ValidationError.Errorf("Template format error: Invalid template property or properties [%s]", k)
		}
	}
	if v, ok := tpl["AWSTemplateFormatVersion"]; ok {
		if s, _ := tmpl.String(v); s != "2010-09-09" {
			return awserr.ValidationError.Errorf("Template format error: '%v' is not a valid template version.", v)
		}
	}
	res, ok := tpl["Resources"].(map[string]any)
	if !ok || len(res) == 0 {
		return awserr.ValidationError.New("Template format error: At least one Resources member must be defined.")
	}
	var unknown []string
	for id, r := range res {
		m, ok := r.(map[string]any)
		if !ok {
			return awserr.ValidationError.Errorf("Template format error: [/Resources/%s] resource definition is malformed", id)
		}
		t, ok := m["Type"].(string)
		if !ok {
			return awserr.ValidationError.Errorf("Template format error: [/Resources/%s] Every Resources object must contain a Type member.", id)
		}
		if _, ok := providerOf(t); !ok {
			unknown = append(unknown, t)
		}
		if p, ok := m["Properties"]; ok {
			if _, ok := p.(map[string]any); !ok {
				return awserr.ValidationError.Errorf("Template format error: [/Resources/%s/Properties] properties must be an object", id)
			}
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		unknown = slices.Compact(unknown)
		return awserr.ValidationError.Errorf("Template format error: Unrecognized resource types: [%s]", strings.Join(unknown, ", "))
	}
	if p, ok := tpl["Parameters"]; ok {
		pm, ok := p.(map[string]any)
		if !ok {
			return awserr.ValidationError.New("Template format error: Parameters must be an object")
		}
		for name, d := range pm {
			dm, ok := d.(map[string]any)
			if !ok {
				return awserr.ValidationError.Errorf("Template format error: Invalid parameter %s", name)
			}
			if _, ok := dm["Type"].(string); !ok {
				return awserr.ValidationError.Errorf("Template format error: Every Parameters object must contain a Type member.")
			}
		}
	}
	return nil
}

// capabilitiesNeeded returns the capabilities a processed template
// requires: CAPABILITY_NAMED_IAM for IAM resources with custom names,
// CAPABILITY_IAM for other IAM resources.
func capabilitiesNeeded(tpl tmpl.Template) string {
	res, _ := tpl["Resources"].(map[string]any)
	need := ""
	named := map[string]string{"AWS::IAM::Role": "RoleName", "AWS::IAM::User": "UserName", "AWS::IAM::Group": "GroupName",
		"AWS::IAM::ManagedPolicy": "ManagedPolicyName", "AWS::IAM::InstanceProfile": "InstanceProfileName"}
	for _, r := range res {
		m, _ := r.(map[string]any)
		t, _ := m["Type"].(string)
		if !strings.HasPrefix(t, "AWS::IAM::") {
			continue
		}
		if need == "" {
			need = "CAPABILITY_IAM"
		}
		props, _ := m["Properties"].(map[string]any)
		if k, ok := named[t]; ok {
			if _, ok := props[k]; ok {
				need = "CAPABILITY_NAMED_IAM"
			}
		}
	}
	return need
}

func checkCapabilities(tpl tmpl.Template, macro bool, caps []string) error {
	has := func(c string) bool { return slices.Contains(caps, c) }
	if macro && !has("CAPABILITY_AUTO_EXPAND") {
		return awserr.InsufficientCapabilities.New("Requires capabilities : [CAPABILITY_AUTO_EXPAND]")
	}
	switch capabilitiesNeeded(tpl) {
	case "CAPABILITY_NAMED_IAM":
		if !has("CAPABILITY_NAMED_IAM") {
			return awserr.InsufficientCapabilities.New("Requires capabilities : [CAPABILITY_NAMED_IAM]")
		}
	case "CAPABILITY_IAM":
		if !has("CAPABILITY_IAM") && !has("CAPABILITY_NAMED_IAM") {
			return awserr.InsufficientCapabilities.New("Requires capabilities : [CAPABILITY_IAM]")
		}
	}
	return nil
}

// resolveParams matches the given parameters to the template's.
func resolveParams(tpl tmpl.Template, given []Parameter, previous []Parameter) (map[string]paramValue, []Parameter, error) {
	defs, _ := tpl["Parameters"].(map[string]any)
	givenBy := map[string]Parameter{}
	var extra []string
	for _, p := range given {
		if _, ok := defs[p.Key]; !ok {
			extra = append(extra, p.Key)
			continue
		}
		if p.UsePrevious {
			found := false
			for _, q := range previous {
				if q.Key == p.Key {
					p.Value, found = q.Value, true
				}
			}
			if !found {
				return nil, nil, awserr.ValidationError.Errorf("Invalid input for parameter key %s. Cannot specify usePreviousValue as true for a parameter key not in the previous template", p.Key)
			}
		}
		givenBy[p.Key] = p
	}
	if len(extra) > 0 {
		sort.Strings(extra)
		return nil, nil, awserr.ValidationError.Errorf("Parameters: [%s] do not exist in the template", strings.Join(extra, ", "))
	}
	values := map[string]paramValue{}
	var out []Parameter
	var missing []string
	for _, name := range sortedKeys(defs) {
		d, _ := defs[name].(map[string]any)
		typ, _ := d["Type"].(string)
		noEcho := false
		if b, ok := d["NoEcho"].(bool); ok {
			noEcho = b
		} else if s, ok := d["NoEcho"].(string); ok {
			noEcho = strings.EqualFold(s, "true")
		}
		var v string
		if p, ok := givenBy[name]; ok {
			v = p.Value
		} else if def, ok := d["Default"]; ok {
			s, ok := tmpl.String(def)
			if !ok {
				return nil, nil, awserr.ValidationError.Errorf("Template format error: Default value of parameter %s must be a string", name)
			}
			v = s
		} else {
			missing = append(missing, name)
			continue
		}
		if err := checkParam(name, typ, v, d); err != nil {
			return nil, nil, err
		}
		var val any = v
		if isListType(typ) {
			var l []any
			for _, x := range strings.Split(v, ",") {
				if typ == "CommaDelimitedList" {
					x = strings.TrimSpace(x)
				}
				l = append(l, x)
			}
			if v == "" {
				l = []any{}
			}
			val = l
		}
		values[name] = paramValue{Value: val, NoEcho: noEcho}
		out = append(out, Parameter{Key: name, Value: v, NoEcho: noEcho})
	}
	if len(missing) > 0 {
		return nil, nil, awserr.ValidationError.Errorf("Parameters: [%s] must have values", strings.Join(missing, ", "))
	}
	return values, out, nil
}

// ssmParamType prefixes the SSM-typed parameters
// (AWS::SSM::Parameter::Value of a type).
const ssmParamType = "AWS::SSM::Parameter::Value"

// isListType reports whether a parameter type is a list: List<...> or
// CommaDelimitedList.
func isListType(typ string) bool {
	return typ == "CommaDelimitedList" || strings.HasPrefix(typ, "List") && strings.HasSuffix(typ, ">")
}

var paramTypes = map[string]bool{"String": true, "Number": true, "List<Number>": true, "CommaDelimitedList": true}

func checkParam(name, typ, v string, d map[string]any) error {
	if !paramTypes[typ] && !strings.HasPrefix(typ, "AWS::") && !strings.HasPrefix(typ, "List<AWS::") {
		return awserr.ValidationError.Errorf("Template format error: Unrecognized parameter type: %s", typ)
	}
	if typ == "Number" {
		if _, err := json.Number(v).Float64(); err != nil {
			return awserr.ValidationError.Errorf("Parameter '%s' must be a number.", name)
		}
	}
	if av, ok := d["AllowedValues"].([]any); ok {
		found := false
		for _, a := range av {
			if s, _ := tmpl.String(a); s == v {
				found = true
			}
		}
		if !found {
			msg := fmt.Sprintf("Parameter '%s' must be one of AllowedValues", name)
			if c, ok := d["ConstraintDescription"].(string); ok {
				msg = fmt.Sprintf("Parameter '%s' failed to satisfy constraint: %s", name, c)
			}
			return awserr.ValidationError.New(msg)
		}
	}
	if s, ok := d["MinLength"]; ok {
		if n, ok := tmpl.String(s); ok && len(v) < atoi(n) {
			return awserr.ValidationError.Errorf("Parameter '%s' must contain at least %s characters", name, n)
		}
	}
	if s, ok := d["MaxLength"]; ok {
		if n, ok := tmpl.String(s); ok && len(v) > atoi(n) {
			return awserr.ValidationError.Errorf("Parameter '%s' must contain at most %s characters", name, n)
		}
	}
	return nil
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return n
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// newPlan resolves a processed template for stack st.
func (s *Service) newPlan(ctx context.Context, st *Stack, tpl tmpl.Template, given, previous []Parameter) (*plan, error) {
	if err := validate(tpl); err != nil {
		return nil, err
	}
	values, stackPar, err := resolveParams(tpl, given, previous)
	if err != nil {
		return nil, err
	}
	if err := resolveSSMParams(ctx, tpl, values, stackPar); err != nil {
		return nil, err
	}
	mappings, _ := tpl["Mappings"].(map[string]any)
	condDefs, _ := tpl["Conditions"].(map[string]any)
	ev := &evaluator{params: values, condDefs: condDefs, mappings: mappings, region: st.Region,
		pseudo: map[string]any{"AWS::AccountId": st.Account, "AWS::Region": st.Region, "AWS::StackId": st.ID,
			"AWS::StackName": st.Name, "AWS::Partition": "aws", "AWS::URLSuffix": s.URLSuffix(), "AWS::NotificationARNs": []any{}},
		imports: func(name string) (string, error) { return s.importValue(ctx, st, name) }}
	ev.res = (&op{st: st}).lookupRes
	for _, c := range sortedKeys(condDefs) {
		if _, err := ev.condition(c); err != nil {
			return nil, awserr.ValidationError.New(err.Error())
		}
	}
	res := tpl["Resources"].(map[string]any)
	p := &plan{tpl: tpl, params: values, stackPar: stackPar, ev: ev, defs: map[string]map[string]any{}, deps: map[string][]string{}}
	for id, r := range res {
		m := r.(map[string]any)
		if c, ok := m["Condition"]; ok {
			name, ok := c.(string)
			if !ok {
				return nil, awserr.ValidationError.Errorf("Template format error: [/Resources/%s/Condition] must be a string", id)
			}
			v, err := ev.condition(name)
			if err != nil {
				return nil, awserr.ValidationError.Errorf("Template format error: Unresolved dependencies [%s]. Cannot reference resources in the Conditions block of the template", name)
			}
			if !v {
				continue
			}
		}
		p.defs[id] = m
	}
	// Dependencies: DependsOn and every Ref/GetAtt/Sub to a resource.
	for id, m := range p.defs {
		set := map[string]bool{}
		switch d := m["DependsOn"].(type) {
		case string:
			set[d] = true
		case []any:
			for _, x := range d {
				if s, ok := x.(string); ok {
					set[s] = true
				}
			}
		}
		for dep := range set {
			if _, ok := res[dep]; !ok {
				return nil, awserr.ValidationError.Errorf("Template format error: Unresolved resource dependencies [%s] in the Resources block of the template", dep)
			}
		}
		found := map[string]bool{}
		refs(m["Properties"], found)
		for dep := range found {
			if _, ok := values[dep]; ok {
				continue
			}
			if strings.HasPrefix(dep, "AWS::") {
				if _, ok := ev.pseudo[dep]; ok || dep == "AWS::NoValue" {
					continue
				}
			}
			if _, ok := res[dep]; !ok {
				return nil, awserr.ValidationError.Errorf("Template format error: Unresolved resource dependencies [%s] in the Resources block of the template", dep)
			}
			set[dep] = true
		}
		delete(set, id)
		for dep := range set {
			if _, active := p.defs[dep]; active {
				p.deps[id] = append(p.deps[id], dep)
			}
		}
		sort.Strings(p.deps[id])
	}
	order, err := topo(p.deps, sortedKeys(p.defs))
	if err != nil {
		return nil, err
	}
	p.order = order
	return p, nil
}

// topo orders ids so that every id comes after its dependencies; ties
// keep ids' sorted order, so an operation is reproducible.
func topo(deps map[string][]string, ids []string) ([]string, error) {
	state := map[string]int{}
	var out []string
	var visit func(id string, path []string) error
	visit = func(id string, path []string) error {
		switch state[id] {
		case 1:
			i := slices.Index(path, id)
			cycle := append([]string(nil), path[i:]...)
			sort.Strings(cycle)
			return awserr.ValidationError.Errorf("Circular dependency between resources: [%s]", strings.Join(cycle, ", "))
		case 2:
			return nil
		}
		state[id] = 1
		for _, d := range deps[id] {
			if err := visit(d, append(path, id)); err != nil {
				return err
			}
		}
		state[id] = 2
		out = append(out, id)
		return nil
	}
	for _, id := range ids {
		if err := visit(id, nil); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// op is one running stack operation.
type op struct {
	s     *Service
	st    *Stack
	cl    *clients
	token string
}

func (o *op) now() time.Time { return o.s.now().UTC() }

func (o *op) event(logical, physical, typ, status, reason string, props map[string]any) {
	e := Event{StackID: o.st.ID, EventID: newUUID(), StackName: o.st.Name, LogicalID: logical, PhysicalID: physical,
		Type: typ, Timestamp: o.now(), Status: status, Reason: reason, ClientRequestToken: o.token}
	if props != nil {
		b, _ := json.Marshal(props)
		e.Properties = string(b)
	}
	if logical != o.st.Name || typ != "AWS::CloudFormation::Stack" {
		e.EventID = logical + "-" + status + "-" + e.Timestamp.Format("2006-01-02T15:04:05.000Z")
	}
	if err := o.s.addEvents(context.Background(), o.st, e); err != nil {
		o.s.log.Error("cloudformation: write event", "stack", o.st.ID, "err", err)
	}
}

func (o *op) stackStatus(status, reason string) {
	o.st.Status, o.st.StatusReason = status, reason
	if strings.HasPrefix(status, "UPDATE") || strings.HasPrefix(status, "ROLLBACK") && status != "ROLLBACK_IN_PROGRESS" {
		o.st.Updated = o.now()
	}
	if status == "DELETE_COMPLETE" {
		o.st.Deleted = o.now()
	}
	o.save()
	o.event(o.st.Name, o.st.ID, "AWS::CloudFormation::Stack", status, reason, nil)
}

func (o *op) save() {
	if err := o.s.putStack(context.Background(), o.st); err != nil {
		o.s.log.Error("cloudformation: save stack", "stack", o.st.ID, "err", err)
	}
}

func (o *op) resStatus(r *resourceState, status, reason string) {
	r.Status, r.StatusReason, r.Updated = status, reason, o.now()
	o.save()
	o.event(r.LogicalID, r.PhysicalID, r.Type, status, reason, r.Properties)
}

// handlerMessage is how CloudFormation reports a resource handler's
// failure in an event's reason.
func handlerMessage(err error) string {
	var ee *evalError
	if errors.As(err, &ee) {
		return ee.msg
	}
	var ae *awserr.Error
	if errors.As(err, &ae) {
		return fmt.Sprintf("Resource handler returned message: %q (Service: %s, Status Code: %d, HandlerErrorCode: %s)", ae.Message, ae.Code, ae.Status, handlerCode(ae))
	}
	return fmt.Sprintf("Resource handler returned message: %q", err.Error())
}

func handlerCode(e *awserr.Error) string {
	switch {
	case e.Status == 404:
		return "NotFound"
	case e.Status == 403 || strings.Contains(e.Code, "AccessDenied"):
		return "AccessDenied"
	case strings.Contains(e.Code, "Exists") || e.Status == 409:
		return "AlreadyExists"
	}
	return "InvalidRequest"
}

// create runs a stack creation. It returns when the stack reached a final
// state.
func (o *op) create(p *plan) {
	o.stackStatus("CREATE_IN_PROGRESS", "User Initiated")
	var failed []string
	for _, id := range p.order {
		if err := o.createResource(p, id); err != nil {
			failed = append(failed, id)
			break
		}
	}
	if failed == nil {
		if err := o.outputs(p); err != nil {
			o.st.StatusReason = err.Error()
			failed = []string{}
		}
	}
	if failed == nil {
		o.stackStatus("CREATE_COMPLETE", "")
		return
	}
	reason := fmt.Sprintf("The following resource(s) failed to create: [%s]. ", strings.Join(failed, ", "))
	if len(failed) == 0 {
		reason = o.st.StatusReason + ". "
	}
	if o.st.DisableRollback {
		o.stackStatus("CREATE_FAILED", reason)
		return
	}
	o.stackStatus("ROLLBACK_IN_PROGRESS", reason+"Rollback requested by user.")
	if err := o.deleteAll(true); err != nil {
		o.stackStatus("ROLLBACK_FAILED", err.Error())
		return
	}
	o.st.Outputs = nil
	o.stackStatus("ROLLBACK_COMPLETE", "")
}

func (o *op) createResource(p *plan, id string) error {
	def := p.defs[id]
	typ := def["Type"].(string)
	r := &resourceState{LogicalID: id, Type: typ}
	if dp, ok := def["DeletionPolicy"].(string); ok {
		r.DeletionPolicy = dp
	}
	r.Metadata = def["Metadata"]
	o.st.Resources[id] = r
	props, err := p.ev.eval(orEmpty(def["Properties"]))
	if err == nil {
		r.Properties, _ = props.(map[string]any)
	}
	o.resStatus(r, "CREATE_IN_PROGRESS", "")
	if err != nil {
		o.resStatus(r, "CREATE_FAILED", err.Error())
		return err
	}
	prov, _ := providerOf(typ)
	out, err := prov.create(context.Background(), o.cl, o.resCtx(id), r.Properties)
	if err != nil {
		r.PhysicalID = out.PhysicalID
		o.resStatus(r, "CREATE_FAILED", handlerMessage(err))
		return err
	}
	r.PhysicalID, r.Attributes = out.PhysicalID, out.Attributes
	o.resStatus(r, "CREATE_IN_PROGRESS", "Resource creation Initiated")
	o.resStatus(r, "CREATE_COMPLETE", "")
	return nil
}

func orEmpty(v any) any {
	if v == nil {
		return map[string]any{}
	}
	return v
}

// resCtx is what a provider knows of the resource it acts on.
func (o *op) resCtx(logical string) resCtx {
	rc := resCtx{Stack: o.st.Name, StackID: o.st.ID, Logical: logical, Region: o.st.Region, Account: o.st.Account}
	if r := o.st.Resources[logical]; r != nil {
		rc.Type = r.Type
	}
	return rc
}

// deleteAll deletes the stack's resources in reverse dependency order
// (rollback: the ones this operation created, failed ones included).
func (o *op) deleteAll(rollback bool) error {
	order := o.deleteOrder()
	var failed []string
	for _, id := range order {
		r := o.st.Resources[id]
		if r.Status == "DELETE_COMPLETE" || r.Status == "DELETE_SKIPPED" {
			continue
		}
		if err := o.deleteResource(r, rollback); err != nil {
			failed = append(failed, id)
		}
	}
	if len(failed) > 0 {
		return errf("The following resource(s) failed to delete: [%s]. ", strings.Join(failed, ", "))
	}
	return nil
}

// deleteOrder orders the stack's resources so that dependents go first:
// the reverse of their dependency order, recomputed from the resolved
// properties' physical ids and the processed template.
func (o *op) deleteOrder() []string {
	deps := map[string][]string{}
	var tpl tmpl.Template
	if o.st.Processed != "" {
		tpl, _ = tmpl.Parse([]byte(o.st.Processed))
	}
	res, _ := tpl["Resources"].(map[string]any)
	for id := range o.st.Resources {
		m, _ := res[id].(map[string]any)
		found := map[string]bool{}
		refs(m["Properties"], found)
		switch d := m["DependsOn"].(type) {
		case string:
			found[d] = true
		case []any:
			for _, x := range d {
				if s, ok := x.(string); ok {
					found[s] = true
				}
			}
		}
		for d := range found {
			if _, ok := o.st.Resources[d]; ok && d != id {
				deps[id] = append(deps[id], d)
			}
		}
		sort.Strings(deps[id])
	}
	order, err := topo(deps, sortedKeys(o.st.Resources))
	if err != nil {
		order = sortedKeys(o.st.Resources)
	}
	slices.Reverse(order)
	return order
}

func (o *op) deleteResource(r *resourceState, rollback bool) error {
	if r.DeletionPolicy == "Retain" && !rollback || r.DeletionPolicy == "RetainExceptOnCreate" && !rollback {
		o.resStatus(r, "DELETE_SKIPPED", "")
		return nil
	}
	o.resStatus(r, "DELETE_IN_PROGRESS", "")
	if r.PhysicalID != "" {
		if err := customOr(r.Type).delete(context.Background(), o.cl, o.resCtx(r.LogicalID), r); err != nil && !isNotFound(err) {
			o.resStatus(r, "DELETE_FAILED", handlerMessage(err))
			return err
		}
	}
	o.resStatus(r, "DELETE_COMPLETE", "")
	return nil
}

// delete runs a stack deletion.
func (o *op) delete() {
	o.stackStatus("DELETE_IN_PROGRESS", "User Initiated")
	if err := o.deleteAll(false); err != nil {
		o.stackStatus("DELETE_FAILED", err.Error())
		return
	}
	o.stackStatus("DELETE_COMPLETE", "")
}

// outputs evaluates the Outputs section.
func (o *op) outputs(p *plan) error {
	outs, _ := p.tpl["Outputs"].(map[string]any)
	var res []Output
	for _, k := range sortedKeys(outs) {
		m, ok := outs[k].(map[string]any)
		if !ok {
			continue
		}
		if c, ok := m["Condition"].(string); ok {
			if v, err := p.ev.condition(c); err != nil || !v {
				continue
			}
		}
		v, err := p.ev.eval(m["Value"])
		if err != nil {
			return err
		}
		s, ok := tmpl.String(v)
		if !ok {
			if l, isList := v.([]any); isList {
				var parts []string
				for _, x := range l {
					xs, _ := tmpl.String(x)
					parts = append(parts, xs)
				}
				s = strings.Join(parts, ",")
			} else {
				return errf("Template error: Output %s must resolve to a string", k)
			}
		}
		out := Output{Key: k, Value: s}
		out.Description, _ = m["Description"].(string)
		if ex, ok := m["Export"].(map[string]any); ok {
			name, err := p.ev.str(ex["Name"], "Export")
			if err != nil {
				return err
			}
			out.ExportName = name
		}
		res = append(res, out)
	}
	o.st.Outputs = res
	return nil
}

// importValue resolves Fn::ImportValue from the region's live stacks'
// exports.
func (s *Service) importValue(ctx context.Context, st *Stack, name string) (string, error) {
	all, err := s.stacks(ctx, st.Account, st.Region)
	if err != nil {
		return "", err
	}
	for _, o := range all {
		if o.Status == "DELETE_COMPLETE" {
			continue
		}
		for _, out := range o.Outputs {
			if out.ExportName == name {
				return out.Value, nil
			}
		}
	}
	return "", errf("No export named %s found. Rollback requested by user.", name)
}
