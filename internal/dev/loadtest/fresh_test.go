package loadtest

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/vpid-dev/vpid/internal/app"
	"github.com/vpid-dev/vpid/internal/authz"
	"github.com/vpid-dev/vpid/internal/config"
	"github.com/vpid-dev/vpid/internal/dev/apigw"
	"github.com/vpid-dev/vpid/internal/dev/emulator/emulatortest"
)

// freshnessRun drives an in-process API over DynamoDB Local, whose cache
// of compiled policies has the given staleness window, with decision
// traffic only, and returns the freshness invariant's verdict.
func freshnessRun(t *testing.T, staleness time.Duration) (*CheckResult, *FreshnessReport) {
	t.Helper()
	endpoint, _ := emulatortest.Endpoints(t)
	table := emulatortest.NewTable(t, emulatortest.DynamoDB(t))
	awsCfg := aws.Config{Region: emulatortest.ClientRegion, BaseEndpoint: aws.String(endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")}
	deps := app.FromConfig(config.API{TableName: table, DynamoDBTimeout: 10 * time.Second, CognitoTimeout: time.Second, OIDCTimeout: time.Second}, awsCfg)
	deps.DynamoDB = dynamodb.NewFromConfig(awsCfg, app.DynamoDBOptions(10*time.Second), func(o *dynamodb.Options) {
		o.DisableValidateResponseChecksum = true
	})
	deps.Keys = nil
	deps.CacheOptions = []authz.CacheOption{authz.WithMaxStaleness(staleness)}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := httptest.NewServer(apigw.Handler(app.NewAPIHandler(deps.Service(), logger).Handle, logger))
	t.Cleanup(srv.Close)

	res, err := Run(context.Background(), Config{
		Endpoint: srv.URL, Duration: 6 * time.Second, Workers: 6, Seed: 3, DecisionStores: 2, Mix: DecisionMix,
		Accounts: []Account{{ID: "111111111111"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range res.Checks {
		if c.Name == InvWellFormed && !c.OK() {
			t.Fatalf("answers not well formed: %v", c.Examples)
		}
		if c.Name == InvFresh {
			return c, res.Freshness
		}
	}
	t.Fatal("no freshness verdict")
	return nil, nil
}

// TestFreshness: against the API as configured (every decision reads the
// store's version) the freshness invariant holds; with a cache allowed to
// serve sets checked up to 3 s ago it must fail, or the check proves
// nothing.
func TestFreshness(t *testing.T) {
	t.Run("read-your-writes", func(t *testing.T) {
		c, rep := freshnessRun(t, 0)
		t.Logf("%+v", *rep)
		if !c.OK() {
			t.Errorf("%d of %d decisions stale: %v", c.Failed, c.Checked, c.Examples)
		}
		if rep.Exact < 50 || rep.Writes < 5 {
			t.Errorf("too little to check: %+v", *rep)
		}
	})
	t.Run("stale cache", func(t *testing.T) {
		c, rep := freshnessRun(t, 3*time.Second)
		t.Logf("%+v", *rep)
		if c.OK() {
			t.Errorf("a cache 3 s stale passed the freshness check (%d decisions)", c.Checked)
		}
	})
}
