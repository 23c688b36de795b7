package token_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/vpid-dev/vpid/internal/avp"
	"github.com/vpid-dev/vpid/internal/dev/emulator/emulatortest"
	"github.com/vpid-dev/vpid/internal/oidc"
	"github.com/vpid-dev/vpid/internal/token"
)

func TestMain(m *testing.M) { emulatortest.Main(m) }

// signingKey is a test's own key: it signs tokens and appears in key sets.
type signingKey struct {
	kid  string
	alg  jose.SignatureAlgorithm
	priv crypto.Signer
}

var (
	keysOnce sync.Once
	rsaA     signingKey // the usual key
	rsaB     signingKey // another RSA key
	ecKey    signingKey // ES256
)

// keys returns the package's test keys, made once (RSA generation is slow
// under -race).
func keys(tb testing.TB) (a, b, ec signingKey) {
	tb.Helper()
	keysOnce.Do(func() {
		ka, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		kb, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		ke, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			panic(err)
		}
		rsaA = signingKey{kid: "key-a", alg: jose.RS256, priv: ka}
		rsaB = signingKey{kid: "key-b", alg: jose.RS256, priv: kb}
		ecKey = signingKey{kid: "key-ec", alg: jose.ES256, priv: ke}
	})
	return rsaA, rsaB, ecKey
}

// withKid returns k under another kid (same private key).
func (k signingKey) withKid(kid string) signingKey { k.kid = kid; return k }

func (k signingKey) jwk() jose.JSONWebKey {
	return jose.JSONWebKey{Key: k.priv.Public(), KeyID: k.kid, Algorithm: string(k.alg), Use: "sig"}
}

// sign makes a compact JWS of claims with k; an empty kid leaves the header
// without one.
func (k signingKey) sign(tb testing.TB, claims map[string]any) string {
	tb.Helper()
	opts := (&jose.SignerOptions{}).WithType("JWT")
	if k.kid != "" {
		opts = opts.WithHeader("kid", k.kid)
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: k.alg, Key: k.priv}, opts)
	if err != nil {
		tb.Fatal(err)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		tb.Fatal(err)
	}
	obj, err := s.Sign(payload)
	if err != nil {
		tb.Fatal(err)
	}
	out, err := obj.CompactSerialize()
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// keyServer serves a key set (and, for OpenID Connect, a discovery
// document naming it) and counts key set requests.
type keyServer struct {
	srv    *httptest.Server
	mu     sync.Mutex
	keys   []jose.JSONWebKey
	status int
	hits   atomic.Int32
}

func (s *keyServer) setKeys(ks ...signingKey) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = s.keys[:0]
	for _, k := range ks {
		s.keys = append(s.keys, k.jwk())
	}
	s.status = http.StatusOK
}

func (s *keyServer) setStatus(code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status = code
}

func (s *keyServer) handler(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/.well-known/openid-configuration":
		_ = json.NewEncoder(w).Encode(map[string]string{"issuer": s.srv.URL, "jwks_uri": s.srv.URL + "/keys"})
	case r.URL.Path == "/keys" || strings.HasSuffix(r.URL.Path, "/.well-known/jwks.json"):
		s.hits.Add(1)
		s.mu.Lock()
		status, set := s.status, jose.JSONWebKeySet{Keys: append([]jose.JSONWebKey(nil), s.keys...)}
		s.mu.Unlock()
		if status != http.StatusOK {
			http.Error(w, "unavailable", status)
			return
		}
		_ = json.NewEncoder(w).Encode(set)
	default:
		http.NotFound(w, r)
	}
}

// newCognitoServer serves key sets at /<pool>/.well-known/jwks.json over
// plain HTTP, as a local Cognito does.
func newCognitoServer(tb testing.TB, ks ...signingKey) *keyServer {
	tb.Helper()
	s := &keyServer{}
	s.srv = httptest.NewServer(http.HandlerFunc(s.handler))
	tb.Cleanup(s.srv.Close)
	s.setKeys(ks...)
	return s
}

// newOIDCServer is an OpenID provider over TLS whose issuer is its URL.
func newOIDCServer(tb testing.TB, ks ...signingKey) *keyServer {
	tb.Helper()
	s := &keyServer{}
	s.srv = httptest.NewTLSServer(http.HandlerFunc(s.handler))
	tb.Cleanup(s.srv.Close)
	s.setKeys(ks...)
	return s
}

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Unix(1_800_000_000, 0)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Test identity sources.
const (
	poolID     = "us-west-2_1a2b3c4d5"
	poolARN    = "arn:aws:cognito-idp:us-west-2:123456789012:userpool/us-west-2_1a2b3c4d5"
	poolIssuer = "https://cognito-idp.us-west-2.amazonaws.com/us-west-2_1a2b3c4d5"
	clientID   = "a1b2c3d4e5f6g7h8i9j0kalbmc"
	userSub    = "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111"
)

func cognitoSource(clientIDs ...string) avp.IdentitySource {
	return avp.IdentitySource{
		PolicyStoreID:       "PSEXAMPLEabcdefg111111",
		IdentitySourceID:    "ISEXAMPLEabcdefg111111",
		PrincipalEntityType: "MyCorp::User",
		Configuration: &avp.CognitoUserPoolConfiguration{
			UserPoolARN:        poolARN,
			ClientIDs:          clientIDs,
			GroupConfiguration: &avp.CognitoGroupConfiguration{GroupEntityType: "MyCorp::UserGroup"},
		},
	}
}

func cognitoVerifier(s *keyServer, c *clock, opts ...token.Option) *token.Verifier {
	return token.NewVerifier(append([]token.Option{
		token.WithCognitoEndpoint(s.srv.URL, s.srv.Client()),
		token.WithClock(c.Now),
	}, opts...)...)
}

func oidcVerifier(s *keyServer, c *clock, opts ...token.Option) *token.Verifier {
	return token.NewVerifier(append([]token.Option{
		token.WithOIDC(oidc.New(oidc.Config{HTTPClient: s.srv.Client()})),
		token.WithClock(c.Now),
	}, opts...)...)
}

// idClaims are the claims of a Cognito ID token issued at c's time.
func idClaims(c *clock) map[string]any {
	now := c.Now().Unix()
	return map[string]any{
		"sub": userSub, "aud": clientID, "iss": poolIssuer, "token_use": "id",
		"cognito:username": "alice", "cognito:groups": []string{"admins", "eng"},
		"custom:dept": "eng", "email": "alice@example.com", "email_verified": true,
		"auth_time": now, "iat": now, "exp": now + 3600, "jti": "j1",
	}
}

// accessClaims are the claims of a Cognito access token issued at c's time.
func accessClaims(c *clock) map[string]any {
	now := c.Now().Unix()
	return map[string]any{
		"sub": userSub, "client_id": clientID, "iss": poolIssuer, "token_use": "access",
		"scope": "aws.cognito.signin.user.admin MyAPI/read", "username": "alice",
		"cognito:groups": []string{"admins", "eng"},
		"auth_time":      now, "iat": now, "exp": now + 3600, "jti": "j2",
	}
}

// with returns a copy of m with the given changes; a nil value deletes.
func with(m map[string]any, kv ...any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(out, kv[i].(string))
		} else {
			out[kv[i].(string)] = kv[i+1]
		}
	}
	return out
}
