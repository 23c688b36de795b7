package token

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/cedar-policy/cedar-go/types"
	jose "github.com/go-jose/go-jose/v4"

	"github.com/vpid-dev/vpid/internal/avp"
	"github.com/vpid-dev/vpid/internal/oidc"
)

// Defaults of a Verifier's options.
const (
	// DefaultLeeway is the clock skew allowed on exp and nbf.
	DefaultLeeway = 30 * time.Second
	// DefaultRefetchInterval is how often, at most, a source's key set is
	// fetched again because a token names a key it lacks.
	DefaultRefetchInterval = 30 * time.Second
	// DefaultKeyTTL is how long a fetched key set is used before it is
	// fetched again.
	DefaultKeyTTL = time.Hour
	// DefaultFetchTimeout bounds one fetch of a discovery document plus key
	// set.
	DefaultFetchTimeout = 5 * time.Second
	// DefaultGroupEntityType is the Cedar type of Cognito groups when the
	// identity source names none.
	DefaultGroupEntityType = "AWS::CognitoGroup"
	// DefaultPrincipalIDClaim names the principal of an OpenID Connect token
	// when the source's tokenSelection names no claim.
	DefaultPrincipalIDClaim = "sub"
	// MaxTokenLength is the longest token AVP's model accepts.
	MaxTokenLength = 131072
	// maxSources bounds the key sets a Verifier caches.
	maxSources = 1024
)

// Allowed signature algorithms. Cognito signs with RS256 only. For OpenID
// Connect issuers, the asymmetric algorithms of RFC 7518 §3.1 that OpenID
// providers use; none and the HMAC algorithms never (their key would be a
// shared secret the issuer does not publish).
var (
	cognitoAlgorithms = []jose.SignatureAlgorithm{jose.RS256}
	oidcAlgorithms    = []jose.SignatureAlgorithm{
		jose.RS256, jose.RS384, jose.RS512,
		jose.PS256, jose.PS384, jose.PS512,
		jose.ES256, jose.ES384, jose.ES512,
	}
)

// Discoverer finds the key set address of an OpenID Connect issuer;
// *oidc.Verifier is one.
type Discoverer interface {
	JWKSURI(ctx context.Context, issuer string) (string, error)
}

// Verifier verifies tokens against identity sources. It caches key sets and
// is safe for concurrent use; make one per process.
type Verifier struct {
	now          func() time.Time
	leeway       time.Duration
	refetch      time.Duration
	keyTTL       time.Duration
	fetchTimeout time.Duration

	discovery     Discoverer
	oidcClient    *http.Client
	cognitoBase   string // "" for AWS's issuer URLs
	cognitoClient *http.Client

	cache keyCache
	sigs  sigCache

	signatureChecks atomic.Int64 // public-key operations made, for tests
}

// Option configures a Verifier.
type Option func(*Verifier)

// WithOIDC sets the client of OpenID Connect issuers: its discovery, and its
// HTTP client (Client) for key sets. The default is oidc.New(oidc.Config{}),
// whose client refuses private and loopback addresses.
func WithOIDC(o *oidc.Verifier) Option {
	return func(v *Verifier) { v.discovery, v.oidcClient = o, o.Client() }
}

// WithCognitoEndpoint makes Cognito key sets come from
// <endpoint>/<poolId>/.well-known/jwks.json through client instead of from
// the pool's AWS issuer, for a local Cognito such as cognito-local. Since
// such an emulator names its own host in iss, a token's iss then also
// passes when its path is exactly /<poolId>, whatever its host. A nil client
// means http.DefaultClient's settings with redirects refused.
func WithCognitoEndpoint(endpoint string, client *http.Client) Option {
	return func(v *Verifier) {
		v.cognitoBase = strings.TrimSuffix(endpoint, "/")
		if client == nil {
			client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		}
		v.cognitoClient = client
	}
}

// WithClock sets the clock exp and nbf are compared with, and key set ages
// measured by.
func WithClock(now func() time.Time) Option { return func(v *Verifier) { v.now = now } }

// WithLeeway sets the clock skew allowed on exp and nbf (DefaultLeeway).
func WithLeeway(d time.Duration) Option { return func(v *Verifier) { v.leeway = d } }

// WithRefetchInterval sets how often, at most, an unknown kid makes a
// source's key set be fetched again (DefaultRefetchInterval).
func WithRefetchInterval(d time.Duration) Option { return func(v *Verifier) { v.refetch = d } }

// WithKeyTTL sets how long a key set is used before it is fetched again
// (DefaultKeyTTL).
func WithKeyTTL(d time.Duration) Option { return func(v *Verifier) { v.keyTTL = d } }

// WithFetchTimeout bounds one key set fetch, discovery included
// (DefaultFetchTimeout).
func WithFetchTimeout(d time.Duration) Option { return func(v *Verifier) { v.fetchTimeout = d } }

// NewVerifier returns a Verifier with the given options.
func NewVerifier(opts ...Option) *Verifier {
	v := &Verifier{
		now:          time.Now,
		leeway:       DefaultLeeway,
		refetch:      DefaultRefetchInterval,
		keyTTL:       DefaultKeyTTL,
		fetchTimeout: DefaultFetchTimeout,
		cache:        keyCache{sets: map[string]*keySet{}, max: maxSources},
		sigs:         sigCache{m: map[string]sigEntry{}, max: DefaultTokenCacheSize},
	}
	for _, o := range opts {
		o(v)
	}
	if v.discovery == nil {
		WithOIDC(oidc.New(oidc.Config{Timeout: v.fetchTimeout}))(v)
	}
	if v.cognitoClient == nil {
		v.cognitoClient = v.oidcClient
	}
	return v
}

// Identity is what verified tokens contribute to an authorization request.
type Identity struct {
	// Principal is what the answer's principal carries.
	Principal avp.EntityIdentifier
	// Entities holds the principal entity (attributes from the ID token's
	// claims, parents = groups) and one entity per group.
	Entities []types.Entity
	// Context holds what an access token adds to the request context:
	// {"token": {...claims}}; an empty record without an access token.
	Context types.Record
}

// Verify checks the tokens against the identity source (signature, iss,
// exp and nbf, token_use, aud or client_id, ...) and maps their claims.
// identityToken and accessToken may each be "", not both; given both, they
// must name the same principal. A token that fails a check is an *Error; a
// key set that cannot be obtained is a *KeysUnavailableError.
func (v *Verifier) Verify(ctx context.Context, src avp.IdentitySource, identityToken, accessToken string) (Identity, error) {
	if identityToken == "" && accessToken == "" {
		return Identity{}, &Error{Check: CheckMissingToken, Message: "neither an identityToken nor an accessToken was given; give one or both"}
	}
	switch c := src.Configuration.(type) {
	case *avp.CognitoUserPoolConfiguration:
		return v.verifyCognito(ctx, src, c, identityToken, accessToken)
	case *avp.OpenIDConnectConfiguration:
		return v.verifyOIDC(ctx, src, c, identityToken, accessToken)
	case nil:
	}
	return Identity{}, &Error{Check: CheckIdentitySource, Message: "the identity source has no configuration"}
}

// jwt is a parsed token whose claims are not trusted until verify succeeds.
type jwt struct {
	param    string
	raw      string
	sig      *jose.JSONWebSignature
	kid, alg string
	claims   claims
	// verifiedWith is the key that verified the token before, when it
	// came from the verified-token cache.
	verifiedWith any
	// memo keeps the Cedar record of the claims; copies of a cached token
	// share it.
	memo *recordMemo
}

// parse splits a compact JWS, checks its algorithm against algs and decodes
// its claims; a token verified before comes from the cache.
func (v *Verifier) parse(param, raw string, algs []jose.SignatureAlgorithm) (*jwt, *Error) {
	if t, ok := v.sigs.get(raw, param, algs); ok {
		return t, nil
	}
	if len(raw) > MaxTokenLength {
		return nil, fail(CheckMalformed, param, "is longer than %d characters", MaxTokenLength)
	}
	sig, err := jose.ParseSignedCompact(raw, algs)
	if err != nil {
		if alg, ok := headerAlg(raw); ok && !slices.Contains(algs, jose.SignatureAlgorithm(alg)) {
			return nil, fail(CheckAlgorithm, param, "is signed with algorithm %q, which this identity source does not accept (allowed: %s)", clipped(alg), joinAlgs(algs))
		}
		return nil, fail(CheckMalformed, param, "is not a signed JWT (three base64url parts: header, claims, signature)")
	}
	if len(sig.Signatures) != 1 {
		return nil, fail(CheckMalformed, param, "is not a signed JWT with one signature")
	}
	c, ok := decodeClaims(sig.UnsafePayloadWithoutVerification())
	if !ok {
		return nil, fail(CheckMalformed, param, "has claims that are not a JSON object")
	}
	h := sig.Signatures[0].Header
	return &jwt{param: param, raw: raw, sig: sig, kid: h.KeyID, alg: h.Algorithm, claims: c, memo: &recordMemo{}}, nil
}

// headerAlg reads alg from a compact JWS header that go-jose refused, to
// tell a refused algorithm from a malformed token.
func headerAlg(raw string) (string, bool) {
	head, _, ok := strings.Cut(raw, ".")
	if !ok {
		return "", false
	}
	b, err := base64.RawURLEncoding.DecodeString(head)
	if err != nil {
		return "", false
	}
	var h struct {
		Alg string `json:"alg"`
	}
	if json.Unmarshal(b, &h) != nil || h.Alg == "" {
		return "", false
	}
	return h.Alg, true
}

func joinAlgs(algs []jose.SignatureAlgorithm) string {
	s := make([]string, len(algs))
	for i, a := range algs {
		s[i] = string(a)
	}
	return strings.Join(s, ", ")
}

// clipped shortens text taken from a token before it goes in a message.
func clipped(s string) string {
	const limit = 64
	if len(s) <= limit {
		return s
	}
	return strings.ToValidUTF8(s[:limit], "") + "…"
}

// verify checks t's signature with the source's keys, then exp and nbf.
func (v *Verifier) verify(ctx context.Context, t *jwt, cacheID string, fetch fetchFunc) error {
	keys, err := v.lookup(ctx, cacheID, fetch, t.kid, t.alg)
	if err != nil {
		return err
	}
	if len(keys) == 0 {
		if t.kid == "" {
			return fail(CheckUnknownKey, t.param, "names no key (kid) and the issuer has no single key for %s", t.alg)
		}
		return fail(CheckUnknownKey, t.param, "is signed with key %q, which the issuer's key set does not hold", clipped(t.kid))
	}
	verified := t.verifiedWith != nil && slices.ContainsFunc(keys, func(k jose.JSONWebKey) bool { return k.Key == t.verifiedWith })
	for i := 0; i < len(keys) && !verified; i++ {
		v.signatureChecks.Add(1)
		if _, err := t.sig.Verify(keys[i].Key); err == nil {
			verified = true
			v.sigs.put(t, keys[i].Key, v.now())
		}
	}
	if !verified {
		return fail(CheckSignature, t.param, "has a signature that does not verify with the issuer's key %q", clipped(t.kid))
	}
	now := v.now()
	exp, present, ok := t.claims.time("exp")
	switch {
	case !present:
		return fail(CheckExpired, t.param, "has no exp (expiration time) claim")
	case !ok:
		return fail(CheckExpired, t.param, "has an exp claim that is not a number of seconds")
	case !now.Before(exp.Add(v.leeway)):
		return fail(CheckExpired, t.param, "expired at %s", exp.UTC().Format(time.RFC3339))
	}
	nbf, present, ok := t.claims.time("nbf")
	switch {
	case present && !ok:
		return fail(CheckNotYetValid, t.param, "has an nbf claim that is not a number of seconds")
	case present && now.Add(v.leeway).Before(nbf):
		return fail(CheckNotYetValid, t.param, "is not valid before %s", nbf.UTC().Format(time.RFC3339))
	}
	return nil
}

// checkTokenUse compares token_use with the parameter the token came in.
// required says whether the claim must be present (Cognito).
func checkTokenUse(t *jwt, want string, required bool) error {
	got, present := t.claims["token_use"]
	if !present && !required {
		return nil
	}
	if s, _ := got.(string); s != want {
		if !present {
			return fail(CheckTokenUse, t.param, "has no token_use claim; it must be %q", want)
		}
		return fail(CheckTokenUse, t.param, "has token_use %q; it must be %q", clipped(fmtClaim(got)), want)
	}
	return nil
}

func fmtClaim(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// anyIn reports whether one of got is in allowed.
func anyIn(got, allowed []string) bool {
	for _, g := range got {
		if slices.Contains(allowed, g) {
			return true
		}
	}
	return false
}

// keysFetchError turns a discovery failure into a KeysUnavailableError.
func keysFetchError(issuer string, err error) error {
	var prob *oidc.ProblemError
	if errors.As(err, &prob) {
		return &KeysUnavailableError{URL: issuer, Reason: prob.Reason}
	}
	var ku *KeysUnavailableError
	if errors.As(err, &ku) {
		return ku
	}
	return &KeysUnavailableError{URL: issuer, Reason: "discovery failed", Err: err}
}

// issuerPoolPath reports whether iss is a URL whose path is exactly
// /<poolID> (cognito-local's issuer names its own host).
func issuerPoolPath(iss, poolID string) bool {
	u, err := url.Parse(iss)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" &&
		u.Path == "/"+poolID && u.RawQuery == "" && u.Fragment == ""
}
