package token_test

import (
	"testing"
	"time"

	"github.com/vpid-dev/vpid/internal/token"
)

// BenchmarkVerify is Verify with a warm key cache: one Cognito source, RS256
// tokens with the claims Cognito issues (two groups, a custom attribute).
// "repeat" sends the same tokens again, as a client does until they expire
// (the verified-token cache answers the signature); "first" turns that cache
// off, so every call parses and checks the signature.
// Run: go test -run '^$' -bench 'Verify$' -benchmem ./internal/token/
func BenchmarkVerify(b *testing.B) {
	a, _, _ := keys(b)
	s := newCognitoServer(b, a)
	c := &clock{t: time.Now()}
	src := cognitoSource(clientID)
	id, acc := a.sign(b, idClaims(c)), a.sign(b, accessClaims(c))
	for _, mode := range []struct {
		name string
		opts []token.Option
	}{
		{"repeat", nil},
		{"first", []token.Option{token.WithTokenCacheSize(0)}},
	} {
		v := cognitoVerifier(s, c, mode.opts...)
		if _, err := v.Verify(b.Context(), src, id, acc); err != nil { // warm the caches
			b.Fatal(err)
		}
		for _, bc := range []struct{ name, id, acc string }{
			{"identityToken", id, ""},
			{"accessToken", "", acc},
			{"both", id, acc},
		} {
			b.Run(mode.name+"/"+bc.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := v.Verify(b.Context(), src, bc.id, bc.acc); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
	if n := s.hits.Load(); n != 2 {
		b.Fatalf("key set fetched %d times, want once per verifier", n)
	}
}
