package oidc

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/vpid-dev/vpid/internal/avp"
)

// Defaults for the zero values of Config.
const (
	DefaultTimeout      = 5 * time.Second
	DefaultMaxBodyBytes = 1 << 20
)

// discoveryPath is appended to the issuer (Discovery 1.0 §4).
const discoveryPath = "/.well-known/openid-configuration"

// Config configures a Verifier. The zero value is ready for production use.
type Config struct {
	// Timeout bounds the whole check: DNS, connect, TLS, headers and body.
	// Zero means DefaultTimeout.
	Timeout time.Duration
	// MaxBodyBytes bounds the discovery document; a larger one is a ProblemError.
	// Zero means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// HTTPClient, if set, is used instead of the default client (tests inject
	// one that trusts an httptest TLS server). Its CheckRedirect is replaced
	// so that redirects are never followed; its transport is used as is, so
	// the address guard applies only to the default client.
	HTTPClient *http.Client
	// AllowPrivateAddresses lets the default client connect to loopback,
	// private and other non-public addresses. For tests only.
	AllowPrivateAddresses bool
	// Logger receives, for the operator, why an issuer could not be
	// reached, which the caller is not told (see VerifyIssuer). Nil is
	// slog.Default().
	Logger *slog.Logger
}

// Verifier checks OpenID Connect issuers. It is safe for concurrent use.
type Verifier struct {
	client  *http.Client
	timeout time.Duration
	maxBody int64
	log     *slog.Logger
}

// New returns a Verifier for cfg.
func New(cfg Config) *Verifier {
	v := &Verifier{timeout: cfg.Timeout, maxBody: cfg.MaxBodyBytes, log: cfg.Logger}
	if v.log == nil {
		v.log = slog.Default()
	}
	if v.timeout <= 0 {
		v.timeout = DefaultTimeout
	}
	if v.maxBody <= 0 {
		v.maxBody = DefaultMaxBodyBytes
	}
	var c http.Client
	if cfg.HTTPClient != nil {
		c = *cfg.HTTPClient
	} else {
		c.Transport = defaultTransport(v.timeout, cfg.AllowPrivateAddresses)
	}
	c.CheckRedirect = refuseRedirects
	v.client = &c
	return v
}

// defaultTransport has no proxy and, unless allowPrivate, a dialer that
// refuses non-public addresses.
func defaultTransport(timeout time.Duration, allowPrivate bool) *http.Transport {
	d := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}
	if !allowPrivate {
		d.Control = guardControl
	}
	return &http.Transport{
		Proxy:                  nil,
		DialContext:            d.DialContext,
		TLSClientConfig:        &tls.Config{MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:    timeout,
		ResponseHeaderTimeout:  timeout,
		MaxResponseHeaderBytes: 64 << 10,
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           16,
		IdleConnTimeout:        90 * time.Second,
	}
}

// refuseRedirects makes the client return a 3xx response as it is.
func refuseRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// ProblemError is a user-facing reason an issuer does not qualify: the domain's
// IssuerError, so the Verifier implements avp.IssuerVerifier as it is.
type ProblemError = avp.IssuerError

var _ avp.IssuerVerifier = (*Verifier)(nil)

func problemf(format string, args ...any) *ProblemError {
	return &ProblemError{Reason: fmt.Sprintf(format, args...)}
}

// VerifyIssuer returns nil when the issuer qualifies, a *ProblemError when it does
// not, and any other error only for failures of vpid itself (not expected in
// practice: the one case is ctx ending before the check finishes).
//
// Until a TLS connection with a valid certificate for the issuer's host is
// made, every failure (refused, reset, timed out, not TLS, an untrusted
// certificate) gets the same Reason: telling them apart would let callers
// use the API to scan ports of any host. Why it failed is logged instead.
// A host name that does not resolve, or resolves to a non-public address,
// is said as such: that depends on no port. Once connected, the Reason says
// what the issuer answered.
func (v *Verifier) VerifyIssuer(ctx context.Context, issuer string) error {
	_, err := v.JWKSURI(ctx, issuer)
	return err
}

// JWKSURI checks issuer exactly as VerifyIssuer does and returns the https
// jwks_uri its discovery document names. Errors are those of VerifyIssuer.
func (v *Verifier) JWKSURI(ctx context.Context, issuer string) (string, error) {
	docURL, p := discoveryURL(issuer)
	if p != nil {
		return "", p
	}
	tctx, cancel := context.WithTimeout(ctx, v.timeout)
	defer cancel()
	var (
		connected    atomic.Bool
		handshakeErr atomic.Pointer[error] // the last failed TLS handshake's error
	)
	tctx = httptrace.WithClientTrace(tctx, &httptrace.ClientTrace{
		GotConn: func(httptrace.GotConnInfo) { connected.Store(true) },
		TLSHandshakeDone: func(_ tls.ConnectionState, err error) {
			if err != nil {
				handshakeErr.Store(&err)
			}
		},
	})
	body, err := v.fetch(tctx, docURL)
	if err != nil {
		var prob *ProblemError
		switch {
		case errors.As(err, &prob):
			return "", prob
		case ctx.Err() != nil:
			return "", fmt.Errorf("oidc: checking issuer %q: %w", issuer, context.Cause(ctx))
		case errors.Is(err, errForbiddenAddress):
			return "", &ProblemError{Reason: "the issuer's host resolves to a private or loopback address, which is not allowed"}
		}
		if p := dnsProblem(err); p != nil {
			return "", p
		}
		// The transport rewrites some handshake errors (a server that
		// answers plain HTTP) into text; the trace kept the original.
		if he := handshakeErr.Load(); he != nil {
			err = fmt.Errorf("%w (TLS handshake: %w)", err, *he)
		}
		v.log.InfoContext(ctx, "OpenID Connect issuer unusable", "issuer", issuer, "connected", connected.Load(), "error", err.Error())
		timedOut := errors.Is(tctx.Err(), context.DeadlineExceeded)
		switch {
		case !connected.Load():
			return "", &ProblemError{
				Reason:    fmt.Sprintf("the discovery document %s could not be reached: no HTTPS connection with a valid certificate for its host could be made within %s", docURL, v.timeout),
				Transient: timedOut || transientConnect(err),
			}
		case timedOut:
			return "", &ProblemError{Reason: fmt.Sprintf("the discovery document %s did not answer within %s", docURL, v.timeout), Transient: true}
		default:
			return "", &ProblemError{Reason: fmt.Sprintf("the discovery document %s could not be read: the connection ended before the answer did", docURL), Transient: true}
		}
	}
	jwks, prob := checkDocument(docURL, issuer, body)
	if prob != nil {
		return "", prob
	}
	return jwks, nil
}

// Client returns the HTTP client the Verifier fetches with: redirects are
// refused and, unless Config.HTTPClient replaced it, there is no proxy and
// the dialer refuses non-public addresses. Other fetches from an issuer (the
// token package's JWKS downloads) use it, so one guard covers them all.
func (v *Verifier) Client() *http.Client { return v.client }

// discoveryURL validates issuer as Discovery §2 and §4 require and returns
// the address of its discovery document. One terminating slash of the issuer
// is dropped before the path is appended.
func discoveryURL(issuer string) (string, *ProblemError) {
	u, err := url.Parse(issuer)
	switch {
	case err != nil:
		return "", problemf("the issuer %q is not a valid URL", clip(issuer))
	case u.Scheme != "https":
		return "", problemf("the issuer %q is not an https URL; only https issuers are allowed", clip(issuer))
	case u.Opaque != "" || u.Hostname() == "":
		return "", problemf("the issuer %q has no host", clip(issuer))
	case u.User != nil:
		return "", problemf("the issuer %q must not contain user information", clip(issuer))
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(issuer, "#"):
		return "", problemf("the issuer %q must not have a query or fragment", clip(issuer))
	}
	return strings.TrimSuffix(issuer, "/") + discoveryPath, nil
}

// fetch GETs the document. It returns a *ProblemError for answers that disqualify
// the issuer and the transport's error otherwise.
func (v *Verifier) fetch(ctx context.Context, docURL string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, docURL, nil)
	if err != nil {
		return nil, problemf("the discovery document address %q is not a valid URL", clip(docURL))
	}
	req.Header.Set("Accept", "application/json")
	resp, err := v.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()

	switch {
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		to := ""
		if loc := resp.Header.Get("Location"); loc != "" {
			to = fmt.Sprintf(" to %q", clip(loc))
		}
		return nil, problemf("the discovery document %s answered HTTP %d, a redirect%s; redirects are not followed, the document must be served at exactly this address", docURL, resp.StatusCode, to)
	case resp.StatusCode != http.StatusOK:
		p := problemf("the discovery document %s answered HTTP %d", docURL, resp.StatusCode)
		p.Transient = resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= http.StatusInternalServerError
		return nil, p
	case resp.ContentLength > v.maxBody:
		return nil, v.tooLarge(docURL)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, v.maxBody+1))
	if err != nil {
		return nil, err
	}
	if int64(len(body)) > v.maxBody {
		return nil, v.tooLarge(docURL)
	}
	return body, nil
}

func (v *Verifier) tooLarge(docURL string) *ProblemError {
	return problemf("the discovery document %s is larger than %s", docURL, byteSize(v.maxBody))
}

// checkDocument applies Discovery §3 and §4.3 to the document.
// It returns the document's jwks_uri.
func checkDocument(docURL, issuer string, body []byte) (string, *ProblemError) {
	var fields map[string]json.RawMessage
	body = bytes.TrimPrefix(body, []byte("\uFEFF"))
	if err := json.Unmarshal(body, &fields); err != nil || fields == nil {
		return "", problemf("the discovery document %s is not a JSON object", docURL)
	}

	got, present, isString := stringField(fields, "issuer")
	switch {
	case !present:
		return "", problemf("the discovery document %s has no issuer", docURL)
	case !isString:
		return "", problemf("the discovery document %s names an issuer that is not a string", docURL)
	case got != issuer:
		return "", problemf("the discovery document %s names issuer %q instead of %q", docURL, clip(got), issuer)
	}

	jwks, present, isString := stringField(fields, "jwks_uri")
	switch {
	case !present || (isString && jwks == ""):
		return "", problemf("the discovery document %s has no jwks_uri", docURL)
	case !isString:
		return "", problemf("the discovery document %s has a jwks_uri that is not a string", docURL)
	}
	if u, err := url.Parse(jwks); err != nil || u.Scheme != "https" || u.Hostname() == "" {
		return "", problemf("the discovery document %s names jwks_uri %q, which is not an https URL", docURL, clip(jwks))
	}
	return jwks, nil
}

// stringField reads a member of a JSON object; null counts as absent.
func stringField(fields map[string]json.RawMessage, name string) (s string, present, isString bool) {
	raw, ok := fields[name]
	if !ok || string(raw) == "null" {
		return "", false, false
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", true, false
	}
	return s, true, true
}

// dnsProblem is the Reason for a host name that could not be resolved,
// or nil for another failure. A name that does not exist is lasting; a
// resolver that failed may not be.
func dnsProblem(err error) *ProblemError {
	var dnsErr *net.DNSError
	switch {
	case !errors.As(err, &dnsErr):
		return nil
	case dnsErr.IsNotFound:
		return problemf("the host name %s does not resolve", clip(dnsErr.Name))
	}
	return &ProblemError{Reason: fmt.Sprintf("the host name %s could not be resolved", clip(dnsErr.Name)), Transient: true}
}

// transientConnect reports whether a failure to connect may pass by
// itself: a certificate that is not valid, or a server that does not speak
// TLS, will not.
func transientConnect(err error) bool {
	var certErr *tls.CertificateVerificationError
	var recErr tls.RecordHeaderError
	var hostErr x509.HostnameError
	var authErr x509.UnknownAuthorityError
	return !errors.As(err, &certErr) && !errors.As(err, &recErr) && !errors.As(err, &hostErr) && !errors.As(err, &authErr)
}

// clip shortens text that comes from the caller or the remote server before
// it is put in a message.
func clip(s string) string {
	const limit = 200
	if len(s) <= limit {
		return s
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// byteSize formats a limit for a message: "1 MiB", "64 KiB" or "1000 bytes".
func byteSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
