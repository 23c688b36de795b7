package app

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	jose "github.com/go-jose/go-jose/v4"

	"github.com/vpid-dev/vpid/internal/avp"
	"github.com/vpid-dev/vpid/internal/config"
	"github.com/vpid-dev/vpid/internal/token"
)

// TestCognitoEndpoint: the endpoint comes from the very settings the SDK
// points its Cognito client with, and is "" without any.
func TestCognitoEndpoint(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"none", nil, ""},
		{"service", map[string]string{"AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER": "http://127.0.0.1:9229"}, "http://127.0.0.1:9229"},
		{"global", map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:4566"}, "http://127.0.0.1:4566"},
		{"service over global", map[string]string{
			"AWS_ENDPOINT_URL": "http://127.0.0.1:4566", "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER": "http://127.0.0.1:9229",
		}, "http://127.0.0.1:9229"},
		{"another service's", map[string]string{"AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:8000"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, k := range []string{"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER", "AWS_ENDPOINT_URL_DYNAMODB"} {
				t.Setenv(k, tc.env[k])
				if tc.env[k] == "" {
					unsetenv(t, k)
				}
			}
			t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
			t.Setenv("AWS_SHARED_CREDENTIALS_FILE", t.TempDir()+"/none")
			awsCfg, err := awsconfig.LoadDefaultConfig(context.Background(), awsconfig.WithRegion("us-west-2"))
			if err != nil {
				t.Fatal(err)
			}
			if got := CognitoEndpoint(awsCfg); got != tc.want {
				t.Errorf("CognitoEndpoint = %q, want %q", got, tc.want)
			}
			if got := FromConfig(config.API{}, awsCfg).CognitoEndpoint; got != tc.want {
				t.Errorf("FromConfig(...).CognitoEndpoint = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestTokenVerifierCognitoEndpoint: with a Cognito endpoint, the service's
// verifier reads a pool's keys from it and accepts the iss such an emulator
// writes; without one (deployed), the same token fails the issuer check
// before any key is fetched.
func TestTokenVerifierCognitoEndpoint(t *testing.T) {
	t.Parallel()
	const pool = "us-west-2_1a2b3c4d5"
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	fetched := make(chan string, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetched <- r.URL.Path
		if r.URL.Path != "/"+pool+"/.well-known/jwks.json" {
			http.NotFound(w, r)
			return
		}
		_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: key.Public(), KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	}))
	t.Cleanup(srv.Close)

	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "k1"))
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := json.Marshal(map[string]any{
		"iss": srv.URL + "/" + pool, "sub": "u-1", "aud": "client-1", "token_use": "id",
		"exp": time.Now().Add(time.Hour).Unix(), "iat": time.Now().Unix(),
	})
	obj, err := signer.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := obj.CompactSerialize()
	src := avp.IdentitySource{PrincipalEntityType: "MyCorp::User", Configuration: &avp.CognitoUserPoolConfiguration{
		UserPoolARN: "arn:aws:cognito-idp:us-west-2:123456789012:userpool/" + pool, ClientIDs: []string{"client-1"},
	}}

	id, err := Deps{CognitoEndpoint: srv.URL + "/"}.tokenVerifier().Verify(context.Background(), src, tok, "")
	if err != nil {
		t.Fatalf("with the endpoint: %v", err)
	}
	if id.Principal != (avp.EntityIdentifier{EntityType: "MyCorp::User", EntityID: pool + "|u-1"}) {
		t.Errorf("principal %+v", id.Principal)
	}
	if p := <-fetched; p != "/"+pool+"/.well-known/jwks.json" {
		t.Errorf("keys read from %s", p)
	}

	_, err = Deps{}.tokenVerifier().Verify(context.Background(), src, tok, "")
	var te *token.Error
	if !errors.As(err, &te) || te.Check != token.CheckIssuer {
		t.Errorf("without the endpoint: %v, want the issuer check to fail", err)
	}
	if len(fetched) != 0 {
		t.Errorf("keys fetched without the endpoint: %s", <-fetched)
	}
}

// unsetenv removes k for the rest of the test (t.Setenv restores it).
func unsetenv(t *testing.T, k string) {
	t.Helper()
	if err := os.Unsetenv(k); err != nil {
		t.Fatal(err)
	}
}
