package oidc_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vpid-dev/vpid/internal/oidc"
)

const wellKnown = "/.well-known/openid-configuration"

// handler answers a request to the test server; base is the server's https
// URL, release is closed when the test ends.
type handler func(w http.ResponseWriter, r *http.Request, base string, release <-chan struct{})

// server is an httptest TLS server that counts connections and requests.
type server struct {
	*httptest.Server
	conns    atomic.Int32
	mu       sync.Mutex
	requests []string // paths, in order
}

func (s *server) paths() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...)
}

func newServer(t *testing.T, h handler) *server {
	t.Helper()
	s := &server{}
	release := make(chan struct{})
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests = append(s.requests, r.URL.Path)
		s.mu.Unlock()
		h(w, r, "https://"+r.Host, release)
	}))
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.conns.Add(1)
		}
	}
	s.Config.ErrorLog = log.New(io.Discard, "", 0) // refused TLS handshakes are expected
	s.StartTLS()
	t.Cleanup(s.Close)
	// Cleanups run last-in first-out: handlers are released before Close
	// waits for them.
	t.Cleanup(func() { close(release) })
	return s
}

// document answers with a JSON discovery document.
func document(doc map[string]any) handler {
	return func(w http.ResponseWriter, r *http.Request, base string, _ <-chan struct{}) {
		out := map[string]any{}
		for k, v := range doc {
			if s, ok := v.(string); ok {
				v = strings.ReplaceAll(s, "{base}", base)
			}
			out[k] = v
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(out)
	}
}

var goodDoc = map[string]any{
	"issuer":                 "{base}",
	"jwks_uri":               "{base}/jwks",
	"authorization_endpoint": "{base}/authorize",
}

func with(doc map[string]any, k string, v any) map[string]any {
	out := map[string]any{}
	for k, v := range doc {
		out[k] = v
	}
	if v == nil {
		delete(out, k)
	} else {
		out[k] = v
	}
	return out
}

func raw(status int, body string) handler {
	return func(w http.ResponseWriter, r *http.Request, base string, _ <-chan struct{}) {
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

// sized answers with a valid document of exactly n bytes, declared with
// Content-Length or, if chunked, streamed without one.
func sized(n int, chunked bool) handler {
	return func(w http.ResponseWriter, r *http.Request, base string, _ <-chan struct{}) {
		doc := map[string]string{"issuer": base, "jwks_uri": base + "/jwks", "pad": ""}
		b, _ := json.Marshal(doc)
		doc["pad"] = strings.Repeat("x", n-len(b))
		b, _ = json.Marshal(doc)
		if chunked {
			w.(http.Flusher).Flush()
		}
		_, _ = w.Write(b)
	}
}

func TestVerifyIssuer(t *testing.T) {
	t.Parallel()
	trusting := func(s *server) oidc.Config { return oidc.Config{HTTPClient: s.Client()} }

	tests := []struct {
		name    string
		handler handler
		// issuer from the server's URL; nil means the URL itself.
		issuer func(srvURL string) string
		// cfg for the Verifier; nil means a client trusting the server.
		cfg func(s *server) oidc.Config
		// want is a phrase the ProblemError's Reason must contain, with {srv}
		// replaced by the server's URL; empty means the issuer qualifies.
		want string
		// paths the server must have been asked for.
		paths []string
		// noConn: the server must not have seen a connection at all.
		noConn bool
		// someConn: the server must have seen a connection.
		someConn bool
	}{
		{
			name:    "good document",
			handler: document(goodDoc),
			paths:   []string{wellKnown},
		},
		{
			name:    "trailing slash on the issuer is not doubled",
			handler: document(with(goodDoc, "issuer", "{base}/")),
			issuer:  func(u string) string { return u + "/" },
			paths:   []string{wellKnown},
		},
		{
			name:    "issuer with a path",
			handler: document(with(goodDoc, "issuer", "{base}/tenants/a/")),
			issuer:  func(u string) string { return u + "/tenants/a/" },
			paths:   []string{"/tenants/a" + wellKnown},
		},
		{
			name:    "trailing slash must match exactly",
			handler: document(goodDoc),
			issuer:  func(u string) string { return u + "/" },
			want:    `names issuer "{srv}" instead of "{srv}/"`,
			paths:   []string{wellKnown},
		},
		{
			name:    "404",
			handler: raw(http.StatusNotFound, "not found"),
			want:    "the discovery document {srv}" + wellKnown + " answered HTTP 404",
			paths:   []string{wellKnown},
		},
		{
			name:    "500",
			handler: raw(http.StatusInternalServerError, `{"issuer":"x"}`),
			want:    "answered HTTP 500",
			paths:   []string{wellKnown},
		},
		{
			name:    "not JSON",
			handler: raw(http.StatusOK, "<html><body>Welcome</body></html>"),
			want:    "{srv}" + wellKnown + " is not a JSON object",
			paths:   []string{wellKnown},
		},
		{
			name:    "JSON array",
			handler: raw(http.StatusOK, `[{"issuer":"x","jwks_uri":"https://x/jwks"}]`),
			want:    "is not a JSON object",
			paths:   []string{wellKnown},
		},
		{
			name:    "JSON null",
			handler: raw(http.StatusOK, "null"),
			want:    "is not a JSON object",
			paths:   []string{wellKnown},
		},
		{
			name:    "issuer mismatch",
			handler: document(with(goodDoc, "issuer", "https://x")),
			want:    `names issuer "https://x" instead of "{srv}"`,
			paths:   []string{wellKnown},
		},
		{
			name:    "no issuer",
			handler: document(with(goodDoc, "issuer", nil)),
			want:    "has no issuer",
			paths:   []string{wellKnown},
		},
		{
			name:    "issuer not a string",
			handler: document(with(goodDoc, "issuer", 42)),
			want:    "names an issuer that is not a string",
			paths:   []string{wellKnown},
		},
		{
			name:    "missing jwks_uri",
			handler: document(with(goodDoc, "jwks_uri", nil)),
			want:    "{srv}" + wellKnown + " has no jwks_uri",
			paths:   []string{wellKnown},
		},
		{
			name:    "empty jwks_uri",
			handler: document(with(goodDoc, "jwks_uri", "")),
			want:    "has no jwks_uri",
			paths:   []string{wellKnown},
		},
		{
			name:    "jwks_uri not a string",
			handler: document(with(goodDoc, "jwks_uri", []string{"{base}/jwks"})),
			want:    "has a jwks_uri that is not a string",
			paths:   []string{wellKnown},
		},
		{
			name:    "http jwks_uri",
			handler: document(with(goodDoc, "jwks_uri", "http://keys.example.com/jwks")),
			want:    `names jwks_uri "http://keys.example.com/jwks", which is not an https URL`,
			paths:   []string{wellKnown},
		},
		{
			name:    "body exactly at the limit",
			handler: sized(1024, false),
			cfg:     func(s *server) oidc.Config { return oidc.Config{HTTPClient: s.Client(), MaxBodyBytes: 1024} },
			paths:   []string{wellKnown},
		},
		{
			name:    "declared body over the limit",
			handler: sized(1025, false),
			cfg:     func(s *server) oidc.Config { return oidc.Config{HTTPClient: s.Client(), MaxBodyBytes: 1024} },
			want:    "{srv}" + wellKnown + " is larger than 1 KiB",
			paths:   []string{wellKnown},
		},
		{
			name:    "streamed body over the limit",
			handler: sized(64<<10, true),
			cfg:     func(s *server) oidc.Config { return oidc.Config{HTTPClient: s.Client(), MaxBodyBytes: 1024} },
			want:    "is larger than 1 KiB",
			paths:   []string{wellKnown},
		},
		{
			// Reading stops at the limit instead of waiting for the end.
			name: "endless body",
			handler: func(w http.ResponseWriter, r *http.Request, _ string, release <-chan struct{}) {
				chunk := []byte(`{"pad":"` + strings.Repeat("x", 4096))
				for {
					select {
					case <-release:
						return
					case <-r.Context().Done():
						return
					default:
					}
					if _, err := w.Write(chunk); err != nil {
						return
					}
					w.(http.Flusher).Flush()
				}
			},
			cfg: func(s *server) oidc.Config {
				return oidc.Config{HTTPClient: s.Client(), MaxBodyBytes: 1024, Timeout: time.Second}
			},
			want:  "is larger than 1 KiB",
			paths: []string{wellKnown},
		},
		{
			name: "hangs before answering",
			handler: func(w http.ResponseWriter, r *http.Request, _ string, release <-chan struct{}) {
				<-release
			},
			cfg: func(s *server) oidc.Config {
				return oidc.Config{HTTPClient: s.Client(), Timeout: 200 * time.Millisecond}
			},
			want:  "{srv}" + wellKnown + " did not answer within 200ms",
			paths: []string{wellKnown},
		},
		{
			name: "hangs in the middle of the body",
			handler: func(w http.ResponseWriter, r *http.Request, base string, release <-chan struct{}) {
				_, _ = io.WriteString(w, `{"issuer":"`+base+`",`)
				w.(http.Flusher).Flush()
				<-release
			},
			cfg: func(s *server) oidc.Config {
				return oidc.Config{HTTPClient: s.Client(), Timeout: 200 * time.Millisecond}
			},
			want:  "did not answer within 200ms",
			paths: []string{wellKnown},
		},
		{
			name: "redirect is not followed",
			handler: func(w http.ResponseWriter, r *http.Request, base string, _ <-chan struct{}) {
				if r.URL.Path == wellKnown {
					http.Redirect(w, r, base+"/elsewhere", http.StatusFound)
					return
				}
				document(goodDoc)(w, r, base, nil)
			},
			want:  `answered HTTP 302, a redirect to "{srv}/elsewhere"; redirects are not followed`,
			paths: []string{wellKnown},
		},
		{
			name: "redirect to http is not followed",
			handler: func(w http.ResponseWriter, r *http.Request, base string, _ <-chan struct{}) {
				http.Redirect(w, r, "http://auth.example.com"+wellKnown, http.StatusMovedPermanently)
			},
			want:  "answered HTTP 301, a redirect to \"http://auth.example.com" + wellKnown + "\"; redirects are not followed",
			paths: []string{wellKnown},
		},
		{
			name:    "http issuer is refused without a request",
			handler: document(goodDoc),
			issuer:  func(u string) string { return strings.Replace(u, "https://", "http://", 1) },
			want:    "is not an https URL",
			noConn:  true,
		},
		{
			name:    "issuer with a query is refused without a request",
			handler: document(goodDoc),
			issuer:  func(u string) string { return u + "?tenant=a" },
			want:    "must not have a query or fragment",
			noConn:  true,
		},
		{
			name:    "issuer with user information is refused without a request",
			handler: document(goodDoc),
			issuer:  func(u string) string { return strings.Replace(u, "https://", "https://admin:secret@", 1) },
			want:    "must not contain user information",
			noConn:  true,
		},
		{
			name:    "default client refuses a loopback target",
			handler: document(goodDoc),
			cfg:     func(*server) oidc.Config { return oidc.Config{} },
			want:    "the issuer's host resolves to a private or loopback address, which is not allowed",
			noConn:  true,
		},
		{
			// The default client does not trust the test certificate, so the
			// check gets as far as TLS: the guard let the connection through.
			name:     "default client with private addresses allowed",
			handler:  document(goodDoc),
			cfg:      func(*server) oidc.Config { return oidc.Config{AllowPrivateAddresses: true} },
			want:     "{srv}" + wellKnown + " could not be reached: no HTTPS connection with a valid certificate",
			someConn: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newServer(t, tc.handler)
			issuer := s.URL
			if tc.issuer != nil {
				issuer = tc.issuer(s.URL)
			}
			cfg := trusting(s)
			if tc.cfg != nil {
				cfg = tc.cfg(s)
			}
			v := oidc.New(cfg)

			start := time.Now()
			err := v.VerifyIssuer(t.Context(), issuer)
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("VerifyIssuer took %v, want well under 2s", d)
			}

			if tc.want == "" {
				if err != nil {
					t.Fatalf("VerifyIssuer(%q) = %v, want nil", issuer, err)
				}
			} else {
				var p *oidc.ProblemError
				if !errors.As(err, &p) {
					t.Fatalf("VerifyIssuer(%q) = %#v, want a *oidc.ProblemError", issuer, err)
				}
				want := strings.ReplaceAll(tc.want, "{srv}", s.URL)
				if !strings.Contains(p.Reason, want) {
					t.Errorf("ProblemError.Reason = %q\nwant it to contain %q", p.Reason, want)
				}
				if p.Error() != p.Reason {
					t.Errorf("ProblemError.Error() = %q, want the Reason %q", p.Error(), p.Reason)
				}
			}

			if diff := cmp.Diff(tc.paths, s.paths()); diff != "" {
				t.Errorf("requested paths (-want +got):\n%s", diff)
			}
			if n := s.conns.Load(); tc.noConn && n != 0 {
				t.Errorf("server saw %d connections, want none", n)
			}
			if n := s.conns.Load(); tc.someConn && n == 0 {
				t.Error("server saw no connection, want one")
			}
		})
	}
}

// TestUnreachableIssuersLookAlike: a refused port, a port that never
// answers, a server that does not speak TLS and one whose certificate is
// not trusted all get the same Reason (the API is no port scanner); the
// operator's log says which it was, and Transient keeps the drift check's
// verdict (a certificate or a protocol that is wrong does not pass by
// itself).
func TestUnreachableIssuersLookAlike(t *testing.T) {
	t.Parallel()
	refused := func() string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		return addr
	}()
	silent, err := net.Listen("tcp", "127.0.0.1:0") // accepts, never speaks
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { silent.Close() })
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
		}
	}()
	plain := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(plain.Close)
	untrusted := newServer(t, document(goodDoc))

	// Only the silent issuer waits for the timeout; the others fail at
	// once, and get a timeout no loaded machine reaches (under -race, a
	// TLS handshake alone can take longer than the silent case's).
	const short, long = 300 * time.Millisecond, 30 * time.Second
	tests := []struct {
		name, addr, logged string
		timeout            time.Duration
		transient          bool
	}{
		{"refused", refused, "connection refused", long, true},
		{"silent", silent.Addr().String(), "timeout|deadline exceeded", short, true},
		{"not TLS", strings.TrimPrefix(plain.URL, "http://"), "first record does not look like a TLS handshake", long, false},
		{"untrusted certificate", strings.TrimPrefix(untrusted.URL, "https://"), "certificate", long, false},
	}
	var reasons []string
	for _, tc := range tests {
		var logs bytes.Buffer
		v := oidc.New(oidc.Config{AllowPrivateAddresses: true, Timeout: tc.timeout, Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
		err := v.VerifyIssuer(t.Context(), "https://"+tc.addr)
		var p *oidc.ProblemError
		if !errors.As(err, &p) {
			t.Fatalf("%s: VerifyIssuer = %#v, want a *oidc.ProblemError", tc.name, err)
		}
		reasons = append(reasons, strings.ReplaceAll(strings.ReplaceAll(p.Reason, tc.addr, "{addr}"), "within "+tc.timeout.String(), "within {timeout}"))
		if p.Transient != tc.transient {
			t.Errorf("%s: Transient = %v, want %v", tc.name, p.Transient, tc.transient)
		}
		if !regexp.MustCompile(tc.logged).MatchString(logs.String()) || !strings.Contains(logs.String(), tc.addr) {
			t.Errorf("%s: the log does not say %q:\n%s", tc.name, tc.logged, logs.String())
		}
	}
	want := "the discovery document https://{addr}" + wellKnown + " could not be reached: no HTTPS connection with a valid certificate for its host could be made within {timeout}"
	for i, r := range reasons {
		if r != want {
			t.Errorf("%s: Reason %q, want %q", tests[i].name, r, want)
		}
	}
}

// A caller's context that ends is vpid's failure, not the issuer's.
func TestVerifyIssuerCallerCanceled(t *testing.T) {
	t.Parallel()
	s := newServer(t, func(w http.ResponseWriter, r *http.Request, _ string, release <-chan struct{}) {
		<-release
	})
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(50*time.Millisecond, cancel)

	err := oidc.New(oidc.Config{HTTPClient: s.Client()}).VerifyIssuer(ctx, s.URL)
	var p *oidc.ProblemError
	if errors.As(err, &p) {
		t.Fatalf("VerifyIssuer = ProblemError %q, want a non-ProblemError error", p.Reason)
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("VerifyIssuer = %v, want it to wrap context.Canceled", err)
	}
}

// Issuers that cannot be a discovery base are refused before any request;
// the Verifier needs no server to say so.
func TestVerifyIssuerRefusedWithoutRequest(t *testing.T) {
	t.Parallel()
	tests := []struct{ issuer, want string }{
		{"", "is not an https URL"},
		{"auth.example.com", "is not an https URL"},
		{"ftp://auth.example.com", "is not an https URL"},
		{"file://auth.example.com/openid-configuration", "is not an https URL"},
		{"https://", "has no host"},
		{"https:auth.example.com", "has no host"},
		{"https://auth.example.com/#frag", "must not have a query or fragment"},
		{"https://auth.example.com/?", "must not have a query or fragment"},
		{"https://auth example.com", "is not a valid URL"},
	}
	// A client whose every request fails the test proves no request is made.
	client := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		t.Errorf("unexpected request to %s", r.URL)
		return nil, errors.New("no requests expected")
	})}
	v := oidc.New(oidc.Config{HTTPClient: client})
	for _, tc := range tests {
		t.Run(tc.issuer, func(t *testing.T) {
			t.Parallel()
			err := v.VerifyIssuer(t.Context(), tc.issuer)
			var p *oidc.ProblemError
			if !errors.As(err, &p) {
				t.Fatalf("VerifyIssuer(%q) = %#v, want a *oidc.ProblemError", tc.issuer, err)
			}
			if !strings.Contains(p.Reason, tc.want) {
				t.Errorf("Reason = %q, want it to contain %q", p.Reason, tc.want)
			}
		})
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestJWKSURI: the check VerifyIssuer makes, returning the document's
// jwks_uri; Client is the client it fetched with.
func TestJWKSURI(t *testing.T) {
	t.Parallel()
	s := newServer(t, document(goodDoc))
	v := oidc.New(oidc.Config{HTTPClient: s.Client()})
	got, err := v.JWKSURI(t.Context(), s.URL)
	if err != nil || got != s.URL+"/jwks" {
		t.Errorf("JWKSURI = %q, %v; want %q", got, err, s.URL+"/jwks")
	}
	if v.Client() == nil || v.Client().Transport != s.Client().Transport {
		t.Error("Client is not the configured client")
	}
	bad := newServer(t, document(with(goodDoc, "jwks_uri", "http://plain/jwks")))
	var p *oidc.ProblemError
	if _, err := oidc.New(oidc.Config{HTTPClient: bad.Client()}).JWKSURI(t.Context(), bad.URL); !errors.As(err, &p) {
		t.Errorf("JWKSURI of an http jwks_uri = %v, want a ProblemError", err)
	}
}
