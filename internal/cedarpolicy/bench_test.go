package cedarpolicy

import (
	"fmt"
	"testing"

	"github.com/cedar-policy/cedar-go"
)

// storeStatements returns n statements in the mix a store might hold: per
// four policies a group-scope permit, an ABAC permit, a forbid on one user
// and a permit on an access token's scope.
func storeStatements(n int) []string {
	out := make([]string, n)
	for i := range out {
		switch i % 4 {
		case 0:
			out[i] = fmt.Sprintf(`permit(principal in App::Group::"g%d", action in [App::Action::"view", App::Action::"edit"], resource in App::Folder::"f%d");`, i, i)
		case 1:
			out[i] = fmt.Sprintf(`permit(principal, action == App::Action::"view", resource is App::Doc) when { resource.owner == principal && principal has email && principal.email like "*@d%d.example" };`, i)
		case 2:
			out[i] = fmt.Sprintf(`forbid(principal == App::User::"u%d", action, resource);`, i)
		default:
			out[i] = fmt.Sprintf(`permit(principal, action == App::Action::"call%d", resource) when { context has token && context.token.scope.contains("api/%d") };`, i, i)
		}
	}
	return out
}

// BenchmarkCompile measures reading a store's statements into compiled
// policies with their metadata (Parse on each), for 10, 100 and 1,000
// policies: the cost of building a store's policy set from storage.
func BenchmarkCompile(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		stmts := storeStatements(n)
		b.Run(fmt.Sprintf("policies=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				for _, s := range stmts {
					if _, err := Parse(s); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

// BenchmarkCompileCedarGo is the floor under BenchmarkCompile: cedar-go's
// own parse and compile of the same statements, without this package's
// checks and metadata.
func BenchmarkCompileCedarGo(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		stmts := storeStatements(n)
		b.Run(fmt.Sprintf("policies=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				for _, s := range stmts {
					var p cedar.Policy
					if err := p.UnmarshalCedar([]byte(s)); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

// BenchmarkLink measures linking a template (the cost per template-linked
// policy when a store's set is built).
func BenchmarkLink(b *testing.B) {
	tp, err := ParseTemplate(`permit(principal in ?principal, action in [App::Action::"view", App::Action::"edit"], resource == ?resource) when { context.mfa };`)
	if err != nil {
		b.Fatal(err)
	}
	p, r := &Ref{"App::Group", "g"}, &Ref{"App::Doc", "d"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tp.Link(p, r); err != nil {
			b.Fatal(err)
		}
	}
}
