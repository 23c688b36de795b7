package emulator_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/vpid-dev/vpid/internal/dev/emulator"
)

var seedPool = emulator.Pool{
	ID:      "us-west-2_1a2b3c4d5",
	Region:  "us-west-2",
	Account: "123456789012",
	Name:    "seed",
	Clients: []emulator.Client{{ID: "a1b2c3d4e5f6g7h8i9j0kalbmc", Name: "web"}},
}

func creds() aws.CredentialsProvider {
	return credentials.NewStaticCredentialsProvider("local", "local", "")
}

func dynamoClient(endpoint string) *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		Region:                          "us-east-1",
		Credentials:                     creds(),
		BaseEndpoint:                    aws.String(endpoint),
		DisableValidateResponseChecksum: true,
	})
}

func cognitoClient(endpoint string) *cip.Client {
	return cip.New(cip.Options{
		Region:       "us-east-1",
		Credentials:  creds(),
		BaseEndpoint: aws.String(endpoint),
	})
}

func TestPoolARN(t *testing.T) {
	if got, want := seedPool.ARN(), "arn:aws:cognito-idp:us-west-2:123456789012:userpool/us-west-2_1a2b3c4d5"; got != want {
		t.Errorf("ARN() = %s, want %s", got, want)
	}
	noRegion := emulator.Pool{ID: "eu-west-1_Abc", Account: "111111111111"}
	if got, want := noRegion.ARN(), "arn:aws:cognito-idp:eu-west-1:111111111111:userpool/eu-west-1_Abc"; got != want {
		t.Errorf("ARN() = %s, want %s", got, want)
	}
}

func TestWritePoolsValidates(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []emulator.Pool{
		{ID: "nounderscore", Account: "123456789012"},
		{ID: "../x_y", Account: "123456789012"},
		{ID: "clients", Account: "123456789012"},
		{ID: "us-east-1_Abc", Account: "local"},
		{ID: "local_Abc", Account: "123456789012"},
		{ID: "us-east-1_Abc", Account: "123456789012", Clients: []emulator.Client{{ID: "a/b"}}},
	} {
		if err := emulator.WritePools(dir, p); err == nil {
			t.Errorf("WritePools(%+v) succeeded, want an error", p)
		}
	}
}

// WritePools keeps users and other pools and clients already in the folder.
func TestWritePoolsMerges(t *testing.T) {
	dir := t.TempDir()
	if err := emulator.WritePools(dir, seedPool); err != nil {
		t.Fatal(err)
	}
	poolFile := filepath.Join(dir, ".cognito", "db", seedPool.ID+".json")
	var doc map[string]any
	readJSON(t, poolFile, &doc)
	doc["Users"] = map[string]any{"alice": map[string]any{"Username": "alice"}}
	writeJSON(t, poolFile, doc)

	renamed := seedPool
	renamed.Name = "renamed"
	renamed.Clients = []emulator.Client{{ID: "secondclient"}}
	other := emulator.Pool{ID: "us-east-1_Other", Account: "222222222222", Clients: []emulator.Client{{ID: "otherclient"}}}
	if err := emulator.WritePools(dir, renamed, other); err != nil {
		t.Fatal(err)
	}

	readJSON(t, poolFile, &doc)
	if _, ok := doc["Users"].(map[string]any)["alice"]; !ok {
		t.Errorf("user alice lost: %v", doc["Users"])
	}
	opts := doc["Options"].(map[string]any)
	if opts["Name"] != "renamed" || opts["Arn"] != seedPool.ARN() || opts["Id"] != seedPool.ID {
		t.Errorf("options = %v", opts)
	}
	var clients struct {
		Clients map[string]struct{ ClientId, ClientName, UserPoolId string }
	}
	readJSON(t, filepath.Join(dir, ".cognito", "db", "clients.json"), &clients)
	want := map[string]string{
		"a1b2c3d4e5f6g7h8i9j0kalbmc": seedPool.ID,
		"secondclient":               seedPool.ID,
		"otherclient":                other.ID,
	}
	if len(clients.Clients) != len(want) {
		t.Errorf("clients = %+v, want %v", clients.Clients, want)
	}
	for id, pool := range want {
		if c := clients.Clients[id]; c.ClientId != id || c.UserPoolId != pool || c.ClientName == "" {
			t.Errorf("client %s = %+v, want pool %s", id, c, pool)
		}
	}
}

func readJSON(t *testing.T, file string, v any) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
}

func writeJSON(t *testing.T, file string, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func stop(t *testing.T, p *emulator.Process) {
	t.Cleanup(func() {
		if err := p.Stop(); err != nil {
			t.Error(err)
		}
	})
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func TestEmulators(t *testing.T) {
	t.Run("dynamodb", func(t *testing.T) {
		t.Parallel()
		ctx := testContext(t)
		start := time.Now()
		p, err := emulator.StartDynamoDB(ctx, emulator.DynamoDBConfig{})
		if err != nil {
			t.Fatal(err)
		}
		stop(t, p)
		t.Logf("DynamoDB Local ready at %s in %v", p.Endpoint, time.Since(start).Round(time.Millisecond))
		if _, err := dynamoClient(p.Endpoint).ListTables(ctx, &dynamodb.ListTablesInput{}); err != nil {
			t.Fatalf("ListTables: %v", err)
		}
		// Loopback only: the port is closed on the machine's other addresses.
		u, err := url.Parse(p.Endpoint)
		if err != nil {
			t.Fatal(err)
		}
		if ip := nonLoopbackIP(t); ip != "" {
			if c, err := net.DialTimeout("tcp", net.JoinHostPort(ip, u.Port()), time.Second); err == nil {
				c.Close()
				t.Errorf("DynamoDB Local answers on %s:%s, not only on loopback", ip, u.Port())
			}
		}
	})

	t.Run("dynamodb-persists", func(t *testing.T) {
		t.Parallel()
		ctx := testContext(t)
		cfg := emulator.DynamoDBConfig{DataDir: t.TempDir()}
		p, err := emulator.StartDynamoDB(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		_, err = dynamoClient(p.Endpoint).CreateTable(ctx, &dynamodb.CreateTableInput{
			TableName:            aws.String("kept"),
			BillingMode:          ddbtypes.BillingModePayPerRequest,
			AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
			KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: ddbtypes.KeyTypeHash}},
		})
		if err != nil {
			t.Fatalf("CreateTable: %v", err)
		}
		if err := p.Stop(); err != nil {
			t.Fatal(err)
		}
		select {
		case <-p.Done():
		default:
			t.Fatal("Done not closed after Stop")
		}
		p, err = emulator.StartDynamoDB(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		stop(t, p)
		out, err := dynamoClient(p.Endpoint).ListTables(ctx, &dynamodb.ListTablesInput{})
		if err != nil {
			t.Fatalf("ListTables: %v", err)
		}
		if len(out.TableNames) != 1 || out.TableNames[0] != "kept" {
			t.Errorf("tables after restart = %v, want [kept]", out.TableNames)
		}
	})

	t.Run("cognito", func(t *testing.T) {
		t.Parallel()
		ctx := testContext(t)
		start := time.Now()
		p, err := emulator.StartCognito(ctx, emulator.CognitoConfig{Pools: []emulator.Pool{seedPool}})
		if err != nil {
			t.Fatal(err)
		}
		stop(t, p)
		t.Logf("cognito-local ready at %s in %v", p.Endpoint, time.Since(start).Round(time.Millisecond))
		c := cognitoClient(p.Endpoint)

		pool, err := c.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String(seedPool.ID)})
		if err != nil {
			t.Fatalf("DescribeUserPool: %v", err)
		}
		if got := aws.ToString(pool.UserPool.Arn); got != seedPool.ARN() {
			t.Errorf("pool ARN = %s, want %s", got, seedPool.ARN())
		}
		if got := aws.ToString(pool.UserPool.Name); got != "seed" {
			t.Errorf("pool name = %s, want seed", got)
		}

		client, err := c.DescribeUserPoolClient(ctx, &cip.DescribeUserPoolClientInput{
			UserPoolId: aws.String(seedPool.ID), ClientId: aws.String(seedPool.Clients[0].ID),
		})
		if err != nil {
			t.Fatalf("DescribeUserPoolClient: %v", err)
		}
		if got := aws.ToString(client.UserPoolClient.ClientName); got != "web" {
			t.Errorf("client name = %s, want web", got)
		}

		_, err = c.DescribeUserPoolClient(ctx, &cip.DescribeUserPoolClientInput{
			UserPoolId: aws.String(seedPool.ID), ClientId: aws.String("nosuchclient"),
		})
		var nf *ciptypes.ResourceNotFoundException
		if !errors.As(err, &nf) {
			t.Errorf("DescribeUserPoolClient of a missing client: %v, want ResourceNotFoundException", err)
		}

		// Users sign in with a username, as in a pool made in AWS with no options.
		if _, err := c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{
			UserPoolId: aws.String(seedPool.ID), Username: aws.String("alice"),
			MessageAction: ciptypes.MessageActionTypeSuppress,
		}); err != nil {
			t.Fatalf("AdminCreateUser: %v", err)
		}
		if _, err := c.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{
			UserPoolId: aws.String(seedPool.ID), Username: aws.String("alice"),
			Password: aws.String("Passw0rd!"), Permanent: true,
		}); err != nil {
			t.Fatalf("AdminSetUserPassword: %v", err)
		}
		auth, err := c.InitiateAuth(ctx, &cip.InitiateAuthInput{
			ClientId: aws.String(seedPool.Clients[0].ID),
			AuthFlow: ciptypes.AuthFlowTypeUserPasswordAuth,
			AuthParameters: map[string]string{
				"USERNAME": "alice", "PASSWORD": "Passw0rd!",
			},
		})
		if err != nil {
			t.Fatalf("InitiateAuth: %v", err)
		}
		if auth.AuthenticationResult == nil || aws.ToString(auth.AuthenticationResult.IdToken) == "" {
			t.Errorf("InitiateAuth gave no ID token: %+v", auth)
		}
	})
}

func TestStartDynamoDBWithoutJar(t *testing.T) {
	_, err := emulator.StartDynamoDB(context.Background(), emulator.DynamoDBConfig{Dir: t.TempDir()})
	if err == nil {
		t.Fatal("StartDynamoDB with no jar succeeded")
	}
	t.Log(err)
}

func TestRepoRoot(t *testing.T) {
	root, err := emulator.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Error(err)
	}
}

// An emulator that cannot start fails fast, with the end of its log.
func TestStartFailureShowsLog(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port

	start := time.Now()
	_, err = emulator.StartCognito(testContext(t), emulator.CognitoConfig{Port: port})
	if err == nil {
		t.Fatal("StartCognito on a taken port succeeded")
	}
	if !strings.Contains(err.Error(), "EADDRINUSE") {
		t.Errorf("error does not show the log's EADDRINUSE:\n%v", err)
	}
	t.Log(err)
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("took %v to fail", d)
	}
}

// nonLoopbackIP returns an IPv4 address of this machine other than
// loopback, or "" (the test then cannot tell).
func nonLoopbackIP(t *testing.T) string {
	t.Helper()
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return ""
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil {
			return n.IP.String()
		}
	}
	t.Log("no non-loopback address to check the listening address with")
	return ""
}

// TestFreePortsDistinct: the ports FreePorts finds are distinct, whatever
// the kernel hands out next.
func TestFreePortsDistinct(t *testing.T) {
	t.Parallel()
	ports, err := emulator.FreePorts(16)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	for _, p := range ports {
		if seen[p] || p == 0 {
			t.Fatalf("ports %v: %d twice or zero", ports, p)
		}
		seen[p] = true
	}
}
