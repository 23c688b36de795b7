package entry

import (
	"bytes"

	"github.com/vpid-dev/vpid/internal/avp"
)

// decodeTokenRequest reads the usual IsAuthorizedWithToken body (a store,
// a token or two, an action and a resource, each string without escapes)
// in one pass, without reflection: the request every warm decision with a
// token makes. It reports false, having written nothing, for any other
// body (another member, a repeated one, a null, an escape, another type),
// which Decode then reads the general way, with its errors.
// FuzzDecodeTokenRequest holds it to the general way.
func decodeTokenRequest(body []byte, out *avp.IsAuthorizedWithTokenInput) bool {
	s := scanner{b: body}
	var in avp.IsAuthorizedWithTokenInput
	var seen uint8
	once := func(bit uint8) bool {
		if seen&bit != 0 {
			return false
		}
		seen |= bit
		return true
	}
	ok := s.object(func(name []byte) bool {
		switch string(name) {
		case "policyStoreId":
			v, ok := s.str()
			in.PolicyStoreID = v
			return ok && once(1)
		case "identityToken":
			v, ok := s.str()
			in.IdentityToken = &v
			return ok && once(2)
		case "accessToken":
			v, ok := s.str()
			in.AccessToken = &v
			return ok && once(4)
		case "action":
			a := &avp.ActionIdentifier{}
			in.Action = a
			return s.pair("actionType", &a.ActionType, "actionId", &a.ActionID) && once(8)
		case "resource":
			r := &avp.EntityIdentifier{}
			in.Resource = r
			return s.pair("entityType", &r.EntityType, "entityId", &r.EntityID) && once(16)
		}
		return false
	})
	if !ok || !s.end() {
		return false
	}
	*out = in
	return true
}

// scanner reads the little JSON decodeTokenRequest takes.
type scanner struct {
	b []byte
	i int
}

func (s *scanner) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// next consumes c after any whitespace.
func (s *scanner) next(c byte) bool {
	s.space()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// end reports whether only whitespace is left.
func (s *scanner) end() bool {
	s.space()
	return s.i == len(s.b)
}

// raw reads a string without escapes or control characters, in place.
// (Decode has checked the body is valid UTF-8.)
func (s *scanner) raw() ([]byte, bool) {
	if !s.next('"') {
		return nil, false
	}
	k := bytes.IndexByte(s.b[s.i:], '"')
	if k < 0 {
		return nil, false
	}
	v := s.b[s.i : s.i+k]
	for _, c := range v {
		if c < 0x20 || c == '\\' {
			return nil, false
		}
	}
	s.i += k + 1
	return v, true
}

func (s *scanner) str() (string, bool) {
	v, ok := s.raw()
	return string(v), ok
}

// object calls member for each member of an object, the cursor before its
// value; member must consume the value.
func (s *scanner) object(member func(name []byte) bool) bool {
	if !s.next('{') {
		return false
	}
	if s.next('}') {
		return true
	}
	for {
		name, ok := s.raw()
		if !ok || !s.next(':') || !member(name) {
			return false
		}
		if s.next('}') {
			return true
		}
		if !s.next(',') {
			return false
		}
	}
}

// pair reads an object of at most the two string members named.
func (s *scanner) pair(n1 string, v1 *string, n2 string, v2 *string) bool {
	var seen1, seen2 bool
	return s.object(func(name []byte) bool {
		var ok bool
		switch {
		case string(name) == n1 && !seen1:
			seen1 = true
			*v1, ok = s.str()
		case string(name) == n2 && !seen2:
			seen2 = true
			*v2, ok = s.str()
		}
		return ok
	})
}
