package token_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/cedar-policy/cedar-go/types"

	"github.com/vpid-dev/vpid/internal/avp"
	"github.com/vpid-dev/vpid/internal/token"
)

func ptr[T any](v T) *T { return &v }

func oidcIDSource(issuer string, clientIDs ...string) avp.IdentitySource {
	return avp.IdentitySource{
		PrincipalEntityType: "MyCorp::User",
		Configuration: &avp.OpenIDConnectConfiguration{
			Issuer:             issuer,
			EntityIDPrefix:     ptr("MyOIDCProvider"),
			GroupConfiguration: &avp.OpenIDConnectGroupConfiguration{GroupClaim: "groups", GroupEntityType: "MyCorp::UserGroup"},
			TokenSelection: &avp.TokenSelection{IdentityTokenOnly: &avp.IdentityTokenConfiguration{
				ClientIDs: clientIDs, PrincipalIDClaim: ptr("sub"),
			}},
		},
	}
}

func oidcAccessSource(issuer string, audiences ...string) avp.IdentitySource {
	return avp.IdentitySource{
		PrincipalEntityType: "MyCorp::User",
		Configuration: &avp.OpenIDConnectConfiguration{
			Issuer:             issuer,
			GroupConfiguration: &avp.OpenIDConnectGroupConfiguration{GroupClaim: "groups", GroupEntityType: "MyCorp::UserGroup"},
			TokenSelection: &avp.TokenSelection{AccessTokenOnly: &avp.AccessTokenConfiguration{
				Audiences: audiences, PrincipalIDClaim: ptr("email"),
			}},
		},
	}
}

func oidcClaims(c *clock, issuer string) map[string]any {
	now := c.Now().Unix()
	return map[string]any{
		"iss": issuer, "sub": "user-1", "aud": []string{"web", "mobile"}, "email": "bob@example.com",
		"groups": []string{"Accounting", "Ops"}, "iat": now, "exp": now + 600,
		"address": map[string]any{"country": "NZ", "unit": nil}, "rating": 4.25, "nick": nil,
	}
}

func TestOIDCIdentityToken(t *testing.T) {
	t.Parallel()
	a, _, ec := keys(t)
	s, c := newOIDCServer(t, a, ec), newClock()
	v := oidcVerifier(s, c)
	iss := s.srv.URL
	for _, k := range []signingKey{a, ec} {
		got, err := v.Verify(t.Context(), oidcIDSource(iss, "mobile"), k.sign(t, oidcClaims(c, iss)), "")
		if err != nil {
			t.Fatalf("%s: Verify: %v", k.alg, err)
		}
		if want := (avp.EntityIdentifier{EntityType: "MyCorp::User", EntityID: "MyOIDCProvider|user-1"}); got.Principal != want {
			t.Errorf("Principal = %+v, want %+v", got.Principal, want)
		}
		p := got.Entities[0]
		wantParents := types.NewEntityUIDSet(
			types.NewEntityUID("MyCorp::UserGroup", "MyOIDCProvider|Accounting"),
			types.NewEntityUID("MyCorp::UserGroup", "MyOIDCProvider|Ops"))
		if !p.Parents.Equal(wantParents) || len(got.Entities) != 3 {
			t.Errorf("parents = %v (%d entities), want %v", p.Parents, len(got.Entities), wantParents)
		}
		if _, ok := p.Attributes.Get("groups"); ok {
			t.Error("the groups claim is also an attribute; want parents only")
		}
		d, _ := types.ParseDecimal("4.25")
		for name, want := range map[types.String]types.Value{
			"email":   types.String("bob@example.com"),
			"rating":  d,
			"address": types.NewRecord(types.RecordMap{"country": types.String("NZ")}),
			"aud":     types.NewSet(types.String("web"), types.String("mobile")),
		} {
			if got, ok := p.Attributes.Get(name); !ok || !got.Equal(want) {
				t.Errorf("attribute %s = %v, want %v", name, got, want)
			}
		}
		if _, ok := p.Attributes.Get("nick"); ok {
			t.Error("a null claim became an attribute")
		}
	}
}

func TestOIDCAccessToken(t *testing.T) {
	t.Parallel()
	a, _, _ := keys(t)
	s, c := newOIDCServer(t, a), newClock()
	v := oidcVerifier(s, c)
	iss := s.srv.URL
	claims := with(oidcClaims(c, iss), "aud", nil, "cid", "api-client", "scope", "read write", "groups", "Accounting Ops")
	got, err := v.Verify(t.Context(), oidcAccessSource(iss, "api-client"), "", a.sign(t, claims))
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	// No entityIdPrefix: the claim's value alone, for principal and groups.
	if want := (avp.EntityIdentifier{EntityType: "MyCorp::User", EntityID: "bob@example.com"}); got.Principal != want {
		t.Errorf("Principal = %+v, want %+v", got.Principal, want)
	}
	if want := types.NewEntityUIDSet(types.NewEntityUID("MyCorp::UserGroup", "Accounting"), types.NewEntityUID("MyCorp::UserGroup", "Ops")); !got.Entities[0].Parents.Equal(want) {
		t.Errorf("parents = %v, want %v", got.Entities[0].Parents, want)
	}
	tok, ok := got.Context.Get("token")
	if !ok {
		t.Fatalf("Context = %v, want a token record", got.Context)
	}
	scope, _ := tok.(types.Record).Get("scope")
	if want := types.NewSet(types.String("read"), types.String("write")); scope == nil || !scope.Equal(want) {
		t.Errorf("context.token.scope = %v, want %v", scope, want)
	}
	if _, ok := tok.(types.Record).Get("groups"); ok {
		t.Error("the groups claim is in context.token; want parents only")
	}
}

func TestOIDCGroupClaimFormats(t *testing.T) {
	t.Parallel()
	a, _, _ := keys(t)
	s, c := newOIDCServer(t, a), newClock()
	v := oidcVerifier(s, c)
	iss := s.srv.URL
	for _, tc := range []struct {
		name  string
		claim any
		want  []string
	}{
		{"string", "Admins", []string{"Admins"}},
		{"space separated", "Admins  Ops", []string{"Admins", "Ops"}},
		{"array", []any{"Admins", "Ops", 7, ""}, []string{"Admins", "Ops"}},
		{"absent", nil, nil},
		{"number", 42, nil},
	} {
		got, err := v.Verify(t.Context(), oidcIDSource(iss), a.sign(t, with(oidcClaims(c, iss), "groups", tc.claim)), "")
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var want []types.EntityUID
		for _, g := range tc.want {
			want = append(want, types.NewEntityUID("MyCorp::UserGroup", types.String("MyOIDCProvider|"+g)))
		}
		if p := got.Entities[0].Parents; !p.Equal(types.NewEntityUIDSet(want...)) || len(got.Entities) != 1+len(want) {
			t.Errorf("%s: parents = %v, want %v", tc.name, p, want)
		}
	}
}

func TestOIDCChecks(t *testing.T) {
	t.Parallel()
	a, _, _ := keys(t)
	s, c := newOIDCServer(t, a), newClock()
	v := oidcVerifier(s, c)
	iss := s.srv.URL
	claims := oidcClaims(c, iss)
	idTok := a.sign(t, claims)
	noTS := oidcIDSource(iss)
	noTS.Configuration.(*avp.OpenIDConnectConfiguration).TokenSelection = nil
	customClaim := oidcIDSource(iss)
	customClaim.Configuration.(*avp.OpenIDConnectConfiguration).TokenSelection.IdentityTokenOnly.PrincipalIDClaim = ptr("employee")

	tests := []struct {
		name          string
		src           avp.IdentitySource
		idTok, accTok string
		check         string
	}{
		{"access token to an ID-token source", oidcIDSource(iss), "", idTok, token.CheckTokenSelection},
		{"both tokens to an ID-token source", oidcIDSource(iss), idTok, idTok, token.CheckTokenSelection},
		{"ID token to an access-token source", oidcAccessSource(iss), idTok, "", token.CheckTokenSelection},
		{"other issuer", oidcIDSource(iss), a.sign(t, with(claims, "iss", iss+"/other")), "", token.CheckIssuer},
		{"HS256", oidcIDSource(iss), "eyJhbGciOiJIUzI1NiJ9.e30.c2ln", "", token.CheckAlgorithm},
		{"aud not a client", oidcIDSource(iss, "desktop"), idTok, "", token.CheckAudience},
		{"no aud for a client list", oidcIDSource(iss, "web"), a.sign(t, with(claims, "aud", nil)), "", token.CheckAudience},
		{"aud not an audience", oidcAccessSource(iss, "api"), "", idTok, token.CheckAudience},
		{"aud present wins over client_id", oidcAccessSource(iss, "api"), "", a.sign(t, with(claims, "client_id", "api")), token.CheckAudience},
		{"no aud, cid not an audience", oidcAccessSource(iss, "api"), "", a.sign(t, with(claims, "aud", nil, "cid", "x")), token.CheckAudience},
		{"token_use disagrees", oidcIDSource(iss), a.sign(t, with(claims, "token_use", "access")), "", token.CheckTokenUse},
		{"expired", oidcIDSource(iss), a.sign(t, with(claims, "exp", c.Now().Unix()-3600)), "", token.CheckExpired},
		{"no principal claim", customClaim, idTok, "", token.CheckPrincipal},
		{"principal claim not a string", customClaim, a.sign(t, with(claims, "employee", true)), "", token.CheckPrincipal},
		{"no token selection", noTS, idTok, "", token.CheckIdentitySource},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := v.Verify(t.Context(), tc.src, tc.idTok, tc.accTok)
			var te *token.Error
			if !errors.As(err, &te) || te.Check != tc.check {
				t.Errorf("Verify = %v, want a *token.Error with check %q", err, tc.check)
			}
		})
	}
	// The positive counterparts of the audience rules.
	for name, tc := range map[string]struct {
		src avp.IdentitySource
		tok string
	}{
		"no aud, client_id an audience": {oidcAccessSource(iss, "api"), a.sign(t, with(claims, "aud", nil, "client_id", "api"))},
		"aud an audience":               {oidcAccessSource(iss, "mobile"), idTok},
		"integer principal claim":       {customClaim, a.sign(t, with(claims, "employee", 1234))},
	} {
		idT, accT := tc.tok, ""
		if tc.src.Configuration.(*avp.OpenIDConnectConfiguration).TokenSelection.AccessTokenOnly != nil {
			idT, accT = "", tc.tok
		}
		if _, err := v.Verify(t.Context(), tc.src, idT, accT); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestOIDCKeysUnavailable: a discovery or key set failure is not a token
// error.
func TestOIDCKeysUnavailable(t *testing.T) {
	t.Parallel()
	a, _, _ := keys(t)
	c := newClock()

	down := newOIDCServer(t, a)
	down.setStatus(http.StatusServiceUnavailable)
	iss := down.srv.URL
	_, err := oidcVerifier(down, c).Verify(t.Context(), oidcIDSource(iss), a.sign(t, oidcClaims(c, iss)), "")
	var ku *token.KeysUnavailableError
	if !errors.As(err, &ku) {
		t.Errorf("key set answering 503: %v, want a *KeysUnavailableError", err)
	}

	// The default client refuses a loopback issuer: the address guard is
	// the oidc package's.
	up := newOIDCServer(t, a)
	iss = up.srv.URL
	_, err = token.NewVerifier(token.WithClock(c.Now)).Verify(t.Context(), oidcIDSource(iss), a.sign(t, oidcClaims(c, iss)), "")
	if !errors.As(err, &ku) || !strings.Contains(ku.Reason, "private or loopback") {
		t.Errorf("loopback issuer with the default client: %v, want a *KeysUnavailableError from the address guard", err)
	}
	if up.hits.Load() != 0 {
		t.Errorf("the guarded client reached the loopback key set %d times", up.hits.Load())
	}
}
