package cedarschema

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cedar-policy/cedar-go"
	"github.com/cedar-policy/cedar-go/x/exp/schema"

	"github.com/vpid-dev/vpid/internal/cedarpolicy"
)

// TestCedarGoCorpusMessagesMapped validates the policies of cedar-go's own
// validator test cases (x/exp/schema/validate/testdata of the pinned
// module, schemas converted from Cedar's text format to JSON) and fails on
// any message that no pattern of reasonPatterns knows, so that a new
// message form of a cedar-go upgrade shows up here rather than as the
// fallback reason.
func TestCedarGoCorpusMessagesMapped(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/cedar-policy/cedar-go").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dir := filepath.Join(strings.TrimSpace(string(out)), "x", "exp", "schema", "validate", "testdata")
	schemas, err := filepath.Glob(filepath.Join(dir, "*.cedarschema"))
	if err != nil || len(schemas) < 50 {
		t.Fatalf("found %d schemas in %s: %v", len(schemas), dir, err)
	}
	messages, mapped := 0, map[string]bool{}
	for _, file := range schemas {
		text, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var cs schema.Schema
		if err := cs.UnmarshalCedar(text); err != nil {
			continue // cases about schema errors
		}
		js, err := cs.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		s, err := Parse(string(js))
		if err != nil {
			continue // cases about resolution errors
		}
		policies, err := os.ReadFile(strings.TrimSuffix(file, ".cedarschema") + ".cedar")
		if err != nil {
			continue
		}
		list, err := cedar.NewPolicyListFromBytes("", policies)
		if err != nil {
			continue
		}
		for _, cp := range list {
			p, err := cedarpolicy.Parse(string(cp.MarshalCedar()))
			if err != nil {
				t.Errorf("%s: %v", filepath.Base(file), err)
				continue
			}
			for _, v := range s.Validate(p) {
				messages++
				mapped[v.Reason] = true
				if v.Reason != ImpossiblePolicy && !known(v.Message) {
					t.Errorf("%s: no reason pattern for %q (falls back to %s)", filepath.Base(file), v.Message, v.Reason)
				}
			}
		}
	}
	if messages < 50 {
		t.Errorf("only %d messages from the corpus; the test no longer exercises the mapping", messages)
	}
	t.Logf("%d messages, reasons %v", messages, mapped)
}

func known(msg string) bool {
	for _, p := range reasonPatterns {
		if strings.Contains(msg, p.contains) {
			return true
		}
	}
	return false
}
