package avp

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestAuthorizationRequestLimits: the members of maps of values are named
// name["key"].key / name["key"].value, and the bounds avp.Limits adds to the
// authorization requests are refused on their member's path (the value at
// the bound passes).
func TestAuthorizationRequestLimits(t *testing.T) {
	svc, _ := newPolicyService(t)
	ctx := context.Background()
	entries := func(n int, value string) string {
		var parts []string
		for i := range n {
			parts = append(parts, fmt.Sprintf(`"k%d":%s`, i, value))
		}
		return "{" + strings.Join(parts, ",") + "}"
	}
	list := func(n int, item string) string {
		return "[" + strings.TrimSuffix(strings.Repeat(item+",", n), ",") + "]"
	}
	uid := `{"entityType":"User","entityId":"alice"}`
	entity := func(extra string) string {
		return `{"policyStoreId":"PS1","entities":{"entityList":[{"identifier":` + uid + extra + `}]}}`
	}
	for name, tc := range map[string]struct{ body, path string }{
		"a context value's member": {`{"policyStoreId":"PS1","context":{"contextMap":{"a":{"decimal":"x"}}}}`, `context.contextMap["a"].value.decimal`},
		"a record in a record": {`{"policyStoreId":"PS1","context":{"contextMap":{"a":{"record":{"b c":{"ipaddr":"z"}}}}}}`,
			`context.contextMap["a"].value.record["b c"].value.ipaddr`},
		"an attribute's entity": {entity(`,"attributes":{"owner":{"entityIdentifier":{"entityType":"User"}}}`), `entities.entityList[0].attributes["owner"].value.entityIdentifier.entityId`},
		"a tag's set item":      {entity(`,"tags":{"t":{"set":[{"long":1},{"duration":""}]}}`), `entities.entityList[0].tags["t"].value.set[1].duration`},
		"a long name": {`{"policyStoreId":"PS1","context":{"contextMap":{"` + strings.Repeat("n", MaxAttributeNameLength+1) + `":{"long":1}}}}`,
			`context.contextMap["` + strings.Repeat("n", MaxAttributeNameLength+1) + `"].key`},
		"too many context members": {`{"policyStoreId":"PS1","context":{"contextMap":` + entries(MaxRecordEntries+1, `{"long":1}`) + `}}`, "context.contextMap"},
		"too many attributes":      {entity(`,"attributes":` + entries(MaxRecordEntries+1, `{"long":1}`)), "entities.entityList[0].attributes"},
		"too many set items":       {`{"policyStoreId":"PS1","context":{"contextMap":{"s":{"set":` + list(MaxSetItems+1, `{"long":1}`) + `}}}}`, `context.contextMap["s"].value.set`},
		"too many parents":         {entity(`,"parents":` + list(MaxParents+1, uid)), "entities.entityList[0].parents"},
		"too long a string": {`{"policyStoreId":"PS1","context":{"contextMap":{"s":{"string":"` + strings.Repeat("s", MaxRequestDocumentLength+1) + `"}}}}`,
			`context.contextMap["s"].value.string`},
		"too long a cedarJson": {`{"policyStoreId":"PS1","context":{"cedarJson":"{}` + strings.Repeat(" ", MaxRequestDocumentLength-1) + `"}}`, "context.cedarJson"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := svc.IsAuthorized(ctx, acct, decodeInto[IsAuthorizedInput](t, tc.body))
			e := wantCode(t, err, CodeValidation)
			if !slices.ContainsFunc(e.FieldList, func(f Field) bool { return f.Path == tc.path }) {
				t.Fatalf("fieldList = %+v, want path %s", e.FieldList, tc.path)
			}
		})
	}
	// At the bounds: no violation (the store, unknown to this service's
	// fakes, is what refuses them).
	for name, body := range map[string]string{
		"context members": `{"policyStoreId":"PS1","context":{"contextMap":` + entries(MaxRecordEntries, `{"long":1}`) + `}}`,
		"parents":         entity(`,"parents":` + list(MaxParents, uid)),
		"a cedarJson":     `{"policyStoreId":"PS1","context":{"cedarJson":"{}` + strings.Repeat(" ", MaxRequestDocumentLength-2) + `"}}`,
		"a name":          `{"policyStoreId":"PS1","context":{"contextMap":{"` + strings.Repeat("n", MaxAttributeNameLength) + `":{"long":1}}}}`,
	} {
		t.Run("at the bound: "+name, func(t *testing.T) {
			in := decodeInto[IsAuthorizedInput](t, body)
			var v validator
			v.context("context", in.Context)
			v.entities("entities", in.Entities)
			if err := v.err(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestTagResourceRefusesMoreTagsThanAStoreHolds: a request of more than
// MaxTags tags can never fit a store; it is refused like CreatePolicyStore's.
func TestTagResourceRefusesMoreTagsThanAStoreHolds(t *testing.T) {
	svc, _ := newPolicyService(t)
	tags := map[string]string{}
	for i := range MaxTags + 1 {
		tags[fmt.Sprint("k", i)] = "v"
	}
	_, err := svc.TagResource(context.Background(), acct, &TagResourceInput{ResourceARN: PolicyStoreARN("aws", acct, "PS1"), Tags: tags})
	if e := wantCode(t, err, CodeValidation); len(e.FieldList) != 1 || e.FieldList[0].Path != "tags" {
		t.Fatalf("fieldList = %+v", e.FieldList)
	}
}

// BenchmarkValidateAuthorizationRequest: checking and converting the
// context and entities of a typical request (10 entities of 5 attributes,
// a context of 5 members), which every decision pays.
func BenchmarkValidateAuthorizationRequest(b *testing.B) {
	var ents []string
	for i := range 10 {
		ents = append(ents, fmt.Sprintf(`{"identifier":{"entityType":"Doc","entityId":"d%d"},"parents":[{"entityType":"Folder","entityId":"f"}],`+
			`"attributes":{"owner":{"entityIdentifier":{"entityType":"User","entityId":"alice"}},"size":{"long":%d},"title":{"string":"t"},`+
			`"tags":{"set":[{"string":"a"},{"string":"b"}]},"meta":{"record":{"public":{"boolean":true}}}}}`, i, i))
	}
	body := `{"policyStoreId":"PS1","context":{"contextMap":{"ip":{"ipaddr":"10.0.0.1"},"mfa":{"boolean":true},"n":{"long":3},` +
		`"when":{"datetime":"2026-01-01"},"r":{"record":{"x":{"string":"y"}}}}},"entities":{"entityList":[` + strings.Join(ents, ",") + `]}}`
	in := new(IsAuthorizedInput)
	if err := json.Unmarshal([]byte(body), in); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		var v validator
		v.context("context", in.Context)
		v.entities("entities", in.Entities)
		if err := v.err(); err != nil {
			b.Fatal(err)
		}
	}
}

// TestMapPathQuotesAsPercentQ: a map entry's path quotes its key exactly as
// the other maps' paths (fmt's %q) do, escapes included.
func TestMapPathQuotesAsPercentQ(t *testing.T) {
	for _, k := range []string{"", "a", "b c", `q"uote`, `back\slash`, "tab\t", "é", "\u2028", "\x7f"} {
		if got, want := mapPath("p", k, "value"), fmt.Sprintf("p[%q].value", k); got != want {
			t.Errorf("mapPath(%q) = %s, want %s", k, got, want)
		}
	}
}

// TestRecordViolationsAreListedByPath: a record's violations come in the
// order of their paths, whatever the map's order.
func TestRecordViolationsAreListedByPath(t *testing.T) {
	body := `{"policyStoreId":"PS1","context":{"contextMap":{"d":{"decimal":"x"},"b":{"ipaddr":"z"},"c":{"duration":""},"a":{"datetime":"y"}}}}`
	want := []string{`context.contextMap["a"].value.datetime`, `context.contextMap["b"].value.ipaddr`, `context.contextMap["c"].value.duration`, `context.contextMap["d"].value.decimal`}
	for range 20 {
		in := decodeInto[IsAuthorizedInput](t, body)
		var v validator
		v.context("context", in.Context)
		var got []string
		for _, f := range v.fields {
			got = append(got, f.Path)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("paths = %v, want %v", got, want)
		}
	}
}

// TestTransitiveParents: AVP's quota of 100 parents, direct and
// transitive, of a request's principal, action and resource: a chain of
// 100 passes, of 101 is refused on the member that names the entity, in a
// batch too; cycles and parents the entities do not describe end the walk.
func TestTransitiveParents(t *testing.T) {
	svc, _ := newPolicyService(t)
	ctx := context.Background()
	// chain is n entities g1..gn, each the parent of the one before, and
	// the entity `from` whose parent is g1; loop makes gn's parent g1.
	chain := func(typ, from string, n int, loop bool) string {
		ref := func(i int) string { return fmt.Sprintf(`{"entityType":"G","entityId":"g%d"}`, i) }
		items := []string{`{"identifier":{"entityType":"` + typ + `","entityId":"` + from + `"},"parents":[` + ref(1) + `]}`}
		for i := 1; i <= n; i++ {
			parents := ""
			switch {
			case i < n:
				parents = ref(i + 1)
			case loop:
				parents = ref(1)
			}
			items = append(items, `{"identifier":`+ref(i)+`,"parents":[`+parents+`]}`)
		}
		return `"entities":{"entityList":[` + strings.Join(items, ",") + `]}`
	}
	check := func(body string) error {
		in := decodeInto[IsAuthorizedInput](t, body)
		var v validator
		ents := v.entities("entities", in.Entities)
		v.requestParents("", ents, CedarRequest{Principal: v.optionalUID("principal", in.Principal), Resource: v.optionalUID("resource", in.Resource)})
		if err := v.err(); err != nil {
			return err
		}
		return nil
	}
	principal := `"principal":{"entityType":"User","entityId":"u"}`
	for _, ok := range []string{
		`{"policyStoreId":"PS1",` + principal + `,` + chain("User", "u", MaxParents, false) + `}`,
		`{"policyStoreId":"PS1",` + principal + `,` + chain("User", "u", MaxParents, true) + `}`,
		`{"policyStoreId":"PS1",` + principal + `,` + chain("User", "someone-else", MaxParents+5, false) + `}`,
	} {
		if err := check(ok); err != nil {
			t.Errorf("%.80s…: %v", ok, err)
		}
	}
	_, err := svc.IsAuthorized(ctx, acct, decodeInto[IsAuthorizedInput](t, `{"policyStoreId":"PS1",`+principal+`,`+chain("User", "u", MaxParents+1, false)+`}`))
	e := wantCode(t, err, CodeValidation)
	if len(e.FieldList) != 1 || e.FieldList[0].Path != "principal" || !strings.Contains(e.FieldList[0].Message, "more than 100 parents") {
		t.Errorf("101 ancestors: %+v", e.FieldList)
	}
	doc := `{"entityType":"Doc","entityId":"d"}`
	_, err = svc.BatchIsAuthorized(ctx, acct, decodeInto[BatchIsAuthorizedInput](t, `{"policyStoreId":"PS1","requests":[
		{"resource":`+doc+`},{"resource":`+doc+`}],`+chain("Doc", "d", MaxParents+1, true)+`}`))
	e = wantCode(t, err, CodeValidation)
	if len(e.FieldList) != 2 || e.FieldList[1].Path != "requests[1].resource" {
		t.Errorf("a batch: %+v", e.FieldList)
	}
}
