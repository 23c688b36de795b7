package token

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/cedar-policy/cedar-go/types"
)

func mustClaims(t *testing.T, s string) claims {
	t.Helper()
	c, ok := decodeClaims([]byte(s))
	if !ok {
		t.Fatalf("decodeClaims(%s) failed", s)
	}
	return c
}

func dec(t *testing.T, s string) types.Decimal {
	t.Helper()
	d, err := types.ParseDecimal(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestCedarValue is the claim typing table of DESIGN.md, "Tokens and
// principals".
func TestCedarValue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		json string
		want types.Value // nil: left out
	}{
		{`"x"`, types.String("x")},
		{`""`, types.String("")},
		{`true`, types.True},
		{`false`, types.False},
		{`42`, types.Long(42)},
		{`-7`, types.Long(-7)},
		{`9223372036854775807`, types.Long(9223372036854775807)},
		{`9223372036854775808`, nil}, // beyond Long
		{`1.0`, types.Long(1)},
		{`1e3`, types.Long(1000)},
		{`4.25`, dec(t, "4.25")},
		{`-0.0001`, dec(t, "-0.0001")},
		{`0.00001`, nil},           // more than four decimal places
		{`1e300`, nil},             // beyond Long
		{`922337203685478.5`, nil}, // beyond decimal
		{`null`, nil},
		{`[]`, types.NewSet()},
		{`["a", 1, null, true]`, types.NewSet(types.String("a"), types.Long(1), types.True)},
		{`{"a": {"b": [1]}, "n": null}`, types.NewRecord(types.RecordMap{"a": types.NewRecord(types.RecordMap{"b": types.NewSet(types.Long(1))})})},
	}
	for _, tc := range tests {
		var v any
		d := json.NewDecoder(strings.NewReader(tc.json))
		d.UseNumber()
		if err := d.Decode(&v); err != nil {
			t.Fatal(err)
		}
		got, ok := cedarValue(v)
		switch {
		case tc.want == nil && ok:
			t.Errorf("cedarValue(%s) = %v, want it left out", tc.json, got)
		case tc.want != nil && (!ok || !got.Equal(tc.want)):
			t.Errorf("cedarValue(%s) = %v, %v; want %v", tc.json, got, ok, tc.want)
		}
	}
}

func TestRecord(t *testing.T) {
	t.Parallel()
	c := mustClaims(t, `{"cognito:username":"alice","custom:dept":"eng","custom:level":3,
		"cognito:groups":["a"],"scope":"a b  c","weird:":1,":x":2,"https://x.example/claim":"u","n":null}`)

	got := c.record("cognito:groups", false, true)
	want := types.NewRecord(types.RecordMap{
		"cognito:username": types.String("alice"), "custom:dept": types.String("eng"), "custom:level": types.Long(3),
		"scope": types.String("a b  c"), "weird:": types.Long(1), ":x": types.Long(2),
		"https://x.example/claim": types.String("u"),
		"cognito":                 types.NewRecord(types.RecordMap{"username": types.String("alice")}),
		"custom":                  types.NewRecord(types.RecordMap{"dept": types.String("eng"), "level": types.Long(3)}),
	})
	if !got.Equal(want) {
		t.Errorf("record(nest) =\n%v\nwant\n%v", got, want)
	}

	got = c.record("cognito:groups", true, false)
	if v, _ := got.Get("scope"); !v.Equal(types.NewSet(types.String("a"), types.String("b"), types.String("c"))) {
		t.Errorf("scope = %v, want a set of three", v)
	}
	if _, ok := got.Get("custom"); ok {
		t.Error("nested records without nest")
	}
	if _, ok := got.Get("cognito:groups"); ok {
		t.Error("the groups claim was kept")
	}
}

func TestDecodeClaims(t *testing.T) {
	t.Parallel()
	for _, s := range []string{``, `null`, `[]`, `"x"`, `{}{}`, `{"a":1} x`, `{`} {
		if _, ok := decodeClaims([]byte(s)); ok {
			t.Errorf("decodeClaims(%q) succeeded", s)
		}
	}
}

// TestRecordMemo: a token's memoized record is the one its claims make for
// the options asked, whichever options were asked before, and a copy of
// the token (a cache hit) shares it.
func TestRecordMemo(t *testing.T) {
	c := mustClaims(t, `{"sub":"u","scope":"a b","cognito:groups":["g"],"custom:dept":"eng"}`)
	tok := &jwt{claims: c, memo: &recordMemo{}}
	hit := *tok
	for i, o := range []recordKey{
		{"cognito:groups", false, true}, {"cognito:groups", false, true},
		{"", true, false}, {"cognito:groups", false, true}, {"groups", false, false},
	} {
		want := c.record(o.skip, o.splitScope, o.nest)
		for _, tk := range []*jwt{tok, &hit} {
			if got := tk.record(o.skip, o.splitScope, o.nest); !got.Equal(want) {
				t.Errorf("call %d %+v: %v, want %v", i, o, got, want)
			}
		}
	}
	if tok.memo.rec == nil || tok.memo != hit.memo {
		t.Error("the copy does not share the memo")
	}
}
