package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/vpid-dev/vpid/internal/avp"
	"github.com/vpid-dev/vpid/internal/awsjson"
	"github.com/vpid-dev/vpid/internal/cognito"
	"github.com/vpid-dev/vpid/internal/dev/emulator/emulatortest"
)

func TestMain(m *testing.M) { emulatortest.Main(m) }

// counter counts calls by operation.
type counter struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *counter) add(op string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[op]++
}

// take returns the counts so far and starts again from zero.
func (c *counter) take() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.n
	c.n = nil
	if n == nil {
		n = map[string]int{}
	}
	return n
}

func total(n map[string]int) int {
	t := 0
	for _, v := range n {
		t += v
	}
	return t
}

// countingDynamoDB counts the calls that reach DynamoDB.
type countingDynamoDB struct {
	DynamoDB
	c *counter
}

func (d countingDynamoDB) GetItem(ctx context.Context, in *dynamodb.GetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	d.c.add("GetItem")
	return d.DynamoDB.GetItem(ctx, in, o...)
}

func (d countingDynamoDB) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	d.c.add("PutItem")
	return d.DynamoDB.PutItem(ctx, in, o...)
}

func (d countingDynamoDB) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	d.c.add("UpdateItem")
	return d.DynamoDB.UpdateItem(ctx, in, o...)
}

func (d countingDynamoDB) Query(ctx context.Context, in *dynamodb.QueryInput, o ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	d.c.add("Query")
	return d.DynamoDB.Query(ctx, in, o...)
}

func (d countingDynamoDB) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	d.c.add("TransactWriteItems")
	return d.DynamoDB.TransactWriteItems(ctx, in, o...)
}

func (d countingDynamoDB) Scan(ctx context.Context, in *dynamodb.ScanInput, o ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error) {
	d.c.add("Scan")
	return d.DynamoDB.Scan(ctx, in, o...)
}

// countingCognito counts the calls that reach Cognito.
type countingCognito struct {
	cognito.API
	c *counter
}

func (a countingCognito) DescribeUserPool(ctx context.Context, in *cip.DescribeUserPoolInput, o ...func(*cip.Options)) (*cip.DescribeUserPoolOutput, error) {
	a.c.add("DescribeUserPool")
	return a.API.DescribeUserPool(ctx, in, o...)
}

func (a countingCognito) DescribeUserPoolClient(ctx context.Context, in *cip.DescribeUserPoolClientInput, o ...func(*cip.Options)) (*cip.DescribeUserPoolClientOutput, error) {
	a.c.add("DescribeUserPoolClient")
	return a.API.DescribeUserPoolClient(ctx, in, o...)
}

func (a countingCognito) ListUserPoolClients(ctx context.Context, in *cip.ListUserPoolClientsInput, o ...func(*cip.Options)) (*cip.ListUserPoolClientsOutput, error) {
	a.c.add("ListUserPoolClients")
	return a.API.ListUserPoolClients(ctx, in, o...)
}

// countedDeps are Deps over DynamoDB Local and cognito-local whose calls
// are counted; clients counts the Cognito clients asked for, by Region.
func countedDeps(t *testing.T) (d Deps, ddb, cog, clients *counter) {
	t.Helper()
	ddb, cog, clients = &counter{}, &counter{}, &counter{}
	raw := emulatortest.DynamoDB(t)
	idp := emulatortest.Cognito(t)
	return Deps{
		Table:    emulatortest.NewTable(t, raw),
		DynamoDB: countingDynamoDB{raw, ddb},
		Cognito: func(region string) cognito.API {
			clients.add(region)
			return countingCognito{idp, cog}
		},
	}, ddb, cog, clients
}

func clientIDs(real []string, n int) []string {
	ids := slices.Clone(real)
	for i := len(ids); i < n; i++ {
		ids = append(ids, fmt.Sprintf("nosuchclient%04d", i))
	}
	return ids
}

// TestRequestsPerCreate counts the DynamoDB and Cognito calls of
// CreateIdentitySource and UpdateIdentitySource, over DynamoDB Local and
// cognito-local: a request the store's state refuses costs no Cognito
// call, and 1,000 client ids cost two. BENCHMARKS.md reports the figures
// it logs.
func TestRequestsPerCreate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	deps, ddb, cog, _ := countedDeps(t)
	svc := deps.Service()
	acct := emulatortest.SeedAccount
	ps, err := svc.CreatePolicyStore(ctx, acct, &avp.CreatePolicyStoreInput{ValidationSettings: &avp.ValidationSettings{Mode: avp.ValidationModeOff}})
	if err != nil {
		t.Fatal(err)
	}
	extra := emulatortest.NewClient(t, emulatortest.SeedPoolID, "cost-test")
	cognitoConf := func(ids []string) *avp.ConfigurationUnion {
		return avp.WireConfiguration(&avp.CognitoUserPoolConfiguration{UserPoolARN: emulatortest.SeedPoolARN, ClientIDs: ids})
	}
	token := "cost-test-token"
	create := func(psID string, ids []string, token *string) *avp.CreateIdentitySourceInput {
		return &avp.CreateIdentitySourceInput{ClientToken: token, PolicyStoreID: psID, Configuration: cognitoConf(ids)}
	}
	var created *avp.CreateIdentitySourceOutput
	steps := []struct {
		name      string
		call      func() error
		code      string // "" is success
		ddb, cogn map[string]int
	}{
		{"create, one client id", func() (err error) {
			created, err = svc.CreateIdentitySource(ctx, acct, create(ps.PolicyStoreID, []string{emulatortest.SeedClientID}, &token))
			return err
		}, "", map[string]int{"GetItem": 1, "TransactWriteItems": 1}, map[string]int{"DescribeUserPool": 1, "DescribeUserPoolClient": 1}},
		{"create again, store has its source", func() error {
			_, err := svc.CreateIdentitySource(ctx, acct, create(ps.PolicyStoreID, clientIDs(nil, 1000), nil))
			return err
		}, avp.CodeServiceQuotaExceeded, map[string]int{"GetItem": 1}, map[string]int{}},
		{"create retried with its token, store has its source", func() error {
			out, err := svc.CreateIdentitySource(ctx, acct, create(ps.PolicyStoreID, []string{emulatortest.SeedClientID}, &token))
			if err == nil && *out != *created {
				return fmt.Errorf("replay %+v, want %+v", out, created)
			}
			return err
		}, "", map[string]int{"GetItem": 2}, map[string]int{}},
		{"create, no such store", func() error {
			_, err := svc.CreateIdentitySource(ctx, acct, create("PSnosuchstore0000000000", clientIDs(nil, 1000), nil))
			return err
		}, avp.CodeResourceNotFound, map[string]int{"GetItem": 1}, map[string]int{}},
		{"update, 1,000 client ids", func() error {
			_, err := svc.UpdateIdentitySource(ctx, acct, &avp.UpdateIdentitySourceInput{PolicyStoreID: ps.PolicyStoreID, IdentitySourceID: created.IdentitySourceID,
				UpdateConfiguration: cognitoConf(clientIDs([]string{emulatortest.SeedClientID, extra}, 1000))})
			return err
		}, avp.CodeValidation, map[string]int{"GetItem": 1}, map[string]int{"DescribeUserPool": 1, "ListUserPoolClients": 1}},
		{"update, two client ids", func() error {
			_, err := svc.UpdateIdentitySource(ctx, acct, &avp.UpdateIdentitySourceInput{PolicyStoreID: ps.PolicyStoreID, IdentitySourceID: created.IdentitySourceID,
				UpdateConfiguration: cognitoConf([]string{emulatortest.SeedClientID, extra})})
			return err
		}, "", map[string]int{"GetItem": 1, "TransactWriteItems": 1}, map[string]int{"DescribeUserPool": 1, "ListUserPoolClients": 1}},
		{"update, no such identity source", func() error {
			_, err := svc.UpdateIdentitySource(ctx, acct, &avp.UpdateIdentitySourceInput{PolicyStoreID: ps.PolicyStoreID, IdentitySourceID: "ISnosuchsource000000000",
				UpdateConfiguration: cognitoConf(clientIDs(nil, 1000))})
			return err
		}, avp.CodeResourceNotFound, map[string]int{"GetItem": 1}, map[string]int{}},
	}
	ddb.take()
	cog.take()
	for _, s := range steps {
		err := s.call()
		var e *avp.Error
		switch {
		case s.code == "" && err != nil, s.code != "" && (!errors.As(err, &e) || e.Code != s.code):
			t.Fatalf("%s: %v, want %q", s.name, err, s.code)
		}
		gotDDB, gotCog := ddb.take(), cog.take()
		t.Logf("%-55s DynamoDB %d %v, Cognito %d %v", s.name, total(gotDDB), gotDDB, total(gotCog), gotCog)
		if fmt.Sprint(gotDDB) != fmt.Sprint(s.ddb) || fmt.Sprint(gotCog) != fmt.Sprint(s.cogn) {
			t.Errorf("%s: DynamoDB %v, Cognito %v; want %v and %v", s.name, gotDDB, gotCog, s.ddb, s.cogn)
		}
	}
}

// TestMadeUpRegionsCostNothing sends 20,000 CreateIdentitySource requests
// through the API handler, each naming a user pool in a Region nobody
// ever heard of: each is a ValidationException naming the Region, none
// reaches DynamoDB or asks for a Cognito client, and the heap does not
// grow with them.
func TestMadeUpRegionsCostNothing(t *testing.T) {
	t.Parallel()
	deps, ddb, cog, clients := countedDeps(t)
	h := NewAPIHandler(deps.Service(), slog.New(slog.NewTextHandler(io.Discard, nil)), awsjson.WithTimeout(0))
	acct := emulatortest.SeedAccount
	send := func(i int) {
		region := fmt.Sprintf("xx-madeup%d-1", i)
		body := `{"policyStoreId":"PSnosuchstore0000000000","configuration":{"cognitoUserPoolConfiguration":{"userPoolArn":"arn:aws:cognito-idp:` +
			region + `:` + acct + `:userpool/` + region + `_abc","clientIds":["c1","c2","c3"]}}}`
		resp, err := h.Handle(context.Background(), events.APIGatewayProxyRequest{
			HTTPMethod: "POST", Path: "/", Body: body,
			Headers:        map[string]string{"X-Amz-Target": awsjson.TargetPrefix + avp.OpCreateIdentitySource, "Content-Type": awsjson.ContentType},
			RequestContext: events.APIGatewayProxyRequestContext{RequestID: fmt.Sprint("r", i), Identity: events.APIGatewayRequestIdentity{AccountID: acct}},
		})
		if err != nil || resp.StatusCode != 400 || !strings.Contains(resp.Body, "Region "+region+",") {
			t.Fatalf("request %d: %v %d %s", i, err, resp.StatusCode, resp.Body)
		}
	}
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	for i := range 1000 { // warm up: first-use allocations are not growth
		send(i)
	}
	before := heap()
	for i := 1000; i < 21000; i++ {
		send(i)
	}
	after := heap()
	if n := total(ddb.take()) + total(cog.take()) + total(clients.take()); n != 0 {
		t.Errorf("%d calls or Cognito clients for made-up Regions", n)
	}
	const budget = 2 << 20
	if after > before+budget {
		t.Errorf("heap grew from %d to %d bytes over 20,000 requests", before, after)
	}
	t.Logf("heap %d KiB before, %d KiB after 20,000 made-up Regions", before>>10, after>>10)
}
