package awsproto

import (
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"sync"
)

// DecodeQuery fills dst, a pointer to an operation's input struct, from a
// Query request's parameters. Each exported field is read from the
// parameter named by the field (or its `query:"Name"` tag; `query:"-"`
// skips it), by the field's type:
//
//   - string: the parameter's first value, "" when absent. Scalars stay
//     strings: the Query services' validation messages quote the value as
//     sent, so the handler parses and validates it.
//   - *string: nil when the parameter is absent (a present empty value is
//     a pointer to ""): for inputs whose meaning depends on presence.
//   - []string: the list Name.member.N (Members: stops at the first gap).
//   - []map[string]string: the structures Name.member.N.Field
//     (MemberStructs).
//   - bool with `query:"Prefix,prefix"`: whether any parameter's name
//     begins with Prefix (a structure sent with any member).
//   - an embedded struct: its fields, decoded the same way (shared
//     members such as Marker and MaxItems).
//
// A field of another type is a declaration error in gatehouse, reported
// as an error without reading anything.
func DecodeQuery(v url.Values, dst any) error {
	rv := reflect.ValueOf(dst)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("awsproto: DecodeQuery needs a pointer to a struct, not %T", dst)
	}
	plan, err := queryPlanOf(rv.Elem().Type())
	if err != nil {
		return err
	}
	e := rv.Elem()
	for _, f := range plan {
		fv := e.FieldByIndex(f.index)
		switch f.kind {
		case qString:
			fv.SetString(v.Get(f.name))
		case qPresent:
			if vs, ok := v[f.name]; ok {
				s := ""
				if len(vs) > 0 {
					s = vs[0]
				}
				fv.Set(reflect.ValueOf(&s))
			}
		case qList:
			if l := Members(v, f.name); l != nil {
				fv.Set(reflect.ValueOf(l))
			}
		case qStructs:
			if l := MemberStructs(v, f.name); l != nil {
				fv.Set(reflect.ValueOf(l))
			}
		case qPrefix:
			for k := range v {
				if strings.HasPrefix(k, f.name) {
					fv.SetBool(true)
					break
				}
			}
		}
	}
	return nil
}

type queryKind int

const (
	qString queryKind = iota
	qPresent
	qList
	qStructs
	qPrefix
)

type queryField struct {
	index []int
	name  string
	kind  queryKind
}

var queryPlans sync.Map // reflect.Type → []queryField

func queryPlanOf(t reflect.Type) ([]queryField, error) {
	if p, ok := queryPlans.Load(t); ok {
		return p.([]queryField), nil
	}
	var plan []queryField
	if err := addQueryFields(&plan, t, nil); err != nil {
		return nil, err
	}
	queryPlans.Store(t, plan)
	return plan, nil
}

var (
	stringType  = reflect.TypeOf("")
	pStringType = reflect.TypeOf((*string)(nil))
	listType    = reflect.TypeOf([]string(nil))
	structsType = reflect.TypeOf([]map[string]string(nil))
)

func addQueryFields(plan *[]queryField, t reflect.Type, at []int) error {
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		index := append(append([]int(nil), at...), i)
		if sf.Anonymous && sf.Type.Kind() == reflect.Struct {
			if err := addQueryFields(plan, sf.Type, index); err != nil {
				return err
			}
			continue
		}
		if !sf.IsExported() {
			continue
		}
		name, opt, _ := strings.Cut(sf.Tag.Get("query"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		f := queryField{index: index, name: name}
		switch {
		case sf.Type == stringType && opt == "":
			f.kind = qString
		case sf.Type == pStringType && opt == "":
			f.kind = qPresent
		case sf.Type == listType && opt == "":
			f.kind = qList
		case sf.Type == structsType && opt == "":
			f.kind = qStructs
		case sf.Type.Kind() == reflect.Bool && opt == "prefix":
			f.kind = qPrefix
		default:
			return fmt.Errorf("awsproto: %s.%s: a Query input field cannot be %s (tag %q)", t, sf.Name, sf.Type, sf.Tag.Get("query"))
		}
		*plan = append(*plan, f)
	}
	return nil
}
