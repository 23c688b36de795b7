package drift

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// admitted runs n concurrent waits on bs and returns the moments they were
// let through, sorted.
func admitted(t *testing.T, l *limiter, n int, bs ...*bucket) []time.Time {
	t.Helper()
	var (
		mu  sync.Mutex
		at  []time.Time
		wg  sync.WaitGroup
		ctx = context.Background()
	)
	for range n {
		wg.Go(func() {
			if err := l.wait(ctx, bs...); err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			at = append(at, time.Now())
			mu.Unlock()
		})
	}
	wg.Wait()
	slices.SortFunc(at, time.Time.Compare)
	return at
}

// maxInWindow is the most moments of at (sorted) in any half-open window of
// length w.
func maxInWindow(at []time.Time, w time.Duration) int {
	most, lo := 0, 0
	for hi := range at {
		for at[hi].Sub(at[lo]) >= w {
			lo++
		}
		most = max(most, hi-lo+1)
	}
	return most
}

func TestLimiterSpacesCalls(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := newLimiter()
		start := time.Now()
		at := admitted(t, l, 50, l.bucket("a", 10))
		for i := 1; i < len(at); i++ {
			if d := at[i].Sub(at[i-1]); d < 100*time.Millisecond {
				t.Fatalf("calls %d and %d %v apart", i-1, i, d)
			}
		}
		if got := maxInWindow(at, time.Second); got != 10 {
			t.Errorf("%d calls in one second, want 10", got)
		}
		if span := at[len(at)-1].Sub(start); span > 5*time.Second {
			t.Errorf("50 calls took %v", span)
		}
	})
}

func TestLimiterRoundsIntervalUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := newLimiter()
		at := admitted(t, l, 30, l.bucket("a", 3))
		if got := maxInWindow(at, time.Second); got != 3 {
			t.Errorf("%d calls in one second at 3/s", got)
		}
	})
}

// A call held back by its own bucket does not hold back calls that share
// only another bucket with it.
func TestLimiterFillsGaps(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := newLimiter()
		category, slow, other := l.bucket("category", 10), l.bucket("slow", 1), l.bucket("other", 1)
		start := time.Now()
		ctx := context.Background()
		done := make(chan time.Duration, 2)
		if err := l.wait(ctx, category, slow); err != nil {
			t.Fatal(err)
		}
		go func() { // promised 1 s from now, by the slow bucket
			_ = l.wait(ctx, category, slow)
			done <- time.Since(start)
		}()
		synctest.Wait()
		go func() {
			_ = l.wait(ctx, category, other)
			done <- time.Since(start)
		}()
		first, second := <-done, <-done
		if first != 100*time.Millisecond || second != time.Second {
			t.Errorf("calls at %v and %v, want 100ms (in the gap) and 1s", first, second)
		}
	})
}

func TestLimiterHonoursEveryBucket(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := newLimiter()
		category := l.bucket("category", 10)
		poolA, poolB := l.bucket("A", 3), l.bucket("B", 3)
		var (
			mu       sync.Mutex
			all, onA []time.Time
			wg       sync.WaitGroup
		)
		for i := range 60 {
			pool := poolA
			if i%2 == 1 {
				pool = poolB
			}
			wg.Go(func() {
				if err := l.wait(context.Background(), category, pool); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				defer mu.Unlock()
				all = append(all, time.Now())
				if pool == poolA {
					onA = append(onA, time.Now())
				}
			})
		}
		wg.Wait()
		slices.SortFunc(all, time.Time.Compare)
		slices.SortFunc(onA, time.Time.Compare)
		if got := maxInWindow(all, time.Second); got > 10 {
			t.Errorf("%d calls in one second in the category", got)
		}
		if got := maxInWindow(onA, time.Second); got > 3 {
			t.Errorf("%d calls in one second on one pool", got)
		}
	})
}

func TestLimiterGivesUpBeforeTheDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := newLimiter()
		b := l.bucket("a", 10)
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		start := time.Now()
		for i := range 10 {
			if err := l.wait(ctx, b); err != nil {
				t.Fatalf("call %d: %v", i, err)
			}
		}
		before := time.Now()
		if err := l.wait(ctx, b); !errors.Is(err, errPastDeadline) {
			t.Fatalf("11th call: %v", err)
		}
		if !time.Now().Equal(before) {
			t.Error("the refused call slept")
		}
		if got := before.Sub(start); got != 900*time.Millisecond {
			t.Errorf("10 calls took %v", got)
		}
		// A refused call reserved nothing: a context with time enough
		// gets the very next slot.
		if err := l.wait(context.Background(), b); err != nil || time.Since(start) != time.Second {
			t.Errorf("next call at %v: %v", time.Since(start), err)
		}
	})
}

func TestLimiterPause(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := newLimiter()
		b := l.bucket("a", 10)
		start := time.Now()
		if err := l.wait(context.Background(), b); err != nil {
			t.Fatal(err)
		}
		l.pause(2*time.Second, b)
		if err := l.wait(context.Background(), b); err != nil {
			t.Fatal(err)
		}
		if got := time.Since(start); got != 2*time.Second {
			t.Errorf("the call after a pause went at %v", got)
		}
	})
}

func TestLimiterCancelled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := newLimiter()
		b := l.bucket("a", 1)
		ctx, cancel := context.WithCancel(context.Background())
		start := time.Now()
		if err := l.wait(ctx, b); err != nil {
			t.Fatal(err)
		}
		go func() {
			time.Sleep(100 * time.Millisecond)
			cancel()
		}()
		if err := l.wait(ctx, b); !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v", err)
		}
		if got := time.Since(start); got != 100*time.Millisecond {
			t.Errorf("the cancelled wait returned after %v", got)
		}
		// The cancelled call gave its time back.
		if err := l.wait(context.Background(), b); err != nil || time.Since(start) != time.Second {
			t.Errorf("next call at %v: %v", time.Since(start), err)
		}
	})
}
