package cedarschema

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/tools/txtar"

	"github.com/vpid-dev/vpid/internal/cedarpolicy"
)

var update = flag.Bool("update", false, "rewrite the .want files of testdata/*.txtar from the current results")

// TestCorpus reads testdata/*.txtar. Each archive starts with schema.json
// (or schema.error: the schema is expected to fail, its want follows as
// schema.want). Then a file NAME.policy or NAME.template holds a statement
// and NAME.want the expected violations, one "Reason: message" a line, or
// "ok".
func TestCorpus(t *testing.T) {
	files, err := filepath.Glob("testdata/*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus: %v", err)
	}
	seen := map[string]bool{}
	for _, file := range files {
		ar, err := txtar.ParseFile(file)
		if err != nil {
			t.Fatal(err)
		}
		changed := false
		var sch *Schema
		for i := 0; i < len(ar.Files); i++ {
			f := ar.Files[i]
			name, kind, _ := strings.Cut(f.Name, ".")
			var got string
			switch {
			case f.Name == "schema.json":
				sch, err = Parse(string(f.Data))
				if err != nil {
					t.Fatalf("%s: %v", file, err)
				}
				continue
			case kind == "schema":
				if s, err := Parse(string(f.Data)); err != nil {
					got = fmt.Sprintf("error: %v\n", err)
				} else {
					got = fmt.Sprintf("ok, namespaces %q\n", s.Namespaces())
				}
			case kind == "policy" || kind == "template":
				if sch == nil {
					t.Fatalf("%s: %s comes before schema.json", file, f.Name)
				}
				got = violations(t, sch, kind, string(f.Data), seen)
			default:
				continue
			}
			if i+1 < len(ar.Files) && ar.Files[i+1].Name == name+".want" {
				i++
				want := string(ar.Files[i].Data)
				if *update && want != got {
					ar.Files[i].Data = []byte(got)
					changed = true
				} else if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("%s: %s: (-want +got)\n%s", file, f.Name, diff)
				}
				continue
			}
			if !*update {
				t.Errorf("%s: %s has no %s.want", file, f.Name, name)
				continue
			}
			ar.Files = append(ar.Files[:i+1], append([]txtar.File{{Name: name + ".want", Data: []byte(got)}}, ar.Files[i+1:]...)...)
			i++
			changed = true
		}
		if changed {
			if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Every reason AVP names is produced by some case of the corpus.
	for _, r := range []string{
		UnrecognizedEntityType, UnrecognizedActionID, InvalidActionApplication, UnexpectedType,
		IncompatibleTypes, MissingAttribute, UnsafeOptionalAttributeAccess, ImpossiblePolicy,
		WrongNumberArguments, FunctionArgumentValidationError,
	} {
		if !seen[r] {
			t.Errorf("no corpus case produces %s", r)
		}
	}
}

func violations(t *testing.T, sch *Schema, kind, statement string, seen map[string]bool) string {
	t.Helper()
	var vs []Violation
	if kind == "policy" {
		p, err := cedarpolicy.Parse(statement)
		if err != nil {
			t.Fatalf("Parse(%s): %v", statement, err)
		}
		vs = sch.Validate(p)
	} else {
		tp, err := cedarpolicy.ParseTemplate(statement)
		if err != nil {
			t.Fatalf("ParseTemplate(%s): %v", statement, err)
		}
		vs = sch.ValidateTemplate(tp)
	}
	if len(vs) == 0 {
		return "ok\n"
	}
	var b strings.Builder
	for _, v := range vs {
		seen[v.Reason] = true
		fmt.Fprintf(&b, "%s: %s\n", v.Reason, v.Message)
	}
	return b.String()
}
