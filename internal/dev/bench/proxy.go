package bench

import (
	"maps"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// CountingProxy is a reverse proxy on a loopback port in front of an AWS
// JSON endpoint (DynamoDB Local, cognito-local) that counts the requests by
// X-Amz-Target and answer status, and the most requests in flight at once.
// With Delay set it holds every request that long before passing it on, so
// that requests a client sends concurrently are sure to overlap here.
type CountingProxy struct {
	// URL is the proxy's base URL, to give the API as its endpoint.
	URL string
	// Delay holds each request before it is passed on.
	Delay time.Duration

	srv      *http.Server
	inFlight atomic.Int64
	mu       sync.Mutex
	peak     int64
	counts   map[string]int // "<operation> <status>"
}

// NewCountingProxy starts a proxy to target.
func NewCountingProxy(target string) (*CountingProxy, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &CountingProxy{URL: "http://" + ln.Addr().String(), counts: map[string]int{}}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.Transport = &http.Transport{MaxIdleConnsPerHost: 64, IdleConnTimeout: 30 * time.Second}
	p.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := p.inFlight.Add(1)
		defer p.inFlight.Add(-1)
		p.mu.Lock()
		p.peak = max(p.peak, n)
		p.mu.Unlock()
		if p.Delay > 0 {
			time.Sleep(p.Delay)
		}
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		rp.ServeHTTP(sw, r)
		op := r.Header.Get("X-Amz-Target")
		if _, after, ok := strings.Cut(op, "."); ok {
			op = after
		}
		p.mu.Lock()
		p.counts[op+" "+http.StatusText(sw.status)]++
		p.mu.Unlock()
	}), ReadHeaderTimeout: 10 * time.Second}
	go p.srv.Serve(ln)
	return p, nil
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// Counts is what a proxy saw since the last Reset.
type Counts struct {
	// ByOp counts requests by "<operation> <status text>", e.g.
	// "TransactWriteItems OK" or "TransactWriteItems Bad Request".
	ByOp map[string]int
	// Total counts all requests; Peak is the most in flight at once.
	Total, Peak int
}

// Ops counts the requests for one operation, whatever their status.
func (c Counts) Ops(op string) int {
	n := 0
	for k, v := range c.ByOp {
		if strings.HasPrefix(k, op+" ") {
			n += v
		}
	}
	return n
}

// Snapshot returns the counts so far.
func (p *CountingProxy) Snapshot() Counts {
	p.mu.Lock()
	defer p.mu.Unlock()
	c := Counts{ByOp: maps.Clone(p.counts), Peak: int(p.peak)}
	for _, v := range p.counts {
		c.Total += v
	}
	return c
}

// Reset zeroes the counts (requests in flight are counted when they end).
func (p *CountingProxy) Reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.counts = map[string]int{}
	p.peak = 0
}

// Close stops the proxy.
func (p *CountingProxy) Close() error { return p.srv.Close() }
