package entry

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
)

// encoding/json matches member names to fields case-insensitively, so
// {"POLICYSTOREID": …} would fill policyStoreId. AWS's JSON protocols are
// case-sensitive: such a member is unknown there. checkMemberCase refuses
// a body holding a member that differs from a known member only by case,
// naming the member it probably meant, rather than letting it through.

// checkMemberCase walks body along the Go type t (a pointer to the input
// struct). It only reports; decoding is left to encoding/json.
func checkMemberCase(body []byte, t reflect.Type) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := walk(dec, t, ""); err != nil {
		if ce := caseError(""); errors.As(err, &ce) {
			return protocolError(CodeSerialization, err.Error())
		}
		return nil // not JSON or not the right shape: Decode reports it
	}
	return nil
}

var unmarshaler = reflect.TypeFor[json.Unmarshaler]()

type caseError string

func (e caseError) Error() string { return string(e) }

// walk consumes one JSON value from dec, checking object members against t.
func walk(dec *json.Decoder, t reflect.Type, path string) error {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return nil // a scalar
	}
	switch d {
	case '[':
		var elem reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			elem = t.Elem()
		}
		for i := 0; dec.More(); i++ {
			if err := walk(dec, elem, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	case '{':
		fields := jsonFields(t)
		// A union decodes its members itself, by exact name, and reports an
		// unknown one (in any case) as a ValidationException with its path.
		union := t != nil && reflect.PointerTo(t).Implements(unmarshaler)
		for dec.More() {
			keyTok, err := dec.Token()
			if err != nil {
				return err
			}
			key := keyTok.(string)
			var next reflect.Type
			switch {
			case t != nil && t.Kind() == reflect.Map:
				next = t.Elem()
			case fields != nil:
				if f, ok := fields[key]; ok {
					next = f
				} else if want := caseMatch(fields, key); want != "" && !union {
					return caseError(fmt.Sprintf("Member '%s' is not known: member names are case-sensitive; did you mean '%s'?", joinPath(path, key), joinPath(path, want)))
				}
			}
			if err := walk(dec, next, joinPath(path, key)); err != nil {
				return err
			}
		}
	}
	_, err = dec.Token() // the closing delimiter
	return err
}

// jsonFields maps a struct's JSON member names to their types; nil for a
// type that is not a struct.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	if t == nil || t.Kind() != reflect.Struct {
		return nil
	}
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
}

func caseMatch(fields map[string]reflect.Type, key string) string {
	for name := range fields {
		if strings.EqualFold(name, key) {
			return name
		}
	}
	return ""
}

func joinPath(a, b string) string {
	if a == "" {
		return b
	}
	return a + "." + b
}
