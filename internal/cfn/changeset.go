package cfn

import (
	"errors"
	"reflect"
	"regexp"
	"sort"

	"github.com/gatehouse-dev/gatehouse/internal/arn"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/cfn/tmpl"
)

var changeSetNameRE = regexp.MustCompile(`^[a-zA-Z][-a-zA-Z0-9]*$`)

func (c *call) createChangeSet(in *createChangeSetIn) (*CreateChangeSetOutput, error) {
	name, csName := in.StackName, in.ChangeSetName
	if err := checkStackName(name); err != nil {
		return nil, err
	}
	if csName == "" || len(csName) > 128 || !changeSetNameRE.MatchString(csName) {
		return nil, validation(csName, "changeSetName", "Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*")
	}
	typ := in.ChangeSetType
	if typ == "" {
		typ = "UPDATE"
	}
	switch typ {
	case "CREATE", "UPDATE":
	case "IMPORT":
		return nil, awserr.ValidationError.New("ChangeSetType IMPORT is not supported by gatehouse: resources cannot be imported into a stack.")
	default:
		return nil, validation(typ, "changeSetType", "Member must satisfy enum value set: [IMPORT, UPDATE, CREATE]")
	}
	st, err := c.s.findStack(c.ctx, c.p.AccountID, c.region, name)
	if err != nil {
		return nil, err
	}
	if err := c.authorize("cloudformation:CreateChangeSet", c.stackResource(st, name)); err != nil {
		return nil, err
	}
	role := in.RoleARN
	if err := c.authorizePassRole(role); err != nil {
		return nil, err
	}
	if typ == "CREATE" && st != nil && st.Status != "REVIEW_IN_PROGRESS" {
		return nil, awserr.ValidationError.Errorf("Stack [%s] already exists and cannot be created again with the changeSet [%s].", name, csName)
	}
	if typ == "UPDATE" && (st == nil || st.Status == "REVIEW_IN_PROGRESS") {
		return nil, awserr.ValidationError.Errorf("Stack [%s] does not exist", name)
	}
	if role == "" && st != nil {
		role = st.RoleARN
	}
	caps, err := readCapabilities(in.Capabilities)
	if err != nil {
		return nil, err
	}
	tags, err := readTags(in.Tags)
	if err != nil {
		return nil, err
	}
	credsFn := func() (Credentials, error) { return c.s.credsFor(c.ctx, c.p, role) }
	var body string
	if in.UsePreviousTemplate == "true" {
		if st == nil || typ != "UPDATE" {
			return nil, awserr.ValidationError.New("UsePreviousTemplate can only be used with an UPDATE change set")
		}
		body = st.Template
	} else if body, err = c.templateBody(in.templateIn, credsFn); err != nil {
		return nil, err
	}
	// Change sets expand macros without CAPABILITY_AUTO_EXPAND (the
	// expansion is what the change set lets the caller review).
	tpl, _, err := process(body)
	if err != nil {
		return nil, err
	}
	if err := checkCapabilities(tpl, false, caps); err != nil {
		return nil, err
	}
	c.s.opMu.Lock()
	defer c.s.opMu.Unlock()
	if existing, err := c.s.findChangeSet(c.ctx, c.p.AccountID, c.region, csName, name); err != nil {
		return nil, err
	} else if existing != nil {
		if tok := in.ClientToken; tok != "" && tok == existing.ClientToken {
			return &CreateChangeSetOutput{existing.ID, existing.StackID}, nil
		}
		return nil, awserr.CFNAlreadyExists.Errorf("ChangeSet [%s] already exists", csName)
	}
	if st == nil {
		id := newUUID()
		st = &Stack{ID: arn.Stack(c.region, c.p.AccountID, name, id), Name: name, UUID: id, Account: c.p.AccountID, Region: c.region,
			Created: c.s.now().UTC(), Status: "REVIEW_IN_PROGRESS", StatusReason: "User Initiated", Review: true, RoleARN: role,
			Resources: map[string]*resourceState{}}
		if err := c.s.putStack(c.ctx, st); err != nil {
			return nil, err
		}
		o := &op{s: c.s, st: st}
		o.event(st.Name, st.ID, "AWS::CloudFormation::Stack", "REVIEW_IN_PROGRESS", "User Initiated", nil)
	}
	prevParams := st.Parameters
	pl, err := c.s.newPlan(c.ctx, st, tpl, readParameters(in.Parameters), prevParams)
	if err != nil {
		return nil, err
	}
	processed, err := tmpl.JSON(tpl)
	if err != nil {
		return nil, err
	}
	csID := newUUID()
	cs := &ChangeSet{ID: arn.ChangeSet(c.region, c.p.AccountID, csName, csID), Name: csName, UUID: csID, StackID: st.ID, StackName: st.Name,
		Account: c.p.AccountID, Region: c.region, Type: typ, Created: c.s.now().UTC(), Description: in.Description,
		Parameters: pl.stackPar, Capabilities: caps, RoleARN: role, Tags: tags, Template: body, Processed: processed,
		ClientToken: in.ClientToken, Status: "CREATE_COMPLETE", ExecutionStatus: "AVAILABLE"}
	cs.Changes = changesOf(st, pl)
	if len(cs.Changes) == 0 && typ == "UPDATE" && sameParams(pl.stackPar, st.Parameters) && tagsEqual(tags, st.Tags) {
		cs.Status, cs.ExecutionStatus = "FAILED", "UNAVAILABLE"
		cs.StatusReason = "The submitted information didn't contain changes. Submit different information to create a change set."
	}
	if err := c.s.putChangeSet(c.ctx, cs); err != nil {
		return nil, err
	}
	return &CreateChangeSetOutput{cs.ID, cs.StackID}, nil
}

// changesOf lists what executing the plan would change, comparing the
// processed templates' definitions (values resolved at execution are not
// known yet, so a changed definition is a Modify).
func changesOf(st *Stack, pl *plan) []Change {
	var old map[string]any
	if t, err := tmpl.Parse([]byte(st.Processed)); err == nil {
		old, _ = t["Resources"].(map[string]any)
	}
	var out []Change
	for _, id := range pl.order {
		def := pl.defs[id]
		typ, _ := def["Type"].(string)
		r, exists := st.Resources[id]
		if !exists || r.Status == "DELETE_COMPLETE" {
			out = append(out, Change{Action: "Add", LogicalID: id, Type: typ})
			continue
		}
		od, _ := old[id].(map[string]any)
		newProps, _ := pl.ev.eval(orEmpty(def["Properties"]))
		if reflect.DeepEqual(jsonRound(od["Properties"]), jsonRound(def["Properties"])) &&
			reflect.DeepEqual(jsonRound(newProps), jsonRound(r.Properties)) && r.Type == typ {
			continue
		}
		ch := Change{Action: "Modify", LogicalID: id, PhysicalID: r.PhysicalID, Type: typ, Replacement: "False", Scope: []string{"Properties"}}
		prov, _ := providerOf(typ)
		if prov.update == nil || r.Type != typ {
			ch.Replacement = "True"
		}
		np, _ := def["Properties"].(map[string]any)
		op, _ := od["Properties"].(map[string]any)
		for _, k := range prov.replaceOn {
			if !reflect.DeepEqual(np[k], op[k]) {
				ch.Replacement = "True"
			}
		}
		out = append(out, ch)
	}
	for _, id := range sortedKeys(st.Resources) {
		if _, ok := pl.defs[id]; !ok && st.Resources[id].Status != "DELETE_COMPLETE" {
			r := st.Resources[id]
			out = append(out, Change{Action: "Remove", LogicalID: id, PhysicalID: r.PhysicalID, Type: r.Type})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return false })
	return out
}

// changeSetOf resolves ChangeSetName (+ StackName) and authorizes action.
func (c *call) changeSetOf(action string, in *changeSetIn) (*ChangeSet, error) {
	name := in.ChangeSetName
	if name == "" {
		return nil, awserr.ValidationError.New("1 validation error detected: Value null at 'changeSetName' failed to satisfy constraint: Member must not be null")
	}
	cs, err := c.s.findChangeSet(c.ctx, c.p.AccountID, c.region, name, in.StackName)
	if err != nil {
		return nil, err
	}
	res := "*"
	if cs != nil {
		res = cs.StackID
	} else if sn := in.StackName; sn != "" {
		res = c.stackResource(nil, sn)
	}
	if err := c.authorize(action, res); err != nil {
		return nil, err
	}
	if cs == nil {
		if in.StackName == "" && !isARN(name) {
			return nil, awserr.ValidationError.New("StackName must be specified if ChangeSetName is not specified as an ARN.")
		}
		return nil, awserr.ChangeSetNotFound.Errorf("ChangeSet [%s] does not exist", name)
	}
	return cs, nil
}

func isARN(s string) bool { _, err := arn.Parse(s); return err == nil }

func (c *call) describeChangeSet(in *changeSetIn) (*DescribeChangeSetOutput, error) {
	cs, err := c.changeSetOf("cloudformation:DescribeChangeSet", in)
	if err != nil {
		return nil, err
	}
	res := &DescribeChangeSetOutput{ChangeSetName: cs.Name, ChangeSetId: cs.ID, StackId: cs.StackID, StackName: cs.StackName, Description: cs.Description,
		Parameters: paramsXML(cs.Parameters), CreationTime: ts(cs.Created), ExecutionStatus: cs.ExecutionStatus, Status: cs.Status,
		StatusReason: cs.StatusReason, Capabilities: cs.Capabilities, Tags: tagsXML(cs.Tags)}
	for _, ch := range cs.Changes {
		res.Changes = append(res.Changes, xmlChange{Type: "Resource", ResourceChange: xmlResourceChange{Action: ch.Action, LogicalResourceId: ch.LogicalID,
			PhysicalResourceId: ch.PhysicalID, ResourceType: ch.Type, Replacement: ch.Replacement, Scope: ch.Scope}})
	}
	return res, nil
}

func (c *call) listChangeSets(in *stackIn) (*ListChangeSetsOutput, error) {
	st, err := c.lookup("cloudformation:ListChangeSets", in.StackName, true)
	if err != nil {
		return nil, err
	}
	sets, err := c.s.changeSets(c.ctx, c.p.AccountID, c.region)
	if err != nil {
		return nil, err
	}
	res := &ListChangeSetsOutput{}
	for _, cs := range sets {
		if cs.StackID != st.ID {
			continue
		}
		res.Summaries = append(res.Summaries, xmlChangeSetSummary{StackId: cs.StackID, StackName: cs.StackName, ChangeSetId: cs.ID, ChangeSetName: cs.Name,
			ExecutionStatus: cs.ExecutionStatus, Status: cs.Status, StatusReason: cs.StatusReason, CreationTime: ts(cs.Created), Description: cs.Description})
	}
	return res, nil
}

func (c *call) deleteChangeSet(in *changeSetIn) (*DeleteChangeSetOutput, error) {
	cs, err := c.changeSetOf("cloudformation:DeleteChangeSet", in)
	var ae *awserr.Error
	if errors.As(err, &ae) && ae.Code == awserr.ChangeSetNotFound.Name && !isARN(in.ChangeSetName) {
		// AWS answers a missing change set (by name) of an existing stack
		// with success (the CDK and Serverless v3 delete their change set
		// name before every deploy); a missing stack stays an error.
		st, ferr := c.s.findStack(c.ctx, c.p.AccountID, c.region, in.StackName)
		if ferr != nil {
			return nil, ferr
		}
		if st == nil || st.Status == "DELETE_COMPLETE" {
			return nil, notExist(in.StackName)
		}
		return &DeleteChangeSetOutput{}, nil
	}
	if err != nil {
		return nil, err
	}
	if cs.ExecutionStatus == "EXECUTE_IN_PROGRESS" {
		return nil, awserr.InvalidChangeSetStatus.Errorf("Cannot delete ChangeSet in status %s", cs.ExecutionStatus)
	}
	if err := c.s.deleteChangeSets(c.ctx, cs.Account, cs.Region, func(x *ChangeSet) bool { return x.ID == cs.ID }); err != nil {
		return nil, err
	}
	// Deleting the last change set of a stack in REVIEW_IN_PROGRESS
	// leaves the empty stack, as on AWS.
	return &DeleteChangeSetOutput{}, nil
}

func (c *call) executeChangeSet(in *executeChangeSetIn) (*ExecuteChangeSetOutput, error) {
	cs, err := c.changeSetOf("cloudformation:ExecuteChangeSet", &in.changeSetIn)
	if err != nil {
		return nil, err
	}
	if cs.ExecutionStatus != "AVAILABLE" {
		return nil, awserr.InvalidChangeSetStatus.Errorf("ChangeSet [%s] cannot be executed in its current status of [%s]", cs.ID, cs.Status)
	}
	st, err := c.s.findStack(c.ctx, cs.Account, cs.Region, cs.StackID)
	if err != nil {
		return nil, err
	}
	if st == nil {
		return nil, notExist(cs.StackID)
	}
	credsFn := func() (Credentials, error) { return c.s.credsFor(c.ctx, c.p, cs.RoleARN) }
	tpl, _, err := process(cs.Template)
	if err != nil {
		return nil, err
	}
	params := cs.Parameters
	c.started = st.UUID
	if cs.Type == "UPDATE" {
		if _, err := c.s.startUpdate(c.ctx, c.p, st, cs.Template, tpl, params, cs.Capabilities, cs.RoleARN, cs.Tags, in.ClientRequestToken, credsFn); err != nil {
			return nil, err
		}
	} else {
		c.s.opMu.Lock()
		if st.Status != "REVIEW_IN_PROGRESS" {
			c.s.opMu.Unlock()
			return nil, awserr.InvalidChangeSetStatus.Errorf("ChangeSet [%s] cannot be executed in its current status of [%s]", cs.ID, cs.Status)
		}
		pl, err := c.s.newPlan(c.ctx, st, tpl, params, nil)
		if err != nil {
			c.s.opMu.Unlock()
			return nil, err
		}
		cr, err := credsFn()
		if err != nil {
			c.s.opMu.Unlock()
			return nil, err
		}
		st.Template, st.Processed, st.Parameters, st.Capabilities, st.Tags, st.RoleARN = cs.Template, cs.Processed, pl.stackPar, cs.Capabilities, cs.Tags, cs.RoleARN
		st.Description, _ = tpl["Description"].(string)
		st.ChangeSetID, st.Review = cs.ID, false
		st.DisableRollback = in.DisableRollback == "true"
		o := &op{s: c.s, st: st, cl: c.s.clientsFor(cr, st.Region), token: in.ClientRequestToken}
		st.Status, st.StatusReason = "CREATE_IN_PROGRESS", "User Initiated"
		if err := c.s.putStack(c.ctx, st); err != nil {
			c.s.opMu.Unlock()
			return nil, err
		}
		c.started = st.UUID
		c.s.start(st, func() { o.create(pl) })
		c.s.opMu.Unlock()
	}
	// Executing a change set deletes the stack's change sets.
	if err := c.s.deleteChangeSets(c.ctx, cs.Account, cs.Region, func(x *ChangeSet) bool { return x.StackID == cs.StackID }); err != nil {
		return nil, err
	}
	return &ExecuteChangeSetOutput{}, nil
}
