package layout

import (
	"bytes"
	"encoding/json"
	"errors"
	"go/parser"
	"go/token"
	"io"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/vpid-dev/vpid"

// pkg is what `go list -json` says of one package (test files excluded).
type pkg struct {
	ImportPath string
	Dir        string
	Deps       []string
}

// list runs `go list -json` on patterns from the module's root, for goos.
func list(t *testing.T, goos string, patterns ...string) []pkg {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list", "-json"}, patterns...)...)
	cmd.Dir = "../../.."
	if goos != "" {
		cmd.Env = append(cmd.Environ(), "GOOS="+goos, "CGO_ENABLED=0")
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %v: %v\n%s", patterns, err, stderr.Bytes())
	}
	var pkgs []pkg
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

// ours returns the module's own packages among deps, without the module path.
func ours(deps []string) []string {
	var out []string
	for _, d := range deps {
		if rest, ok := strings.CutPrefix(d, module+"/"); ok {
			out = append(out, rest)
		}
	}
	return out
}

// TestShippedCodeImportsNoTooling fails when a function, or anything a
// function imports, depends on a package under internal/dev. It checks the
// Lambda target (linux) and the platforms developers build on.
func TestShippedCodeImportsNoTooling(t *testing.T) {
	t.Parallel()
	for _, goos := range []string{"linux", "darwin"} {
		fns := list(t, goos, "./functions/...")
		if len(fns) < 5 {
			t.Fatalf("%s: go list found %d functions, want every folder of functions/", goos, len(fns))
		}
		for _, fn := range fns {
			for _, d := range ours(append([]string{fn.ImportPath}, fn.Deps...)) {
				if strings.HasPrefix(d, "internal/dev/") || d == "internal/dev" {
					t.Errorf("%s (GOOS=%s) imports development tooling %s", fn.ImportPath, goos, d)
				}
			}
		}
	}
}

// TestInfraImportsOnlyConfig holds the CDK app to the shared configuration
// names: the stack must not link the service's code.
func TestInfraImportsOnlyConfig(t *testing.T) {
	t.Parallel()
	for _, p := range list(t, "", "./infra") {
		for _, d := range ours(p.Deps) {
			if d != "internal/config" {
				t.Errorf("infra imports %s; it may import only internal/config", d)
			}
		}
	}
}

// TestAPILinksNoEventWork holds the API function to what its requests use:
// the drift check and the event bus, and with them the EventBridge client,
// cost its every cold start package initialisation and never run there.
func TestAPILinksNoEventWork(t *testing.T) {
	t.Parallel()
	pkgs := list(t, "linux", "./functions/api")
	if len(pkgs) != 1 || len(pkgs[0].Deps) == 0 {
		t.Fatalf("go list found %d packages for ./functions/api, want the one with its dependencies", len(pkgs))
	}
	for _, p := range pkgs {
		for _, d := range p.Deps {
			rel, _ := strings.CutPrefix(d, module+"/")
			if rel == "internal/drift" || rel == "internal/bus" || strings.HasPrefix(d, "github.com/aws/aws-sdk-go-v2/service/eventbridge") {
				t.Errorf("the API links %s, which none of its operations uses", d)
			}
		}
	}
}

// promises lists, for every package whose doc says it imports nothing else
// of vpid, the packages of vpid it may import all the same (those its doc
// names as what it implements or builds on).
var promises = map[string][]string{
	"internal/avp":     nil,
	"internal/config":  nil,
	"internal/store":   {"internal/avp"},
	"internal/cognito": {"internal/avp"},
	"internal/oidc":    {"internal/avp"},
	"internal/token":   {"internal/avp", "internal/oidc"},
	"internal/bus":     nil,
	// cedarschema validates the policies cedarpolicy reads.
	"internal/cedarpolicy": nil,
	"internal/cedarschema": {"internal/cedarpolicy"},
	// authz compiles avp's snapshots with cedarpolicy; action groups come from cedarschema.
	"internal/authz": {"internal/avp", "internal/cedarpolicy", "internal/cedarschema"},
}

// TestDocPromises enforces "imports nothing else of vpid" wherever a
// package's documentation says it, and fails when a package makes the
// promise without an entry in promises (so that the promise is enforced).
func TestDocPromises(t *testing.T) {
	t.Parallel()
	const phrase = "imports nothing else of vpid"
	seen := map[string]bool{}
	for _, p := range list(t, "", "./...") {
		rel, _ := strings.CutPrefix(p.ImportPath, module+"/")
		allowed, listed := promises[rel]
		if !strings.Contains(docText(t, p.Dir), phrase) {
			if listed {
				t.Errorf("%s: promises lists it but its doc no longer says %q", rel, phrase)
			}
			continue
		}
		seen[rel] = true
		if !listed {
			t.Errorf("%s: its doc says %q: add it to promises", rel, phrase)
			continue
		}
		for _, d := range ours(p.Deps) {
			if !slices.Contains(allowed, d) {
				t.Errorf("%s says it %s, but imports %s", rel, phrase, d)
			}
		}
	}
	for rel := range promises {
		if !seen[rel] {
			t.Errorf("promises lists %s, which go list did not find making the promise", rel)
		}
	}
}

// docText is the package documentation of the package in dir, from every
// non-test file's package comment, with runs of white space made one space.
func docText(t *testing.T, dir string) string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, parser.PackageClauseOnly|parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		if af.Doc != nil {
			b.WriteString(af.Doc.Text())
			b.WriteString(" ")
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}
