package conformance

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	vp "github.com/aws/aws-sdk-go-v2/service/verifiedpermissions"

	"github.com/vpid-dev/vpid/internal/app"
	"github.com/vpid-dev/vpid/internal/avp"
	"github.com/vpid-dev/vpid/internal/awsjson"
	"github.com/vpid-dev/vpid/internal/cognito"
	"github.com/vpid-dev/vpid/internal/dev/apigw"
	"github.com/vpid-dev/vpid/internal/dev/emulator/emulatortest"
	"github.com/vpid-dev/vpid/internal/dev/localtable"
	"github.com/vpid-dev/vpid/internal/oidc"
	"github.com/vpid-dev/vpid/internal/store/storetest"
)

func TestMain(m *testing.M) { emulatortest.Main(m) }

// SeedPolicyStoreID is the policy store of the AWS CLI reference's example,
// seeded into every test table.
const SeedPolicyStoreID = "PSEXAMPLEabcdefg111111"

// stack is the API function's whole object graph over the local emulators,
// in a fresh table, served over HTTP the way `make run` serves it.
type stack struct {
	URL     string
	Table   string
	DDB     *dynamodb.Client
	Handler *awsjson.Handler
}

func newStack(t *testing.T, opts ...avp.Option) *stack {
	t.Helper()
	return newStackSeededAt(t, time.Now(), opts...)
}

// newStackSeededAt is newStack with the seeded store created at seeded.
func newStackSeededAt(t *testing.T, seeded time.Time, opts ...avp.Option) *stack {
	t.Helper()
	ddb := emulatortest.DynamoDB(t)
	table := emulatortest.NewTable(t, ddb)
	if err := localtable.SeedPolicyStore(context.Background(), ddb, table, emulatortest.SeedAccount, SeedPolicyStoreID, seeded); err != nil {
		t.Fatal(err)
	}
	_, cogEndpoint := emulatortest.Endpoints(t)
	idp := emulatortest.NewCognitoClient(cogEndpoint)
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	// Tokens are verified against cognito-local's keys, as make run does.
	deps := app.Deps{Table: table, Region: "us-west-2", DynamoDB: ddb, Cognito: func(string) cognito.API { return idp }, Issuers: issuer.verifier(),
		CognitoEndpoint: cogEndpoint}
	h := app.NewAPIHandler(deps.Service(opts...), logger)
	srv := httptest.NewServer(apigw.Handler(h.Handle, logger))
	t.Cleanup(srv.Close)
	return &stack{URL: srv.URL, Table: table, DDB: ddb, Handler: h}
}

// client is the Go SDK's Verified Permissions client pointed at the stack;
// keyID is the access key id, which the local gateway reads as the account
// when it has 12 digits.
func (s *stack) client(keyID string) *vp.Client {
	return vp.New(vp.Options{
		BaseEndpoint: aws.String(s.URL),
		Region:       "us-west-2",
		Credentials:  credentials.NewStaticCredentialsProvider(keyID, "secret", ""),
	})
}

// issuer is an OpenID Connect issuer served over TLS on loopback for the
// tests: its root and /tenant-b serve discovery documents, /missing serves
// none; a path given key sets (serveKeys) serves them at its jwks_uri. The
// Service reaches it through a client that trusts its certificate;
// production builds the guarded default client instead.
var issuer testIssuer

type testIssuer struct {
	once sync.Once
	srv  *httptest.Server
	keys sync.Map // issuer path -> JSON key set
}

// serveKeys makes the issuer at path serve keySet (JSON) at its jwks_uri.
func (i *testIssuer) serveKeys(path string, keySet []byte) { i.keys.Store(path, keySet) }

func (i *testIssuer) URL(path string) string {
	i.once.Do(func() {
		i.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if base, ok := strings.CutSuffix(r.URL.Path, "/.well-known/jwks.json"); ok {
				if set, ok := i.keys.Load(base); ok {
					w.Header().Set("Content-Type", "application/json")
					_, _ = w.Write(set.([]byte))
					return
				}
			}
			base, ok := strings.CutSuffix(r.URL.Path, "/.well-known/openid-configuration")
			if !ok || base == "/missing" {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(map[string]string{
				"issuer":   i.srv.URL + base,
				"jwks_uri": i.srv.URL + base + "/.well-known/jwks.json",
			})
		}))
	})
	return i.srv.URL + path
}

func (i *testIssuer) verifier() avp.IssuerVerifier {
	i.URL("")
	return oidc.New(oidc.Config{HTTPClient: i.srv.Client(), Timeout: 2 * time.Second})
}

// scanTable reads every item of a table, strongly consistent, sorted by key.
func scanTable(t *testing.T, ddb *dynamodb.Client, table string) []map[string]any {
	t.Helper()
	raws := storetest.Scan(t, ddb, table)
	slices.SortFunc(raws, func(a, b storetest.Raw) int { return strings.Compare(storetest.SortKeyOf(a), storetest.SortKeyOf(b)) })
	var items []map[string]any
	if err := attributevalue.UnmarshalListOfMaps(raws, &items); err != nil {
		t.Fatal(err)
	}
	return items
}
