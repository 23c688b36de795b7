package loadtest

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	vptypes "github.com/aws/aws-sdk-go-v2/service/verifiedpermissions/types"
	"github.com/go-jose/go-jose/v4"

	"github.com/vpid-dev/vpid/internal/app"
	"github.com/vpid-dev/vpid/internal/authz"
	cognitoapi "github.com/vpid-dev/vpid/internal/cognito"
	"github.com/vpid-dev/vpid/internal/config"
	"github.com/vpid-dev/vpid/internal/dev/apigw"
	"github.com/vpid-dev/vpid/internal/dev/emulator/emulatortest"
	"github.com/vpid-dev/vpid/internal/oidc"
)

// freshnessRun drives an in-process API over DynamoDB Local, whose cache
// of compiled policies has the given staleness window, with decision
// traffic only, and returns the freshness invariant's verdict. The flip
// principal's ID tokens come from an in-process OIDC issuer or, with
// cognito, from a user of account 111111111111's pool in cognito-local
// (whose keys the API reads from cognito-local, as make load's does).
func freshnessRun(t *testing.T, staleness time.Duration, cognito bool) (*CheckResult, *FreshnessReport) {
	t.Helper()
	endpoint, cogEndpoint := emulatortest.Endpoints(t)
	table := emulatortest.NewTable(t, emulatortest.DynamoDB(t))
	awsCfg := aws.Config{Region: emulatortest.ClientRegion, BaseEndpoint: aws.String(endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")}
	deps := app.FromConfig(config.API{TableName: table, DynamoDBTimeout: 10 * time.Second, CognitoTimeout: time.Second, OIDCTimeout: time.Second}, awsCfg)
	deps.DynamoDB = dynamodb.NewFromConfig(awsCfg, app.DynamoDBOptions(10*time.Second), func(o *dynamodb.Options) {
		o.DisableValidateResponseChecksum = true
	})
	deps.Keys = nil
	deps.CacheOptions = []authz.CacheOption{authz.WithMaxStaleness(staleness)}
	account := Account{ID: emulatortest.AcctOneAccount}
	var tokens FlipIdentities
	if cognito {
		idp := emulatortest.Cognito(t)
		deps.Cognito = func(string) cognitoapi.API { return idp }
		deps.CognitoEndpoint = cogEndpoint
		for _, a := range AccountsOf(emulatortest.TestPools()) {
			if a.ID == account.ID {
				account = a
			}
		}
		tokens = CognitoFlipUsers(idp)
	} else {
		issuer := newTestIssuer(t)
		deps.Issuers = oidc.New(oidc.Config{HTTPClient: issuer.srv.Client()})
		tokens = issuer.tokens()
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := httptest.NewServer(apigw.Handler(app.NewAPIHandler(deps.Service(), logger).Handle, logger))
	t.Cleanup(srv.Close)

	res, err := Run(context.Background(), Config{
		Endpoint: srv.URL, Duration: 6 * time.Second, Workers: 6, Seed: 3, DecisionStores: 2, Mix: DecisionMix,
		Accounts: []Account{account}, Tokens: tokens,
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range res.Checks {
		if c.Name == InvWellFormed && !c.OK() {
			t.Fatalf("answers not well formed: %v", c.Examples)
		}
		if c.Name == InvFresh {
			for _, o := range res.Ops {
				if o.Name == "IsAuthorizedWithToken" && o.Codes[CodeOK] == 0 {
					t.Errorf("no IsAuthorizedWithToken answered OK: %v", o.Codes)
				}
			}
			return c, res.Freshness
		}
	}
	t.Fatal("no freshness verdict")
	return nil, nil
}

// TestFreshness: against the API as configured (every decision reads the
// store's version) the freshness invariant holds, for IsAuthorized,
// BatchIsAuthorized and IsAuthorizedWithToken (an OIDC identity source
// whose tokens the test signs, or the Cognito user pool of the account with
// tokens of a user signed in to cognito-local); with a cache allowed to
// serve sets checked up to 3 s ago it must fail, or the check proves
// nothing.
func TestFreshness(t *testing.T) {
	for _, cognito := range []bool{false, true} {
		t.Run(map[bool]string{false: "read-your-writes/oidc", true: "read-your-writes/cognito"}[cognito], func(t *testing.T) {
			testReadYourWrites(t, cognito)
		})
	}
	t.Run("stale cache/cognito", func(t *testing.T) {
		c, rep := freshnessRun(t, 3*time.Second, true)
		t.Logf("%+v", *rep)
		if c.OK() {
			t.Errorf("a cache 3 s stale passed the freshness check (%d decisions)", c.Checked)
		}
		if rep.StaleByOp["IsAuthorizedWithToken"] == 0 {
			t.Errorf("no token decision was reported stale: %v of %v", rep.StaleByOp, rep.ByOp)
		}
	})
}

func testReadYourWrites(t *testing.T, cognito bool) {
	c, rep := freshnessRun(t, 0, cognito)
	t.Logf("%+v", *rep)
	if !c.OK() {
		t.Errorf("%d of %d decisions stale: %v", c.Failed, c.Checked, c.Examples)
	}
	if rep.ByOp["IsAuthorizedWithToken"] == 0 || rep.ByOp["IsAuthorized"] == 0 || rep.ByOp["BatchIsAuthorized"] == 0 {
		t.Errorf("an operation was not checked: %v", rep.ByOp)
	}
	if rep.Exact < 50 || rep.Writes < 5 {
		t.Errorf("too little to check: %+v", *rep)
	}
}

// testIssuer is an OpenID Connect issuer over TLS with one RSA key.
type testIssuer struct {
	srv    *httptest.Server
	signer jose.Signer
}

func newTestIssuer(t *testing.T) *testIssuer {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key, KeyID: "k1", Algorithm: "RS256"}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	ti := &testIssuer{signer: signer}
	jwks := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}}
	ti.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/.well-known/openid-configuration":
			_ = json.NewEncoder(w).Encode(map[string]string{"issuer": ti.srv.URL, "jwks_uri": ti.srv.URL + "/jwks"})
		case "/jwks":
			_ = json.NewEncoder(w).Encode(jwks)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(ti.srv.Close)
	return ti
}

// tokens gives every account an OIDC identity source on ti (principal ID
// claim sub) and an ID token whose sub is flipPrincipal.
func (ti *testIssuer) tokens() FlipIdentities {
	return func(context.Context, Account) (*FlipIdentity, error) {
		tok, err := ti.idToken(flipPrincipal)
		if err != nil {
			return nil, err
		}
		return &FlipIdentity{
			Source: &vptypes.ConfigurationMemberOpenIdConnectConfiguration{Value: vptypes.OpenIdConnectConfiguration{
				Issuer: aws.String(ti.srv.URL),
				TokenSelection: &vptypes.OpenIdConnectTokenSelectionMemberIdentityTokenOnly{Value: vptypes.OpenIdConnectIdentityTokenConfiguration{
					ClientIds: []string{"load-client"}, PrincipalIdClaim: aws.String("sub")}},
			}},
			PrincipalID: flipPrincipal,
			IDToken:     tok,
		}, nil
	}
}

func (ti *testIssuer) idToken(sub string) (string, error) {
	now := time.Now()
	claims, err := json.Marshal(map[string]any{"iss": ti.srv.URL, "sub": sub, "aud": "load-client", "token_use": "id",
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix()})
	if err != nil {
		return "", err
	}
	sig, err := ti.signer.Sign(claims)
	if err != nil {
		return "", err
	}
	return sig.CompactSerialize()
}
