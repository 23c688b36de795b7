// Package oidc checks, when an identity source is created or updated, that an
// OpenID Connect issuer can actually be used: that its discovery document
// (OpenID Connect Discovery 1.0,
// https://openid.net/specs/openid-connect-discovery-1_0.html) is served at
// <issuer>/.well-known/openid-configuration with HTTP 200, is a JSON object,
// names exactly the configured issuer (§4.3: exact string match, so a
// trailing slash matters) and names an https jwks_uri.
//
// A [Verifier] reports an unusable issuer as a [*ProblemError] whose Reason tells
// the user what failed; any other error is a failure of vpid itself (in
// practice: the caller's context ended). ProblemError is the domain's
// [github.com/vpid-dev/vpid/internal/avp.IssuerError], so a Verifier is the
// Service's avp.IssuerVerifier; the package imports nothing else of vpid.
//
// The check is bounded and conservative:
//
//   - Only https URLs are requested. An issuer with another scheme, user
//     information, a query or a fragment is a ProblemError without a request.
//   - Redirects are refused, never followed: Discovery defines the document's
//     address from the issuer, and a provider that redirects it elsewhere
//     (to a login page, another host, or plain http) is not serving it there.
//     A 3xx answer is a ProblemError that names where it pointed.
//   - One timeout (Config.Timeout, default 5s) covers the whole check: DNS,
//     connect, TLS, headers and body. The body is read through
//     [io.LimitReader]; a document over Config.MaxBodyBytes (default 1 MiB)
//     is a ProblemError.
//   - The default HTTP client uses no proxy from the environment and a dialer
//     whose Control function refuses, on the resolved address at connect time
//     (so DNS rebinding cannot slip past it), loopback, private (RFC 1918,
//     fc00::/7), link-local (169.254.0.0/16 including the instance metadata
//     address, fe80::/10), unspecified, multicast, CGNAT (100.64.0.0/10) and
//     other non-global ranges, including such IPv4 addresses inside the
//     NAT64 prefix 64:ff9b::/96. Config.AllowPrivateAddresses lifts this for
//     tests.
//
// It is no port scanner: until a TLS connection with a valid certificate is
// made to the issuer's host, every failure (connection refused or reset, no
// answer, not TLS, a certificate not trusted) gets one and the same Reason,
// and the cause goes to Config.Logger for the operator only. ProblemError's
// Transient flag (a throttle, a 5xx, a timeout, a refused connection) is
// for the drift check, which reports such an issuer as unknown, not drifted.
//
// Nothing is cached: every call fetches the document again.
//
// [Verifier.JWKSURI] makes the same check and returns the document's
// jwks_uri, and [Verifier.Client] is the guarded client itself: the token
// package finds and fetches issuers' key sets through them, so one address
// guard covers every request vpid makes to an issuer.
package oidc
