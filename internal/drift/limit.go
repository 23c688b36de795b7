package drift

import (
	"context"
	"errors"
	"math"
	"slices"
	"sync"
	"time"
)

// errPastDeadline is returned by limiter.wait when the earliest moment the
// buckets allow the call is at or after the context's deadline: the caller
// gives up at once instead of sleeping into the deadline.
var errPastDeadline = errors.New("drift: the rate limit leaves no time for this call before the deadline")

// bucket admits calls at least interval (1/rate, rounded up) apart, so no
// window of one second ever holds more than rate calls. It keeps the times
// it has promised to waiting callers; a caller may take any free time, also
// one between two promised ones, so a call held back by one bucket (its
// user pool's) does not hold back the calls that share only another bucket
// (the Region's category) with it.
type bucket struct {
	interval time.Duration
	slots    []time.Time // promised call times, sorted
	closed   time.Time   // no call before this (set after a throttle)
}

// free returns t if a call at t keeps interval from every promised call,
// else a later time worth trying.
func (b *bucket) free(t time.Time) (time.Time, bool) {
	if t.Before(b.closed) {
		return b.closed, false
	}
	i, _ := slices.BinarySearchFunc(b.slots, t.Add(-b.interval), func(s, lo time.Time) int {
		if s.After(lo) {
			return 1
		}
		return -1
	})
	if i < len(b.slots) && b.slots[i].Before(t.Add(b.interval)) {
		return b.slots[i].Add(b.interval), false
	}
	return t, true
}

func (b *bucket) promise(t time.Time) {
	i, _ := slices.BinarySearchFunc(b.slots, t, time.Time.Compare)
	b.slots = slices.Insert(b.slots, i, t)
}

func (b *bucket) release(t time.Time) {
	if i, ok := slices.BinarySearchFunc(b.slots, t, time.Time.Compare); ok {
		b.slots = slices.Delete(b.slots, i, i+1)
	}
}

// forget drops promised times so far past that they no longer constrain a
// call at now or later.
func (b *bucket) forget(now time.Time) {
	n := 0
	for n < len(b.slots) && !b.slots[n].After(now.Add(-b.interval)) {
		n++
	}
	b.slots = slices.Delete(b.slots, 0, n)
}

// limiter holds named buckets and reserves a time in several at once.
type limiter struct {
	mu      sync.Mutex
	buckets map[string]*bucket
}

func newLimiter() *limiter { return &limiter{buckets: map[string]*bucket{}} }

// bucket returns the bucket named key, made with rate (calls per second)
// the first time it is asked for.
func (l *limiter) bucket(key string, rate float64) *bucket {
	l.mu.Lock()
	defer l.mu.Unlock()
	if b, ok := l.buckets[key]; ok {
		return b
	}
	// Rounded up, so that rate+1 calls never fit in one second.
	b := &bucket{interval: time.Duration(math.Ceil(float64(time.Second) / rate))}
	l.buckets[key] = b
	return b
}

// wait reserves the earliest time, from now on, that every bucket in bs
// admits, and sleeps until then. It returns errPastDeadline (reserving
// nothing) if that time is not before ctx's deadline, and ctx's error if
// ctx ends while it sleeps.
func (l *limiter) wait(ctx context.Context, bs ...*bucket) error {
	l.mu.Lock()
	now := time.Now()
	at := now
	for _, b := range bs {
		b.forget(now)
	}
	for settled := false; !settled; {
		settled = true
		for _, b := range bs {
			t, ok := b.free(at)
			if !ok {
				at, settled = t, false
			}
		}
	}
	if dl, ok := ctx.Deadline(); ok && !at.Before(dl) {
		l.mu.Unlock()
		return errPastDeadline
	}
	for _, b := range bs {
		b.promise(at)
	}
	l.mu.Unlock()

	d := at.Sub(now)
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		l.mu.Lock()
		for _, b := range bs {
			b.release(at)
		}
		l.mu.Unlock()
		return ctx.Err()
	}
}

// pause admits no new call through bs for d from now (calls already
// promised a time keep it): the answer to a throttle.
func (l *limiter) pause(d time.Duration, bs ...*bucket) {
	l.mu.Lock()
	defer l.mu.Unlock()
	until := time.Now().Add(d)
	for _, b := range bs {
		if until.After(b.closed) {
			b.closed = until
		}
	}
}
