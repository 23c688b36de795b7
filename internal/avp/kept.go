package avp

import "sync/atomic"

// keptGoroutines runs functions on up to its size of goroutines kept from
// one call to the next, and on new ones beyond that, so that work which
// needs a deep stack does not pay for growing a new goroutine's from its
// first few kilobytes every time. A new goroutine's stack is copied each
// time it doubles; verifying a token and evaluating Cedar policies take it
// through several doublings, each copy walking every frame. A kept
// goroutine keeps the stack it grew (until a garbage collection finds it
// mostly unused and halves it), so its next function usually runs without
// a copy. The zero value keeps none; make one with newKeptGoroutines.
type keptGoroutines struct {
	idle chan func()
	kept atomic.Int32
	max  int32
}

// newKeptGoroutines keeps at most n goroutines.
func newKeptGoroutines(n int) *keptGoroutines {
	return &keptGoroutines{idle: make(chan func()), max: int32(n)}
}

// Go runs f on a kept goroutine that is idle, on a newly kept one while
// the pool has fewer than its size, or else on a new goroutine of its own.
// f must not panic: a kept goroutine has no one to recover it.
func (p *keptGoroutines) Go(f func()) {
	select {
	case p.idle <- f:
		return
	default:
	}
	if p.max > 0 && p.kept.Add(1) <= p.max {
		go p.keep(f)
		return
	}
	if p.max > 0 {
		p.kept.Add(-1)
	}
	go f()
}

// keep runs f and then whatever Go hands it, for the life of the process.
func (p *keptGoroutines) keep(f func()) {
	for {
		f()
		f = <-p.idle
	}
}
