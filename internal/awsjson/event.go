package awsjson

import (
	"encoding/json"

	"github.com/vpid-dev/vpid/internal/jsonscan"
)

// decodeEvent decodes a Lambda payload into ev exactly as json.Unmarshal
// would. Most payloads take the fast path: one pass over the bytes that
// reads the members lambdaEvent has and checks the grammar of the rest
// without decoding it, several times cheaper than encoding/json's
// reflection over a whole event (BenchmarkDecodeEvent). Anything the fast
// path does not handle the way json.Unmarshal does, it gives up on, and
// json.Unmarshal decodes the payload: a member name that matches one of
// lambdaEvent's only without regard to case, or that repeats one, a null
// or mistyped member, an escape it does not decode, invalid UTF-8,
// malformed JSON. FuzzDecodeEvent holds every fast answer to
// json.Unmarshal's.
func decodeEvent(payload []byte, ev *lambdaEvent) error {
	var fast lambdaEvent
	if scanEvent(payload, &fast) {
		*ev = fast
		return nil
	}
	*ev = lambdaEvent{}
	return json.Unmarshal(payload, ev)
}

// The members of lambdaEvent, as the fast path looks them up.
var (
	eventNames    = []string{"httpMethod", "body", "headers", "multiValueHeaders", "requestContext", "isBase64Encoded"}
	contextNames  = []string{"requestId", "identity"}
	identityNames = []string{"accountId"}
)

// scanEvent reads a whole payload into ev with the fast path.
func scanEvent(payload []byte, ev *lambdaEvent) bool {
	s := jsonscan.New(payload)
	rc := &ev.RequestContext
	ok := s.Fields(eventNames, func(i int) bool {
		switch eventNames[i] {
		case "httpMethod":
			return s.Into(&ev.HTTPMethod)
		case "body":
			return s.Into(&ev.Body)
		case "headers":
			if s.Null() {
				return true
			}
			ev.Headers = map[string]string{}
			return s.Object(func(name []byte) bool {
				v, ok := s.Str()
				ev.Headers[string(name)] = v // a repeated name: the last, as json.Unmarshal
				return ok
			})
		case "multiValueHeaders":
			raw, ok := s.Raw()
			ev.MultiValueHeaders = json.RawMessage(raw)
			return ok
		case "requestContext":
			return s.Null() || s.Fields(contextNames, func(i int) bool {
				if contextNames[i] == "requestId" {
					return s.Into(&rc.RequestID)
				}
				return s.Null() || s.Fields(identityNames, func(int) bool { return s.Into(&rc.Identity.AccountID) })
			})
		default: // isBase64Encoded
			v, ok := s.Bool()
			if v {
				ev.IsBase64Encoded = true
			}
			return ok
		}
	})
	return ok && s.End()
}
