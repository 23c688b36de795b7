package drift

import (
	"context"
	"regexp"
	"strings"
)

// transientHTTPStatus matches the oidc package's reason for a discovery
// document that answered 429 or a 5xx status.
var transientHTTPStatus = regexp.MustCompile(`answered HTTP (429|5\d\d)\b`)

// transientIssuerProblem reports whether an issuer problem (an
// avp.IssuerError's reason, as internal/oidc words it) may pass by itself:
// a server error or throttle, a timeout, or a connection that failed for a
// reason other than a host name that no longer resolves or a bad TLS
// certificate. Such a problem makes the identity source "unknown", not
// drifted.
//
// The oidc package reports every problem as text meant for the caller of
// CreateIdentitySource; the phrases matched here are pinned by tests that
// run its Verifier against real servers.
func transientIssuerProblem(reason string) bool {
	switch {
	case transientHTTPStatus.MatchString(reason):
		return true
	case strings.Contains(reason, "did not answer within"):
		return true
	case strings.Contains(reason, "could not be reached"):
		return !strings.Contains(reason, "does not resolve") &&
			!strings.Contains(reason, "TLS certificate") &&
			!strings.Contains(reason, "does not speak TLS")
	}
	return false
}

// verifyIssuer checks an issuer once per run; every identity source that
// names it shares the verdict.
func (r *run) verifyIssuer(ctx context.Context, issuer string) error {
	_, err := r.issuers.do(ctx, issuer, func() (struct{}, error) {
		r.issuerChecks.Add(1)
		return struct{}{}, r.cfg.Issuers.VerifyIssuer(r.ctx, issuer)
	})
	return err
}
