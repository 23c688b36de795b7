package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/smithy-go/logging"

	"github.com/vpid-dev/vpid/internal/app"
	"github.com/vpid-dev/vpid/internal/avp"
	"github.com/vpid-dev/vpid/internal/config"
	"github.com/vpid-dev/vpid/internal/dev/emulator/emulatortest"
	"github.com/vpid-dev/vpid/internal/dev/localtable"
	"github.com/vpid-dev/vpid/internal/store"
)

func TestMain(m *testing.M) { emulatortest.Main(m) }

// TestNoChecksumWarnings: a ServiceQuotaExceeded answer (a cancelled
// transaction, HTTP 400 from DynamoDB Local) leaves no SDK warning in the
// local API's log. With the SDK's defaults (app.FromConfig, as deployed) it
// does, against DynamoDB Local: that is the cause localDeps removes.
func TestNoChecksumWarnings(t *testing.T) {
	ddbEndpoint, _ := emulatortest.Endpoints(t)
	table := emulatortest.NewTable(t, emulatortest.DynamoDB(t))
	cfg := config.API{TableName: table, DynamoDBTimeout: 3 * time.Second, CognitoTimeout: 3 * time.Second, OIDCTimeout: 3 * time.Second}
	run := func(t *testing.T, account string, deps func(aws.Config) app.Deps) string {
		t.Helper()
		var log bytes.Buffer
		d := deps(aws.Config{
			Region:       emulatortest.ClientRegion,
			Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
			BaseEndpoint: aws.String(ddbEndpoint),
			Logger:       logging.NewStandardLogger(&log),
		})
		ctx := context.Background()
		const ps = "PSEXAMPLEabcdefg111111"
		if err := localtable.SeedPolicyStore(ctx, d.DynamoDB, table, account, ps, time.Now()); err != nil {
			t.Fatal(err)
		}
		st := store.New(d.DynamoDB, table)
		now := avp.NewTimestamp(time.Now())
		is := avp.IdentitySource{PolicyStoreID: ps, PrincipalEntityType: "User", CreatedDate: now, LastUpdatedDate: now,
			Configuration: &avp.CognitoUserPoolConfiguration{UserPoolARN: emulatortest.SeedPoolARN}}
		for i := range 2 {
			is.IdentitySourceID = avp.NewID()
			if err := st.CreateIdentitySource(ctx, account, is, nil); i == 1 && !errors.Is(err, avp.ErrQuotaExceeded) {
				t.Fatalf("second identity source: %v", err)
			}
		}
		return log.String()
	}
	const warning = "response did not match expected checksum"
	if got := run(t, "444444444441", func(c aws.Config) app.Deps { return app.FromConfig(cfg, c) }); !strings.Contains(got, warning) {
		t.Logf("the SDK's defaults no longer warn against DynamoDB Local (log %q); localDeps' workaround may go", got)
	}
	if got := run(t, "444444444442", func(c aws.Config) app.Deps { return localDeps(cfg, c, func(string) string { return "" }) }); strings.Contains(got, warning) || strings.Contains(got, "WARN") {
		t.Errorf("the local API's log has SDK warnings:\n%s", got)
	}
}
