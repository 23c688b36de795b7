package avp

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"unicode/utf8"
)

// unionState records the members a decoded union held on the wire.
//
// Both lists keep at most MaxFieldList names; the counts say how many there
// were, so a union with a hundred thousand unknown members costs a few names.
type unionState struct {
	decoded  bool     // set by decodeUnion; a union built in Go has only its fields
	members  []string // non-null keys, in wire order, duplicates kept
	unknown  []string // keys that name no member
	nMembers int      // how many non-null keys there were
	nUnknown int      // how many of them name no member
}

// decodeUnion decodes a JSON object whose keys name union members. targets
// maps each known member name to a pointer the member is decoded into. Keys
// whose value is null count as absent, as AWS SDKs treat them.
//
// It reads the object in place: a member costs nothing beyond its value's
// decoding when it is known, and nothing at all when it is not, so an
// object of a hundred thousand unknown members costs a few names.
func decodeUnion(data []byte, targets map[string]any) (unionState, error) {
	st := unionState{decoded: true}
	if !json.Valid(data) {
		var x any
		return st, json.Unmarshal(data, &x) // the decoder's own syntax error
	}
	r := reader{b: data}
	r.ws()
	switch {
	case r.lit("null"): // a null union is an absent one
		return st, nil
	case r.i >= len(data) || data[r.i] != '{':
		return st, &json.UnmarshalTypeError{Value: r.kind(), Type: unionType}
	}
	r.i++
	for {
		r.ws()
		if r.i >= len(data) || data[r.i] == '}' {
			return st, nil
		}
		if data[r.i] == ',' {
			r.i++
			r.ws()
		}
		rawKey := r.str()
		r.ws()
		r.i++ // the colon
		r.ws()
		start := r.i
		r.skip()
		value := data[start:r.i]
		if string(value) == "null" {
			continue
		}
		key := string(rawKey[1 : len(rawKey)-1])
		if bytes.IndexByte(rawKey, '\\') >= 0 || !utf8.Valid(rawKey) { // as encoding/json reads it
			if err := json.Unmarshal(rawKey, &key); err != nil {
				return st, err
			}
		}
		st.nMembers++
		if len(st.members) < MaxFieldList {
			st.members = append(st.members, key)
		}
		target, ok := targets[key]
		if !ok {
			st.nUnknown++
			if len(st.unknown) < MaxFieldList {
				st.unknown = append(st.unknown, key)
			}
			continue
		}
		if err := json.Unmarshal(value, target); err != nil {
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) {
				te.Field = joinPath(key, te.Field)
			}
			return st, err
		}
	}
}

// reader steps through JSON that json.Valid accepted.
type reader struct {
	b []byte
	i int
}

func (r *reader) ws() {
	for r.i < len(r.b) && (r.b[r.i] == ' ' || r.b[r.i] == '\t' || r.b[r.i] == '\n' || r.b[r.i] == '\r') {
		r.i++
	}
}

func (r *reader) lit(s string) bool {
	if bytes.HasPrefix(r.b[r.i:], []byte(s)) {
		r.i += len(s)
		return true
	}
	return false
}

// str consumes a string and returns it with its quotes.
func (r *reader) str() []byte {
	start := r.i
	r.i++
	for r.i < len(r.b) && r.b[r.i] != '"' {
		if r.b[r.i] == '\\' {
			r.i++
		}
		r.i++
	}
	r.i++
	return r.b[start:min(r.i, len(r.b))]
}

// skip consumes one value.
func (r *reader) skip() {
	depth := 0
	for r.i < len(r.b) {
		switch r.b[r.i] {
		case '"':
			r.str()
			if depth == 0 {
				return
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return
			}
			depth--
			if depth == 0 {
				r.i++
				return
			}
		case ',':
			if depth == 0 {
				return
			}
		case ' ', '\t', '\n', '\r':
			if depth == 0 {
				return
			}
		}
		r.i++
	}
}

// kind names the JSON type of the value at r.i, as encoding/json does.
func (r *reader) kind() string {
	if r.i >= len(r.b) {
		return "value"
	}
	switch r.b[r.i] {
	case '"':
		return "string"
	case '[':
		return "array"
	case 't', 'f':
		return "bool"
	}
	return "number"
}

var unionType = reflect.TypeFor[map[string]any]()

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
		st.nMembers = len(st.members)
	}
	for _, u := range st.unknown {
		u = shortName(u)
		v.add(path+"."+u, "%q is not a member of this union; set exactly one of: %s", u, listNames(names))
	}
	v.total += st.nUnknown - len(st.unknown) // counted, not listed
	switch n := st.nMembers; {
	case n == 0:
		v.add(path, "Member must have exactly one member set, but has none; set one of: %s", listNames(names))
	case n > 1:
		shown := listNames(st.members)
		if n > len(st.members) {
			shown += ", ..."
		}
		v.add(path, "Member must have exactly one member set, but has %d (%s)", n, shown)
	}
}

func listNames(names []string) string {
	var b bytes.Buffer
	for i, n := range names {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(shortName(n))
	}
	return b.String()
}

// shortName cuts a member name the caller chose (an unknown union member
// may be a megabyte long) to what an answer repeats of a value.
func shortName(s string) string {
	if len(s) <= maxShownValue || utf8.RuneCountInString(s) <= maxShownValue {
		return s
	}
	return string([]rune(s)[:maxShownValue]) + "..."
}
