package token_test

import (
	"testing"
	"time"
)

// BenchmarkVerify is Verify with a warm key cache: one Cognito source, RS256
// tokens with the claims Cognito issues (two groups, a custom attribute).
// Run: go test -run '^$' -bench Verify -benchmem ./internal/token/
func BenchmarkVerify(b *testing.B) {
	a, _, _ := keys(b)
	s := newCognitoServer(b, a)
	c := &clock{t: time.Now()}
	v := cognitoVerifier(s, c)
	src := cognitoSource(clientID)
	id, acc := a.sign(b, idClaims(c)), a.sign(b, accessClaims(c))
	if _, err := v.Verify(b.Context(), src, id, acc); err != nil { // warm the cache
		b.Fatal(err)
	}
	for _, bc := range []struct{ name, id, acc string }{
		{"identityToken", id, ""},
		{"accessToken", "", acc},
		{"both", id, acc},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := v.Verify(b.Context(), src, bc.id, bc.acc); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	if n := s.hits.Load(); n != 1 {
		b.Fatalf("key set fetched %d times, want 1 (warm cache)", n)
	}
}
