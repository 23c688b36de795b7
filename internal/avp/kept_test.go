package avp

import (
	"sync"
	"testing"
)

// TestKeptGoroutinesRunEveryFunction hands more functions at once than it
// keeps goroutines: each runs exactly once, kept goroutines or not.
func TestKeptGoroutinesRunEveryFunction(t *testing.T) {
	for _, size := range []int{0, 1, 4} {
		p := newKeptGoroutines(size)
		const n = 200
		var mu sync.Mutex
		ran := map[int]int{}
		var wg sync.WaitGroup
		release := make(chan struct{})
		for i := range n {
			wg.Add(1)
			p.Go(func() {
				defer wg.Done()
				if i%2 == 0 {
					<-release // keep some busy while others are handed out
				}
				mu.Lock()
				ran[i]++
				mu.Unlock()
			})
		}
		close(release)
		wg.Wait()
		for i := range n {
			if ran[i] != 1 {
				t.Fatalf("size %d: function %d ran %d times", size, i, ran[i])
			}
		}
		if k := p.kept.Load(); k > int32(size) {
			t.Errorf("size %d: %d goroutines kept", size, k)
		}
	}
}

// TestKeptGoroutinesAreKept runs functions one after another: after the
// first, an idle kept goroutine takes each, so no goroutine is started.
func TestKeptGoroutinesAreKept(t *testing.T) {
	p := newKeptGoroutines(2)
	done := make(chan struct{})
	for range 50 {
		p.Go(func() { done <- struct{}{} })
		<-done
	}
	if k := p.kept.Load(); k < 1 || k > 2 {
		t.Fatalf("%d goroutines kept after 50 calls in turn, want 1 or 2", k)
	}
}

// TestZeroKeptGoroutines runs functions on goroutines of their own.
func TestZeroKeptGoroutines(t *testing.T) {
	var p keptGoroutines
	done := make(chan int)
	p.Go(func() { done <- 7 })
	if v := <-done; v != 7 {
		t.Fatalf("got %d", v)
	}
}

func BenchmarkKeptGoroutines(b *testing.B) {
	deep := func(n int) int {
		var f func(int) int
		f = func(n int) int {
			var pad [256]byte
			pad[n%256] = byte(n)
			if n == 0 {
				return int(pad[0])
			}
			return f(n-1) + int(pad[n%256])
		}
		return f(n)
	}
	done := make(chan int)
	b.Run("go", func(b *testing.B) {
		for b.Loop() {
			go func() { done <- deep(100) }()
			<-done
		}
	})
	b.Run("pool", func(b *testing.B) {
		p := newKeptGoroutines(1)
		for b.Loop() {
			p.Go(func() { done <- deep(100) })
			<-done
		}
	})
}
