package faultproxy

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Proxy is a fault-injecting reverse proxy to one AWS JSON endpoint,
// listening on a loopback port. Its methods are safe for concurrent use.
type Proxy struct {
	srv       *httptest.Server
	target    *url.URL
	transport *http.Transport
	client    *http.Client

	state atomic.Pointer[state]

	// ctx ends when the proxy closes; forwarded requests run under it, so
	// that a request forwarded before a client gave up still completes (as
	// it would at the real service).
	ctx       context.Context
	cancel    context.CancelFunc
	closed    chan struct{}
	closeOnce sync.Once

	inFlight atomic.Int64

	mu     sync.Mutex
	counts map[string]*count // by X-Amz-Target
}

type count struct{ seen, injected int }

// state is one Set's fault; cleared closes when the next Set replaces it,
// which releases the requests it holds.
type state struct {
	fault   Fault
	left    atomic.Int64
	cleared chan struct{}
}

func newState(f Fault) *state {
	s := &state{fault: f, cleared: make(chan struct{})}
	s.left.Store(int64(f.times))
	return s
}

// take reports whether the fault applies to this request, using up one of
// its Times.
func (s *state) take(target string) bool {
	if !s.fault.matches(target) {
		return false
	}
	return s.fault.times <= 0 || s.left.Add(-1) >= 0
}

// Start starts a proxy to target (a base URL such as
// http://127.0.0.1:8000) on a loopback port, with no fault set. It panics
// if target is not an absolute http URL, as httptest does on failures.
func Start(target string) *Proxy {
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		panic(fmt.Sprintf("faultproxy: target %q is not an absolute http(s) URL", target))
	}
	ctx, cancel := context.WithCancel(context.Background())
	tr := &http.Transport{
		Proxy:               nil, // straight to the target, whatever the environment says
		DisableCompression:  true,
		MaxIdleConnsPerHost: 32,
		IdleConnTimeout:     30 * time.Second,
	}
	p := &Proxy{
		target:    u,
		transport: tr,
		client:    &http.Client{Transport: tr},
		ctx:       ctx,
		cancel:    cancel,
		closed:    make(chan struct{}),
		counts:    map[string]*count{},
	}
	p.state.Store(newState(None()))
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	return p
}

// URL is the proxy's base URL (http://127.0.0.1:<port>), the endpoint to
// give the SDK client.
func (p *Proxy) URL() string { return p.srv.URL }

// Set replaces the fault. Requests held by the previous fault (Hang,
// HangAfterForward, Latency) proceed as if unfaulted.
func (p *Proxy) Set(f Fault) {
	old := p.state.Swap(newState(f))
	close(old.cleared)
}

// Clear is Set(None()).
func (p *Proxy) Clear() { p.Set(None()) }

// Fault returns the fault in force.
func (p *Proxy) Fault() Fault { return p.state.Load().fault }

// Close resets the connections of held requests, waits for the requests in
// flight and stops the proxy. It is safe to call more than once.
func (p *Proxy) Close() {
	p.closeOnce.Do(func() {
		close(p.closed)
		p.cancel()
		p.srv.Close()
		p.transport.CloseIdleConnections()
	})
}

// Seen is the number of requests the proxy received for the named
// operations (matched as by Fault.On); with no names, for every target.
func (p *Proxy) Seen(ops ...string) int {
	return p.sum(ops, func(c *count) int { return c.seen })
}

// Injected is the number of those requests the fault in force at the time
// acted on.
func (p *Proxy) Injected(ops ...string) int {
	return p.sum(ops, func(c *count) int { return c.injected })
}

// InFlight is the number of requests the proxy is handling: held, delayed,
// or waiting for the dependency. A test that cleared the fault waits for 0
// before it inspects the dependency, so that no late request lands after.
func (p *Proxy) InFlight() int { return int(p.inFlight.Load()) }

// Targets returns the requests received per X-Amz-Target.
func (p *Proxy) Targets() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	m := make(map[string]int, len(p.counts))
	for t, c := range p.counts {
		m[t] = c.seen
	}
	return m
}

func (p *Proxy) sum(ops []string, f func(*count) int) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for target, c := range p.counts {
		if len(ops) == 0 || anyOp(ops, target) {
			n += f(c)
		}
	}
	return n
}

func (p *Proxy) record(target string, injected bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	c := p.counts[target]
	if c == nil {
		c = &count{}
		p.counts[target] = c
	}
	c.seen++
	if injected {
		c.injected++
	}
}

func (p *Proxy) serve(w http.ResponseWriter, r *http.Request) {
	p.inFlight.Add(1)
	defer p.inFlight.Add(-1)
	body, err := io.ReadAll(r.Body)
	if err != nil {
		reset(w)
		return
	}
	target := r.Header.Get("X-Amz-Target")
	st := p.state.Load()
	hit := st.take(target)
	p.record(target, hit)
	if !hit {
		p.pass(w, r, body)
		return
	}
	f := st.fault
	switch f.kind {
	case kindLatency:
		t := time.NewTimer(f.delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-st.cleared:
		case <-r.Context().Done():
			reset(w)
			return
		case <-p.closed:
			reset(w)
			return
		}
		p.pass(w, r, body)

	case kindReset:
		if f.afterForward {
			_, _ = p.forward(r, body) // applied; the answer is lost
		}
		reset(w)

	case kindHang:
		var resp *response
		if f.afterForward {
			if resp, err = p.forward(r, body); err != nil {
				reset(w)
				return
			}
		}
		select {
		case <-st.cleared:
		case <-r.Context().Done(): // the client gave up
			reset(w)
			return
		case <-p.closed:
			reset(w)
			return
		}
		if resp == nil {
			p.pass(w, r, body)
			return
		}
		resp.relay(w)

	default: // an error answer of the service's own
		svc := serviceOf(target)
		status, b := svc.errorAnswer(f.kind, target, body)
		svc.writeAnswer(w, status, b)
	}
}

// pass forwards the request and relays the answer; a dependency that cannot
// be reached resets the client's connection, as a dead endpoint would.
func (p *Proxy) pass(w http.ResponseWriter, r *http.Request, body []byte) {
	resp, err := p.forward(r, body)
	if err != nil {
		reset(w)
		return
	}
	resp.relay(w)
}

// response is a dependency's answer, read in full.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (p *Proxy) forward(r *http.Request, body []byte) (*response, error) {
	u := *p.target
	u.Path = strings.TrimSuffix(p.target.Path, "/") + r.URL.Path
	u.RawPath = ""
	u.RawQuery = r.URL.RawQuery
	req, err := http.NewRequestWithContext(p.ctx, r.Method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	copyHeader(req.Header, r.Header)
	res, err := p.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	return &response{status: res.StatusCode, header: res.Header, body: b}, nil
}

func (resp *response) relay(w http.ResponseWriter) {
	copyHeader(w.Header(), resp.header)
	w.WriteHeader(resp.status)
	_, _ = w.Write(resp.body)
}

// hopByHop are the headers that belong to one connection, not to the
// message (RFC 9110, section 7.6.1), and Content-Length, which the
// forwarding side sets from the body it sends.
var hopByHop = map[string]bool{
	"Connection":          true,
	"Proxy-Connection":    true,
	"Keep-Alive":          true,
	"Proxy-Authenticate":  true,
	"Proxy-Authorization": true,
	"Te":                  true,
	"Trailer":             true,
	"Transfer-Encoding":   true,
	"Upgrade":             true,
	"Content-Length":      true,
}

func copyHeader(dst, src http.Header) {
	for k, vs := range src {
		if hopByHop[http.CanonicalHeaderKey(k)] {
			continue
		}
		dst[k] = append([]string(nil), vs...)
	}
}

// reset takes the client's connection over and closes it with SO_LINGER 0,
// so the kernel sends a TCP RST: the client reads "connection reset by
// peer" (or EOF) instead of an answer.
func reset(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("faultproxy: the response writer cannot be hijacked")
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}
