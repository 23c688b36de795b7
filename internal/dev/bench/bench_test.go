package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	vp "github.com/aws/aws-sdk-go-v2/service/verifiedpermissions"
	"github.com/aws/aws-sdk-go-v2/service/verifiedpermissions/types"
	"github.com/google/uuid"

	"github.com/vpid-dev/vpid/internal/config"
	"github.com/vpid-dev/vpid/internal/dev/apigw"
	"github.com/vpid-dev/vpid/internal/dev/emulator"
	"github.com/vpid-dev/vpid/internal/dev/emulator/emulatortest"
	"github.com/vpid-dev/vpid/internal/dev/loadtest"
	"github.com/vpid-dev/vpid/internal/dev/loadtest/stack"
	"github.com/vpid-dev/vpid/internal/store/storetest"
)

var (
	flagPairs              = flag.Int("pairs", 400, "CreateIdentitySource: timed service/floor pairs (after 20 untimed)")
	flagClients            = flag.Int("clients", 2, "CreateIdentitySource: app client ids per create (1 to 4)")
	flagColdStarts         = flag.Int("coldstarts", 30, "ColdStart: cold starts of each bootstrap (after 2 untimed)")
	flagRIE                = flag.String("rie", "", "ColdStart: the aws-lambda-rie binary (default: <repo>/.tools/cache/bin/aws-lambda-rie, installed by make bench)")
	flagRounds             = flag.Int("rounds", 6, "ReadThroughput: rounds, each timing the service and DynamoDB once")
	flagRound              = flag.Duration("round", time.Second, "ReadThroughput: how long each side runs in a round")
	flagConcurrency        = flag.Int("concurrency", 8, "ReadThroughput: concurrent requests")
	flagLatency            = flag.Duration("ddb-latency", 2*time.Millisecond, "ReadThroughputWithLatency: how long a proxy holds each DynamoDB request")
	flagLatencyConcurrency = flag.Int("latency-concurrency", 4, "ReadThroughputWithLatency: concurrent requests")
	flagLoad               = flag.Duration("load", 10*time.Second, "PeakRSSUnderLoad: how long the load test runs")
	flagLoadWorkers        = flag.Int("load-workers", 32, "PeakRSSUnderLoad: concurrent clients of the load test")
	flagColdPkg            = flag.String("coldstart-pkg", "./functions/api", "ColdStart: the package built as the API's bootstrap (to try a change)")
	flagAPIEnv             = flag.String("api-env", "", "comma-separated KEY=VALUE added to the API's environment (e.g. GOGC=200,LOG_LEVEL=WARN), to try a setting")
)

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return loadtest.Percentile(s, 0.5)
}

// BenchmarkCreateIdentitySource times CreateIdentitySource through the API
// (SDK → local HTTP server → Cognito and DynamoDB) against the same
// downstream calls made directly (Floor), one of each per iteration in
// alternating order, each in a store of its own created beforehand.
func BenchmarkCreateIdentitySource(b *testing.B) {
	e := getEnv(b)
	if *flagClients < 1 || *flagClients > len(e.clients) {
		b.Fatalf("-clients must be 1 to %d", len(e.clients))
	}
	clients := e.clients[:*flagClients]
	const warm = 20
	n := warm + *flagPairs
	c := e.client(e.api.URL, emulatortest.SeedAccount)
	svcStores := createStores(b, c, n)
	floorStores := createStores(b, c, n)
	floor := &Floor{DynamoDB: e.ddb, Cognito: e.cog, Table: e.st.Table}
	ctx := context.Background()
	var svc, flr, hop []time.Duration
	b.ResetTimer()
	for i := range n {
		// The hop alone: a request the API answers without a downstream
		// call (a policy store id it refuses), through the same client.
		start := time.Now()
		_, err := c.GetPolicyStore(ctx, &vp.GetPolicyStoreInput{PolicyStoreId: aws.String("not-an-id!")})
		if code, _ := loadtest.Classify(err); code != "ValidationException" {
			b.Fatalf("hop request: %v", err)
		}
		if i >= warm {
			hop = append(hop, time.Since(start))
		}
		for j := range 2 {
			service := (i+j)%2 == 0
			start := time.Now()
			var err error
			if service {
				_, err = c.CreateIdentitySource(ctx, &vp.CreateIdentitySourceInput{
					PolicyStoreId: aws.String(svcStores[i]), PrincipalEntityType: aws.String("User"), Configuration: seedConfig(clients),
				})
			} else {
				_, err = floor.CreateIdentitySource(ctx, emulatortest.SeedAccount, floorStores[i], emulatortest.SeedPoolARN, clients, "User")
			}
			d := time.Since(start)
			if err != nil {
				b.Fatalf("service %v: %v", service, err)
			}
			if i < warm {
				continue
			}
			if service {
				svc = append(svc, d)
			} else {
				flr = append(flr, d)
			}
		}
	}
	b.StopTimer()
	s, f, h := loadtest.Summarize(svc), loadtest.Summarize(flr), loadtest.Summarize(hop)
	b.ReportMetric(float64(len(svc)), "pairs")
	b.ReportMetric(float64(len(clients)), "clients")
	b.ReportMetric(ms(s.P50), "service-p50-ms")
	b.ReportMetric(ms(f.P50), "floor-p50-ms")
	b.ReportMetric(ms(s.P50)/ms(f.P50), "p50-ratio")
	b.ReportMetric(ms(s.P99), "service-p99-ms")
	b.ReportMetric(ms(f.P99), "floor-p99-ms")
	b.ReportMetric(ms(s.P99)/ms(f.P99), "p99-ratio")
	b.ReportMetric(ms(h.P50), "hop-p50-ms")
}

// BenchmarkDownstreamRequests counts, through proxies in front of DynamoDB
// Local and cognito-local, the requests one CreateIdentitySource with n app
// clients makes, and those of its idempotent replay. The Cognito proxy holds
// each request 20 ms, so requests sent concurrently overlap there. A create
// reads the policy store (one GetItem) before it asks Cognito; one client
// id is described, several are found in one ListUserPoolClients page. The
// replay finds the store full and answers from its token's record: two
// GetItems, no Cognito request, no write.
func BenchmarkDownstreamRequests(b *testing.B) {
	e := getEnv(b)
	ddbProxy, err := NewCountingProxy(e.st.DynamoDBEndpoint)
	if err != nil {
		b.Fatal(err)
	}
	defer ddbProxy.Close()
	cogProxy, err := NewCountingProxy(e.st.CognitoEndpoint)
	if err != nil {
		b.Fatal(err)
	}
	defer cogProxy.Close()
	cogProxy.Delay = 20 * time.Millisecond
	ctx := context.Background()
	api, err := e.st.StartAPI(ctx, e.bin, stack.APIOptions{Name: "api-counted", DynamoDBEndpoint: ddbProxy.URL, CognitoEndpoint: cogProxy.URL, Env: apiEnv()})
	if err != nil {
		b.Fatal(err)
	}
	defer api.Stop()
	c := e.client(api.URL, emulatortest.SeedAccount)

	for n := 1; n <= 3; n++ {
		b.Run(fmt.Sprintf("clients=%d", n), func(b *testing.B) {
			store := createStores(b, c, 1)[0]
			in := vp.CreateIdentitySourceInput{
				ClientToken: aws.String(uuid.NewString()), PolicyStoreId: aws.String(store),
				PrincipalEntityType: aws.String("User"), Configuration: seedConfig(e.clients[:n]),
			}
			ddbProxy.Reset()
			cogProxy.Reset()
			start := time.Now()
			first, err := c.CreateIdentitySource(ctx, &in)
			took := time.Since(start)
			if err != nil {
				b.Fatal(err)
			}
			d1, c1 := ddbProxy.Snapshot(), cogProxy.Snapshot()
			before := scanTable(b, e)

			ddbProxy.Reset()
			cogProxy.Reset()
			replay, err := c.CreateIdentitySource(ctx, &in)
			if err != nil {
				b.Fatal(err)
			}
			d2, c2 := ddbProxy.Snapshot(), cogProxy.Snapshot()
			after := scanTable(b, e)
			changed := diffItems(before, after)
			if aws.ToString(replay.IdentitySourceId) != aws.ToString(first.IdentitySourceId) || !replay.CreatedDate.Equal(*first.CreatedDate) {
				b.Errorf("replay answered %s %v, first %s %v", aws.ToString(replay.IdentitySourceId), replay.CreatedDate,
					aws.ToString(first.IdentitySourceId), first.CreatedDate)
			}
			writesOK := 0
			for _, op := range []string{"TransactWriteItems", "PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem"} {
				writesOK += d2.ByOp[op+" OK"]
			}
			b.Logf("create: DynamoDB %v, Cognito %v (peak %d in flight) in %v; replay: DynamoDB %v, Cognito %v; items changed by the replay: %d",
				d1.ByOp, c1.ByOp, c1.Peak, took.Round(time.Millisecond), d2.ByOp, c2.ByOp, changed)
			if d1.Total != 2 || d1.Ops("GetItem") != 1 || d1.Ops("TransactWriteItems") != 1 || c1.Total != 2 || c1.Peak < 2 ||
				d2.Total != 2 || c2.Total != 0 || writesOK != 0 || changed != 0 {
				b.Errorf("want 1 GetItem and 1 TransactWriteItems, 2 Cognito requests with more than one in flight, and a replay of 2 GetItems that asks Cognito nothing and writes nothing")
			}
			b.ReportMetric(float64(d1.Total), "ddb-requests")
			b.ReportMetric(float64(d1.Ops("TransactWriteItems")), "ddb-transactions")
			b.ReportMetric(float64(c1.Total), "cognito-requests")
			b.ReportMetric(float64(c1.Peak), "cognito-peak-in-flight")
			b.ReportMetric(ms(took), "create-ms")
			b.ReportMetric(ms(cogProxy.Delay), "cognito-delay-ms")
			b.ReportMetric(float64(d2.Total), "replay-ddb-requests")
			b.ReportMetric(float64(writesOK), "replay-ddb-writes")
			b.ReportMetric(float64(changed), "replay-items-changed")
			b.ReportMetric(float64(c2.Total), "replay-cognito-requests")
		})
	}
}

// scanTable reads the whole table, each item as canonical JSON by key.
func scanTable(b *testing.B, e *env) map[string]string {
	b.Helper()
	out := map[string]string{}
	for _, it := range storetest.Scan(b, e.ddb, e.st.Table) {
		flat := map[string]any{}
		for k, v := range it {
			switch v := v.(type) {
			case *ddbtypes.AttributeValueMemberS:
				flat[k] = v.Value
			case *ddbtypes.AttributeValueMemberN:
				flat[k] = "N:" + v.Value
			case *ddbtypes.AttributeValueMemberSS:
				s := slices.Clone(v.Value)
				sort.Strings(s)
				flat[k] = s
			default:
				flat[k] = fmt.Sprintf("%T %v", v, v)
			}
		}
		j, _ := json.Marshal(flat)
		out[storetest.SortKeyOf(it)] = string(j)
	}
	return out
}

func diffItems(a, b map[string]string) int {
	n := 0
	for k, v := range a {
		if b[k] != v {
			n++
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			n++
		}
	}
	return n
}

// BenchmarkColdStart starts the Lambda bootstrap of functions/api and a
// hello-world bootstrap, both built as `make build` builds Lambda binaries
// but for this machine's architecture, under the Lambda Runtime Interface
// Emulator, alternately, and times each from process start to its first
// successful invoke. The API's invoke is a GetPolicyStore (one DynamoDB
// read); hello's answers at once.
func BenchmarkColdStart(b *testing.B) {
	e := getEnv(b)
	rie := *flagRIE
	if rie == "" {
		root, err := emulator.RepoRoot()
		if err != nil {
			b.Fatal(err)
		}
		rie = filepath.Join(root, ".tools", "cache", "bin", "aws-lambda-rie")
	}
	if _, err := os.Stat(rie); err != nil {
		b.Skipf("no Lambda Runtime Interface Emulator (%v): `make bench` installs it", err)
	}
	ctx := context.Background()
	buildEnv := []string{"GOOS=linux", "GOARCH=" + runtime.GOARCH, "CGO_ENABLED=0"}
	flags := []string{"-tags", "lambda.norpc", "-trimpath", "-ldflags=-s -w"}
	apiBoot := filepath.Join(e.st.Dir, "lambda-api", "bootstrap")
	helloBoot := filepath.Join(e.st.Dir, "lambda-hello", "bootstrap")
	if err := stack.GoBuild(ctx, apiBoot, *flagColdPkg, buildEnv, flags...); err != nil {
		b.Fatal(err)
	}
	if err := stack.GoBuild(ctx, helloBoot, "./internal/dev/bench/hello", buildEnv, flags...); err != nil {
		b.Fatal(err)
	}
	helloDynamoBoot := filepath.Join(e.st.Dir, "lambda-hellodynamo", "bootstrap")
	if err := stack.GoBuild(ctx, helloDynamoBoot, "./internal/dev/bench/hellodynamo", buildEnv, flags...); err != nil {
		b.Fatal(err)
	}
	// The environment Lambda gives a provided.al2023 function (no HOME, no
	// CA bundle, credentials in variables), plus the stack's configuration
	// and the local endpoints. The emulator passes its own to the function.
	fnEnv := []string{
		"PATH=/usr/local/bin:/usr/bin:/bin", "LANG=en_US.UTF-8", "TZ=:UTC",
		"AWS_REGION=us-east-1", "AWS_DEFAULT_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID=local", "AWS_SECRET_ACCESS_KEY=local", "AWS_SESSION_TOKEN=local",
		"AWS_LAMBDA_FUNCTION_NAME=vpid-api", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=256",
		config.EnvTableName + "=" + e.st.Table, config.EnvLogLevel + "=INFO",
		"AWS_ENDPOINT_URL_DYNAMODB=" + e.st.DynamoDBEndpoint,
		"AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER=" + e.st.CognitoEndpoint,
	}
	store := createStores(b, e.client(e.api.URL, emulatortest.SeedAccount), 1)[0]
	helloKey := map[string]string{}
	for name, v := range storetest.PolicyStoreKey(emulatortest.SeedAccount, store) {
		helloKey[name] = v.(*ddbtypes.AttributeValueMemberS).Value
	}
	helloKeyJSON, _ := json.Marshal(helloKey)
	fnEnv = append(fnEnv, "HELLO_KEY="+string(helloKeyJSON))
	eventOf := func(op, body string) []byte {
		req := httptest.NewRequest("POST", "/", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-amz-json-1.0")
		req.Header.Set("X-Amz-Target", "VerifiedPermissions."+op)
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+emulatortest.SeedAccount+"/20260101/us-east-1/execute-api/aws4_request, SignedHeaders=host, Signature=00")
		ev, err := json.Marshal(apigw.Event(req, []byte(body)))
		if err != nil {
			b.Fatal(err)
		}
		return ev
	}
	event := func(body string) []byte { return eventOf("GetPolicyStore", body) }
	decisionEvent := eventOf("IsAuthorized", fmt.Sprintf(`{"policyStoreId":%q,`+
		`"principal":{"entityType":"User","entityId":"u0"},"action":{"actionType":"Action","actionId":"act0"},`+
		`"resource":{"entityType":"Doc","entityId":"d"},"entities":{"entityList":[`+
		`{"identifier":{"entityType":"User","entityId":"u0"},"parents":[{"entityType":"Group","entityId":"g0"}]},`+
		`{"identifier":{"entityType":"Doc","entityId":"d"},"parents":[{"entityType":"Folder","entityId":"f0"}]}]}}`,
		decisionStore(b, e, 10)))
	// Kinds of cold start, in rotating order: hello; the API answering a
	// request that needs no downstream call (a GetPolicyStore without its
	// policyStoreId: ValidationException); the API answering a GetPolicyStore
	// (one DynamoDB GetItem on a new connection); hello making that same
	// GetItem with the SDK; the API answering an IsAuthorized (cedar-go
	// linked: the store's version and its 10 policies read, compiled and
	// evaluated: an ALLOW). The last kind times the GetItem alone, from a
	// new SDK client on a new connection in this process.
	kinds := []struct {
		name, boot string
		event      []byte
		want       string
	}{
		{"hello", helloBoot, event("{}"), `"statusCode":200`},
		{"api-validation", apiBoot, event("{}"), `"statusCode":400`},
		{"api-get", apiBoot, event(`{"policyStoreId":"` + store + `"}`), `"statusCode":200`},
		{"hello-getitem", helloDynamoBoot, event("{}"), `"statusCode":200`},
		{"api-decision", apiBoot, decisionEvent, `\"decision\":\"ALLOW\"`},
		{"dynamodb-first-getitem", "", nil, ""},
	}
	firstGetItem := func() (time.Duration, error) {
		start := time.Now()
		c := dynamodb.New(dynamodb.Options{
			Region: "us-east-1", Credentials: e.ddb.Options().Credentials, BaseEndpoint: aws.String(e.st.DynamoDBEndpoint),
			HTTPClient: awshttp.NewBuildableClient().WithTimeout(3 * time.Second),
		})
		out, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(e.st.Table), ConsistentRead: aws.Bool(true),
			Key: storetest.PolicyStoreKey(emulatortest.SeedAccount, store)})
		d := time.Since(start)
		if err == nil && out.Item == nil {
			err = fmt.Errorf("no store %s", store)
		}
		return d, err
	}
	times := make([][]time.Duration, len(kinds))
	const warm = 2
	b.ResetTimer()
	for i := range warm + *flagColdStarts {
		for j := range kinds {
			k := (i + j) % len(kinds)
			var d time.Duration
			if kinds[k].boot == "" {
				var err error
				if d, err = firstGetItem(); err != nil {
					b.Fatal(err)
				}
			} else {
				cs, err := RunColdStart(ctx, rie, kinds[k].boot, fnEnv, kinds[k].event)
				if err != nil {
					b.Fatalf("%s: %v", kinds[k].name, err)
				}
				if !bytes.Contains(cs.Response, []byte(kinds[k].want)) {
					b.Fatalf("%s: the first invoke answered %s", kinds[k].name, cs.Response)
				}
				d = cs.Total
			}
			if i >= warm {
				times[k] = append(times[k], d)
			}
		}
	}
	b.StopTimer()
	size := func(p string) float64 {
		fi, err := os.Stat(p)
		if err != nil {
			b.Fatal(err)
		}
		return float64(fi.Size()) / (1 << 20)
	}
	hello, noDownstream, get := ms(median(times[0])), ms(median(times[1])), ms(median(times[2]))
	b.ReportMetric(float64(len(times[0])), "starts")
	b.ReportMetric(hello, "hello-first-invoke-ms")
	b.ReportMetric(noDownstream, "api-validation-first-invoke-ms")
	b.ReportMetric(get, "api-get-first-invoke-ms")
	b.ReportMetric(get/hello, "first-invoke-ratio")
	b.ReportMetric(noDownstream/hello, "no-downstream-ratio")
	helloGet := ms(median(times[3]))
	b.ReportMetric(helloGet, "hello-getitem-first-invoke-ms")
	b.ReportMetric(get/helloGet, "vs-hello-getitem-ratio")
	decision := ms(median(times[4]))
	b.ReportMetric(decision, "api-decision-first-invoke-ms")
	b.ReportMetric(decision/hello, "decision-vs-hello-ratio")
	b.ReportMetric(decision/helloGet, "decision-vs-hello-getitem-ratio")
	b.ReportMetric(ms(median(times[5])), "dynamodb-first-getitem-ms")
	b.ReportMetric(size(apiBoot), "api-bootstrap-MiB")
	b.ReportMetric(size(helloBoot), "hello-bootstrap-MiB")
	b.ReportMetric(size(helloDynamoBoot), "hello-getitem-bootstrap-MiB")
}

// readData are policy stores of AcctOneAccount, each with an identity
// source, for the read benchmarks.
type readData struct {
	acct            string
	stores, sources []string
}

var (
	readOnce sync.Once
	reads    *readData
)

func (e *env) readData(b *testing.B) *readData {
	readOnce.Do(func() {
		ctx := context.Background()
		d := &readData{acct: emulatortest.AcctOneAccount}
		c := e.client(e.api.URL, d.acct)
		d.stores = createStores(b, c, 64)
		for _, s := range d.stores {
			out, err := c.CreateIdentitySource(ctx, &vp.CreateIdentitySourceInput{PolicyStoreId: aws.String(s),
				Configuration: &types.ConfigurationMemberCognitoUserPoolConfiguration{Value: types.CognitoUserPoolConfiguration{
					UserPoolArn: aws.String(emulatortest.AcctOnePoolARN), ClientIds: []string{emulatortest.AcctOneClientID}}}})
			if err != nil {
				b.Fatal(err)
			}
			d.sources = append(d.sources, aws.ToString(out.IdentitySourceId))
		}
		reads = d
	})
	if reads == nil {
		b.Fatal("no read data")
	}
	return reads
}

// readPair is an operation through the service and the DynamoDB request it
// stands on.
type readPair struct {
	name     string
	service  func(ctx context.Context, i int) error
	dynamodb func(ctx context.Context, i int) error
}

func readPairs(d *readData, c *vp.Client, ddb *dynamodb.Client, table string) []readPair {
	storeKey := func(i int) map[string]ddbtypes.AttributeValue { return storetest.PolicyStoreKey(d.acct, d.stores[i]) }
	tbl := aws.String(table)
	return []readPair{
		{"GetIdentitySource", func(ctx context.Context, i int) error {
			_, err := c.GetIdentitySource(ctx, &vp.GetIdentitySourceInput{PolicyStoreId: aws.String(d.stores[i]), IdentitySourceId: aws.String(d.sources[i])})
			return err
		}, func(ctx context.Context, i int) error {
			out, err := ddb.GetItem(ctx, &dynamodb.GetItemInput{TableName: tbl, Key: storetest.IdentitySourceKey(d.acct, d.stores[i], d.sources[i]), ConsistentRead: aws.Bool(true)})
			if err == nil && out.Item == nil {
				err = fmt.Errorf("no identity source %s", d.sources[i])
			}
			return err
		}},
		{"GetPolicyStore", func(ctx context.Context, i int) error {
			_, err := c.GetPolicyStore(ctx, &vp.GetPolicyStoreInput{PolicyStoreId: aws.String(d.stores[i])})
			return err
		}, func(ctx context.Context, i int) error {
			out, err := ddb.GetItem(ctx, &dynamodb.GetItemInput{TableName: tbl, Key: storeKey(i), ConsistentRead: aws.Bool(true)})
			if err == nil && out.Item == nil {
				err = fmt.Errorf("no store %s", d.stores[i])
			}
			return err
		}},
		{"ListIdentitySources", func(ctx context.Context, i int) error {
			out, err := c.ListIdentitySources(ctx, &vp.ListIdentitySourcesInput{PolicyStoreId: aws.String(d.stores[i])})
			if err == nil && len(out.IdentitySources) != 1 {
				err = fmt.Errorf("store %s lists %d identity sources", d.stores[i], len(out.IdentitySources))
			}
			return err
		}, func(ctx context.Context, i int) error {
			out, err := ddb.Query(ctx, storetest.PartitionQuery(table, storeKey(i)))
			if err == nil && len(out.Items) != 2 {
				err = fmt.Errorf("store %s partition has %d items", d.stores[i], len(out.Items))
			}
			return err
		}},
		{"ListPolicyStores", func(ctx context.Context, i int) error {
			out, err := c.ListPolicyStores(ctx, &vp.ListPolicyStoresInput{})
			if err == nil && len(out.PolicyStores) != 10 {
				err = fmt.Errorf("listed %d stores", len(out.PolicyStores))
			}
			return err
		}, func(ctx context.Context, i int) error {
			out, err := ddb.Query(ctx, storetest.PolicyStoresQuery(table, d.acct, 10))
			if err == nil && len(out.Items) != 10 {
				err = fmt.Errorf("listed %d stores", len(out.Items))
			}
			return err
		}},
	}
}

// BenchmarkReadThroughput runs Get and List operations through the API and
// the DynamoDB reads they stand on directly, at the same concurrency, in
// alternating rounds.
func BenchmarkReadThroughput(b *testing.B) {
	e := getEnv(b)
	d := e.readData(b)
	pairs := readPairs(d, e.client(e.api.URL, d.acct), e.ddb, e.st.Table)
	runPairs(b, pairs, cpuPids(e, e.api), *flagConcurrency, nil)
}

// BenchmarkReadThroughputWithLatency is BenchmarkReadThroughput with every
// DynamoDB request (the API's and the direct ones) held -ddb-latency by a
// proxy, as a DynamoDB endpoint in another host would answer: it shows the
// ratio where the run is bound by latency, not by 2 shared cores.
func BenchmarkReadThroughputWithLatency(b *testing.B) {
	e := getEnv(b)
	d := e.readData(b)
	proxy, err := NewCountingProxy(e.st.DynamoDBEndpoint)
	if err != nil {
		b.Fatal(err)
	}
	defer proxy.Close()
	proxy.Delay = *flagLatency
	api, err := e.st.StartAPI(context.Background(), e.bin, stack.APIOptions{Name: "api-latency", DynamoDBEndpoint: proxy.URL, Env: apiEnv()})
	if err != nil {
		b.Fatal(err)
	}
	defer api.Stop()
	ddb := dynamodb.New(e.ddb.Options(), func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(proxy.URL) })
	var pairs []readPair
	for _, p := range readPairs(d, e.client(api.URL, d.acct), ddb, e.st.Table) {
		if p.name == "GetIdentitySource" || p.name == "ListIdentitySources" {
			pairs = append(pairs, p)
		}
	}
	runPairs(b, pairs, cpuPids(e, api), *flagLatencyConcurrency, map[string]float64{"ddb-latency-ms": ms(*flagLatency)})
}

func runPairs(b *testing.B, pairs []readPair, pids [3]int, concurrency int, extra map[string]float64) {
	for _, p := range pairs {
		b.Run(p.name, func(b *testing.B) {
			var svc, raw sample
			var ratios []float64
			for round := range *flagRounds + 1 {
				var s, r sample
				if round%2 == 0 {
					s, r = throughput(b, pids, concurrency, p.service), throughput(b, pids, concurrency, p.dynamodb)
				} else {
					r, s = throughput(b, pids, concurrency, p.dynamodb), throughput(b, pids, concurrency, p.service)
				}
				if round == 0 {
					continue // warm-up
				}
				svc.add(s)
				raw.add(r)
				ratios = append(ratios, float64(s.ops)/float64(r.ops))
			}
			secs := float64(*flagRounds) * flagRound.Seconds()
			b.ReportMetric(float64(concurrency), "concurrency")
			for unit, v := range extra {
				b.ReportMetric(v, unit)
			}
			b.ReportMetric(float64(svc.ops)/secs, "service-ops/s")
			b.ReportMetric(float64(raw.ops)/secs, "dynamodb-ops/s")
			b.ReportMetric(float64(svc.ops)/float64(raw.ops), "ratio")
			b.ReportMetric(slices.Min(ratios), "round-ratio-min")
			b.ReportMetric(slices.Max(ratios), "round-ratio-max")
			// The API's CPU per operation against the direct client's per
			// DynamoDB request: what the API spends on top of the SDK call.
			if svc.cpu[1] >= 0 && raw.cpu[0] > 0 {
				b.ReportMetric((float64(svc.cpu[1])/float64(svc.ops))/(float64(raw.cpu[0])/float64(raw.ops)), "api-vs-client-cpu-ratio")
			}
			// Where the CPU goes, per operation: the benchmark process (the
			// SDK client), the API process and DynamoDB Local.
			for _, x := range []struct {
				side string
				s    sample
			}{{"service", svc}, {"dynamodb", raw}} {
				for i, who := range []string{"client", "api", "ddblocal"} {
					if x.s.cpu[i] >= 0 {
						b.ReportMetric(float64(x.s.cpu[i].Microseconds())/float64(x.s.ops), x.side+"-"+who+"-cpu-us/op")
					}
				}
			}
		})
	}
}

// sample is what a throughput run did: operations, and the CPU time the
// benchmark process, the API and DynamoDB Local spent meanwhile (-1 when
// unknown).
type sample struct {
	ops int64
	cpu [3]time.Duration
}

func (s *sample) add(o sample) {
	s.ops += o.ops
	for i := range s.cpu {
		if s.cpu[i] >= 0 && o.cpu[i] >= 0 {
			s.cpu[i] += o.cpu[i]
		} else {
			s.cpu[i] = -1
		}
	}
}

// cpuPids are the processes whose CPU time throughput measures: this one,
// the API, and DynamoDB Local when the stack started it (else 0).
func cpuPids(e *env, api *stack.API) [3]int {
	pids := [3]int{os.Getpid(), api.Pid(), 0}
	for _, p := range e.st.Emulators() {
		if p.Name == "dynamodb-local" {
			pids[2] = p.Pid()
		}
	}
	return pids
}

// procCPU returns the user+system CPU time of process pid (its threads
// included) from /proc, or -1.
func procCPU(pid int) time.Duration {
	if pid == 0 {
		return -1
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return -1
	}
	// Fields after the command name in parentheses; utime and stime are the
	// 14th and 15th of the line, in clock ticks (USER_HZ, 100 on Linux).
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return -1
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	s, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return -1
	}
	return time.Duration(u+s) * 10 * time.Millisecond
}

// throughput runs f from concurrency goroutines for -round and returns
// how many calls completed, and the CPU time of pids meanwhile.
func throughput(b *testing.B, pids [3]int, concurrency int, f func(ctx context.Context, i int) error) sample {
	var (
		n     atomic.Int64
		wg    sync.WaitGroup
		errMu sync.Mutex
		first error
	)
	var before [3]time.Duration
	for i, pid := range pids {
		before[i] = procCPU(pid)
	}
	ctx := context.Background()
	end := time.Now().Add(*flagRound)
	for g := range concurrency {
		wg.Go(func() {
			for i := g; time.Now().Before(end); i++ {
				if err := f(ctx, i%64); err != nil {
					errMu.Lock()
					if first == nil {
						first = err
					}
					errMu.Unlock()
					return
				}
				n.Add(1)
			}
		})
	}
	wg.Wait()
	if first != nil {
		b.Fatal(first)
	}
	s := sample{ops: n.Load()}
	for i, pid := range pids {
		if after := procCPU(pid); after >= 0 && before[i] >= 0 {
			s.cpu[i] = after - before[i]
		} else {
			s.cpu[i] = -1
		}
	}
	return s
}

// BenchmarkPeakRSSUnderLoad runs the load test (as `make load` does, for
// -load) against a fresh API process with a fresh table and reports the
// process's VmHWM, and whether every invariant held.
func BenchmarkPeakRSSUnderLoad(b *testing.B) {
	e := getEnv(b)
	ctx := context.Background()
	st, err := stack.Start(ctx, stack.Options{DynamoDBEndpoint: e.st.DynamoDBEndpoint, CognitoEndpoint: e.st.CognitoEndpoint})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	api, err := st.StartAPI(ctx, e.bin, stack.APIOptions{Name: "api-load", Env: apiEnv()})
	if err != nil {
		b.Fatal(err)
	}
	res, err := loadtest.Run(ctx, loadtest.Config{
		Endpoint: api.URL, Duration: *flagLoad, Workers: *flagLoadWorkers, Seed: 1,
		Accounts: loadtest.AccountsOf(emulatortest.TestPools()),
	})
	if err != nil {
		b.Fatal(err)
	}
	mem, err := api.Memory()
	if err != nil {
		b.Fatal(err)
	}
	table, err := loadtest.Check(ctx, st.DDB, st.Table)
	if err != nil {
		b.Fatal(err)
	}
	failed := 0
	for _, c := range append(res.Checks, table.Checks...) {
		if !c.OK() {
			failed++
			b.Errorf("invariant failed: %s: %v", c.Name, c.Examples)
		}
	}
	b.ReportMetric(float64(mem.HWM)/(1<<20), "peak-RSS-MiB")
	b.ReportMetric(float64(res.Requests)/res.Elapsed.Seconds(), "requests/s")
	b.ReportMetric(float64(res.Workers), "clients")
	b.ReportMetric(float64(failed), "invariants-failed")
}
