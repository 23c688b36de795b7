package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/vpid-dev/vpid/internal/avp"
	"github.com/vpid-dev/vpid/internal/dev/emulator/emulatortest"
	"github.com/vpid-dev/vpid/internal/store"
)

// scanCounter is a ScanAPI that counts Scan requests and remembers their
// inputs.
type scanCounter struct {
	api store.ScanAPI
	mu  sync.Mutex
	ins []dynamodb.ScanInput
}

func (c *scanCounter) Scan(ctx context.Context, in *dynamodb.ScanInput, o ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error) {
	c.mu.Lock()
	c.ins = append(c.ins, *in)
	c.mu.Unlock()
	return c.api.Scan(ctx, in, o...)
}

// scanKey names an identity source across accounts.
func scanKey(account string, is avp.IdentitySource) string {
	return account + "/" + is.PolicyStoreID + "/" + is.IdentitySourceID
}

var scanCmpOpts = cmpopts.IgnoreUnexported(avp.CognitoUserPoolConfiguration{}, avp.TokenSelection{})

// scanTable fills a fresh table with policy stores, identity sources (Cognito
// and OpenID Connect, in three accounts), idempotency records and aliases,
// and returns the identity sources by scanKey.
func scanTable(t *testing.T) (*dynamodb.Client, string, map[string]avp.IdentitySource) {
	t.Helper()
	ctx := context.Background()
	ddb := emulatortest.DynamoDB(t)
	table := emulatortest.NewTable(t, ddb)
	st := store.New(ddb, table)
	want := map[string]avp.IdentitySource{}
	now := avp.NewTimestamp(time.Now())
	accounts := []string{emulatortest.SeedAccount, emulatortest.AcctOneAccount, emulatortest.AcctTwoAccount}
	for i := range 12 {
		account := accounts[i%len(accounts)]
		ps := avp.PolicyStore{
			PolicyStoreID: avp.NewID(), ValidationMode: "OFF", DeletionProtection: "DISABLED",
			Encryption: avp.EncryptionState{Default: &struct{}{}}, CreatedDate: now, LastUpdatedDate: now,
		}
		ps.ARN = avp.PolicyStoreARN("aws", account, ps.PolicyStoreID)
		if err := st.CreatePolicyStore(ctx, account, ps, nil); err != nil {
			t.Fatal(err)
		}
		if i%4 == 3 {
			continue // a store without an identity source
		}
		if err := st.CreateAlias(ctx, account, avp.PolicyStoreAlias{
			AliasName: fmt.Sprintf("policy-store-alias/scan-%d", i), PolicyStoreID: ps.PolicyStoreID,
			ARN: "arn:aws:verifiedpermissions::" + account + ":policy-store-alias/scan", CreatedAt: now,
		}); err != nil {
			t.Fatal(err)
		}
		is := avp.IdentitySource{
			PolicyStoreID: ps.PolicyStoreID, IdentitySourceID: avp.NewID(), PrincipalEntityType: "MyCorp::User",
			CreatedDate: now, LastUpdatedDate: now,
			Configuration: &avp.CognitoUserPoolConfiguration{
				UserPoolARN: emulatortest.SeedPoolARN, ClientIDs: []string{emulatortest.SeedClientID, fmt.Sprintf("client%02d", i)},
			},
		}
		if i%3 == 1 {
			prefix := "MyOIDC"
			is.Configuration = &avp.OpenIDConnectConfiguration{
				Issuer: fmt.Sprintf("https://issuer-%d.example.com", i), EntityIDPrefix: &prefix,
				TokenSelection: &avp.TokenSelection{IdentityTokenOnly: &avp.IdentityTokenConfiguration{ClientIDs: []string{"c1"}}},
			}
		}
		rec := &avp.IdempotencyRecord{
			Operation: avp.OpCreateIdentitySource, Token: fmt.Sprintf("scan-token-%d", i), ParamsHash: "h",
			Response: []byte("{}"), IssuedAt: now.Time, ExpiresAt: now.Add(time.Hour),
		}
		if err := st.CreateIdentitySource(ctx, account, is, rec); err != nil {
			t.Fatal(err)
		}
		want[scanKey(account, is)] = is
	}
	return ddb, table, want
}

func TestScanIdentitySources(t *testing.T) {
	t.Parallel()
	ddb, table, want := scanTable(t)
	ctx := context.Background()

	t.Run("whole table, small pages", func(t *testing.T) {
		api := &scanCounter{api: ddb}
		got := map[string]avp.IdentitySource{}
		err := store.ScanIdentitySourcesWith(ctx, api, table, store.ScanOptions{PageSize: 3}, func(account string, is avp.IdentitySource) error {
			k := scanKey(account, is)
			if _, dup := got[k]; dup {
				t.Errorf("%s returned twice", k)
			}
			got[k] = is
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got, scanCmpOpts); diff != "" {
			t.Errorf("identity sources (-want +got):\n%s", diff)
		}
		if len(api.ins) < 2 {
			t.Errorf("%d Scan requests; the test wants several pages", len(api.ins))
		}
		for _, in := range api.ins {
			if aws.ToBool(in.ConsistentRead) || aws.ToString(in.FilterExpression) != "#t = :is" || in.ProjectionExpression == nil || in.Segment != nil {
				t.Errorf("scan input %+v", in)
			}
		}
	})

	t.Run("default pages", func(t *testing.T) {
		n := 0
		if err := store.ScanIdentitySources(ctx, ddb, table, func(string, avp.IdentitySource) error { n++; return nil }); err != nil {
			t.Fatal(err)
		}
		if n != len(want) {
			t.Errorf("%d identity sources, want %d", n, len(want))
		}
	})

	t.Run("segments partition the table", func(t *testing.T) {
		const total = 4
		got := map[string]avp.IdentitySource{}
		for seg := range total {
			api := &scanCounter{api: ddb}
			err := store.ScanIdentitySourcesWith(ctx, api, table, store.ScanOptions{Segment: seg, TotalSegments: total, PageSize: 2}, func(account string, is avp.IdentitySource) error {
				k := scanKey(account, is)
				if _, dup := got[k]; dup {
					t.Errorf("%s in two segments", k)
				}
				got[k] = is
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			for _, in := range api.ins {
				if aws.ToInt32(in.Segment) != int32(seg) || aws.ToInt32(in.TotalSegments) != total {
					t.Errorf("segment %d: input segment %v of %v", seg, in.Segment, in.TotalSegments)
				}
			}
		}
		if diff := cmp.Diff(want, got, scanCmpOpts); diff != "" {
			t.Errorf("union of segments (-want +got):\n%s", diff)
		}
	})

	t.Run("fn's error stops the scan", func(t *testing.T) {
		stop := errors.New("stop")
		n := 0
		err := store.ScanIdentitySourcesWith(ctx, ddb, table, store.ScanOptions{PageSize: 1}, func(string, avp.IdentitySource) error {
			n++
			if n == 2 {
				return stop
			}
			return nil
		})
		if !errors.Is(err, stop) || n != 2 {
			t.Errorf("err %v after %d calls", err, n)
		}
	})

	t.Run("segment out of range", func(t *testing.T) {
		err := store.ScanIdentitySourcesWith(ctx, ddb, table, store.ScanOptions{Segment: 4, TotalSegments: 4}, func(string, avp.IdentitySource) error { return nil })
		if err == nil {
			t.Error("no error")
		}
	})

	t.Run("missing table is not retryable", func(t *testing.T) {
		err := store.ScanIdentitySources(ctx, ddb, table+"-missing", func(string, avp.IdentitySource) error { return nil })
		if err == nil || errors.Is(err, avp.ErrThrottled) || errors.Is(err, avp.ErrUnavailable) {
			t.Errorf("err = %v", err)
		}
	})
}

func TestScanIdentitySourcesEmptyTable(t *testing.T) {
	t.Parallel()
	ddb := emulatortest.DynamoDB(t)
	table := emulatortest.NewTable(t, ddb)
	var got []string
	err := store.ScanIdentitySources(context.Background(), ddb, table, func(account string, is avp.IdentitySource) error {
		got = append(got, scanKey(account, is))
		return nil
	})
	if err != nil || len(got) != 0 {
		t.Errorf("got %v, %v", got, err)
	}
}
