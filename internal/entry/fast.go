package entry

import (
	"github.com/vpid-dev/vpid/internal/avp"
	"github.com/vpid-dev/vpid/internal/jsonscan"
)

// decodeTokenRequest reads the usual IsAuthorizedWithToken body (a store,
// a token or two, an action and a resource, all strings) in one pass,
// without reflection: the request every warm decision with a token makes.
// It reports false, having written nothing, for any other body (another
// member, a repeated one, a null, another type, or anything jsonscan gives
// up on), which Decode then reads the general way, with its errors.
// FuzzDecodeTokenRequest holds it to the general way.
func decodeTokenRequest(body []byte, out *avp.IsAuthorizedWithTokenInput) bool {
	s := jsonscan.New(body)
	var in avp.IsAuthorizedWithTokenInput
	var seen uint8
	once := func(bit uint8) bool {
		if seen&bit != 0 {
			return false
		}
		seen |= bit
		return true
	}
	ok := s.Object(func(name []byte) bool {
		switch string(name) {
		case "policyStoreId":
			v, ok := s.Str()
			in.PolicyStoreID = v
			return ok && once(1)
		case "identityToken":
			v, ok := s.Str()
			in.IdentityToken = &v
			return ok && once(2)
		case "accessToken":
			v, ok := s.Str()
			in.AccessToken = &v
			return ok && once(4)
		case "action":
			a := &avp.ActionIdentifier{}
			in.Action = a
			return pair(s, "actionType", &a.ActionType, "actionId", &a.ActionID) && once(8)
		case "resource":
			r := &avp.EntityIdentifier{}
			in.Resource = r
			return pair(s, "entityType", &r.EntityType, "entityId", &r.EntityID) && once(16)
		}
		return false
	})
	if !ok || !s.End() {
		return false
	}
	*out = in
	return true
}

// pair reads an object of at most the two string members named, each at
// most once.
func pair(s *jsonscan.Scanner, n1 string, v1 *string, n2 string, v2 *string) bool {
	var seen1, seen2 bool
	return s.Object(func(name []byte) bool {
		var ok bool
		switch {
		case string(name) == n1 && !seen1:
			seen1 = true
			*v1, ok = s.Str()
		case string(name) == n2 && !seen2:
			seen2 = true
			*v2, ok = s.Str()
		}
		return ok
	})
}
