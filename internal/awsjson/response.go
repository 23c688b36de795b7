package awsjson

import (
	"maps"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
)

// appendResponse appends resp as JSON, byte for byte as encoding/json
// encodes it with HTML escaping off (as aws-lambda-go encodes a handler's
// result): the members in the struct's order, map keys sorted, nil maps
// and slices as null, isBase64Encoded only when true. Hand-written, it
// costs a fraction of the reflective encoder's pass over the body
// (TestAppendResponseAsEncodingJSON holds the two to the same bytes).
func appendResponse(b []byte, resp events.APIGatewayProxyResponse) []byte {
	b = append(b, `{"statusCode":`...)
	b = strconv.AppendInt(b, int64(resp.StatusCode), 10)
	b = append(b, `,"headers":`...)
	b = appendObject(b, resp.Headers, appendJSONString)
	b = append(b, `,"multiValueHeaders":`...)
	b = appendObject(b, resp.MultiValueHeaders, func(b []byte, vs []string) []byte {
		if vs == nil {
			return append(b, "null"...)
		}
		b = append(b, '[')
		for j, v := range vs {
			if j > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, v)
		}
		return append(b, ']')
	})
	b = append(b, `,"body":`...)
	b = appendJSONString(b, resp.Body)
	if resp.IsBase64Encoded {
		b = append(b, `,"isBase64Encoded":true`...)
	}
	return append(b, '}')
}

// appendObject appends m as a JSON object, keys sorted, each value by
// value; a nil map as null.
func appendObject[V any](b []byte, m map[string]V, value func([]byte, V) []byte) []byte {
	if m == nil {
		return append(b, "null"...)
	}
	b = append(b, '{')
	for i, k := range slices.Sorted(maps.Keys(m)) {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, k)
		b = append(b, ':')
		b = value(b, m[k])
	}
	return append(b, '}')
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s quoted as encoding/json quotes a string with
// HTML escaping off: ", \ and control characters escaped (\b \f \n \r \t
// by name, the others as \u00XX), invalid UTF-8 as \ufffd, and U+2028 and
// U+2029 escaped for JavaScript.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 || r == '\u2028' || r == '\u2029' {
				b = append(b, s[start:i]...)
				switch r {
				case utf8.RuneError:
					b = append(b, `\ufffd`...)
				default:
					b = append(b, `\u202`...)
					b = append(b, hexDigits[r&0xf])
				}
				i += size
				start = i
				continue
			}
			i += size
			continue
		}
		if c >= 0x20 && c != '"' && c != '\\' {
			i++
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\b':
			b = append(b, `\b`...)
		case '\f':
			b = append(b, `\f`...)
		case '\n':
			b = append(b, `\n`...)
		case '\r':
			b = append(b, `\r`...)
		case '\t':
			b = append(b, `\t`...)
		default:
			b = append(b, `\u00`...)
			b = append(b, hexDigits[c>>4], hexDigits[c&0xf])
		}
		i++
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
