package drift_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/google/go-cmp/cmp"

	"github.com/vpid-dev/vpid/internal/app"
	"github.com/vpid-dev/vpid/internal/avp"
	"github.com/vpid-dev/vpid/internal/bus"
	"github.com/vpid-dev/vpid/internal/cognito"
	"github.com/vpid-dev/vpid/internal/dev/emulator/emulatortest"
	"github.com/vpid-dev/vpid/internal/drift"
	"github.com/vpid-dev/vpid/internal/oidc"
	"github.com/vpid-dev/vpid/internal/store"
	"github.com/vpid-dev/vpid/internal/store/storetest"
)

func TestMain(m *testing.M) { emulatortest.Main(m) }

// tableItems returns every item of the table, decoded and sorted by key.
func tableItems(t *testing.T, ddb *dynamodb.Client, table string) []map[string]any {
	t.Helper()
	raws := storetest.Scan(t, ddb, table)
	sort.Slice(raws, func(i, j int) bool { return storetest.SortKeyOf(raws[i]) < storetest.SortKeyOf(raws[j]) })
	out := make([]map[string]any, 0, len(raws))
	for _, raw := range raws {
		var m map[string]any
		if err := attributevalue.UnmarshalMap(raw, &m); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

// doomedClient creates an app client in pool that the test deletes itself.
func doomedClient(t *testing.T, c *cip.Client, pool string) string {
	t.Helper()
	out, err := c.CreateUserPoolClient(context.Background(), &cip.CreateUserPoolClientInput{
		UserPoolId: aws.String(pool), ClientName: aws.String("drift-doomed"),
	})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(out.UserPoolClient.ClientId)
	t.Cleanup(func() { // in case the test failed before deleting it
		_, err := c.DeleteUserPoolClient(context.Background(), &cip.DeleteUserPoolClientInput{UserPoolId: aws.String(pool), ClientId: aws.String(id)})
		var nf *ciptypes.ResourceNotFoundException
		if err != nil && !errors.As(err, &nf) {
			t.Errorf("delete app client %s: %v", id, err)
		}
	})
	return id
}

// End to end: identity sources created through the API's own Service on
// DynamoDB Local and cognito-local; then an app client is deleted, an
// issuer stops serving its document, and a pool is gone. The run reports
// exactly those identity sources, with the right paths, and leaves the
// table as it was.
func TestDriftEndToEnd(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ddb := emulatortest.DynamoDB(t)
	table := emulatortest.NewTable(t, ddb)
	cog := emulatortest.Cognito(t)

	var issuerGone atomic.Bool
	var srv *httptest.Server
	srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, _ := strings.CutSuffix(r.URL.Path, "/.well-known/openid-configuration")
		if name == "/leaving" && issuerGone.Load() {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"issuer": srv.URL + name, "jwks_uri": srv.URL + "/jwks"})
	}))
	t.Cleanup(srv.Close)

	deps := app.Deps{
		Table:    table,
		DynamoDB: ddb,
		Cognito:  func(string) cognito.API { return cog },
		Issuers:  oidc.New(oidc.Config{HTTPClient: srv.Client()}),
	}
	svc := deps.Service()
	kept := emulatortest.NewClient(t, emulatortest.SeedPoolID, "drift-kept")
	doomed := doomedClient(t, cog, emulatortest.SeedPoolID)

	create := func(account string, cfg avp.Configuration) (psID, isID string) {
		t.Helper()
		ps, err := svc.CreatePolicyStore(ctx, account, &avp.CreatePolicyStoreInput{ValidationSettings: &avp.ValidationSettings{Mode: "OFF"}})
		if err != nil {
			t.Fatal(err)
		}
		principal := "MyCorp::User"
		is, err := svc.CreateIdentitySource(ctx, account, &avp.CreateIdentitySourceInput{PolicyStoreID: ps.PolicyStoreID, Configuration: avp.WireConfiguration(cfg), PrincipalEntityType: &principal})
		if err != nil {
			t.Fatal(err)
		}
		return ps.PolicyStoreID, is.IdentitySourceID
	}
	pool := func(arn string, clients ...string) avp.Configuration {
		return &avp.CognitoUserPoolConfiguration{UserPoolARN: arn, ClientIDs: clients}
	}
	issuer := func(name string) avp.Configuration {
		return &avp.OpenIDConnectConfiguration{
			Issuer:         srv.URL + "/" + name,
			TokenSelection: &avp.TokenSelection{IdentityTokenOnly: &avp.IdentityTokenConfiguration{ClientIDs: []string{"drift-test-client"}}},
		}
	}
	seed := emulatortest.SeedAccount
	psA, isA := create(seed, pool(emulatortest.SeedPoolARN, emulatortest.SeedClientID, doomed))
	psB, isB := create(seed, pool(emulatortest.SeedPoolARN, doomed, kept))
	create(seed, pool(emulatortest.SeedPoolARN, kept))
	create(seed, pool(emulatortest.SeedPoolARN))
	create(seed, pool(emulatortest.OtherPoolARN, emulatortest.OtherClientID))
	create(emulatortest.AcctOneAccount, pool(emulatortest.AcctOnePoolARN, emulatortest.AcctOneClientID))
	create(seed, issuer("staying"))
	psF, isF := create(seed, issuer("leaving"))

	// A pool deleted since its identity source was created: the item the
	// API wrote back then, written here through the store.
	const gonePool = "us-west-2_DriftGone1"
	psG, err := svc.CreatePolicyStore(ctx, seed, &avp.CreatePolicyStoreInput{ValidationSettings: &avp.ValidationSettings{Mode: "OFF"}})
	if err != nil {
		t.Fatal(err)
	}
	now := avp.NewTimestamp(time.Now())
	isG := avp.NewID()
	if err := store.New(ddb, table).CreateIdentitySource(ctx, seed, avp.IdentitySource{
		PolicyStoreID: psG.PolicyStoreID, IdentitySourceID: isG, PrincipalEntityType: "User", CreatedDate: now, LastUpdatedDate: now,
		Configuration: pool("arn:aws:cognito-idp:us-west-2:"+seed+":userpool/"+gonePool, emulatortest.SeedClientID),
	}, nil); err != nil {
		t.Fatal(err)
	}

	// The world changes under the identity sources.
	if _, err := cog.DeleteUserPoolClient(ctx, &cip.DeleteUserPoolClientInput{UserPoolId: aws.String(emulatortest.SeedPoolID), ClientId: aws.String(doomed)}); err != nil {
		t.Fatal(err)
	}
	issuerGone.Store(true)

	before := tableItems(t, ddb, table)
	eb := &fakeEventBridge{}
	var metrics, logs bytes.Buffer
	checker, err := drift.New(drift.Config{
		Sources:  drift.TableSources(ddb, table),
		Cognito:  deps.Cognito,
		Issuers:  deps.Issuers,
		Events:   bus.New(eb, ""),
		Metrics:  &metrics,
		Logger:   newTestLogger(&logs),
		Segments: 4,
	})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	sum, err := checker.Run(runCtx, drift.Rotation(time.Now(), 4))
	if err != nil {
		t.Fatal(err)
	}

	cp := "configuration.cognitoUserPoolConfiguration"
	want := map[string]drift.Detail{
		isA: {Account: seed, PolicyStoreID: psA, IdentitySourceID: isA, Findings: []drift.Finding{
			{Path: cp + ".clientIds[1]", ProblemError: "app client " + doomed + " no longer exists in user pool " + emulatortest.SeedPoolID},
		}},
		isB: {Account: seed, PolicyStoreID: psB, IdentitySourceID: isB, Findings: []drift.Finding{
			{Path: cp + ".clientIds[0]", ProblemError: "app client " + doomed + " no longer exists in user pool " + emulatortest.SeedPoolID},
		}},
		isF: {Account: seed, PolicyStoreID: psF, IdentitySourceID: isF, Findings: []drift.Finding{
			{Path: "configuration.openIdConnectConfiguration.issuer", ProblemError: "the discovery document " + srv.URL + "/leaving/.well-known/openid-configuration answered HTTP 404"},
		}},
		isG: {Account: seed, PolicyStoreID: psG.PolicyStoreID, IdentitySourceID: isG, Findings: []drift.Finding{
			{Path: cp + ".userPoolArn", ProblemError: "user pool " + gonePool + " no longer exists"},
		}},
	}
	if diff := cmp.Diff(want, eb.details(t)); diff != "" {
		t.Errorf("drift events (-want +got):\n%s\nlogs:\n%s", diff, logs.String())
	}
	if sum.Checked != 9 || sum.Drifted != 4 || sum.Unknown != 0 || !sum.Complete || sum.SegmentsCompleted != 4 {
		t.Errorf("summary %+v", sum)
	}
	// Pools: seed, other, acct-one, gone. Clients: one page of the seed
	// pool's (shared by the two sources that name two ids each), a describe
	// of the one named alone, other's and acct-one's; none of the gone
	// pool's.
	if sum.CognitoCalls != 4+4 {
		t.Errorf("%d Cognito calls, want 8", sum.CognitoCalls)
	}
	if !strings.Contains(metrics.String(), `"DriftedIdentitySources":4`) {
		t.Errorf("metrics %s", metrics.String())
	}
	if diff := cmp.Diff(before, tableItems(t, ddb, table)); diff != "" {
		t.Errorf("the drift check changed the table (-before +after):\n%s", diff)
	}
}

func newTestLogger(w *bytes.Buffer) *slog.Logger { return slog.New(slog.NewJSONHandler(w, nil)) }

// The drift check names policy stores in the partition of its Region, as the
// API does: it is wired from the same app.Deps.
func TestDriftPartition(t *testing.T) {
	t.Parallel()
	ddb := emulatortest.DynamoDB(t)
	cog := emulatortest.Cognito(t)
	for region, partition := range map[string]string{"cn-north-1": "aws-cn", "us-gov-west-1": "aws-us-gov"} {
		t.Run(region, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			deps := app.Deps{
				Table:     emulatortest.NewTable(t, ddb),
				Partition: app.PartitionOf(region),
				DynamoDB:  ddb,
				Cognito:   func(string) cognito.API { return cog },
				Issuers:   oidc.New(oidc.Config{}),
			}
			seed := emulatortest.SeedAccount
			ps, err := deps.Service().CreatePolicyStore(ctx, seed, &avp.CreatePolicyStoreInput{ValidationSettings: &avp.ValidationSettings{Mode: "OFF"}})
			if err != nil {
				t.Fatal(err)
			}
			now := avp.NewTimestamp(time.Now())
			if err := store.New(ddb, deps.Table).CreateIdentitySource(ctx, seed, avp.IdentitySource{
				PolicyStoreID: ps.PolicyStoreID, IdentitySourceID: avp.NewID(), PrincipalEntityType: "User", CreatedDate: now, LastUpdatedDate: now,
				Configuration: &avp.CognitoUserPoolConfiguration{
					UserPoolARN: "arn:" + partition + ":cognito-idp:" + region + ":" + seed + ":userpool/" + region + "_DriftGone1",
					ClientIDs:   []string{emulatortest.SeedClientID},
				},
			}, nil); err != nil {
				t.Fatal(err)
			}

			eb := &fakeEventBridge{}
			cfg := drift.ConfigFor(deps)
			cfg.Events = bus.New(eb, "")
			checker, err := drift.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if sum, err := checker.Run(ctx, 0); err != nil || sum.Drifted != 1 {
				t.Fatalf("Run = %+v, %v; want one drifted identity source", sum, err)
			}
			want := "arn:" + partition + ":verifiedpermissions::" + seed + ":policy-store/" + ps.PolicyStoreID
			if ps.ARN != want {
				t.Errorf("the API made policy store ARN %s, want %s", ps.ARN, want)
			}
			eb.mu.Lock()
			defer eb.mu.Unlock()
			for _, e := range eb.entries {
				if diff := cmp.Diff([]string{want}, e.Resources); diff != "" {
					t.Errorf("event resources (-want +got):\n%s", diff)
				}
			}
		})
	}
}
