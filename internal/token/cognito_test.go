package token_test

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cedar-policy/cedar-go/types"
	"github.com/google/go-cmp/cmp"

	"github.com/vpid-dev/vpid/internal/avp"
	"github.com/vpid-dev/vpid/internal/token"
)

func TestCognitoIdentityToken(t *testing.T) {
	t.Parallel()
	a, _, _ := keys(t)
	s, c := newCognitoServer(t, a), newClock()
	v := cognitoVerifier(s, c)

	got, err := v.Verify(t.Context(), cognitoSource(clientID), a.sign(t, idClaims(c)), "")
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	want := avp.EntityIdentifier{EntityType: "MyCorp::User", EntityID: poolID + "|" + userSub}
	if got.Principal != want {
		t.Errorf("Principal = %+v, want %+v", got.Principal, want)
	}
	admins := types.NewEntityUID("MyCorp::UserGroup", poolID+"|admins")
	eng := types.NewEntityUID("MyCorp::UserGroup", poolID+"|eng")
	now := c.Now().Unix()
	wantEntities := []types.Entity{
		{
			UID:     types.NewEntityUID("MyCorp::User", types.String(poolID+"|"+userSub)),
			Parents: types.NewEntityUIDSet(admins, eng),
			Attributes: types.NewRecord(types.RecordMap{
				"sub": types.String(userSub), "aud": types.String(clientID), "iss": types.String(poolIssuer),
				"token_use": types.String("id"), "cognito:username": types.String("alice"),
				"custom:dept": types.String("eng"), "email": types.String("alice@example.com"),
				"email_verified": types.True, "auth_time": types.Long(now), "iat": types.Long(now),
				"exp": types.Long(now + 3600), "jti": types.String("j1"),
				"cognito": types.NewRecord(types.RecordMap{"username": types.String("alice")}),
				"custom":  types.NewRecord(types.RecordMap{"dept": types.String("eng")}),
			}),
		},
		{UID: admins},
		{UID: eng},
	}
	if diff := cmp.Diff(wantEntities, got.Entities, cmpCedar); diff != "" {
		t.Errorf("Entities (-want +got):\n%s", diff)
	}
	if got.Context.Len() != 0 {
		t.Errorf("Context = %v, want an empty record without an access token", got.Context)
	}
}

// cmpCedar compares cedar-go values by their Equal methods.
var cmpCedar = cmp.Options{
	cmp.Comparer(func(a, b types.Record) bool { return a.Equal(b) }),
	cmp.Comparer(func(a, b types.EntityUIDSet) bool { return a.Equal(b) }),
}

func TestCognitoAccessToken(t *testing.T) {
	t.Parallel()
	a, _, _ := keys(t)
	s, c := newCognitoServer(t, a), newClock()
	v := cognitoVerifier(s, c)

	got, err := v.Verify(t.Context(), cognitoSource(clientID), "", a.sign(t, accessClaims(c)))
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if got.Principal.EntityID != poolID+"|"+userSub {
		t.Errorf("Principal = %+v", got.Principal)
	}
	if n := got.Entities[0].Attributes.Len(); n != 0 {
		t.Errorf("principal has %d attributes from an access token, want none", n)
	}
	if got.Entities[0].Parents.Len() != 2 {
		t.Errorf("principal parents = %v, want the 2 groups", got.Entities[0].Parents)
	}
	now := c.Now().Unix()
	want := types.NewRecord(types.RecordMap{"token": types.NewRecord(types.RecordMap{
		"sub": types.String(userSub), "client_id": types.String(clientID), "iss": types.String(poolIssuer),
		"token_use": types.String("access"),
		"scope":     types.NewSet(types.String("aws.cognito.signin.user.admin"), types.String("MyAPI/read")),
		"username":  types.String("alice"), "auth_time": types.Long(now), "iat": types.Long(now),
		"exp": types.Long(now + 3600), "jti": types.String("j2"),
	})})
	if !got.Context.Equal(want) {
		t.Errorf("Context = %v\nwant %v", got.Context, want)
	}
}

func TestCognitoBothTokens(t *testing.T) {
	t.Parallel()
	a, _, _ := keys(t)
	s, c := newCognitoServer(t, a), newClock()
	v := cognitoVerifier(s, c)
	id := a.sign(t, with(idClaims(c), "cognito:groups", []string{"eng"}))
	got, err := v.Verify(t.Context(), cognitoSource(), id, a.sign(t, accessClaims(c)))
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if got.Entities[0].Attributes.Len() == 0 || got.Context.Len() != 1 {
		t.Errorf("want attributes from the ID token and context from the access token, got %v / %v", got.Entities[0].Attributes, got.Context)
	}
	// The ID token's groups count.
	if want := types.NewEntityUIDSet(types.NewEntityUID("MyCorp::UserGroup", poolID+"|eng")); !got.Entities[0].Parents.Equal(want) {
		t.Errorf("parents = %v, want %v", got.Entities[0].Parents, want)
	}
}

func TestCognitoDefaults(t *testing.T) {
	t.Parallel()
	a, _, _ := keys(t)
	s, c := newCognitoServer(t, a), newClock()
	v := cognitoVerifier(s, c)
	src := avp.IdentitySource{Configuration: &avp.CognitoUserPoolConfiguration{UserPoolARN: poolARN}}
	got, err := v.Verify(t.Context(), src, a.sign(t, with(idClaims(c), "aud", "any-client")), "")
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if got.Principal.EntityType != "AWS::Cognito" {
		t.Errorf("principal type = %q, want AWS::Cognito", got.Principal.EntityType)
	}
	if typ := got.Entities[1].UID.Type; typ != "AWS::CognitoGroup" {
		t.Errorf("group type = %q, want AWS::CognitoGroup", typ)
	}
}

// TestCognitoChecks feeds tokens that each fail one check.
func TestCognitoChecks(t *testing.T) {
	t.Parallel()
	a, b, ec := keys(t)
	s, c := newCognitoServer(t, a), newClock()
	v := cognitoVerifier(s, c)
	id, acc := idClaims(c), accessClaims(c)
	now := c.Now().Unix()
	b64 := base64.RawURLEncoding.EncodeToString
	good := a.sign(t, id)
	parts := strings.Split(good, ".")

	tests := []struct {
		name      string
		src       avp.IdentitySource
		idTok     string
		accTok    string
		check     string
		inMessage string
	}{
		{name: "no token", check: token.CheckMissingToken},
		{name: "garbage", idTok: "not a token", check: token.CheckMalformed, inMessage: "identityToken"},
		{name: "two parts", idTok: parts[0] + "." + parts[1], check: token.CheckMalformed},
		{name: "claims not an object", idTok: a.sign(t, nil), check: token.CheckMalformed},
		{name: "claims not JSON", idTok: parts[0] + "." + b64([]byte("{")) + "." + parts[2], check: token.CheckMalformed},
		{name: "too long", idTok: strings.Repeat("a", token.MaxTokenLength+1), check: token.CheckMalformed},
		{name: "alg none", idTok: b64([]byte(`{"alg":"none","kid":"key-a"}`)) + "." + parts[1] + ".", check: token.CheckAlgorithm, inMessage: `"none"`},
		{name: "alg HS256", idTok: b64([]byte(`{"alg":"HS256","kid":"key-a"}`)) + "." + parts[1] + "." + parts[2], check: token.CheckAlgorithm},
		{name: "ES256 for Cognito", idTok: ec.sign(t, id), check: token.CheckAlgorithm},
		{name: "unknown kid", idTok: a.withKid("made-up").sign(t, id), check: token.CheckUnknownKey, inMessage: "made-up"},
		{name: "other key under known kid", idTok: b.withKid("key-a").sign(t, id), check: token.CheckSignature},
		{name: "tampered claims", idTok: parts[0] + "." + b64([]byte(`{"sub":"x","iss":"`+poolIssuer+`"}`)) + "." + parts[2], check: token.CheckSignature},
		{name: "other pool", idTok: a.sign(t, with(id, "iss", "https://cognito-idp.us-west-2.amazonaws.com/us-west-2_OtherPool1")), check: token.CheckIssuer},
		{name: "no iss", idTok: a.sign(t, with(id, "iss", nil)), check: token.CheckIssuer},
		{name: "expired", idTok: a.sign(t, with(id, "exp", now-31)), check: token.CheckExpired, inMessage: "expired at"},
		{name: "no exp", idTok: a.sign(t, with(id, "exp", nil)), check: token.CheckExpired},
		{name: "exp not a number", idTok: a.sign(t, with(id, "exp", "tomorrow")), check: token.CheckExpired},
		{name: "not yet valid", idTok: a.sign(t, with(id, "nbf", now+31)), check: token.CheckNotYetValid},
		{name: "access token as identityToken", idTok: a.sign(t, acc), check: token.CheckTokenUse, inMessage: `"access"`},
		{name: "ID token as accessToken", accTok: good, check: token.CheckTokenUse},
		{name: "no token_use", idTok: a.sign(t, with(id, "token_use", nil)), check: token.CheckTokenUse},
		{name: "aud not a client", src: cognitoSource("otherclient"), idTok: good, check: token.CheckAudience, inMessage: "aud"},
		{name: "client_id not a client", src: cognitoSource("otherclient"), accTok: a.sign(t, acc), check: token.CheckAudience, inMessage: "client_id"},
		{name: "access token with aud only", src: cognitoSource(clientID), accTok: a.sign(t, with(acc, "client_id", nil, "aud", clientID)), check: token.CheckAudience},
		{name: "no sub", idTok: a.sign(t, with(id, "sub", nil)), check: token.CheckPrincipal},
		{name: "different users", idTok: good, accTok: a.sign(t, with(acc, "sub", "someone-else")), check: token.CheckSameSubject},
		{name: "reserved claim custom", idTok: a.sign(t, with(id, "custom", "x")), check: token.CheckClaims},
		{name: "reserved claim dev", idTok: a.sign(t, with(id, "dev", map[string]any{"a": 1})), check: token.CheckClaims},
		{name: "no configuration", src: avp.IdentitySource{}, idTok: good, check: token.CheckIdentitySource},
		{name: "bad pool ARN", src: avp.IdentitySource{Configuration: &avp.CognitoUserPoolConfiguration{UserPoolARN: "nope"}}, idTok: good, check: token.CheckIdentitySource},
		{name: "bad principal type", src: avp.IdentitySource{PrincipalEntityType: "1bad", Configuration: &avp.CognitoUserPoolConfiguration{UserPoolARN: poolARN}}, idTok: good, check: token.CheckIdentitySource},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			src := tc.src
			if src.Configuration == nil && tc.name != "no configuration" {
				src = cognitoSource()
			}
			_, err := v.Verify(t.Context(), src, tc.idTok, tc.accTok)
			var te *token.Error
			if !errors.As(err, &te) {
				t.Fatalf("Verify = %v, want a *token.Error", err)
			}
			if te.Check != tc.check {
				t.Errorf("Check = %q (%s), want %q", te.Check, te.Message, tc.check)
			}
			if !strings.Contains(te.Message, tc.inMessage) {
				t.Errorf("Message = %q, want it to mention %q", te.Message, tc.inMessage)
			}
			for _, secret := range []string{tc.idTok, tc.accTok} {
				if len(secret) > 20 && strings.Contains(te.Message, secret[:20]) {
					t.Errorf("Message %q repeats the token", te.Message)
				}
			}
		})
	}
}

func TestCognitoLeeway(t *testing.T) {
	t.Parallel()
	a, _, _ := keys(t)
	s, c := newCognitoServer(t, a), newClock()
	now := c.Now().Unix()
	tok := a.sign(t, with(idClaims(c), "exp", now-20, "nbf", now+20))
	if _, err := cognitoVerifier(s, c).Verify(t.Context(), cognitoSource(), tok, ""); err != nil {
		t.Errorf("within the default leeway: %v", err)
	}
	_, err := cognitoVerifier(s, c, token.WithLeeway(10*time.Second)).Verify(t.Context(), cognitoSource(), tok, "")
	var te *token.Error
	if !errors.As(err, &te) || te.Check != token.CheckExpired {
		t.Errorf("beyond a 10s leeway: %v, want expired", err)
	}
}

// TestCognitoIssuerHost: with a Cognito endpoint set, an iss naming the
// local emulator's host and the pool passes; without, only AWS's issuer.
func TestCognitoIssuerHost(t *testing.T) {
	t.Parallel()
	a, _, _ := keys(t)
	s, c := newCognitoServer(t, a), newClock()
	local := a.sign(t, with(idClaims(c), "iss", "http://127.0.0.1:9229/"+poolID))
	if _, err := cognitoVerifier(s, c).Verify(t.Context(), cognitoSource(), local, ""); err != nil {
		t.Errorf("local issuer with an endpoint set: %v", err)
	}
	for _, iss := range []string{"http://127.0.0.1:9229/" + poolID + "/x", "http://127.0.0.1:9229/other_pool", "/" + poolID} {
		_, err := cognitoVerifier(s, c).Verify(t.Context(), cognitoSource(), a.sign(t, with(idClaims(c), "iss", iss)), "")
		var te *token.Error
		if !errors.As(err, &te) || te.Check != token.CheckIssuer {
			t.Errorf("iss %q: %v, want issuer", iss, err)
		}
	}
	// Without an endpoint only AWS's issuer passes, checked before any
	// key is fetched (this verifier could reach none).
	for _, iss := range []string{"http://127.0.0.1:9229/" + poolID, "https://cognito-idp.us-east-1.amazonaws.com/" + poolID} {
		_, err := token.NewVerifier(token.WithClock(c.Now)).Verify(t.Context(), cognitoSource(), a.sign(t, with(idClaims(c), "iss", iss)), "")
		var te *token.Error
		if !errors.As(err, &te) || te.Check != token.CheckIssuer {
			t.Errorf("iss %q without an endpoint: %v, want issuer", iss, err)
		}
	}
}

// TestNoKid: a token without kid verifies only when the key set has exactly
// one key fit for its algorithm.
func TestNoKid(t *testing.T) {
	t.Parallel()
	a, b, _ := keys(t)
	c := newClock()
	tok := a.withKid("").sign(t, idClaims(c))
	one := newCognitoServer(t, a)
	if _, err := cognitoVerifier(one, c).Verify(t.Context(), cognitoSource(), tok, ""); err != nil {
		t.Errorf("one key: %v", err)
	}
	two := newCognitoServer(t, a, b)
	_, err := cognitoVerifier(two, c).Verify(t.Context(), cognitoSource(), tok, "")
	var te *token.Error
	if !errors.As(err, &te) || te.Check != token.CheckUnknownKey {
		t.Errorf("two keys: %v, want unknownKey", err)
	}
}
