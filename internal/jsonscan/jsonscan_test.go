package jsonscan

import (
	"encoding/json"
	"testing"
)

var seeds = []string{
	`"plain"`, `"esc\"aped\\ \/ \b\f\n\r\t \u00e9 \u20ac"`, `"\ud83d\ude00"`, "\"tab\there\"", `"bad \x"`,
	`{"a":[1,-2.5e3,true,false,null,{"b":"c"}],"d":{}}`, `[1,2`, `01`, `{"a" 1}`, `"\u12"`, "\"\xff\"",
}

// FuzzStr: whatever Str reads is what json.Unmarshal reads, and it gives
// up on what json.Unmarshal refuses.
func FuzzStr(f *testing.F) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s := New(b)
		got, ok := s.Str()
		if !ok || !s.End() {
			return
		}
		var want string
		if err := json.Unmarshal(b, &want); err != nil {
			t.Fatalf("%q: Str read %q, json.Unmarshal says %v", b, got, err)
		}
		if got != want {
			t.Fatalf("%q: Str read %q, json.Unmarshal %q", b, got, want)
		}
	})
}

// FuzzSkip: Skip takes only JSON.
func FuzzSkip(f *testing.F) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s := New(b)
		if s.Skip() && s.End() && !json.Valid(b) {
			t.Fatalf("%q: Skip took it, json.Valid refuses it", b)
		}
	})
}

// TestScanner reads one of each kind of value.
func TestScanner(t *testing.T) {
	s := New([]byte(` {"s":"a\u00e9","raw":[1,{"x":null}],"b":true,"n":null,"skip":-1.5e2} `))
	got := map[string]any{}
	ok := s.Object(func(name []byte) bool {
		switch string(name) {
		case "s":
			v, ok := s.Str()
			got["s"] = v
			return ok
		case "raw":
			v, ok := s.Raw()
			got["raw"] = string(v)
			return ok
		case "b":
			v, ok := s.Bool()
			got["b"] = v
			return ok
		case "n":
			var v string
			got["n"] = "unset"
			return s.Into(&v) && v == ""
		}
		return s.Skip()
	})
	if !ok || !s.End() {
		t.Fatalf("the scan gave up: %v", got)
	}
	want := map[string]any{"s": "aé", "raw": `[1,{"x":null}]`, "b": true, "n": "unset"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: got %v, want %v", k, got[k], v)
		}
	}
	for _, bad := range []string{`{"a":1,}`, `{"a":tru}`, `{"a":"\q"}`, `[1 2]`} {
		if s := New([]byte(bad)); s.Skip() && s.End() {
			t.Errorf("%s: taken", bad)
		}
	}
}
