package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/google/go-cmp/cmp"

	"github.com/vpid-dev/vpid/internal/app"
	"github.com/vpid-dev/vpid/internal/avp"
	"github.com/vpid-dev/vpid/internal/bus"
	"github.com/vpid-dev/vpid/internal/changes"
	"github.com/vpid-dev/vpid/internal/cognito"
	"github.com/vpid-dev/vpid/internal/config"
	"github.com/vpid-dev/vpid/internal/dev/emulator/emulatortest"
	"github.com/vpid-dev/vpid/internal/store"
)

func TestMain(m *testing.M) { emulatortest.Main(m) }

const (
	testBus   = "vpid-events"
	aliasName = "policy-store-alias/e2e"
	issuerURL = "https://issuer.example.com"
)

// acceptIssuers accepts every OpenID Connect issuer.
type acceptIssuers struct{}

func (acceptIssuers) VerifyIssuer(context.Context, string) error { return nil }

// streamTable creates a vpid table (store.CreateTableInput) with a stream
// of NEW_AND_OLD_IMAGES, deletes it when the test ends and returns its name
// and stream ARN.
func streamTable(t *testing.T, ddb *dynamodb.Client) (table, streamARN string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	table = fmt.Sprintf("test-publisher-%d", time.Now().UnixNano())
	in := store.CreateTableInput(table)
	in.StreamSpecification = &ddbtypes.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: ddbtypes.StreamViewTypeNewAndOldImages}
	out, err := ddb.CreateTable(ctx, in)
	if err != nil {
		t.Fatalf("create table: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := ddb.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(table)}); err != nil {
			t.Errorf("delete table %s: %v", table, err)
		}
	})
	streamARN = aws.ToString(out.TableDescription.LatestStreamArn)
	if streamARN == "" {
		t.Fatal("the table has no stream")
	}
	return table, streamARN
}

// streamsClient is a DynamoDB Streams client for DynamoDB Local, with the
// credentials and region of emulatortest's DynamoDB client (DynamoDB Local
// keeps one database per access key and region).
func streamsClient(t *testing.T) *dynamodbstreams.Client {
	endpoint, _ := emulatortest.Endpoints(t)
	return dynamodbstreams.New(dynamodbstreams.Options{
		Region:       emulatortest.ClientRegion,
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
		BaseEndpoint: aws.String(endpoint),
	})
}

// readStream reads every record of the stream from its start, in sequence
// order, in the form Lambda delivers them.
func readStream(t *testing.T, streamARN string) []events.DynamoDBEventRecord {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := streamsClient(t)
	var shards []streamtypes.Shard
	for start := (*string)(nil); ; {
		out, err := c.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(streamARN), ExclusiveStartShardId: start})
		if err != nil {
			t.Fatalf("describe stream: %v", err)
		}
		shards = append(shards, out.StreamDescription.Shards...)
		if start = out.StreamDescription.LastEvaluatedShardId; start == nil {
			break
		}
	}
	if len(shards) == 0 {
		t.Fatal("the stream has no shards")
	}
	var recs []events.DynamoDBEventRecord
	for _, sh := range shards {
		it, err := c.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{
			StreamArn: aws.String(streamARN), ShardId: sh.ShardId, ShardIteratorType: streamtypes.ShardIteratorTypeTrimHorizon,
		})
		if err != nil {
			t.Fatalf("shard iterator of %s: %v", aws.ToString(sh.ShardId), err)
		}
		for iter := it.ShardIterator; iter != nil; {
			out, err := c.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: iter})
			if err != nil {
				t.Fatalf("get records: %v", err)
			}
			if len(out.Records) == 0 {
				break // DynamoDB Local writes the stream synchronously: empty is the end
			}
			for _, r := range out.Records {
				rec, err := changes.FromStreamsRecord(streamARN, r)
				if err != nil {
					t.Fatal(err)
				}
				recs = append(recs, rec)
			}
			iter = out.NextShardIterator
		}
	}
	slices.SortStableFunc(recs, func(a, b events.DynamoDBEventRecord) int {
		x, _ := new(big.Int).SetString(a.Change.SequenceNumber, 10)
		y, _ := new(big.Int).SetString(b.Change.SequenceNumber, 10)
		return x.Cmp(y)
	})
	return recs
}

// scenario is what the test did through the service.
type scenario struct {
	account, storeID, storeARN string
	firstSource, secondSource  string
	isUpdated, psUpdated       avp.Timestamp // lastUpdatedDate of the first updates
}

// runScenario drives the service through every kind of change, and through
// writes that must yield no event (tokens, aliases, the store's slot, the
// page-token key, a refused delete).
func runScenario(t *testing.T, svc *avp.Service) scenario {
	t.Helper()
	ctx := context.Background()
	acct := emulatortest.SeedAccount
	sc := scenario{account: acct}
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}

	ps, err := svc.CreatePolicyStore(ctx, acct, &avp.CreatePolicyStoreInput{
		ClientToken:        aws.String("store-token"),
		ValidationSettings: &avp.ValidationSettings{Mode: avp.ValidationModeOff},
		Description:        aws.String("first"),
	})
	must("CreatePolicyStore", err)
	sc.storeID, sc.storeARN = ps.PolicyStoreID, ps.ARN

	_, err = svc.CreatePolicyStoreAlias(ctx, acct, &avp.CreatePolicyStoreAliasInput{AliasName: aliasName, PolicyStoreID: sc.storeID})
	must("CreatePolicyStoreAlias", err)
	_, err = svc.ListPolicyStores(ctx, acct, &avp.ListPolicyStoresInput{MaxResults: aws.Int(1)})
	must("ListPolicyStores", err)

	is, err := svc.CreateIdentitySource(ctx, acct, &avp.CreateIdentitySourceInput{
		ClientToken:   aws.String("source-token"),
		PolicyStoreID: aliasName,
		Configuration: &avp.ConfigurationUnion{CognitoUserPoolConfiguration: &avp.CognitoUserPoolConfiguration{
			UserPoolARN: emulatortest.SeedPoolARN, ClientIDs: []string{emulatortest.SeedClientID},
		}},
	})
	must("CreateIdentitySource", err)
	sc.firstSource = is.IdentitySourceID

	upd, err := svc.UpdateIdentitySource(ctx, acct, &avp.UpdateIdentitySourceInput{
		PolicyStoreID: sc.storeID, IdentitySourceID: sc.firstSource,
		UpdateConfiguration: &avp.ConfigurationUnion{CognitoUserPoolConfiguration: &avp.CognitoUserPoolConfiguration{
			UserPoolARN: emulatortest.SeedPoolARN, ClientIDs: []string{emulatortest.SeedClientID},
			GroupConfiguration: &avp.CognitoGroupConfiguration{GroupEntityType: "MyApp::Group"},
		}},
		PrincipalEntityType: aws.String("MyApp::User"),
	})
	must("UpdateIdentitySource", err)
	sc.isUpdated = upd.LastUpdatedDate

	_, err = svc.DeleteIdentitySource(ctx, acct, &avp.DeleteIdentitySourceInput{PolicyStoreID: sc.storeID, IdentitySourceID: sc.firstSource})
	must("DeleteIdentitySource", err)

	pu, err := svc.UpdatePolicyStore(ctx, acct, &avp.UpdatePolicyStoreInput{
		PolicyStoreID: sc.storeID, ValidationSettings: &avp.ValidationSettings{Mode: avp.ValidationModeStrict},
		DeletionProtection: aws.String(avp.DeletionProtectionEnabled), Description: aws.String("second"),
	})
	must("UpdatePolicyStore", err)
	sc.psUpdated = pu.LastUpdatedDate

	if _, err := svc.DeletePolicyStore(ctx, acct, &avp.DeletePolicyStoreInput{PolicyStoreID: sc.storeID}); err == nil {
		t.Fatal("DeletePolicyStore of a protected store succeeded")
	}
	_, err = svc.UpdatePolicyStore(ctx, acct, &avp.UpdatePolicyStoreInput{
		PolicyStoreID: sc.storeID, ValidationSettings: &avp.ValidationSettings{Mode: avp.ValidationModeStrict},
		DeletionProtection: aws.String(avp.DeletionProtectionDisabled), Description: aws.String(""),
	})
	must("UpdatePolicyStore (unprotect)", err)

	is2, err := svc.CreateIdentitySource(ctx, acct, &avp.CreateIdentitySourceInput{
		PolicyStoreID: sc.storeID,
		Configuration: &avp.ConfigurationUnion{OpenIDConnectConfiguration: &avp.OpenIDConnectConfiguration{
			Issuer: issuerURL, TokenSelection: &avp.TokenSelection{IdentityTokenOnly: &avp.IdentityTokenConfiguration{ClientIDs: []string{"web"}}},
		}},
		PrincipalEntityType: aws.String("MyApp::User"),
	})
	must("CreateIdentitySource (OIDC)", err)
	sc.secondSource = is2.IdentitySourceID

	_, err = svc.DeletePolicyStore(ctx, acct, &avp.DeletePolicyStoreInput{PolicyStoreID: sc.storeID})
	must("DeletePolicyStore", err)
	return sc
}

// eventBridge is a fake EventBridge that records accepted entries; fail
// (optional) makes an entry fail, callErr (optional) a whole call.
type eventBridge struct {
	mu       sync.Mutex
	calls    int
	accepted []ebtypes.PutEventsRequestEntry
	fail     func(e ebtypes.PutEventsRequestEntry) bool
	callErr  func(call int) error
}

func (f *eventBridge) PutEvents(_ context.Context, in *eventbridge.PutEventsInput, _ ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.callErr != nil {
		if err := f.callErr(f.calls); err != nil {
			return nil, err
		}
	}
	out := &eventbridge.PutEventsOutput{}
	for _, e := range in.Entries {
		if f.fail != nil && f.fail(e) {
			out.FailedEntryCount++
			out.Entries = append(out.Entries, ebtypes.PutEventsResultEntry{ErrorCode: aws.String("InternalException"), ErrorMessage: aws.String("try again")})
			continue
		}
		f.accepted = append(f.accepted, e)
		out.Entries = append(out.Entries, ebtypes.PutEventsResultEntry{EventId: aws.String(fmt.Sprintf("eb-%d", len(f.accepted)))})
	}
	return out, nil
}

// published is an accepted event as a subscriber sees it.
type published struct {
	DetailType string
	Detail     map[string]any
	Resources  []string
}

func (f *eventBridge) published(t *testing.T) []published {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []published
	for _, e := range f.accepted {
		if aws.ToString(e.Source) != bus.Source || aws.ToString(e.EventBusName) != testBus {
			t.Errorf("entry with source %q on bus %q", aws.ToString(e.Source), aws.ToString(e.EventBusName))
		}
		p := published{DetailType: aws.ToString(e.DetailType), Resources: e.Resources}
		if err := json.Unmarshal([]byte(aws.ToString(e.Detail)), &p.Detail); err != nil {
			t.Fatalf("detail %q: %v", aws.ToString(e.Detail), err)
		}
		out = append(out, p)
	}
	return out
}

// poll feeds records to the handler as Lambda's stream poller does: batches
// of at most batchSize, each sent as JSON; after a partial batch failure the
// next batch starts at the reported record. It returns the reported
// sequence numbers.
func poll(t *testing.T, h *changes.Handler, recs []events.DynamoDBEventRecord, batchSize int) []string {
	t.Helper()
	var reported []string
	for pos, rounds := 0, 0; pos < len(recs); rounds++ {
		if rounds > 10*len(recs) {
			t.Fatal("the handler makes no progress")
		}
		batch := recs[pos:min(pos+batchSize, len(recs))]
		payload, err := json.Marshal(events.DynamoDBEvent{Records: batch})
		if err != nil {
			t.Fatal(err)
		}
		var ev events.DynamoDBEvent
		if err := json.Unmarshal(payload, &ev); err != nil {
			t.Fatal(err)
		}
		resp, err := h.Handle(context.Background(), ev)
		if err != nil {
			t.Fatalf("Handle: %v (Lambda would retry the whole batch)", err)
		}
		if len(resp.BatchItemFailures) == 0 {
			pos += len(batch)
			continue
		}
		if len(resp.BatchItemFailures) != 1 {
			t.Fatalf("%d batch item failures, want only the first failed record", len(resp.BatchItemFailures))
		}
		id := resp.BatchItemFailures[0].ItemIdentifier
		at := slices.IndexFunc(batch, func(r events.DynamoDBEventRecord) bool { return r.Change.SequenceNumber == id })
		if at < 0 {
			t.Fatalf("reported item %q is no sequence number of the batch", id)
		}
		reported = append(reported, id)
		pos += at
	}
	return reported
}

// setup runs the scenario against DynamoDB Local and cognito-local and
// returns it with the table's stream records.
func setup(t *testing.T) (scenario, []events.DynamoDBEventRecord) {
	t.Helper()
	ddb := emulatortest.DynamoDB(t)
	table, streamARN := streamTable(t, ddb)
	idp := emulatortest.Cognito(t)
	deps := app.Deps{Table: table, DynamoDB: ddb, Cognito: func(string) cognito.API { return idp }, Issuers: acceptIssuers{}}
	sc := runScenario(t, deps.Service())
	return sc, readStream(t, streamARN)
}

func handler(eb *eventBridge) *changes.Handler {
	return changes.New(bus.New(eb, testBus), slog.New(slog.NewTextHandler(io.Discard, nil)))
}

// typesOf counts the stream's records by event name and item type.
func typesOf(recs []events.DynamoDBEventRecord) map[string]int {
	out := map[string]int{}
	for _, r := range recs {
		img := r.Change.NewImage
		if img == nil {
			img = r.Change.OldImage
		}
		typ := "?"
		if raw, err := store.FromStreamImage(img); err == nil {
			if k, err := store.KindOf(raw); err == nil && k != "" {
				typ = string(k)
			}
		}
		out[r.EventName+" "+typ]++
	}
	return out
}

func get(m any, path ...string) any {
	for _, p := range path {
		mm, ok := m.(map[string]any)
		if !ok {
			return nil
		}
		m = mm[p]
	}
	return m
}

func TestEndToEnd(t *testing.T) {
	t.Parallel()
	start := time.Now()
	sc, recs := setup(t)

	// The stream holds the writes that must yield nothing, too (among
	// them the mark that begins the store's deletion).
	wantRaw := map[string]int{
		"INSERT PolicyStore": 1, "MODIFY PolicyStore": 8, "REMOVE PolicyStore": 1,
		"INSERT IdentitySource": 2, "MODIFY IdentitySource": 1, "REMOVE IdentitySource": 2,
		"INSERT IdempotencyToken": 2, "INSERT PolicyStoreAlias": 1, "REMOVE PolicyStoreAlias": 1,
		"INSERT PageTokenKey": 1,
	}
	if diff := cmp.Diff(wantRaw, typesOf(recs)); diff != "" {
		t.Errorf("stream records by kind (-want +got):\n%s", diff)
	}

	eb := &eventBridge{}
	if reported := poll(t, handler(eb), recs, 4); len(reported) != 0 {
		t.Errorf("failures reported: %v", reported)
	}
	got := eb.published(t)

	var types []string
	for _, p := range got {
		types = append(types, p.DetailType)
	}
	want := []string{
		bus.PolicyStoreCreated,
		bus.IdentitySourceCreated, bus.IdentitySourceUpdated, bus.IdentitySourceDeleted,
		bus.PolicyStoreUpdated, bus.PolicyStoreUpdated,
		bus.IdentitySourceCreated,
		bus.IdentitySourceDeleted, bus.PolicyStoreDeleted, // one transaction: the order of two items is not defined
	}
	if len(types) == len(want) {
		slices.Sort(types[len(types)-2:])
		slices.Sort(want[len(want)-2:])
	}
	if diff := cmp.Diff(want, types); diff != "" {
		t.Fatalf("detail-types (-want +got):\n%s", diff)
	}
	slices.SortStableFunc(got[7:], func(a, b published) int { return strings.Compare(a.DetailType, b.DetailType) })

	eventIDs := map[string]bool{}
	for i, p := range got {
		if diff := cmp.Diff([]string{sc.storeARN}, p.Resources); diff != "" {
			t.Errorf("event %d (%s) resources (-want +got):\n%s", i, p.DetailType, diff)
		}
		if get(p.Detail, "account") != sc.account || get(p.Detail, "policyStoreId") != sc.storeID {
			t.Errorf("event %d (%s): account %v, store %v", i, p.DetailType, get(p.Detail, "account"), get(p.Detail, "policyStoreId"))
		}
		id, _ := get(p.Detail, "eventId").(string)
		if id == "" || eventIDs[id] {
			t.Errorf("event %d (%s): eventId %q missing or repeated", i, p.DetailType, id)
		}
		eventIDs[id] = true
		et, _ := get(p.Detail, "eventTime").(string)
		if ts, err := time.Parse(avp.TimeFormat, et); err != nil || ts.Before(start.Add(-time.Minute)) || ts.After(time.Now().Add(time.Minute)) {
			t.Errorf("event %d (%s): eventTime %q: %v", i, p.DetailType, et, err)
		}
	}

	checks := []struct {
		event int
		path  []string
		want  any
	}{
		// PolicyStore Created: the new state only.
		{0, []string{"policyStore", "arn"}, sc.storeARN},
		{0, []string{"policyStore", "validationSettings", "mode"}, "OFF"},
		{0, []string{"policyStore", "description"}, "first"},
		{0, []string{"policyStore", "deletionProtection"}, "DISABLED"},
		{0, []string{"previous"}, nil},
		// IdentitySource Created, through the alias, with AVP's default principal type.
		{1, []string{"identitySourceId"}, sc.firstSource},
		{1, []string{"identitySource", "principalEntityType"}, "AWS::Cognito"},
		{1, []string{"identitySource", "configuration", "cognitoUserPoolConfiguration", "userPoolArn"}, emulatortest.SeedPoolARN},
		{1, []string{"identitySource", "configuration", "cognitoUserPoolConfiguration", "clientIds"}, []any{emulatortest.SeedClientID}},
		{1, []string{"previous"}, nil},
		// IdentitySource Updated: old and new.
		{2, []string{"identitySourceId"}, sc.firstSource},
		{2, []string{"eventTime"}, sc.isUpdated.String()},
		{2, []string{"previous", "principalEntityType"}, "AWS::Cognito"},
		{2, []string{"identitySource", "principalEntityType"}, "MyApp::User"},
		{2, []string{"previous", "configuration", "cognitoUserPoolConfiguration", "groupConfiguration"}, nil},
		{2, []string{"identitySource", "configuration", "cognitoUserPoolConfiguration", "groupConfiguration", "groupEntityType"}, "MyApp::Group"},
		{2, []string{"identitySource", "lastUpdatedDate"}, sc.isUpdated.String()},
		// IdentitySource Deleted: the old state only.
		{3, []string{"identitySourceId"}, sc.firstSource},
		{3, []string{"identitySource"}, nil},
		{3, []string{"previous", "principalEntityType"}, "MyApp::User"},
		// PolicyStore Updated: old and new.
		{4, []string{"eventTime"}, sc.psUpdated.String()},
		{4, []string{"previous", "validationSettings", "mode"}, "OFF"},
		{4, []string{"policyStore", "validationSettings", "mode"}, "STRICT"},
		{4, []string{"previous", "deletionProtection"}, "DISABLED"},
		{4, []string{"policyStore", "deletionProtection"}, "ENABLED"},
		{4, []string{"previous", "description"}, "first"},
		{4, []string{"policyStore", "description"}, "second"},
		{5, []string{"previous", "deletionProtection"}, "ENABLED"},
		{5, []string{"policyStore", "deletionProtection"}, "DISABLED"},
		{5, []string{"policyStore", "description"}, nil},
		// The OpenID Connect source, created and then deleted with its store.
		{6, []string{"identitySourceId"}, sc.secondSource},
		{6, []string{"identitySource", "configuration", "openIdConnectConfiguration", "issuer"}, issuerURL},
		{6, []string{"identitySource", "configuration", "openIdConnectConfiguration", "tokenSelection", "identityTokenOnly", "clientIds"}, []any{"web"}},
		{7, []string{"identitySourceId"}, sc.secondSource},
		{7, []string{"previous", "configuration", "openIdConnectConfiguration", "issuer"}, issuerURL},
		{8, []string{"policyStore"}, nil},
		{8, []string{"previous", "validationSettings", "mode"}, "STRICT"},
		{8, []string{"previous", "arn"}, sc.storeARN},
	}
	for _, c := range checks {
		if diff := cmp.Diff(c.want, get(got[c.event].Detail, c.path...)); diff != "" {
			t.Errorf("event %d (%s) %v (-want +got):\n%s", c.event, got[c.event].DetailType, c.path, diff)
		}
	}
	t.Logf("%d stream records, %d events, in %v", len(recs), len(got), time.Since(start).Round(time.Millisecond))
}

// When EventBridge fails, the handler reports the sequence number of the
// first record whose event was not accepted; retrying from there, as Lambda
// does, publishes everything: at least once, nothing lost, nothing before
// the failed record repeated.
func TestEndToEndPublishFailures(t *testing.T) {
	t.Parallel()
	_, recs := setup(t)

	// The reference run: every event once.
	ref := &eventBridge{}
	poll(t, handler(ref), recs, 100)
	want := ref.published(t)

	var (
		mu     sync.Mutex
		failed = map[string]int{}
	)
	eb := &eventBridge{
		// The identity source's update fails twice, the store's first update
		// once (in the same call as the first failure of the former).
		fail: func(e ebtypes.PutEventsRequestEntry) bool {
			mu.Lock()
			defer mu.Unlock()
			dt := aws.ToString(e.DetailType)
			if dt == bus.IdentitySourceUpdated && failed[dt] < 2 || dt == bus.PolicyStoreUpdated && failed[dt] < 1 {
				failed[dt]++
				return true
			}
			return false
		},
		// And the third call fails as a whole.
		callErr: func(call int) error {
			if call == 3 {
				return fmt.Errorf("connection reset")
			}
			return nil
		},
	}
	reported := poll(t, handler(eb), recs, 100)

	// The record of the identity source's update, reported each time.
	var updSeq string
	for _, r := range recs {
		if ev, ok, err := changes.Decode(r); err == nil && ok && ev.DetailType == bus.IdentitySourceUpdated {
			updSeq = r.Change.SequenceNumber
		}
	}
	if diff := cmp.Diff([]string{updSeq, updSeq, updSeq}, reported); diff != "" {
		t.Errorf("reported sequence numbers (-want +got):\n%s", diff)
	}
	if eb.calls != 4 {
		t.Errorf("%d PutEvents calls, want 4", eb.calls)
	}

	got := eb.published(t)
	// Nothing lost: the last copy of each event, in order, is the reference.
	last := map[string]int{}
	copies := map[string]int{}
	for i, p := range got {
		id := p.Detail["eventId"].(string)
		last[id] = i
		copies[id]++
	}
	var lasts []published
	for i, p := range got {
		if last[p.Detail["eventId"].(string)] == i {
			lasts = append(lasts, p)
		}
	}
	if diff := cmp.Diff(want, lasts); diff != "" {
		t.Errorf("events after retries (-want +got):\n%s", diff)
	}
	// Nothing before the failed record was published again; the update
	// itself, once accepted, only once.
	for _, p := range want[:2] {
		if n := copies[p.Detail["eventId"].(string)]; n != 1 {
			t.Errorf("%s published %d times, want once", p.DetailType, n)
		}
	}
	if n := copies[want[2].Detail["eventId"].(string)]; want[2].DetailType != bus.IdentitySourceUpdated || n != 1 {
		t.Errorf("%s accepted %d times, want once", want[2].DetailType, n)
	}
	t.Logf("%d events published as %d entries after %d failures", len(want), len(got), len(reported))
}

func TestLoadPublisherConfig(t *testing.T) {
	t.Parallel()
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	cfg, err := config.LoadPublisher(env(nil))
	if err != nil || cfg.EventBusName != "default" || cfg.LogLevel != slog.LevelInfo {
		t.Errorf("defaults: %+v, %v", cfg, err)
	}
	cfg, err = config.LoadPublisher(env(map[string]string{config.EnvEventBusName: "vpid", config.EnvLogLevel: "debug"}))
	if err != nil || cfg.EventBusName != "vpid" || cfg.LogLevel != slog.LevelDebug {
		t.Errorf("settings: %+v, %v", cfg, err)
	}
	if _, err := config.LoadPublisher(env(map[string]string{config.EnvLogLevel: "loud"})); err == nil {
		t.Error("LOG_LEVEL=loud accepted")
	}
}
