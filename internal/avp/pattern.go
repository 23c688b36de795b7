package avp

import (
	"regexp"
	"sync"
)

// pattern is a regular expression of the model, anchored, compiled on its
// first use rather than at package initialisation: a cold start compiling
// every pattern of every operation spent a quarter of a millisecond before
// its first request, most of it on patterns that request never meets.
type pattern struct {
	expr     string
	model    string // the model's text of it, without anchors we added
	compiled func() *regexp.Regexp
}

// patterns are every pattern made, for TestPatternsCompile: a pattern that
// does not compile fails that test, not a request.
var patterns []*pattern

func newPattern(expr string) *pattern {
	p := &pattern{expr: expr, model: expr, compiled: sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })}
	if len(expr) >= 2 && expr[0] == '^' && expr[len(expr)-1] == '$' {
		p.model = expr[1 : len(expr)-1]
	}
	patterns = append(patterns, p)
	return p
}

func (p *pattern) MatchString(s string) bool { return p.compiled().MatchString(s) }

func (p *pattern) FindStringSubmatch(s string) []string { return p.compiled().FindStringSubmatch(s) }

func (p *pattern) String() string { return p.expr }
