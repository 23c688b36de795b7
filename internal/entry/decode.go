package entry

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/vpid-dev/vpid/internal/avp"
)

// MaxBodyBytes is the largest request body accepted: 1 MiB, AVP's request
// size quota.
const MaxBodyBytes = 1 << 20

// Decode reads a request body into v. It accepts exactly one JSON object
// (an empty body counts as {}), in valid UTF-8, and ignores unknown members
// as AWS services do. Failures are *avp.Error values that say what is wrong.
func Decode(body []byte, v any) error {
	if len(body) > MaxBodyBytes {
		// No fieldList: its path is required, and no member is at fault.
		return &avp.Error{Code: avp.CodeValidation, Message: fmt.Sprintf(
			"1 validation error detected: The request body is %d bytes; the limit is %d bytes (1 MiB)", len(body), MaxBodyBytes)}
	}
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	if !utf8.Valid(body) {
		return protocolError(CodeSerialization, "The request body is not valid UTF-8")
	}
	if bytes.Equal(bytes.TrimSpace(body), []byte("null")) {
		return protocolError(CodeSerialization, "The request body must be a JSON object, not null")
	}
	if in, ok := v.(*avp.IsAuthorizedWithTokenInput); ok && *in == (avp.IsAuthorizedWithTokenInput{}) && decodeTokenRequest(body, in) {
		return nil
	}
	return decodeGeneral(body, v)
}

// decodeGeneral is Decode for any body, once its size, encoding and null
// are checked.
func decodeGeneral(body []byte, v any) error {
	// json.Unmarshal checks the whole body is JSON before it fills v, so
	// the member check below walks only JSON. Duplicate and mis-cased member
	// names are reported before a member of the wrong type.
	err := json.Unmarshal(body, v)
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return decodeError(err)
	}
	if err := checkMembers(body, reflect.TypeOf(v)); err != nil {
		return err
	}
	if err != nil {
		return decodeError(err)
	}
	return nil
}

func decodeError(err error) error {
	var syn *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn) && strings.HasSuffix(syn.Error(), "after top-level value"):
		return protocolError(CodeSerialization, "The request body must hold one JSON object and nothing after it")
	case errors.As(err, &syn) && syn.Error() == "unexpected end of JSON input":
		return protocolError(CodeSerialization, "The request body is not valid JSON: it ends too early")
	case errors.As(err, &syn):
		return protocolError(CodeSerialization, fmt.Sprintf("The request body is not valid JSON: %s (at byte %d)", syn.Error(), syn.Offset))
	case errors.As(err, &te):
		if te.Field == "" {
			return protocolError(CodeSerialization, fmt.Sprintf("The request body must be a JSON object, not %s", article(te.Value)))
		}
		return protocolError(CodeSerialization, fmt.Sprintf("Value at '%s' must be %s, not %s", te.Field, expected(te.Type), article(te.Value)))
	}
	return protocolError(CodeSerialization, "The request body could not be read as JSON: "+err.Error())
}

func expected(t reflect.Type) string {
	if t == nil {
		return "another type"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "another type"
}

// article names a JSON value kind as encoding/json reports it ("string",
// "number 1.5", "array", "object", "bool").
func article(v string) string {
	switch {
	case v == "array":
		return "a list"
	case v == "object":
		return "an object"
	case v == "bool":
		return "a boolean"
	case v == "string":
		return "a string"
	case len(v) >= 6 && v[:6] == "number":
		return "a " + v
	}
	return v
}
