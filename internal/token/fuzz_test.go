package token_test

import (
	"errors"
	"testing"

	"github.com/vpid-dev/vpid/internal/token"
)

// FuzzVerify feeds arbitrary token strings to both parameters of a Cognito
// and an OpenID Connect source: Verify must never panic, and whatever it
// refuses must be a *token.Error (the key sets are reachable, so no
// KeysUnavailableError). Seeds include valid tokens, so mutations explore
// the parser past the signature.
func FuzzVerify(f *testing.F) {
	a, _, ec := keys(f)
	c := newClock()
	cs, osrv := newCognitoServer(f, a, ec), newOIDCServer(f, a, ec)
	cv, ov := cognitoVerifier(cs, c), oidcVerifier(osrv, c)
	f.Add(a.sign(f, idClaims(c)), "")
	f.Add("", a.sign(f, accessClaims(c)))
	f.Add(a.sign(f, with(oidcClaims(c, osrv.srv.URL), "groups", "a b")), "")
	f.Add(ec.sign(f, oidcClaims(c, osrv.srv.URL)), "x.y.z")
	f.Add("eyJhbGciOiJub25lIn0.e30.", "")
	f.Fuzz(func(t *testing.T, id, acc string) {
		for _, tc := range []struct {
			v    *token.Verifier
			name string
		}{{cv, "cognito"}, {ov, "oidc"}} {
			src := cognitoSource()
			if tc.name == "oidc" {
				src = oidcIDSource(osrv.srv.URL)
			}
			_, err := tc.v.Verify(t.Context(), src, id, acc)
			var te *token.Error
			if err != nil && !errors.As(err, &te) {
				t.Fatalf("%s: Verify(%q, %q) = %v, want nil or a *token.Error", tc.name, id, acc, err)
			}
		}
	})
}
