package cfn

import (
	"encoding/json"
	"sort"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/cfn/tmpl"
)

// XML shapes of the results (botocore's cloudformation model). Lists are
// <Name><member>…</member></Name>; absent optional members are omitted.

type xmlParameter struct {
	ParameterKey   string
	ParameterValue string
	ResolvedValue  string `xml:",omitempty"`
}

type xmlOutput struct {
	OutputKey   string
	OutputValue string
	Description string `xml:",omitempty"`
	ExportName  string `xml:",omitempty"`
}

type xmlTag struct{ Key, Value string }

type xmlDrift struct{ StackDriftStatus string }

type xmlStack struct {
	StackId                     string
	StackName                   string
	ChangeSetId                 string         `xml:",omitempty"`
	Description                 string         `xml:",omitempty"`
	Parameters                  []xmlParameter `xml:"Parameters>member"`
	CreationTime                string
	DeletionTime                string `xml:",omitempty"`
	LastUpdatedTime             string `xml:",omitempty"`
	StackStatus                 string
	StackStatusReason           string `xml:",omitempty"`
	DisableRollback             bool
	NotificationARNs            []string    `xml:"NotificationARNs>member"`
	TimeoutInMinutes            int         `xml:",omitempty"`
	Capabilities                []string    `xml:"Capabilities>member"`
	Outputs                     []xmlOutput `xml:"Outputs>member"`
	RoleARN                     string      `xml:",omitempty"`
	Tags                        []xmlTag    `xml:"Tags>member"`
	EnableTerminationProtection bool
	DriftInformation            xmlDrift
}

func paramsXML(ps []Parameter) []xmlParameter {
	var out []xmlParameter
	for _, p := range ps {
		v, rv := p.Value, p.ResolvedValue
		if p.NoEcho {
			v = "****"
			if rv != "" {
				rv = "****"
			}
		}
		out = append(out, xmlParameter{ParameterKey: p.Key, ParameterValue: v, ResolvedValue: rv})
	}
	return out
}

func tagsXML(ts []Tag) []xmlTag {
	var out []xmlTag
	for _, t := range ts {
		out = append(out, xmlTag(t))
	}
	return out
}

func stackXML(st *Stack) xmlStack {
	x := xmlStack{StackId: st.ID, StackName: st.Name, ChangeSetId: st.ChangeSetID, Description: st.Description,
		Parameters: paramsXML(st.Parameters), CreationTime: ts(st.Created), StackStatus: st.Status, StackStatusReason: st.StatusReason,
		DisableRollback: st.DisableRollback, NotificationARNs: st.NotificationARNs, TimeoutInMinutes: st.TimeoutInMinutes,
		Capabilities: st.Capabilities, RoleARN: st.RoleARN, Tags: tagsXML(st.Tags),
		EnableTerminationProtection: st.TerminationProtection, DriftInformation: xmlDrift{"NOT_CHECKED"}}
	if !st.Updated.IsZero() {
		x.LastUpdatedTime = ts(st.Updated)
	}
	if !st.Deleted.IsZero() {
		x.DeletionTime = ts(st.Deleted)
	}
	for _, o := range st.Outputs {
		x.Outputs = append(x.Outputs, xmlOutput{OutputKey: o.Key, OutputValue: o.Value, Description: o.Description, ExportName: o.ExportName})
	}
	return x
}

func (c *call) describeStacks(in *stackIn) (*DescribeStacksOutput, error) {
	if in.StackName != "" {
		st, err := c.lookup("cloudformation:DescribeStacks", in.StackName, true)
		if err != nil {
			return nil, err
		}
		return &DescribeStacksOutput{Stacks: []xmlStack{stackXML(st)}}, nil
	}
	if err := c.authorize("cloudformation:DescribeStacks", "*"); err != nil {
		return nil, err
	}
	all, err := c.s.stacks(c.ctx, c.p.AccountID, c.region)
	if err != nil {
		return nil, err
	}
	res := &DescribeStacksOutput{}
	for i := len(all) - 1; i >= 0; i-- {
		if all[i].Status != "DELETE_COMPLETE" {
			res.Stacks = append(res.Stacks, stackXML(all[i]))
		}
	}
	return res, nil
}

func (c *call) listStacks(in *listStacksIn) (*ListStacksOutput, error) {
	if err := c.authorize("cloudformation:ListStacks", "*"); err != nil {
		return nil, err
	}
	filter := map[string]bool{}
	for _, f := range untilEmpty(in.StackStatusFilter) {
		filter[f] = true
	}
	all, err := c.s.stacks(c.ctx, c.p.AccountID, c.region)
	if err != nil {
		return nil, err
	}
	res := &ListStacksOutput{}
	for i := len(all) - 1; i >= 0; i-- {
		st := all[i]
		if len(filter) > 0 && !filter[st.Status] {
			continue
		}
		sm := xmlStackSummary{StackId: st.ID, StackName: st.Name, TemplateDescription: st.Description, CreationTime: ts(st.Created),
			StackStatus: st.Status, StackStatusReason: st.StatusReason, DriftInformation: xmlDrift{"NOT_CHECKED"}}
		if !st.Updated.IsZero() {
			sm.LastUpdatedTime = ts(st.Updated)
		}
		if !st.Deleted.IsZero() {
			sm.DeletionTime = ts(st.Deleted)
		}
		res.StackSummaries = append(res.StackSummaries, sm)
	}
	return res, nil
}

func (c *call) describeStackEvents(in *stackIn) (*DescribeStackEventsOutput, error) {
	st, err := c.lookup("cloudformation:DescribeStackEvents", in.StackName, true)
	if err != nil {
		return nil, err
	}
	evs, err := c.s.events(c.ctx, st)
	if err != nil {
		return nil, err
	}
	res := &DescribeStackEventsOutput{}
	for _, e := range evs {
		res.StackEvents = append(res.StackEvents, xmlStackEvent{StackId: e.StackID, EventId: e.EventID, StackName: e.StackName,
			LogicalResourceId: e.LogicalID, PhysicalResourceId: e.PhysicalID, ResourceType: e.Type, Timestamp: ts(e.Timestamp),
			ResourceStatus: e.Status, ResourceStatusReason: e.Reason, ResourceProperties: e.Properties, ClientRequestToken: e.ClientRequestToken})
	}
	return res, nil
}

type xmlResource struct {
	StackName            string `xml:",omitempty"`
	StackId              string `xml:",omitempty"`
	LogicalResourceId    string
	PhysicalResourceId   string `xml:",omitempty"`
	ResourceType         string
	Timestamp            string `xml:",omitempty"`
	LastUpdatedTimestamp string `xml:",omitempty"`
	ResourceStatus       string
	ResourceStatusReason string `xml:",omitempty"`
	Metadata             string `xml:",omitempty"`
	DriftInformation     struct{ StackResourceDriftStatus string }
}

func resourceXML(st *Stack, r *resourceState, summary, detail bool) xmlResource {
	x := xmlResource{LogicalResourceId: r.LogicalID, PhysicalResourceId: r.PhysicalID, ResourceType: r.Type,
		ResourceStatus: r.Status, ResourceStatusReason: r.StatusReason}
	x.DriftInformation.StackResourceDriftStatus = "NOT_CHECKED"
	if summary {
		x.LastUpdatedTimestamp = ts(r.Updated)
		return x
	}
	x.StackName, x.StackId = st.Name, st.ID
	if detail {
		x.LastUpdatedTimestamp = ts(r.Updated)
		if r.Metadata != nil {
			b, _ := json.Marshal(r.Metadata)
			x.Metadata = string(b)
		}
	} else {
		x.Timestamp = ts(r.Updated)
	}
	return x
}

// liveResources are the stack's resources in logical-id order, without
// the ones a finished operation deleted.
func liveResources(st *Stack) []*resourceState {
	var out []*resourceState
	for _, id := range sortedKeys(st.Resources) {
		r := st.Resources[id]
		if r.Status == "DELETE_COMPLETE" && st.Status != "DELETE_COMPLETE" && !tmpl.InProgress(st.Status) {
			continue
		}
		out = append(out, r)
	}
	return out
}

func (c *call) describeStackResource(in *describeStackResourceIn) (*DescribeStackResourceOutput, error) {
	st, err := c.lookup("cloudformation:DescribeStackResource", in.StackName, true)
	if err != nil {
		return nil, err
	}
	id := in.LogicalResourceId
	r, ok := st.Resources[id]
	if !ok {
		return nil, awserr.ValidationError.Errorf("Resource %s does not exist for stack %s", id, st.Name)
	}
	return &DescribeStackResourceOutput{resourceXML(st, r, false, true)}, nil
}

func (c *call) describeStackResources(in *describeStackResourcesIn) (*DescribeStackResourcesOutput, error) {
	name := in.StackName
	if name == "" && in.PhysicalResourceId != "" {
		// By physical id: the stack that holds it.
		if err := c.authorize("cloudformation:DescribeStackResources", "*"); err != nil {
			return nil, err
		}
		all, err := c.s.stacks(c.ctx, c.p.AccountID, c.region)
		if err != nil {
			return nil, err
		}
		for _, st := range all {
			for _, r := range st.Resources {
				if r.PhysicalID == in.PhysicalResourceId && st.Status != "DELETE_COMPLETE" {
					name = st.ID
				}
			}
		}
		if name == "" {
			return nil, awserr.ValidationError.Errorf("Stack for %s does not exist", in.PhysicalResourceId)
		}
	}
	st, err := c.lookup("cloudformation:DescribeStackResources", name, true)
	if err != nil {
		return nil, err
	}
	var out []xmlResource
	for _, r := range liveResources(st) {
		if l := in.LogicalResourceId; l != "" && r.LogicalID != l {
			continue
		}
		out = append(out, resourceXML(st, r, false, false))
	}
	return &DescribeStackResourcesOutput{out}, nil
}

func (c *call) listStackResources(in *stackIn) (*ListStackResourcesOutput, error) {
	st, err := c.lookup("cloudformation:ListStackResources", in.StackName, true)
	if err != nil {
		return nil, err
	}
	var out []xmlResource
	for _, r := range liveResources(st) {
		out = append(out, resourceXML(st, r, true, false))
	}
	return &ListStackResourcesOutput{out}, nil
}

func (c *call) getTemplate(in *getTemplateIn) (*GetTemplateOutput, error) {
	stage := in.TemplateStage
	if stage != "" && stage != "Original" && stage != "Processed" {
		return nil, validation(stage, "templateStage", "Member must satisfy enum value set: [Original, Processed]")
	}
	if csName := in.ChangeSetName; csName != "" {
		if err := c.authorize("cloudformation:GetTemplate", "*"); err != nil {
			return nil, err
		}
		cs, err := c.s.findChangeSet(c.ctx, c.p.AccountID, c.region, csName, in.StackName)
		if err != nil {
			return nil, err
		}
		if cs == nil {
			return nil, awserr.ChangeSetNotFound.Errorf("ChangeSet [%s] does not exist", csName)
		}
		body := cs.Template
		if stage == "Processed" {
			body = cs.Processed
		}
		return &GetTemplateOutput{body, []string{"Original", "Processed"}}, nil
	}
	st, err := c.lookup("cloudformation:GetTemplate", in.StackName, true)
	if err != nil {
		return nil, err
	}
	body := st.Template
	if stage == "Processed" {
		body = st.Processed
	}
	return &GetTemplateOutput{body, []string{"Original", "Processed"}}, nil
}

type xmlTemplateParameter struct {
	ParameterKey string
	DefaultValue string `xml:",omitempty"`
	NoEcho       bool
	Description  string `xml:",omitempty"`
}

func templateParams(tpl tmpl.Template) []xmlTemplateParameter {
	defs, _ := tpl["Parameters"].(map[string]any)
	var out []xmlTemplateParameter
	for _, k := range sortedKeys(defs) {
		d, _ := defs[k].(map[string]any)
		p := xmlTemplateParameter{ParameterKey: k}
		p.DefaultValue, _ = tmpl.String(d["Default"])
		p.Description, _ = d["Description"].(string)
		p.NoEcho = d["NoEcho"] == true || d["NoEcho"] == "true"
		out = append(out, p)
	}
	return out
}

func (c *call) validateTemplate(in *templateIn) (*ValidateTemplateOutput, error) {
	if err := c.authorize("cloudformation:ValidateTemplate", "*"); err != nil {
		return nil, err
	}
	body, err := c.templateBody(*in, func() (Credentials, error) { return c.s.credsFor(c.ctx, c.p, "") })
	if err != nil {
		return nil, err
	}
	raw, err := tmpl.Parse([]byte(body))
	if err != nil {
		return nil, awserr.ValidationError.New(err.Error())
	}
	tpl, _, err := process(body)
	if err != nil {
		return nil, err
	}
	if err := validate(tpl); err != nil {
		return nil, err
	}
	res := &ValidateTemplateOutput{Parameters: templateParams(tpl)}
	res.Description, _ = raw["Description"].(string)
	if need := capabilitiesNeeded(tpl); need != "" {
		res.Capabilities = []string{need}
		res.CapabilitiesReason = "The following resource(s) require capabilities: [" + strings.Join(iamTypes(tpl), ", ") + "]"
	}
	res.DeclaredTransforms, _ = transforms(raw)
	return res, nil
}

func iamTypes(tpl tmpl.Template) []string {
	res, _ := tpl["Resources"].(map[string]any)
	seen := map[string]bool{}
	for _, r := range res {
		m, _ := r.(map[string]any)
		if t, _ := m["Type"].(string); strings.HasPrefix(t, "AWS::IAM::") {
			seen[t] = true
		}
	}
	return sortedKeys(seen)
}

func (c *call) getTemplateSummary(in *getTemplateSummaryIn) (*GetTemplateSummaryOutput, error) {
	var body string
	if name := in.StackName; name != "" {
		st, err := c.lookup("cloudformation:GetTemplateSummary", name, true)
		if err != nil {
			return nil, err
		}
		body = st.Template
	} else {
		if err := c.authorize("cloudformation:GetTemplateSummary", "*"); err != nil {
			return nil, err
		}
		var err error
		if body, err = c.templateBody(in.templateIn, func() (Credentials, error) { return c.s.credsFor(c.ctx, c.p, "") }); err != nil {
			return nil, err
		}
	}
	raw, err := tmpl.Parse([]byte(body))
	if err != nil {
		return nil, awserr.ValidationError.New(err.Error())
	}
	tpl, _, err := process(body)
	if err != nil {
		return nil, err
	}
	res := &GetTemplateSummaryOutput{Parameters: templateParams(tpl)}
	res.Description, _ = raw["Description"].(string)
	res.Version, _ = tmpl.String(raw["AWSTemplateFormatVersion"])
	if need := capabilitiesNeeded(tpl); need != "" {
		res.Capabilities = []string{need}
		res.CapabilitiesReason = "The following resource(s) require capabilities: [" + strings.Join(iamTypes(tpl), ", ") + "]"
	}
	types := map[string]bool{}
	resources, _ := tpl["Resources"].(map[string]any)
	for _, r := range resources {
		m, _ := r.(map[string]any)
		if t, ok := m["Type"].(string); ok {
			types[t] = true
		}
	}
	res.ResourceTypes = sortedKeys(types)
	res.DeclaredTransforms, _ = transforms(raw)
	return res, nil
}

func (c *call) listExports(*noIn) (*ListExportsOutput, error) {
	if err := c.authorize("cloudformation:ListExports", "*"); err != nil {
		return nil, err
	}
	all, err := c.s.stacks(c.ctx, c.p.AccountID, c.region)
	if err != nil {
		return nil, err
	}
	var out []xmlExport
	for _, st := range all {
		if st.Status == "DELETE_COMPLETE" {
			continue
		}
		for _, o := range st.Outputs {
			if o.ExportName != "" {
				out = append(out, xmlExport{st.ID, o.ExportName, o.Value})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return &ListExportsOutput{out}, nil
}

func (c *call) listImports(in *listImportsIn) (*ListImportsOutput, error) {
	if err := c.authorize("cloudformation:ListImports", "*"); err != nil {
		return nil, err
	}
	name := in.ExportName
	if name == "" {
		return nil, awserr.ValidationError.New("1 validation error detected: Value null at 'exportName' failed to satisfy constraint: Member must not be null")
	}
	all, err := c.s.stacks(c.ctx, c.p.AccountID, c.region)
	if err != nil {
		return nil, err
	}
	exported := false
	var out []string
	for _, st := range all {
		if st.Status == "DELETE_COMPLETE" {
			continue
		}
		for _, o := range st.Outputs {
			if o.ExportName == name {
				exported = true
			}
		}
		if strings.Contains(st.Processed, `"Fn::ImportValue":"`+name+`"`) {
			out = append(out, st.Name)
		}
	}
	if !exported {
		return nil, awserr.ValidationError.Errorf("Export '%s' does not exist.", name)
	}
	if len(out) == 0 {
		return nil, awserr.ValidationError.Errorf("Export '%s' is not imported by any stack.", name)
	}
	return &ListImportsOutput{out}, nil
}

// untilEmpty is l up to its first empty entry (a filter list ends there).
func untilEmpty(l []string) []string {
	for i, v := range l {
		if v == "" {
			return l[:i]
		}
	}
	return l
}
