package token

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/vpid-dev/vpid/internal/avp"
)

// TestSignatureCache: a token seen before costs no public-key operation
// while the key that verified it is in the current set, and its claims are
// still checked on every call.
func TestSignatureCache(t *testing.T) {
	t.Parallel()
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	kid := "k1"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &priv.PublicKey, KeyID: kid, Algorithm: "RS256", Use: "sig"}}})
	}))
	defer srv.Close()
	now := time.Unix(1_800_000_000, 0)
	var clockMu sync.Mutex
	clock := func() time.Time { clockMu.Lock(); defer clockMu.Unlock(); return now }
	advance := func(d time.Duration) { clockMu.Lock(); defer clockMu.Unlock(); now = now.Add(d) }
	v := NewVerifier(WithCognitoEndpoint(srv.URL, srv.Client()), WithClock(clock), WithRefetchInterval(time.Second))

	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: priv}, (&jose.SignerOptions{}).WithHeader("kid", "k1"))
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := json.Marshal(map[string]any{
		"iss": "https://cognito-idp.us-west-2.amazonaws.com/us-west-2_abc", "sub": "u1",
		"token_use": "id", "aud": "c1", "exp": now.Unix() + 6*3600 + 30*60,
	})
	obj, err := signer.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := obj.CompactSerialize()
	src := avp.IdentitySource{Configuration: &avp.CognitoUserPoolConfiguration{
		UserPoolARN: "arn:aws:cognito-idp:us-west-2:123456789012:userpool/us-west-2_abc",
	}}
	verify := func() error { _, err := v.Verify(t.Context(), src, tok, ""); return err }
	checks := func(want int64) {
		t.Helper()
		if got := v.signatureChecks.Load(); got != want {
			t.Fatalf("%d signature checks, want %d", got, want)
		}
	}

	for range 3 {
		if err := verify(); err != nil {
			t.Fatal(err)
		}
	}
	checks(1)
	// Claims are checked on a hit: another client list refuses it.
	src2 := src
	src2.Configuration = &avp.CognitoUserPoolConfiguration{UserPoolARN: "arn:aws:cognito-idp:us-west-2:123456789012:userpool/us-west-2_abc", ClientIDs: []string{"c2"}}
	if _, err := v.Verify(t.Context(), src2, tok, ""); err == nil {
		t.Fatal("cached token passed the audience check of another source")
	}
	// The same token in the other parameter is still refused (token_use).
	if _, err := v.Verify(t.Context(), src, "", tok); err == nil {
		t.Fatal("cached ID token passed as an access token")
	}
	checks(1)

	setKid := func(k string) { mu.Lock(); defer mu.Unlock(); kid = k }

	// The key set is fetched again (new key objects): one more check.
	advance(2 * time.Hour)
	if err := verify(); err != nil {
		t.Fatal(err)
	}
	checks(2)

	// A key the issuer drops stops verifying its cached tokens.
	setKid("k2")
	advance(2 * time.Hour)
	if err := verify(); err == nil {
		t.Fatal("token of a dropped key verified")
	}
	checks(2)

	// exp is checked on a hit.
	setKid("k1")
	advance(2 * time.Hour)
	if err := verify(); err != nil {
		t.Fatal(err)
	}
	advance(45 * time.Minute) // past exp, within the key TTL: a hit
	if err := verify(); err == nil {
		t.Fatal("expired token verified")
	}
	checks(3)
}

// TestSignatureCacheBounds: the cache keeps at most max tokens and
// maxCachedTokenBytes of them, dropping expired ones first.
func TestSignatureCacheBounds(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_800_000_000, 0)
	tok := func(i, size int, exp int64) *jwt {
		raw := fmt.Sprintf("%d.", i) + strings.Repeat("x", size)
		return &jwt{raw: raw, alg: "RS256", claims: claims{"exp": json.Number(fmt.Sprint(exp))}}
	}
	c := sigCache{m: map[string]sigEntry{}, max: 3}
	c.put(tok(1, 10, now.Unix()-1), "k", now) // expired
	c.put(tok(2, 10, now.Unix()+60), "k", now)
	c.put(tok(3, 10, now.Unix()+60), "k", now)
	c.put(tok(4, 10, now.Unix()+60), "k", now)
	if len(c.m) != 3 {
		t.Fatalf("%d tokens cached, want 3", len(c.m))
	}
	if _, ok := c.m[tok(1, 10, 0).raw]; ok {
		t.Error("the expired token was kept over live ones")
	}
	if _, ok := c.get(tok(4, 10, 0).raw, "identityToken", []jose.SignatureAlgorithm{jose.RS256}); !ok {
		t.Error("the newest token is not cached")
	}
	if _, ok := c.get(tok(4, 10, 0).raw, "identityToken", []jose.SignatureAlgorithm{jose.ES256}); ok {
		t.Error("a cached token was returned for a source that does not allow its algorithm")
	}

	big := sigCache{m: map[string]sigEntry{}, max: 1000}
	for i := range 10 {
		big.put(tok(i, maxCachedTokenBytes/4, now.Unix()+60), "k", now)
	}
	total := 0
	for raw := range big.m {
		total += len(raw)
	}
	if total > maxCachedTokenBytes || total != big.bytes || len(big.m) == 0 {
		t.Errorf("cached %d bytes in %d tokens (counted %d), want at most %d", total, len(big.m), big.bytes, maxCachedTokenBytes)
	}
	big.put(tok(99, maxCachedTokenBytes+1, now.Unix()+60), "k", now)
	if _, ok := big.m[tok(99, maxCachedTokenBytes+1, 0).raw]; ok {
		t.Error("a token larger than the whole budget was cached")
	}
}
