package cognito_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
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
	// ListFn answers ListUserPoolClients; nil lists the clients of
	// Clients, ListPageSize a page.
	ListFn  func(in *cip.ListUserPoolClientsInput) (*cip.ListUserPoolClientsOutput, error)
	Clients []string

	mu                      sync.Mutex
	inFlight, peak          int
	calls, lists, describes int
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
	f.mu.Lock()
	f.describes++
	f.mu.Unlock()
	return f.ClientFn(*in.ClientId)
}

func (f *fakeAPI) ListUserPoolClients(ctx context.Context, in *cip.ListUserPoolClientsInput, _ ...func(*cip.Options)) (*cip.ListUserPoolClientsOutput, error) {
	defer f.enter()()
	f.mu.Lock()
	f.lists++
	f.mu.Unlock()
	if f.ListFn != nil {
		return f.ListFn(in)
	}
	return pageOf(f.Clients, in), nil
}

// pageOf is the page of clients that in asks for; tokens are offsets.
func pageOf(clients []string, in *cip.ListUserPoolClientsInput) *cip.ListUserPoolClientsOutput {
	from := 0
	if in.NextToken != nil {
		fmt.Sscan(*in.NextToken, &from)
	}
	to := min(from+int(*in.MaxResults), len(clients))
	out := &cip.ListUserPoolClientsOutput{}
	for _, id := range clients[from:to] {
		out.UserPoolClients = append(out.UserPoolClients, types.UserPoolClientDescription{ClientId: aws.String(id), UserPoolId: aws.String("us-west-2_1a2b3c4d5")})
	}
	if to < len(clients) {
		out.NextToken = aws.String(fmt.Sprint(to))
	}
	return out
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
			// One id: it is described, not listed.
			found, err := v.VerifyUserPool(context.Background(), mustARN(t, poolARN), []string{"c1"})
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
	// A list that never ends and never shows the ids: after 39 pages the
	// 40 ids are described, concurrently.
	endless := func(in *cip.ListUserPoolClientsInput) (*cip.ListUserPoolClientsOutput, error) {
		return &cip.ListUserPoolClientsOutput{NextToken: aws.String("more")}, nil
	}
	api := &fakeAPI{PoolFn: okPool, ListFn: endless}
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
	if api.calls != 80 || api.lists != 39 {
		t.Errorf("calls = %d (%d lists), want 80 (1 pool + 39 pages + 40 clients)", api.calls, api.lists)
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

func ids(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%04d", prefix, i)
	}
	return out
}

// TestCallsFollowTheWorkNotTheList: what a verification costs, whatever
// the number of client ids in the request.
func TestCallsFollowTheWorkNotTheList(t *testing.T) {
	t.Parallel()
	big := ids("client", 1000) // a pool at Cognito's default app-client quota
	tests := []struct {
		name             string
		pool             []string
		ask              []string
		lists, describes int
		missing          []int
	}{
		{"one id is described", big, []string{"client0999"}, 0, 1, nil},
		{"the same id twice is described once", big, []string{"client0001", "client0001"}, 0, 1, nil},
		{"1,000 ids of a 1,000-client pool: every page once", big, big, 17, 0, nil},
		{"1,000 ids of a small pool: one page", ids("client", 5), big[:1000], 1, 0, seq(5, 1000)},
		{"two ids on the first page: one page", big, []string{"client0000", "client0059"}, 1, 0, nil},
		{"three ids deep in a big pool: two pages, then three describes", big, []string{"client0900", "client0901", "client0902"}, 2, 3, nil},
		{"1,000 ids none of which exist, big pool: the whole list", big, ids("nosuch", 1000), 17, 0, seq(0, 1000)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			api := &fakeAPI{PoolFn: okPool, Clients: tc.pool}
			api.ClientFn = func(id string) (*cip.DescribeUserPoolClientOutput, error) {
				if slices.Contains(tc.pool, id) {
					return okClient(id)
				}
				return nil, &types.ResourceNotFoundException{}
			}
			v := cognito.New(func(string) cognito.API { return api })
			found, err := v.VerifyUserPool(context.Background(), mustARN(t, poolARN), tc.ask)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.missing, found.MissingClients); diff != "" {
				t.Errorf("missing (-want +got):\n%s", diff)
			}
			if api.lists != tc.lists || api.describes != tc.describes {
				t.Errorf("%d lists and %d describes, want %d and %d", api.lists, api.describes, tc.lists, tc.describes)
			}
			if n := len(slices.Compact(slices.Sorted(slices.Values(tc.ask)))); api.lists+api.describes > 2*n {
				t.Errorf("%d client calls for %d ids", api.lists+api.describes, n)
			}
		})
	}
}

func seq(from, to int) []int {
	var out []int
	for i := from; i < to; i++ {
		out = append(out, i)
	}
	return out
}

// A list that fails is a failure to find out, and a list of a pool that
// does not exist says so for the pool and every id.
func TestListFailures(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		err  error
		want error
	}{
		"throttled":    {&types.TooManyRequestsException{}, avp.ErrThrottled},
		"5xx":          {httpError(500, "InternalErrorException"), avp.ErrUnavailable},
		"pool is gone": {&types.ResourceNotFoundException{}, nil},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			api := &fakeAPI{PoolFn: okPool, ClientFn: okClient, ListFn: func(*cip.ListUserPoolClientsInput) (*cip.ListUserPoolClientsOutput, error) { return nil, tc.err }}
			v := cognito.New(func(string) cognito.API { return api })
			found, err := v.VerifyUserPool(context.Background(), mustARN(t, poolARN), []string{"a", "b"})
			if tc.want != nil {
				if !errors.Is(err, tc.want) {
					t.Errorf("err = %v, want %v", err, tc.want)
				}
				return
			}
			if err != nil || !found.PoolMissing || !slices.Equal(found.MissingClients, []int{0, 1}) {
				t.Errorf("%+v %v", found, err)
			}
		})
	}
}

// countingAPI counts the calls that reach a real client.
type countingAPI struct {
	cognito.API
	mu    sync.Mutex
	calls map[string]int
}

func (c *countingAPI) count(op string) {
	c.mu.Lock()
	c.calls[op]++
	c.mu.Unlock()
}

func (c *countingAPI) DescribeUserPool(ctx context.Context, in *cip.DescribeUserPoolInput, o ...func(*cip.Options)) (*cip.DescribeUserPoolOutput, error) {
	c.count("DescribeUserPool")
	return c.API.DescribeUserPool(ctx, in, o...)
}

func (c *countingAPI) DescribeUserPoolClient(ctx context.Context, in *cip.DescribeUserPoolClientInput, o ...func(*cip.Options)) (*cip.DescribeUserPoolClientOutput, error) {
	c.count("DescribeUserPoolClient")
	return c.API.DescribeUserPoolClient(ctx, in, o...)
}

func (c *countingAPI) ListUserPoolClients(ctx context.Context, in *cip.ListUserPoolClientsInput, o ...func(*cip.Options)) (*cip.ListUserPoolClientsOutput, error) {
	c.count("ListUserPoolClients")
	return c.API.ListUserPoolClients(ctx, in, o...)
}

// TestThousandClientIDsAgainstCognitoLocal: 1,000 client ids, two of them
// real, cost cognito-local two calls (the pool and one page), not 1,001.
func TestThousandClientIDsAgainstCognitoLocal(t *testing.T) {
	t.Parallel()
	api := &countingAPI{API: emulatortest.Cognito(t), calls: map[string]int{}}
	v := cognito.New(func(string) cognito.API { return api })
	extra := emulatortest.NewClient(t, emulatortest.SeedPoolID, "verifier-thousand")
	ask := append([]string{emulatortest.SeedClientID, extra}, ids("nosuchclient", 998)...)
	found, err := v.VerifyUserPool(context.Background(), mustARN(t, emulatortest.SeedPoolARN), ask)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(seq(2, 1000), found.MissingClients); diff != "" || found.PoolMissing {
		t.Errorf("findings %+v; missing (-want +got):\n%s", found, diff)
	}
	want := map[string]int{"DescribeUserPool": 1, "ListUserPoolClients": 1}
	if diff := cmp.Diff(want, api.calls); diff != "" {
		t.Errorf("Cognito calls (-want +got):\n%s", diff)
	}
}
