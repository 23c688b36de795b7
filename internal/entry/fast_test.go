package entry

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/vpid-dev/vpid/internal/avp"
)

const usualTokenRequest = `{"policyStoreId":"PSEXAMPLEabcdefg111111","identityToken":"eyJh.eyJz.c2ln",` +
	`"action":{"actionType":"Action","actionId":"read"},"resource":{"entityType":"Doc","entityId":"d1"}}`

// TestDecodeTokenRequest: the usual request (as SDKs send it, in any
// member order and spacing) takes the fast path and reads as the general
// way reads it; anything else is left to the general way, which answers
// the same as before (an error where there is one).
func TestDecodeTokenRequest(t *testing.T) {
	t.Parallel()
	fast := []string{
		usualTokenRequest,
		`{}`,
		" {\n \"resource\" : {\"entityId\":\"d1\", \"entityType\":\"Doc\"},\t\"accessToken\":\"a.b.c\", \"policyStoreId\":\"ps\" } \n",
		`{"identityToken":"","action":{}}`,
		`{"policyStoreId":"ps","identityToken":"i.d.t","accessToken":"a.c.c"}`,
		`{"policyStore\u0049d":"p\u0073\n","action":{"actionId":"\"read\""}}`,
	}
	for _, body := range fast {
		var got, want avp.IsAuthorizedWithTokenInput
		if !decodeTokenRequest([]byte(body), &got) {
			t.Errorf("%s: not read by the fast path", body)
			continue
		}
		if err := decodeGeneral([]byte(body), &want); err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: fast %+v, general %+v", body, got, want)
		}
	}
	general := map[string]string{
		"an unknown member":    `{"policyStoreId":"ps","context":{"contextMap":{}}}`,
		"entities":             `{"entities":{"entityList":[]}}`,
		"a mis-cased member":   `{"PolicyStoreId":"ps"}`,
		"a repeated member":    `{"policyStoreId":"a","policyStoreId":"b"}`,
		"a repeated inner":     `{"action":{"actionId":"a","actionId":"b"}}`,
		"an inner unknown":     `{"action":{"actionId":"a","x":1}}`,
		"a null":               `{"identityToken":null}`,
		"a number":             `{"policyStoreId":1}`,
		"trailing data":        `{}{}`,
		"not an object":        `[]`,
		"a truncated body":     `{"policyStoreId":"ps"`,
		"a control character":  "{\"policyStoreId\":\"p\ts\"}",
		"an escaped surrogate": `{"policyStoreId":"\ud83d\ude00"}`,
	}
	for name, body := range general {
		var in avp.IsAuthorizedWithTokenInput
		if decodeTokenRequest([]byte(body), &in) {
			t.Errorf("%s: %s taken by the fast path", name, body)
		}
		if in != (avp.IsAuthorizedWithTokenInput{}) {
			t.Errorf("%s: the fast path wrote %+v before giving up", name, in)
		}
	}
	// Through Decode, the general way still reports what is wrong.
	var in avp.IsAuthorizedWithTokenInput
	if err := Decode([]byte(general["a repeated member"]), &in); err == nil || !strings.Contains(err.Error(), "policyStoreId") {
		t.Errorf("a repeated member: %v", err)
	}
}

// FuzzDecodeTokenRequest: whatever the fast path reads, the general way
// reads too, to the same input.
func FuzzDecodeTokenRequest(f *testing.F) {
	f.Add([]byte(usualTokenRequest))
	f.Add([]byte(`{"action":{"actionType":"A"},"accessToken":"x"}`))
	f.Add([]byte(`{"resource":{"entityId":"\"","entityType":"T"}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		if !utf8.Valid(body) {
			return // Decode refuses it before either way runs
		}
		var got avp.IsAuthorizedWithTokenInput
		if !decodeTokenRequest(body, &got) {
			return
		}
		var want avp.IsAuthorizedWithTokenInput
		if err := decodeGeneral(body, &want); err != nil {
			t.Fatalf("%q: the fast path read it, the general way says %v", body, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: fast %+v, general %+v", body, got, want)
		}
	})
}
