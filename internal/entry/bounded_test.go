package entry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/vpid-dev/vpid/internal/avp"
)

// hugeObject is a JSON object of as many distinct unknown members as fit in
// about size bytes: {"k0000000":0,"k0000001":0,...}.
func hugeObject(size int) string {
	var b strings.Builder
	b.WriteByte('{')
	for i := 0; b.Len() < size-20; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"k%07d":0`, i)
	}
	b.WriteByte('}')
	return b.String()
}

// attackBodies put about 1 MB of unknown members where a union is decoded,
// the places where each one used to become a violation of its own.
func attackBodies() map[string]struct{ op, body string } {
	const budget = MaxBodyBytes - 300
	huge := hugeObject(budget)
	return map[string]struct{ op, body string }{
		"configuration": {avp.OpCreateIdentitySource,
			`{"policyStoreId":"PSEXAMPLEabcdefg111111","configuration":` + huge + `}`},
		"updateConfiguration": {avp.OpUpdateIdentitySource,
			`{"policyStoreId":"PSEXAMPLEabcdefg111111","identitySourceId":"ISEXAMPLEabcdefg111111","updateConfiguration":` + huge + `}`},
		"tokenSelection": {avp.OpCreateIdentitySource,
			`{"policyStoreId":"PSEXAMPLEabcdefg111111","configuration":{"openIdConnectConfiguration":{"issuer":"https://auth.example.com","tokenSelection":` + huge + `}}}`},
		"encryptionSettings": {avp.OpCreatePolicyStore,
			`{"validationSettings":{"mode":"OFF"},"encryptionSettings":` + huge + `}`},
		"one huge unknown union member": {avp.OpCreateIdentitySource,
			`{"policyStoreId":"PSEXAMPLEabcdefg111111","configuration":{"` + strings.Repeat("k", budget-100) + `":{}}}`},
	}
}

// TestErrorAnswersAreBounded: a body of about 1 MB whose union holds some
// 90,000 unknown members once answered a 27 MB ValidationException (one
// violation each, all in the message and in fieldList) and allocated some
// 200 MB doing so. Now the answer lists at most avp.MaxFieldList
// violations, counts the rest, and decoding and validating it allocates a
// small multiple of the body.
func TestErrorAnswersAreBounded(t *testing.T) {
	t.Parallel()
	table := NewTable(avp.NewService(avp.Deps{})) // validation fails before any dependency is used
	ctx := context.Background()
	for name, a := range attackBodies() {
		t.Run(name, func(t *testing.T) {
			if len(a.body) > MaxBodyBytes {
				t.Fatalf("the body is %d bytes, over the limit", len(a.body))
			}
			_, err := table.Call(ctx, a.op, "123456789012", []byte(a.body))
			var e *avp.Error
			if !errors.As(err, &e) || e.Code != avp.CodeValidation {
				t.Fatalf("got %v, want a ValidationException", err)
			}
			answer, err := json.Marshal(struct {
				Message   string      `json:"message"`
				FieldList []avp.Field `json:"fieldList"`
			}{e.Message, e.FieldList})
			if err != nil {
				t.Fatal(err)
			}
			if len(answer) > 8<<10 || len(e.FieldList) > avp.MaxFieldList {
				t.Errorf("the answer is %d bytes with %d fieldList entries", len(answer), len(e.FieldList))
			}
			if name != "one huge unknown union member" && !strings.Contains(e.Message, "more, not listed") {
				t.Errorf("the message does not say that violations were left out: %.500s", e.Message)
			}

			// Memory: what one request allocates, measured on this
			// goroutine's own work (the test runs its subtests one by one).
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			_, _ = table.Call(ctx, a.op, "123456789012", []byte(a.body))
			runtime.ReadMemStats(&after)
			allocated := after.TotalAlloc - before.TotalAlloc
			t.Logf("%s: %d-byte body, %d-byte answer, %.1f MiB allocated", name, len(a.body), len(answer), float64(allocated)/(1<<20))
			if allocated > 24<<20 {
				t.Errorf("one request allocated %.1f MiB; the bound is 24 MiB for a 1 MiB body", float64(allocated)/(1<<20))
			}
		})
	}
}

// TestDuplicateMembersAreRefused: a member name twice in one object, at any
// depth, known or not, in a struct, a union or a map, is a
// ValidationException naming its path, before anything is decoded. It used
// to be "last wins" outside unions.
func TestDuplicateMembersAreRefused(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ body, path string }{
		{`{"policyStoreId":"PSnope","policyStoreId":"PSreal"}`, "policyStoreId"},
		{`{"policyStoreId":"PS","policyStore\u0049d":"PS"}`, "policyStoreId"},
		{`{"x":1,"x":2}`, "x"},
		{`{"a":{"b":[{"c":1},{"c":1,"c":2}]}}`, "a.b[1].c"},
		{`{"configuration":{"cognitoUserPoolConfiguration":{},"cognitoUserPoolConfiguration":{}}}`, "configuration.cognitoUserPoolConfiguration"},
		{`{"configuration":{"cognitoUserPoolConfiguration":{"userPoolArn":"a","clientIds":[],"userPoolArn":"b"}}}`, "configuration.cognitoUserPoolConfiguration.userPoolArn"},
		{`{"configuration":{"openIdConnectConfiguration":{"tokenSelection":{"accessTokenOnly":{},"accessTokenOnly":null}}}}`, "configuration.openIdConnectConfiguration.tokenSelection.accessTokenOnly"},
		{`{"tags":{"a":"1","b":"2","c":"3","d":"4","e":"5","f":"6","g":"7","h":"8","i":"9","a":"10"}}`, `tags.a`}, // unknown here: a member

	} {
		err := Decode([]byte(c.body), &avp.CreateIdentitySourceInput{})
		var e *avp.Error
		if !errors.As(err, &e) || e.Code != avp.CodeValidation || len(e.FieldList) != 1 || e.FieldList[0].Path != c.path {
			t.Errorf("Decode(%s) = %v %+v, want a ValidationException on %s", c.body, err, e, c.path)
		}
	}
	// In a map (tags of CreatePolicyStore), a key twice.
	err := Decode([]byte(`{"validationSettings":{"mode":"OFF"},"tags":{"a":"1","a":"2"}}`), &avp.CreatePolicyStoreInput{})
	var e *avp.Error
	if !errors.As(err, &e) || len(e.FieldList) != 1 || e.FieldList[0].Path != `tags["a"]` {
		t.Errorf("tags with a key twice: %v", err)
	}
	// Not duplicates: the same name in different objects.
	ok := `{"policyStoreId":"PS","configuration":{"cognitoUserPoolConfiguration":{"userPoolArn":"a","groupConfiguration":{"groupEntityType":"G"}}},"x":{"policyStoreId":1}}`
	if err := Decode([]byte(ok), &avp.CreateIdentitySourceInput{}); err != nil {
		t.Errorf("Decode(%s) = %v", ok, err)
	}
}
