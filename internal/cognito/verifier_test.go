package cognito_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/google/go-cmp/cmp"

	"github.com/vpid-dev/vpid/internal/avp"
	"github.com/vpid-dev/vpid/internal/cognito"
	"github.com/vpid-dev/vpid/internal/dev/emulator/emulatortest"
)

func TestMain(m *testing.M) { emulatortest.Main(m) }

func localVerifier(t *testing.T) *cognito.Verifier {
	t.Helper()
	client := emulatortest.Cognito(t)
	return cognito.New(func(string) cognito.API { return client })
}

func mustARN(t *testing.T, s string) avp.UserPoolARN {
	t.Helper()
	a, ok := avp.ParseUserPoolARN(s)
	if !ok {
		t.Fatalf("bad ARN %s", s)
	}
	return a
}

func TestVerifyAgainstCognitoLocal(t *testing.T) {
	t.Parallel()
	v := localVerifier(t)
	extra := emulatortest.NewClient(t, emulatortest.SeedPoolID, "verifier-test")
	seed := mustARN(t, emulatortest.SeedPoolARN)
	tests := []struct {
		name    string
		pool    avp.UserPoolARN
		clients []string
		want    avp.UserPoolFindings
	}{
		{"pool and clients exist", seed, []string{emulatortest.SeedClientID, extra}, avp.UserPoolFindings{}},
		{"no clients", seed, nil, avp.UserPoolFindings{}},
		{"pool missing", mustARN(t, "arn:aws:cognito-idp:us-west-2:123456789012:userpool/us-west-2_NoSuchPool"), []string{emulatortest.SeedClientID}, avp.UserPoolFindings{PoolMissing: true, MissingClients: []int{0}}},
		{"client missing", seed, []string{emulatortest.SeedClientID, "nosuchclient0000000000000a", extra}, avp.UserPoolFindings{MissingClients: []int{1}}},
		{"client of another pool", seed, []string{emulatortest.OtherClientID}, avp.UserPoolFindings{MissingClients: []int{0}}},
		{"client id Cognito could never issue", seed, []string{"not a client!"}, avp.UserPoolFindings{MissingClients: []int{0}}},
		{"ARN names another account", mustARN(t, "arn:aws:cognito-idp:us-west-2:999999999999:userpool/us-west-2_1a2b3c4d5"), nil, avp.UserPoolFindings{ActualARN: emulatortest.SeedPoolARN}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := v.VerifyUserPool(context.Background(), tc.pool, tc.clients)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Error(diff)
			}
		})
	}
}

// fakeAPI answers describes with the Fn fields and records concurrency.
type fakeAPI struct {
	PoolFn   func() (*cip.DescribeUserPoolOutput, error)
	ClientFn func(id string) (*cip.DescribeUserPoolClientOutput, error)

	mu             sync.Mutex
	inFlight, peak int
	calls          int
}

func (f *fakeAPI) enter() func() {
	f.mu.Lock()
	f.inFlight++
	f.calls++
	f.peak = max(f.peak, f.inFlight)
	f.mu.Unlock()
	return func() {
		f.mu.Lock()
		f.inFlight--
		f.mu.Unlock()
	}
}

func (f *fakeAPI) DescribeUserPool(ctx context.Context, in *cip.DescribeUserPoolInput, _ ...func(*cip.Options)) (*cip.DescribeUserPoolOutput, error) {
	defer f.enter()()
	return f.PoolFn()
}

func (f *fakeAPI) DescribeUserPoolClient(ctx context.Context, in *cip.DescribeUserPoolClientInput, _ ...func(*cip.Options)) (*cip.DescribeUserPoolClientOutput, error) {
	defer f.enter()()
	return f.ClientFn(*in.ClientId)
}

const poolARN = "arn:aws:cognito-idp:us-west-2:123456789012:userpool/us-west-2_1a2b3c4d5"

func okPool() (*cip.DescribeUserPoolOutput, error) {
	arn := poolARN
	return &cip.DescribeUserPoolOutput{UserPool: &types.UserPoolType{Arn: &arn}}, nil
}

func okClient(string) (*cip.DescribeUserPoolClientOutput, error) {
	pool := "us-west-2_1a2b3c4d5"
	return &cip.DescribeUserPoolClientOutput{UserPoolClient: &types.UserPoolClientType{UserPoolId: &pool}}, nil
}

func httpError(status int, code string) error {
	return &smithy.OperationError{ServiceID: "Cognito", OperationName: "Describe", Err: &smithyhttp.ResponseError{
		Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}},
		Err:      &smithy.GenericAPIError{Code: code, Message: "m"},
	}}
}

func TestFailuresAreNeverNotFound(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		pool   func() (*cip.DescribeUserPoolOutput, error)
		client func(string) (*cip.DescribeUserPoolClientOutput, error)
		want   error // nil: an internal (unclassified) error is wanted
	}{
		{"pool throttled", func() (*cip.DescribeUserPoolOutput, error) { return nil, &types.TooManyRequestsException{} }, okClient, avp.ErrThrottled},
		{"client throttled", okPool, func(string) (*cip.DescribeUserPoolClientOutput, error) { return nil, &types.TooManyRequestsException{} }, avp.ErrThrottled},
		{"internal error", func() (*cip.DescribeUserPoolOutput, error) { return nil, httpError(500, "InternalErrorException") }, okClient, avp.ErrUnavailable},
		{"timeout", okPool, func(string) (*cip.DescribeUserPoolClientOutput, error) { return nil, context.DeadlineExceeded }, avp.ErrUnavailable},
		{"connection reset", okPool, func(string) (*cip.DescribeUserPoolClientOutput, error) {
			return nil, &smithy.OperationError{Err: errors.New("read: connection reset by peer")}
		}, avp.ErrUnavailable},
		{"access denied", func() (*cip.DescribeUserPoolOutput, error) { return nil, httpError(400, "NotAuthorizedException") }, okClient, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			api := &fakeAPI{PoolFn: tc.pool, ClientFn: tc.client}
			v := cognito.New(func(string) cognito.API { return api })
			found, err := v.VerifyUserPool(context.Background(), mustARN(t, poolARN), []string{"c1", "c2"})
			if err == nil {
				t.Fatalf("no error; findings %+v", found)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("error %v, want %v", err, tc.want)
			}
			if tc.want == nil && (errors.Is(err, avp.ErrThrottled) || errors.Is(err, avp.ErrUnavailable)) {
				t.Errorf("error %v is classified retryable", err)
			}
		})
	}
}

func TestCallsAreConcurrentAndBounded(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	var once sync.Once
	api := &fakeAPI{PoolFn: okPool}
	api.ClientFn = func(id string) (*cip.DescribeUserPoolClientOutput, error) {
		api.mu.Lock()
		full := api.inFlight >= cognito.DefaultParallelism
		api.mu.Unlock()
		if full {
			once.Do(func() { close(release) })
		}
		select {
		case <-release:
		case <-time.After(5 * time.Second): // only if the calls were serialized
		}
		return okClient(id)
	}
	v := cognito.New(func(string) cognito.API { return api })
	ids := make([]string, 40)
	for i := range ids {
		ids[i] = fmt.Sprintf("client%d", i)
	}
	found, err := v.VerifyUserPool(context.Background(), mustARN(t, poolARN), ids)
	if err != nil || len(found.MissingClients) != 0 {
		t.Fatalf("%+v %v", found, err)
	}
	if api.calls != 41 {
		t.Errorf("calls = %d, want 41 (1 pool + 40 clients)", api.calls)
	}
	if api.peak != cognito.DefaultParallelism {
		t.Errorf("peak concurrency = %d, want %d", api.peak, cognito.DefaultParallelism)
	}
}

func TestCallerCancellationIsNotAnAnswer(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	api := &fakeAPI{PoolFn: okPool, ClientFn: okClient}
	v := cognito.New(func(string) cognito.API { return api })
	if _, err := v.VerifyUserPool(ctx, mustARN(t, poolARN), []string{"a"}); !errors.Is(err, avp.ErrUnavailable) {
		t.Errorf("err = %v", err)
	}
}
