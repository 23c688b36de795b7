package token_test

// BenchmarkJOSELibraries compares the JOSE libraries DESIGN.md ("Tokens and
// principals") weighs, on the same RS256 token (Cognito ID token claims,
// 2048-bit key) and the same work: parse the compact form with RS256 as the
// only algorithm, find the key by kid in an already parsed key set, verify
// the signature and decode the claims into a map. Run:
//
//	go test -run '^$' -bench JOSELibraries -benchmem ./internal/token/

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	gjwt "github.com/golang-jwt/jwt/v5"
	"github.com/lestrrat-go/jwx/v3/jwk"
	xjwt "github.com/lestrrat-go/jwx/v3/jwt"
)

func BenchmarkJOSELibraries(b *testing.B) {
	a, _, _ := keys(b)
	c := &clock{t: time.Now()}
	tok := a.sign(b, idClaims(c))
	setJSON, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{a.jwk()}})
	if err != nil {
		b.Fatal(err)
	}

	b.Run("go-jose", func(b *testing.B) {
		var set jose.JSONWebKeySet
		if err := json.Unmarshal(setJSON, &set); err != nil {
			b.Fatal(err)
		}
		algs := []jose.SignatureAlgorithm{jose.RS256}
		b.ReportAllocs()
		for b.Loop() {
			sig, err := jose.ParseSignedCompact(tok, algs)
			if err != nil {
				b.Fatal(err)
			}
			ks := set.Key(sig.Signatures[0].Header.KeyID)
			if len(ks) != 1 {
				b.Fatal("no key")
			}
			payload, err := sig.Verify(ks[0].Key)
			if err != nil {
				b.Fatal(err)
			}
			var claims map[string]any
			if err := json.Unmarshal(payload, &claims); err != nil {
				b.Fatal(err)
			}
		}
	})

	b.Run("golang-jwt", func(b *testing.B) {
		// golang-jwt parses no JWK: the key set is go-jose's, parsed once.
		var set jose.JSONWebKeySet
		if err := json.Unmarshal(setJSON, &set); err != nil {
			b.Fatal(err)
		}
		byKid := map[string]any{}
		for _, k := range set.Keys {
			byKid[k.KeyID] = k.Key
		}
		parser := gjwt.NewParser(gjwt.WithValidMethods([]string{"RS256"}), gjwt.WithExpirationRequired())
		keyFunc := func(t *gjwt.Token) (any, error) {
			kid, _ := t.Header["kid"].(string)
			if k, ok := byKid[kid]; ok {
				return k, nil
			}
			return nil, errors.New("unknown kid")
		}
		b.ReportAllocs()
		for b.Loop() {
			claims := gjwt.MapClaims{}
			if _, err := parser.ParseWithClaims(tok, claims, keyFunc); err != nil {
				b.Fatal(err)
			}
		}
	})

	b.Run("jwx", func(b *testing.B) {
		set, err := jwk.Parse(setJSON)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			// Parse decodes every claim into the token it returns.
			if _, err := xjwt.Parse([]byte(tok), xjwt.WithKeySet(set)); err != nil {
				b.Fatal(err)
			}
		}
	})
}
