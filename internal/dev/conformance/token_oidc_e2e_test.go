package conformance

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	vp "github.com/aws/aws-sdk-go-v2/service/verifiedpermissions"
	"github.com/aws/aws-sdk-go-v2/service/verifiedpermissions/types"
	jose "github.com/go-jose/go-jose/v4"
	"github.com/google/go-cmp/cmp"
)

// TestTokenE2EOpenIDConnect decides on tokens of an OpenID Connect identity
// source through the Go SDK: the test is the issuer (discovery and key set
// served over TLS on loopback), so it signs the tokens itself. Groups in
// every claim format AVP accepts become parents, entityIdPrefix prefixes
// the principal and its groups, an access token's claims are the context;
// then every check fails as a 400 ValidationException naming it.
func TestTokenE2EOpenIDConnect(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	c := s.client("AKIDEXAMPLE")
	ctx := context.Background()
	path := "/idp-" + e2eSuffix(t)
	iss := issuer.URL(path)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	attacker, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	set, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: key.Public(), KeyID: "idp-1", Algorithm: "RS256", Use: "sig"}}})
	issuer.serveKeys(path, set)

	source := func(sel types.OpenIdConnectTokenSelection) string {
		t.Helper()
		ps := apiStore(t, c, nil)
		if _, err := c.CreateIdentitySource(ctx, &vp.CreateIdentitySourceInput{
			PolicyStoreId: aws.String(ps), PrincipalEntityType: aws.String(e2eUser),
			Configuration: &types.ConfigurationMemberOpenIdConnectConfiguration{Value: types.OpenIdConnectConfiguration{
				Issuer: aws.String(iss), EntityIdPrefix: aws.String("MyIdP"), TokenSelection: sel,
				GroupConfiguration: &types.OpenIdConnectGroupConfiguration{GroupClaim: aws.String("groups"), GroupEntityType: aws.String(e2eGroup)},
			}},
		}); err != nil {
			t.Fatalf("CreateIdentitySource: %v", err)
		}
		return ps
	}
	policy := func(ps, stmt string) string {
		t.Helper()
		out, err := c.CreatePolicy(ctx, &vp.CreatePolicyInput{PolicyStoreId: aws.String(ps), Definition: apiStaticDef(stmt)})
		if err != nil {
			t.Fatalf("CreatePolicy: %v", err)
		}
		return aws.ToString(out.PolicyId)
	}
	idStore := source(&types.OpenIdConnectTokenSelectionMemberIdentityTokenOnly{Value: types.OpenIdConnectIdentityTokenConfiguration{
		ClientIds: []string{"app-1"}, PrincipalIdClaim: aws.String("sub"),
	}})
	byGroup := policy(idStore, `permit(principal in MyCorp::UserGroup::"MyIdP|readers", action == MyCorp::Action::"read", resource);`)
	byDept := policy(idStore, `permit(principal, action == MyCorp::Action::"edit", resource) when { principal.dept == "eng" };`)
	accStore := source(&types.OpenIdConnectTokenSelectionMemberAccessTokenOnly{Value: types.OpenIdConnectAccessTokenConfiguration{
		Audiences: []string{"https://api.example.com"}, PrincipalIdClaim: aws.String("sub"),
	}})
	byScope := policy(accStore, `permit(principal, action == MyCorp::Action::"call", resource) when { context.token.scope.contains("docs:read") };`)

	now := time.Now()
	idClaims := func(changes map[string]any) map[string]any {
		return e2eWith(map[string]any{
			"iss": iss, "sub": "user-1", "aud": "app-1", "iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
			"groups": []string{"readers", "other"}, "dept": "eng",
		}, changes)
	}
	accClaims := func(changes map[string]any) map[string]any {
		return e2eWith(map[string]any{
			"iss": iss, "sub": "user-1", "aud": "https://api.example.com", "iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
			"scope": "docs:read docs:write", "groups": "readers",
		}, changes)
	}
	sign := func(claims map[string]any) string { return e2eSign(t, key, "idp-1", claims) }
	principal := e2eUser + `::"MyIdP|user-1"`

	type call struct {
		name       string
		ps         string
		id, access string
		action     string
	}
	in := func(cl call) *vp.IsAuthorizedWithTokenInput {
		i := &vp.IsAuthorizedWithTokenInput{PolicyStoreId: aws.String(cl.ps), Action: e2eAction(cl.action), Resource: e2eResource("doc1")}
		if cl.id != "" {
			i.IdentityToken = aws.String(cl.id)
		}
		if cl.access != "" {
			i.AccessToken = aws.String(cl.access)
		}
		return i
	}
	allow := func(p string) e2eAnswer {
		return e2eAnswer{Decision: "ALLOW", Determining: []string{p}, Principal: principal}
	}
	deny := e2eAnswer{Decision: "DENY", Determining: []string{}, Principal: principal}
	for _, tc := range []struct {
		call
		want e2eAnswer
	}{
		{call{"groups as an array", idStore, sign(idClaims(nil)), "", "read"}, allow(byGroup)},
		{call{"groups as a space-separated string", idStore, sign(idClaims(map[string]any{"groups": "other readers"})), "", "read"}, allow(byGroup)},
		{call{"groups as one string", idStore, sign(idClaims(map[string]any{"groups": "readers"})), "", "read"}, allow(byGroup)},
		{call{"no groups", idStore, sign(idClaims(map[string]any{"groups": nil})), "", "read"}, deny},
		{call{"another group", idStore, sign(idClaims(map[string]any{"groups": []string{"writers"}})), "", "read"}, deny},
		{call{"a claim as attribute", idStore, sign(idClaims(nil)), "", "edit"}, allow(byDept)},
		{call{"another value of it", idStore, sign(idClaims(map[string]any{"dept": "sales"})), "", "edit"}, deny},
		{call{"scope as a set", accStore, "", sign(accClaims(nil)), "call"}, allow(byScope)},
		{call{"a scope without docs:read", accStore, "", sign(accClaims(map[string]any{"scope": "docs:write"})), "call"}, deny},
	} {
		out, err := c.IsAuthorizedWithToken(ctx, in(tc.call))
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if diff := cmp.Diff(tc.want, e2eSDKAnswer(out)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}

	noneTok := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." +
		base64.RawURLEncoding.EncodeToString(mustJSON(t, idClaims(nil))) + ".x"
	for _, tc := range []struct {
		call
		check string
	}{
		{call{"malformed", idStore, "abc.def.ghi", "", "read"}, "malformed"},
		{call{"algorithm none", idStore, noneTok, "", "read"}, "algorithm"},
		{call{"expired", idStore, sign(idClaims(map[string]any{"iat": now.Add(-2 * time.Hour).Unix(), "exp": now.Add(-time.Hour).Unix()})), "", "read"}, "expired"},
		{call{"not yet valid", idStore, sign(idClaims(map[string]any{"nbf": now.Add(time.Hour).Unix()})), "", "read"}, "notYetValid"},
		{call{"wrong signature", idStore, e2eSign(t, attacker, "idp-1", idClaims(nil)), "", "read"}, "signature"},
		{call{"unknown key", idStore, e2eSign(t, attacker, "idp-2", idClaims(nil)), "", "read"}, "unknownKey"},
		{call{"another issuer", idStore, sign(idClaims(map[string]any{"iss": issuer.URL("/tenant-b")})), "", "read"}, "issuer"},
		{call{"another client", idStore, sign(idClaims(map[string]any{"aud": "app-2"})), "", "read"}, "audience"},
		{call{"token_use access in an ID token", idStore, sign(idClaims(map[string]any{"token_use": "access"})), "", "read"}, "tokenUse"},
		{call{"no principal claim", idStore, sign(idClaims(map[string]any{"sub": nil})), "", "read"}, "principal"},
		{call{"an access token for identityTokenOnly", idStore, "", sign(accClaims(nil)), "read"}, "tokenSelection"},
		{call{"an ID token for accessTokenOnly", accStore, sign(idClaims(nil)), "", "call"}, "tokenSelection"},
		{call{"another audience", accStore, "", sign(accClaims(map[string]any{"aud": "https://other.example.com"})), "call"}, "audience"},
	} {
		out, err := c.IsAuthorizedWithToken(ctx, in(tc.call), apiNoRetry)
		if err == nil {
			t.Errorf("%s: answered %s instead of failing", tc.name, out.Decision)
			continue
		}
		e2eRejected(t, tc.name, err, tc.check)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
