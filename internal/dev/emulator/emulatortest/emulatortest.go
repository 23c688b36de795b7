// Package emulatortest gives tests DynamoDB Local and cognito-local endpoints,
// SDK clients for them, fresh tables and app clients, and a standard set of
// Cognito user pools with AWS-shaped ids and ARNs (TestPools).
//
// `make test` starts both emulators once for all packages and passes their
// endpoints in VPID_TEST_DYNAMODB_ENDPOINT and VPID_TEST_COGNITO_ENDPOINT.
// A plain `go test` (after `make tools`) starts them once per test binary
// instead; such a package should stop them in TestMain:
//
//	func TestMain(m *testing.M) { emulatortest.Main(m) }
package emulatortest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/vpid-dev/vpid/internal/dev/emulator"
	"github.com/vpid-dev/vpid/internal/dev/localtable"
)

// Environment variables naming emulators that are already running (set by
// `go run ./internal/dev/devstack test`, which `make test` uses).
const (
	EnvDynamoDBEndpoint = "VPID_TEST_DYNAMODB_ENDPOINT"
	EnvCognitoEndpoint  = "VPID_TEST_COGNITO_ENDPOINT"
)

// ClientRegion is the region of the SDK clients this package makes.
const ClientRegion = "us-east-1"

// The standard test pools (see TestPools).
const (
	// SeedAccount owns the seed pool and OtherPool.
	SeedAccount = "123456789012"
	// SeedRegion is the region of the seed pool and OtherPool.
	SeedRegion = "us-west-2"
	// SeedPoolID is the pool of the Verified Permissions documentation's
	// example identity source.
	SeedPoolID = "us-west-2_1a2b3c4d5"
	// SeedPoolARN is SeedPoolID's ARN.
	SeedPoolARN = "arn:aws:cognito-idp:us-west-2:123456789012:userpool/us-west-2_1a2b3c4d5"
	// SeedClientID is the seed pool's app client.
	SeedClientID = "a1b2c3d4e5f6g7h8i9j0kalbmc"

	// OtherPoolID is a second pool in SeedAccount and SeedRegion.
	OtherPoolID = "us-west-2_OtherPool1"
	// OtherPoolARN is OtherPoolID's ARN.
	OtherPoolARN = "arn:aws:cognito-idp:us-west-2:123456789012:userpool/us-west-2_OtherPool1"
	// OtherClientID is OtherPool's app client.
	OtherClientID = "otherpoolclient000000000a"

	// AcctOneAccount owns AcctOnePoolID.
	AcctOneAccount = "111111111111"
	// AcctOnePoolID is a pool in us-east-1 of account AcctOneAccount.
	AcctOnePoolID = "us-east-1_AcctOne11"
	// AcctOnePoolARN is AcctOnePoolID's ARN.
	AcctOnePoolARN = "arn:aws:cognito-idp:us-east-1:111111111111:userpool/us-east-1_AcctOne11"
	// AcctOneClientID is AcctOnePool's app client.
	AcctOneClientID = "acctoneclient00000000000a"

	// AcctTwoAccount owns AcctTwoPoolID.
	AcctTwoAccount = "222222222222"
	// AcctTwoPoolID is a pool in us-east-1 of account AcctTwoAccount.
	AcctTwoPoolID = "us-east-1_AcctTwo22"
	// AcctTwoPoolARN is AcctTwoPoolID's ARN.
	AcctTwoPoolARN = "arn:aws:cognito-idp:us-east-1:222222222222:userpool/us-east-1_AcctTwo22"
	// AcctTwoClientID is AcctTwoPool's app client.
	AcctTwoClientID = "accttwoclient00000000000a"
)

// TestPools returns the standard test pools, each with one app client.
func TestPools() []emulator.Pool {
	return []emulator.Pool{
		{
			ID: SeedPoolID, Region: SeedRegion, Account: SeedAccount, Name: "seed",
			Clients: []emulator.Client{{ID: SeedClientID, Name: "seed-client"}},
		},
		{
			ID: OtherPoolID, Region: SeedRegion, Account: SeedAccount, Name: "other",
			Clients: []emulator.Client{{ID: OtherClientID, Name: "other-client"}},
		},
		{
			ID: AcctOnePoolID, Region: "us-east-1", Account: AcctOneAccount, Name: "acct-one",
			Clients: []emulator.Client{{ID: AcctOneClientID, Name: "acct-one-client"}},
		},
		{
			ID: AcctTwoPoolID, Region: "us-east-1", Account: AcctTwoAccount, Name: "acct-two",
			Clients: []emulator.Client{{ID: AcctTwoClientID, Name: "acct-two-client"}},
		},
	}
}

// Emulators started by this test binary (when the environment names none).
var shared struct {
	once    sync.Once
	dynamo  string
	cognito string
	err     error
	mu      sync.Mutex
	started []*emulator.Process
	stopped bool
}

// Endpoints returns the DynamoDB and Cognito endpoints for tests: those in
// VPID_TEST_DYNAMODB_ENDPOINT and VPID_TEST_COGNITO_ENDPOINT if set, else
// emulators started once per test binary (in-memory DynamoDB, cognito-local
// seeded with TestPools). It fails the test if they cannot be had.
func Endpoints(tb testing.TB) (dynamo, cognito string) {
	tb.Helper()
	shared.once.Do(startShared)
	if shared.err != nil {
		tb.Fatalf("emulatortest: %v\n"+
			"Run the tests with `make test` (it installs the emulators with `make tools` "+
			"and starts them once for all packages).", shared.err)
	}
	return shared.dynamo, shared.cognito
}

func startShared() {
	d, c := os.Getenv(EnvDynamoDBEndpoint), os.Getenv(EnvCognitoEndpoint)
	if d != "" || c != "" {
		if d == "" || c == "" {
			shared.err = fmt.Errorf("set both %s and %s, or neither", EnvDynamoDBEndpoint, EnvCognitoEndpoint)
			return
		}
		shared.dynamo, shared.cognito = d, c
		return
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var (
		wg             sync.WaitGroup
		ddb, cog       *emulator.Process
		ddbErr, cogErr error
	)
	wg.Add(2)
	go func() {
		defer wg.Done()
		ddb, ddbErr = emulator.StartDynamoDB(ctx, emulator.DynamoDBConfig{})
	}()
	go func() {
		defer wg.Done()
		cog, cogErr = emulator.StartCognito(ctx, emulator.CognitoConfig{Pools: TestPools()})
	}()
	wg.Wait()

	shared.mu.Lock()
	defer shared.mu.Unlock()
	for _, p := range []*emulator.Process{ddb, cog} {
		if p != nil {
			shared.started = append(shared.started, p)
		}
	}
	if ddbErr != nil || cogErr != nil {
		for _, p := range shared.started {
			_ = p.Stop()
		}
		shared.started = nil
		if ddbErr != nil && cogErr != nil {
			shared.err = fmt.Errorf("%v\n%v", ddbErr, cogErr)
		} else if ddbErr != nil {
			shared.err = ddbErr
		} else {
			shared.err = cogErr
		}
		return
	}
	if shared.stopped {
		shared.err = fmt.Errorf("emulators asked for after Main stopped them")
		_ = ddb.Stop()
		_ = cog.Stop()
		return
	}
	shared.dynamo, shared.cognito = ddb.Endpoint, cog.Endpoint
}

// Main runs the tests and then stops the emulators Endpoints started, then
// exits with the tests' status. Call it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	if err := Stop(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

// Stop stops the emulators that Endpoints started, if any. Main calls it.
func Stop() error {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	shared.stopped = true
	var errs []string
	for _, p := range shared.started {
		if err := p.Stop(); err != nil {
			errs = append(errs, err.Error())
		}
	}
	shared.started = nil
	if len(errs) > 0 {
		return fmt.Errorf("emulatortest: %s", strings.Join(errs, "; "))
	}
	return nil
}

func staticCredentials() aws.CredentialsProvider {
	return credentials.NewStaticCredentialsProvider("local", "local", "")
}

// NewDynamoDBClient returns a DynamoDB client for an emulator endpoint, with
// dummy credentials and the response checksum check (which DynamoDB Local's
// error answers fail) turned off.
func NewDynamoDBClient(endpoint string) *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		Region:                          ClientRegion,
		Credentials:                     staticCredentials(),
		BaseEndpoint:                    aws.String(endpoint),
		DisableValidateResponseChecksum: true,
	})
}

// NewCognitoClient returns a Cognito user pools client for an emulator
// endpoint, with dummy credentials.
func NewCognitoClient(endpoint string) *cip.Client {
	return cip.New(cip.Options{
		Region:       ClientRegion,
		Credentials:  staticCredentials(),
		BaseEndpoint: aws.String(endpoint),
	})
}

// DynamoDB returns a client for the test DynamoDB endpoint.
func DynamoDB(tb testing.TB) *dynamodb.Client {
	tb.Helper()
	d, _ := Endpoints(tb)
	return NewDynamoDBClient(d)
}

// Cognito returns a client for the test cognito-local endpoint.
func Cognito(tb testing.TB) *cip.Client {
	tb.Helper()
	_, c := Endpoints(tb)
	return NewCognitoClient(c)
}

var unsafeTableChars = regexp.MustCompile(`[^a-zA-Z0-9_.-]+`)

// NewTable creates a vpid table (localtable.EnsureTable) with a name no other test
// uses, deletes it when the test ends and returns its name.
func NewTable(tb testing.TB, client *dynamodb.Client) string {
	tb.Helper()
	base := unsafeTableChars.ReplaceAllString(tb.Name(), "-")
	if len(base) > 80 {
		base = base[:80]
	}
	name := "test-" + base + "-" + randomHex(6)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := localtable.EnsureTable(ctx, client, name); err != nil {
		tb.Fatalf("emulatortest: create table %s: %v", name, err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := client.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(name)}); err != nil {
			tb.Errorf("emulatortest: delete table %s: %v", name, err)
		}
	})
	return name
}

// NewClient creates an app client named name in pool poolID through
// cognito-local's API, deletes it when the test ends and returns its id.
func NewClient(tb testing.TB, poolID, name string) string {
	tb.Helper()
	c := Cognito(tb)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := c.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{
		UserPoolId: aws.String(poolID),
		ClientName: aws.String(name),
		ExplicitAuthFlows: []ciptypes.ExplicitAuthFlowsType{
			ciptypes.ExplicitAuthFlowsTypeAllowUserPasswordAuth,
			ciptypes.ExplicitAuthFlowsTypeAllowAdminUserPasswordAuth,
			ciptypes.ExplicitAuthFlowsTypeAllowRefreshTokenAuth,
		},
	})
	if err != nil {
		tb.Fatalf("emulatortest: create app client %q in %s: %v", name, poolID, err)
	}
	id := aws.ToString(out.UserPoolClient.ClientId)
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := c.DeleteUserPoolClient(ctx, &cip.DeleteUserPoolClientInput{
			UserPoolId: aws.String(poolID), ClientId: aws.String(id),
		}); err != nil {
			tb.Errorf("emulatortest: delete app client %s: %v", id, err)
		}
	})
	return id
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
