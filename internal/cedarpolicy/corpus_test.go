package cedarpolicy

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/tools/txtar"
)

var update = flag.Bool("update", false, "rewrite the .want files of testdata/*.txtar from the current results")

// TestCorpus reads testdata/*.txtar. In each archive, a file NAME.policy or
// NAME.template holds a statement and the file NAME.want that follows it
// the expected outcome: either "error: " and the error's text, or the
// policy's effect, scope, actions and canonical text. A template's want
// also lists its links: a file NAME.link holds lines "principal: T::"id""
// and/or "resource: T::"id"", and the want then ends with the linked text.
func TestCorpus(t *testing.T) {
	files, err := filepath.Glob("testdata/*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus: %v", err)
	}
	for _, file := range files {
		ar, err := txtar.ParseFile(file)
		if err != nil {
			t.Fatal(err)
		}
		changed := false
		for i := 0; i < len(ar.Files); i++ {
			f := ar.Files[i]
			name, kind, ok := strings.Cut(f.Name, ".")
			if !ok || (kind != "policy" && kind != "template") {
				continue
			}
			var link string
			if i+1 < len(ar.Files) && ar.Files[i+1].Name == name+".link" {
				i++
				link = string(ar.Files[i].Data)
			}
			got := outcome(kind, string(f.Data), link)
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
}

// outcome renders what Parse or ParseTemplate (and Link) make of statement.
func outcome(kind, statement, link string) string {
	statement = strings.TrimSuffix(statement, "\n")
	var b strings.Builder
	if kind == "policy" {
		p, err := Parse(statement)
		if err != nil {
			return fmt.Sprintf("error: %v\n", err)
		}
		describePolicy(&b, p)
		return b.String()
	}
	tp, err := ParseTemplate(statement)
	if err != nil {
		return fmt.Sprintf("error: %v\n", err)
	}
	describePolicy(&b, &tp.Policy)
	if link == "" {
		return b.String()
	}
	var principal, resource *Ref
	for line := range strings.SplitSeq(strings.TrimSpace(link), "\n") {
		v, lit, _ := strings.Cut(line, ": ")
		r := mustRef(lit)
		if v == "principal" {
			principal = r
		} else {
			resource = r
		}
	}
	lp, err := tp.Link(principal, resource)
	if err != nil {
		fmt.Fprintf(&b, "link error: %v\n", err)
		return b.String()
	}
	b.WriteString("linked:\n")
	describePolicy(&b, lp)
	return b.String()
}

func describePolicy(b *strings.Builder, p *Policy) {
	fmt.Fprintf(b, "effect: %s\n", p.Effect)
	fmt.Fprintf(b, "principal: %s\n", p.Principal.String("principal"))
	fmt.Fprintf(b, "resource: %s\n", p.Resource.String("resource"))
	var acts []string
	for _, a := range p.Actions {
		acts = append(acts, a.String())
	}
	fmt.Fprintf(b, "actions: %v %s\n", p.ActionOp, strings.Join(acts, ", "))
	fmt.Fprintf(b, "text:\n%s\n", p.Text)
}

// mustRef reads T::"id" (the id without escapes).
func mustRef(lit string) *Ref {
	i := strings.LastIndex(lit, `::"`)
	return &Ref{Type: lit[:i], ID: strings.TrimSuffix(lit[i+3:], `"`)}
}
