package loadtest

import (
	"sync"
)

// CheckResult is the verdict on one invariant.
type CheckResult struct {
	Name string
	// Checked counts the cases looked at, Failed those that broke it.
	Checked, Failed int64
	// Examples are the first few failures.
	Examples []string
}

// OK tells whether the invariant held.
func (c *CheckResult) OK() bool { return c.Failed == 0 }

const maxExamples = 8

// invariants tallies checks by name, in the order given.
type invariants struct {
	mu    sync.Mutex
	order []string
	m     map[string]*CheckResult
}

func newInvariants(names ...string) *invariants {
	v := &invariants{m: map[string]*CheckResult{}}
	for _, n := range names {
		v.order = append(v.order, n)
		v.m[n] = &CheckResult{Name: n}
	}
	return v
}

func (v *invariants) get(name string) *CheckResult {
	c := v.m[name]
	if c == nil {
		c = &CheckResult{Name: name}
		v.m[name] = c
		v.order = append(v.order, name)
	}
	return c
}

func (v *invariants) pass(name string) {
	v.mu.Lock()
	v.get(name).Checked++
	v.mu.Unlock()
}

func (v *invariants) fail(name, example string) {
	v.mu.Lock()
	c := v.get(name)
	c.Checked++
	c.Failed++
	if len(c.Examples) < maxExamples {
		c.Examples = append(c.Examples, example)
	}
	v.mu.Unlock()
}

// record adds checked cases, failed of them, with examples.
func (v *invariants) record(name string, checked, failed int64, examples []string) {
	v.mu.Lock()
	c := v.get(name)
	c.Checked += checked
	c.Failed += failed
	for _, e := range examples {
		if len(c.Examples) < maxExamples {
			c.Examples = append(c.Examples, e)
		}
	}
	v.mu.Unlock()
}

// check passes or fails name by ok.
func (v *invariants) check(name string, ok bool, example func() string) {
	if ok {
		v.pass(name)
	} else {
		v.fail(name, example())
	}
}

func (v *invariants) results() []*CheckResult {
	v.mu.Lock()
	defer v.mu.Unlock()
	out := make([]*CheckResult, 0, len(v.order))
	for _, n := range v.order {
		c := *v.m[n]
		c.Examples = append([]string(nil), c.Examples...)
		out = append(out, &c)
	}
	return out
}
