package avp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
)

// unionState records the members a decoded union held on the wire.
type unionState struct {
	decoded bool     // set by decodeUnion; a union built in Go has only its fields
	members []string // non-null keys, in wire order, duplicates kept
	unknown []string // keys that name no member
}

// decodeUnion decodes a JSON object whose keys name union members. targets
// maps each known member name to a pointer the member is decoded into. Keys
// whose value is null count as absent, as AWS SDKs treat them.
func decodeUnion(data []byte, targets map[string]any) (unionState, error) {
	st := unionState{decoded: true}
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return st, err
	}
	if tok == nil { // a null union is an absent one
		return st, nil
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return st, &json.UnmarshalTypeError{Value: jsonKind(tok), Type: unionType}
	}
	for dec.More() {
		keyTok, err := dec.Token()
		if err != nil {
			return st, err
		}
		key := keyTok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return st, err
		}
		if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
			continue
		}
		st.members = append(st.members, key)
		target, ok := targets[key]
		if !ok {
			st.unknown = append(st.unknown, key)
			continue
		}
		if err := json.Unmarshal(raw, target); err != nil {
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) {
				te.Field = joinPath(key, te.Field)
			}
			return st, err
		}
	}
	return st, nil
}

var unionType = reflect.TypeFor[map[string]any]()

func jsonKind(tok json.Token) string {
	switch tok.(type) {
	case string:
		return "string"
	case float64, json.Number:
		return "number"
	case bool:
		return "bool"
	case json.Delim:
		return "array"
	}
	return fmt.Sprintf("%T", tok)
}

func joinPath(a, b string) string {
	if b == "" {
		return a
	}
	return a + "." + b
}

// validate reports a union that does not hold exactly one known member.
// set lists, for a union built in Go rather than decoded, whether each
// member (in the order of names) is non-nil.
func (st unionState) validate(v *validator, path string, names []string, set ...bool) {
	if !st.decoded {
		st.members = nil
		for i, ok := range set {
			if ok {
				st.members = append(st.members, names[i])
			}
		}
	}
	for _, u := range st.unknown {
		v.add(path+"."+u, "%q is not a member of this union; set exactly one of: %s", u, listNames(names))
	}
	switch n := len(st.members); {
	case n == 0:
		v.add(path, "Member must have exactly one member set, but has none; set one of: %s", listNames(names))
	case n > 1:
		v.add(path, "Member must have exactly one member set, but has %d (%s)", n, listNames(st.members))
	}
}

func listNames(names []string) string {
	var b bytes.Buffer
	for i, n := range names {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(n)
	}
	return b.String()
}
