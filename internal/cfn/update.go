package cfn

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/cfn/tmpl"
)

// undo is how to revert one resource change of an update.
type undo struct {
	id      string
	kind    string // "created", "updated", "replaced"
	old     *resourceState
	oldCopy resourceState
}

// update runs a stack update: new resources are created, changed ones
// updated in place or replaced (new one first), then removed resources
// and replaced physical resources are deleted in the cleanup phase. On a
// failure the changes are undone (UPDATE_ROLLBACK_*).
func (o *op) update(p *plan) {
	o.stackStatus("UPDATE_IN_PROGRESS", "User Initiated")
	var undos []undo
	var replacedOld []*resourceState
	var failedID string
	var failErr error
	for _, id := range p.order {
		def := p.defs[id]
		typ := def["Type"].(string)
		old, exists := o.st.Resources[id]
		if exists && (old.Status == "DELETE_COMPLETE" || old.Status == "DELETE_SKIPPED") {
			exists = false
		}
		if !exists {
			if err := o.createResource(p, id); err != nil {
				failedID, failErr = id, err
				undos = append(undos, undo{id: id, kind: "created"})
				break
			}
			undos = append(undos, undo{id: id, kind: "created"})
			continue
		}
		propsV, err := p.ev.eval(orEmpty(def["Properties"]))
		if err != nil {
			o.resStatus(old, "UPDATE_FAILED", err.Error())
			failedID, failErr = id, err
			break
		}
		props, _ := propsV.(map[string]any)
		if dp, ok := def["DeletionPolicy"].(string); ok {
			old.DeletionPolicy = dp
		} else {
			old.DeletionPolicy = ""
		}
		if old.Type == typ && reflect.DeepEqual(jsonRound(props), jsonRound(old.Properties)) {
			continue
		}
		prov, _ := providerOf(typ)
		replace := old.Type != typ || prov.update == nil
		for _, k := range prov.replaceOn {
			if !reflect.DeepEqual(props[k], old.Properties[k]) {
				replace = true
			}
		}
		saved := *old
		if !replace {
			old.Properties = props
			o.resStatus(old, "UPDATE_IN_PROGRESS", "")
			out, err := prov.update(context.Background(), o.cl, o.resCtx(id), &saved, props)
			if err != nil {
				o.resStatus(old, "UPDATE_FAILED", handlerMessage(err))
				undos = append(undos, undo{id: id, kind: "updated", old: old, oldCopy: saved})
				failedID, failErr = id, err
				break
			}
			old.PhysicalID = out.PhysicalID
			if out.Attributes != nil {
				old.Attributes = out.Attributes
			}
			undos = append(undos, undo{id: id, kind: "updated", old: old, oldCopy: saved})
			o.resStatus(old, "UPDATE_COMPLETE", "")
			continue
		}
		if prov.name != "" {
			if n, _ := props[prov.name].(string); n != "" {
				err := errf("CloudFormation cannot update a stack when a custom-named resource requires replacing. Rename %s and update the stack again.", n)
				old.Properties = props
				o.resStatus(old, "UPDATE_FAILED", err.Error())
				old.Properties = saved.Properties
				failedID, failErr = id, err
				break
			}
		}
		nr := &resourceState{LogicalID: id, Type: typ, Properties: props, DeletionPolicy: old.DeletionPolicy, Metadata: def["Metadata"]}
		o.st.Resources[id] = nr
		o.resStatus(nr, "UPDATE_IN_PROGRESS", "")
		out, err := prov.create(context.Background(), o.cl, o.resCtx(id), props)
		nr.PhysicalID = out.PhysicalID
		if err != nil {
			o.resStatus(nr, "UPDATE_FAILED", handlerMessage(err))
			undos = append(undos, undo{id: id, kind: "replaced", old: nr, oldCopy: saved})
			failedID, failErr = id, err
			break
		}
		nr.Attributes = out.Attributes
		o.resStatus(nr, "UPDATE_IN_PROGRESS", "Requested update requires the creation of a new physical resource; hence creating one.")
		o.resStatus(nr, "UPDATE_COMPLETE", "")
		oldCopy := saved
		replacedOld = append(replacedOld, &oldCopy)
		undos = append(undos, undo{id: id, kind: "replaced", old: nr, oldCopy: saved})
	}
	if failErr == nil {
		if err := o.outputs(p); err != nil {
			failErr = err
		}
	}
	if failErr != nil {
		o.rollbackUpdate(p, undos, replacedOld, failedID, failErr)
		return
	}
	o.stackStatus("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "")
	// Replaced physical resources, then resources the new template no
	// longer has, dependents first.
	for i := len(replacedOld) - 1; i >= 0; i-- {
		r := replacedOld[i]
		if r.DeletionPolicy == "Retain" {
			continue
		}
		o.event(r.LogicalID, r.PhysicalID, r.Type, "DELETE_IN_PROGRESS", "", nil)
		status := "DELETE_COMPLETE"
		if err := customOr(r.Type).delete(context.Background(), o.cl, o.resCtx(r.LogicalID), r); err != nil && !isNotFound(err) {
			status = "DELETE_FAILED"
		}
		o.event(r.LogicalID, r.PhysicalID, r.Type, status, "", nil)
	}
	for _, id := range o.deleteOrder() {
		if _, keep := p.defs[id]; keep {
			continue
		}
		r := o.st.Resources[id]
		if r.Status != "DELETE_COMPLETE" && r.Status != "DELETE_SKIPPED" {
			_ = o.deleteResource(r, false)
		}
		delete(o.st.Resources, id)
	}
	o.stackStatus("UPDATE_COMPLETE", "")
}

// rollbackUpdate reverts an update's changes in reverse order and puts
// back the previous template and parameters.
func (o *op) rollbackUpdate(p *plan, undos []undo, replacedOld []*resourceState, failedID string, failErr error) {
	reason := fmt.Sprintf("The following resource(s) failed to update: [%s]. ", failedID)
	if failedID == "" {
		reason = failErr.Error() + ". "
	}
	if o.st.DisableRollback {
		o.stackStatus("UPDATE_FAILED", reason)
		return
	}
	o.stackStatus("UPDATE_ROLLBACK_IN_PROGRESS", reason)
	var cleanup []*resourceState
	for i := len(undos) - 1; i >= 0; i-- {
		u := undos[i]
		switch u.kind {
		case "created":
			cleanup = append(cleanup, o.st.Resources[u.id])
		case "updated":
			r := u.old
			o.resStatus(r, "UPDATE_IN_PROGRESS", "")
			if _, err := customOr(r.Type).update(context.Background(), o.cl, o.resCtx(u.id), r, u.oldCopy.Properties); err != nil {
				o.resStatus(r, "UPDATE_FAILED", handlerMessage(err))
				continue
			}
			*r = u.oldCopy
			o.resStatus(r, "UPDATE_COMPLETE", "")
		case "replaced":
			cleanup = append(cleanup, u.old)
			restored := u.oldCopy
			o.st.Resources[u.id] = &restored
			o.resStatus(&restored, "UPDATE_COMPLETE", "")
		}
	}
	o.st.Template, o.st.Processed, o.st.Parameters = o.st.PreviousTemplate, o.st.PreviousProcessed, o.st.PreviousParameters
	if old, err := tmpl.Parse([]byte(o.st.Processed)); err == nil {
		if pl, err := o.s.newPlan(context.Background(), o.st, old, paramsOf(o.st.Parameters), nil); err == nil {
			pl.ev.res = o.lookupRes
			_ = o.outputs(pl)
		}
	}
	o.stackStatus("UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS", "")
	for _, r := range cleanup {
		if r == nil || r.PhysicalID == "" {
			if r != nil && o.st.Resources[r.LogicalID] == r {
				delete(o.st.Resources, r.LogicalID)
			}
			continue
		}
		o.event(r.LogicalID, r.PhysicalID, r.Type, "DELETE_IN_PROGRESS", "", nil)
		status := "DELETE_COMPLETE"
		if err := customOr(r.Type).delete(context.Background(), o.cl, o.resCtx(r.LogicalID), r); err != nil && !isNotFound(err) {
			status = "DELETE_FAILED"
		}
		o.event(r.LogicalID, r.PhysicalID, r.Type, status, "", nil)
		if o.st.Resources[r.LogicalID] == r {
			delete(o.st.Resources, r.LogicalID)
		}
	}
	o.stackStatus("UPDATE_ROLLBACK_COMPLETE", "")
}

func paramsOf(ps []Parameter) []Parameter {
	out := slices.Clone(ps)
	return out
}

func (o *op) lookupRes(id string) (*resourceState, bool) {
	r, ok := o.st.Resources[id]
	if !ok || r.Status == "DELETE_COMPLETE" || r.Status == "CREATE_IN_PROGRESS" && r.PhysicalID == "" {
		return nil, false
	}
	return r, true
}

// jsonRound normalizes a value through JSON (numbers, nil maps) so that
// stored and freshly evaluated properties compare equal.
func jsonRound(v any) any {
	s, err := tmpl.JSON(v)
	if err != nil {
		return v
	}
	t, err := tmpl.Parse([]byte(`{"v":` + s + `}`))
	if err != nil {
		return v
	}
	return t["v"]
}

var _ = strings.Contains
