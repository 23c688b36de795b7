package bench

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	vp "github.com/aws/aws-sdk-go-v2/service/verifiedpermissions"
	"github.com/aws/aws-sdk-go-v2/service/verifiedpermissions/types"

	"github.com/vpid-dev/vpid/internal/dev/emulator/emulatortest"
	"github.com/vpid-dev/vpid/internal/dev/loadtest"
	"github.com/vpid-dev/vpid/internal/dev/loadtest/stack"
)

// env is what the benchmarks share: emulators, a table, the API binary
// built as `make run` builds it and one running instance of it.
type env struct {
	st  *stack.Stack
	bin string
	api *stack.API
	// hc is the HTTP client of the benchmark's SDK clients.
	hc aws.HTTPClient
	// ddb and cog are configured as the API configures its own clients.
	ddb *dynamodb.Client
	cog *cip.Client
	// clients are app clients of the seed pool: the seed's and 3 more.
	clients []string
}

var (
	envOnce   sync.Once
	sharedEnv *env
	envErr    error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if sharedEnv != nil {
		if err := sharedEnv.st.Close(); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	}
	os.Exit(code)
}

// getEnv sets up the shared environment once: the emulators named by
// VPID_TEST_DYNAMODB_ENDPOINT and VPID_TEST_COGNITO_ENDPOINT, or new ones.
func getEnv(b *testing.B) *env {
	b.Helper()
	envOnce.Do(func() { sharedEnv, envErr = newEnv() })
	if envErr != nil {
		b.Fatal(envErr)
	}
	return sharedEnv
}

func newEnv() (*env, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	st, err := stack.Start(ctx, stack.Options{
		DynamoDBEndpoint: os.Getenv(emulatortest.EnvDynamoDBEndpoint),
		CognitoEndpoint:  os.Getenv(emulatortest.EnvCognitoEndpoint),
	})
	if err != nil {
		return nil, err
	}
	e := &env{st: st}
	fail := func(err error) (*env, error) {
		_ = st.Close()
		return nil, err
	}
	if e.bin, err = st.BuildAPI(ctx); err != nil {
		return fail(err)
	}
	if e.api, err = st.StartAPI(ctx, e.bin, stack.APIOptions{Env: apiEnv()}); err != nil {
		return fail(err)
	}
	e.hc = awshttp.NewBuildableClient().WithTransportOptions(func(t *http.Transport) {
		t.MaxIdleConns, t.MaxIdleConnsPerHost = 256, 256
	})
	creds := credentials.NewStaticCredentialsProvider("local", "local", "")
	// As internal/app configures the API's clients: 3 s per attempt, the
	// SDK's default retryer and response checks.
	e.ddb = dynamodb.New(dynamodb.Options{
		Region: "us-east-1", Credentials: creds, BaseEndpoint: aws.String(st.DynamoDBEndpoint),
		HTTPClient: awshttp.NewBuildableClient().WithTimeout(3 * time.Second),
	})
	e.cog = cip.New(cip.Options{
		Region: "us-west-2", Credentials: creds, BaseEndpoint: aws.String(st.CognitoEndpoint),
		HTTPClient: awshttp.NewBuildableClient().WithTimeout(3 * time.Second),
	})
	e.clients = []string{emulatortest.SeedClientID}
	for i := range 3 {
		out, err := e.cog.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{
			UserPoolId: aws.String(emulatortest.SeedPoolID), ClientName: aws.String(fmt.Sprintf("bench-%d", i)),
		})
		if err != nil {
			return fail(fmt.Errorf("create app client: %w", err))
		}
		e.clients = append(e.clients, aws.ToString(out.UserPoolClient.ClientId))
	}
	return e, nil
}

// apiEnv is what -api-env adds to the environment of every API process the
// benchmarks start.
func apiEnv() []string {
	if *flagAPIEnv == "" {
		return nil
	}
	return strings.Split(*flagAPIEnv, ",")
}

// client is a Verified Permissions client of the API at url for account,
// without retries.
func (e *env) client(url, account string) *vp.Client {
	return loadtest.NewClient(url, account, e.hc)
}

// createStores creates n policy stores through c, 8 at a time.
func createStores(b *testing.B, c *vp.Client, n int) []string {
	b.Helper()
	ids := make([]string, n)
	errs := make([]error, n)
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			out, err := c.CreatePolicyStore(context.Background(), &vp.CreatePolicyStoreInput{
				ValidationSettings: &types.ValidationSettings{Mode: types.ValidationModeOff},
			})
			if err == nil {
				ids[i] = aws.ToString(out.PolicyStoreId)
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			b.Fatal(err)
		}
	}
	return ids
}

func seedConfig(clients []string) *types.ConfigurationMemberCognitoUserPoolConfiguration {
	return &types.ConfigurationMemberCognitoUserPoolConfiguration{Value: types.CognitoUserPoolConfiguration{
		UserPoolArn: aws.String(emulatortest.SeedPoolARN), ClientIds: clients,
	}}
}
