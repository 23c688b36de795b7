package faultproxy

import (
	"context"
	"errors"
	"hash/crc32"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
)

// upstream is a stand-in for DynamoDB and Cognito: it answers the few
// operations the tests call with well-formed successes and counts them.
type upstream struct {
	srv *httptest.Server
	mu  sync.Mutex
	n   map[string]int
}

const upstreamRequestID = "UPSTREAMREQUESTID0000000000000000000000000000000000A"

func newUpstream(t *testing.T) *upstream {
	u := &upstream{n: map[string]int{}}
	u.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		target := r.Header.Get("X-Amz-Target")
		u.mu.Lock()
		u.n[target]++
		u.mu.Unlock()
		var body, ct string
		switch target {
		case "DynamoDB_20120810.GetItem":
			body, ct = `{"Item":{"pk":{"S":"p"},"sk":{"S":"s"}}}`, "application/x-amz-json-1.0"
		case "DynamoDB_20120810.TransactWriteItems":
			body, ct = `{}`, "application/x-amz-json-1.0"
		case "AWSCognitoIdentityProviderService.DescribeUserPool":
			body, ct = `{"UserPool":{"Id":"us-east-1_Pool1","Arn":"arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Pool1"}}`, "application/x-amz-json-1.1"
		case "AWSCognitoIdentityProviderService.DescribeUserPoolClient":
			body, ct = `{"UserPoolClient":{"ClientId":"client1","UserPoolId":"us-east-1_Pool1"}}`, "application/x-amz-json-1.1"
		default:
			http.Error(w, "unexpected target "+target, http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", ct)
		w.Header()["x-amzn-RequestId"] = []string{upstreamRequestID}
		w.Header()["x-amz-crc32"] = []string{strconv.FormatUint(uint64(crc32.ChecksumIEEE([]byte(body))), 10)}
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(u.srv.Close)
	return u
}

func (u *upstream) count(op string) int {
	u.mu.Lock()
	defer u.mu.Unlock()
	n := 0
	for target, c := range u.n {
		if opMatches(op, target) {
			n += c
		}
	}
	return n
}

func start(t *testing.T) (*upstream, *Proxy) {
	t.Helper()
	u := newUpstream(t)
	p := Start(u.srv.URL)
	t.Cleanup(p.Close)
	return u, p
}

// ddb is a DynamoDB client through p that makes one attempt per call (the
// tests look at each attempt) and, unlike the emulators' clients, checks
// the X-Amz-Crc32 of every answer.
func ddb(p *Proxy, attempts int) *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("local", "local", ""),
		BaseEndpoint:     aws.String(p.URL()),
		RetryMaxAttempts: attempts,
	})
}

func idp(p *Proxy, attempts int) *cip.Client {
	return cip.New(cip.Options{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("local", "local", ""),
		BaseEndpoint:     aws.String(p.URL()),
		RetryMaxAttempts: attempts,
	})
}

var ctx = context.Background()

func getItem(c *dynamodb.Client) error {
	_, err := getItemOut(c)
	return err
}

func getItemOut(c *dynamodb.Client) (*dynamodb.GetItemOutput, error) {
	return c.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String("t"),
		Key:       map[string]ddbtypes.AttributeValue{"pk": &ddbtypes.AttributeValueMemberS{Value: "p"}, "sk": &ddbtypes.AttributeValueMemberS{Value: "s"}},
	})
}

func transact(c *dynamodb.Client, items int) error {
	in := &dynamodb.TransactWriteItemsInput{}
	for i := range items {
		in.TransactItems = append(in.TransactItems, ddbtypes.TransactWriteItem{Put: &ddbtypes.Put{
			TableName: aws.String("t"),
			Item:      map[string]ddbtypes.AttributeValue{"pk": &ddbtypes.AttributeValueMemberS{Value: strconv.Itoa(i)}},
		}})
	}
	_, err := c.TransactWriteItems(ctx, in)
	return err
}

func describePool(c *cip.Client) error {
	_, err := c.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String("us-east-1_Pool1")})
	return err
}

func describeClient(c *cip.Client) error {
	_, err := c.DescribeUserPoolClient(ctx, &cip.DescribeUserPoolClientInput{UserPoolId: aws.String("us-east-1_Pool1"), ClientId: aws.String("client1")})
	return err
}

func TestFaultProxyPassThrough(t *testing.T) {
	u, p := start(t)
	out, err := getItemOut(ddb(p, 1))
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Item) != 2 {
		t.Errorf("item %v", out.Item)
	}
	if id, _ := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata); id != upstreamRequestID {
		t.Errorf("request id %q, want the upstream's", id)
	}
	if err := describeClient(idp(p, 1)); err != nil {
		t.Fatal(err)
	}
	if u.count("GetItem") != 1 || p.Seen("GetItem") != 1 || p.Injected() != 0 || p.Seen() != 2 {
		t.Errorf("upstream %d, seen %v, injected %d", u.count("GetItem"), p.Targets(), p.Injected())
	}
}

var (
	dynamoRequestIDForm  = regexp.MustCompile(`^[0-9A-Z]{52}$`)
	cognitoRequestIDForm = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
)

// TestErrorAnswers drives the real SDK clients into each made-up answer: the
// SDK must decode it as the service's modeled error (so the checksum, the
// content type and the __type were right), read the request id, and decide
// about retrying it as it would for the real service.
func TestFaultProxyErrorAnswers(t *testing.T) {
	type check func(t *testing.T, err error)
	is := func(target any) check {
		return func(t *testing.T, err error) {
			if !errors.As(err, target) {
				t.Errorf("error %T %v, want %T", err, err, target)
			}
		}
	}
	cases := []struct {
		name      string
		fault     Fault
		call      func(*Proxy) error
		status    int
		code      string
		retryable bool
		want      check
	}{
		{"dynamodb 500", InternalError(), func(p *Proxy) error { return getItem(ddb(p, 1)) },
			500, "InternalServerError", true, is(new(*ddbtypes.InternalServerError))},
		{"dynamodb throttle", Throttle(), func(p *Proxy) error { return getItem(ddb(p, 1)) },
			400, "ThrottlingException", true, is(new(*ddbtypes.ThrottlingException))},
		{"dynamodb throughput", ThroughputExceeded(), func(p *Proxy) error { return getItem(ddb(p, 1)) },
			400, "ProvisionedThroughputExceededException", true, is(new(*ddbtypes.ProvisionedThroughputExceededException))},
		{"dynamodb request limit", RequestLimitExceeded(), func(p *Proxy) error { return transact(ddb(p, 1), 2) },
			400, "RequestLimitExceeded", true, is(new(*ddbtypes.RequestLimitExceeded))},
		{"dynamodb transaction throttled", TransactionThrottled(), func(p *Proxy) error { return transact(ddb(p, 1), 3) },
			400, "TransactionCanceledException", false, func(t *testing.T, err error) {
				var tc *ddbtypes.TransactionCanceledException
				if !errors.As(err, &tc) {
					t.Fatalf("error %T %v, want TransactionCanceledException", err, err)
				}
				var codes []string
				for _, r := range tc.CancellationReasons {
					codes = append(codes, aws.ToString(r.Code))
				}
				if strings.Join(codes, ",") != "ThrottlingError,None,None" {
					t.Errorf("reasons %v, want one per item, the first ThrottlingError", codes)
				}
				if !strings.Contains(tc.ErrorMessage(), "[ThrottlingError, None, None]") {
					t.Errorf("message %q", tc.ErrorMessage())
				}
			}},
		{"dynamodb transaction in progress", TransactionInProgress(), func(p *Proxy) error { return transact(ddb(p, 1), 1) },
			400, "TransactionInProgressException", true, is(new(*ddbtypes.TransactionInProgressException))},
		{"dynamodb transaction throttled on a read", TransactionThrottled(), func(p *Proxy) error { return getItem(ddb(p, 1)) },
			400, "ThrottlingException", true, is(new(*ddbtypes.ThrottlingException))},
		{"cognito 500", InternalError(), func(p *Proxy) error { return describePool(idp(p, 1)) },
			500, "InternalErrorException", true, is(new(*ciptypes.InternalErrorException))},
		{"cognito throttle", Throttle(), func(p *Proxy) error { return describeClient(idp(p, 1)) },
			400, "TooManyRequestsException", true, is(new(*ciptypes.TooManyRequestsException))},
		{"cognito throughput is its throttle", ThroughputExceeded(), func(p *Proxy) error { return describePool(idp(p, 1)) },
			400, "TooManyRequestsException", true, is(new(*ciptypes.TooManyRequestsException))},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			u, p := start(t)
			p.Set(c.fault)
			err := c.call(p)
			if err == nil {
				t.Fatal("no error")
			}
			c.want(t, err)
			var ae smithy.APIError
			if !errors.As(err, &ae) || ae.ErrorCode() != c.code {
				t.Errorf("error code of %v, want %s", err, c.code)
			}
			var re *awshttp.ResponseError
			if !errors.As(err, &re) {
				t.Fatalf("%v carries no HTTP response", err)
			}
			if re.HTTPStatusCode() != c.status {
				t.Errorf("status %d, want %d", re.HTTPStatusCode(), c.status)
			}
			form := dynamoRequestIDForm
			if strings.Contains(c.name, "cognito") {
				form = cognitoRequestIDForm
			}
			if !form.MatchString(re.ServiceRequestID()) {
				t.Errorf("request id %q, want the service's form %v", re.ServiceRequestID(), form)
			}
			if got := retry.NewStandard().IsErrorRetryable(err); got != c.retryable {
				t.Errorf("the SDK's retryer says retryable=%v, want %v", got, c.retryable)
			}
			if n := u.count(""); n != 0 {
				t.Errorf("the dependency saw %d requests, want none", n)
			}
			if p.Injected() != 1 {
				t.Errorf("injected %d", p.Injected())
			}
		})
	}
}

// TestAnswerBytes pins the exact bodies and headers, independently of how
// the SDK reads them.
func TestFaultProxyAnswerBytes(t *testing.T) {
	_, p := start(t)
	cases := []struct {
		fault  Fault
		target string
		status int
		ct     string
		body   string
	}{
		{InternalError(), "DynamoDB_20120810.GetItem", 500, "application/x-amz-json-1.0",
			`{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"Internal server error"}`},
		{Throttle(), "DynamoDB_20120810.TransactWriteItems", 400, "application/x-amz-json-1.0",
			`{"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException","message":"Rate of requests exceeds the allowed throughput."}`},
		{ThroughputExceeded(), "DynamoDB_20120810.GetItem", 400, "application/x-amz-json-1.0",
			`{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException","message":"The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API."}`},
		{Throttle(), "AWSCognitoIdentityProviderService.DescribeUserPool", 400, "application/x-amz-json-1.1",
			`{"__type":"TooManyRequestsException","message":"Rate exceeded"}`},
		{InternalError(), "AWSCognitoIdentityProviderService.DescribeUserPoolClient", 500, "application/x-amz-json-1.1",
			`{"__type":"InternalErrorException","message":"An internal error occurred."}`},
	}
	for _, c := range cases {
		p.Set(c.fault)
		req, _ := http.NewRequest(http.MethodPost, p.URL(), strings.NewReader("{}"))
		req.Header.Set("X-Amz-Target", c.target)
		req.Header.Set("Content-Type", c.ct)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != c.status || string(b) != c.body {
			t.Errorf("%s %s: %d %s, want %d %s", c.fault, c.target, res.StatusCode, b, c.status, c.body)
		}
		if got := res.Header.Get("Content-Type"); got != c.ct {
			t.Errorf("%s %s: Content-Type %q", c.fault, c.target, got)
		}
		if res.Header.Get("X-Amzn-Requestid") == "" {
			t.Errorf("%s %s: no x-amzn-RequestId", c.fault, c.target)
		}
		crc := res.Header.Get("X-Amz-Crc32")
		if want := strconv.FormatUint(uint64(crc32.ChecksumIEEE(b)), 10); strings.HasPrefix(c.target, "DynamoDB") && crc != want {
			t.Errorf("%s %s: X-Amz-Crc32 %q, want %s", c.fault, c.target, crc, want)
		}
	}
}

func TestFaultProxyReset(t *testing.T) {
	u, p := start(t)
	c := ddb(p, 1)
	p.Set(Reset().On("TransactWriteItems"))
	err := transact(c, 1)
	if err == nil {
		t.Fatal("no error")
	}
	if !retry.NewStandard().IsErrorRetryable(err) {
		t.Errorf("the SDK would not retry %v", err)
	}
	if u.count("TransactWriteItems") != 0 {
		t.Error("a reset before forwarding reached the dependency")
	}
	if err := getItem(c); err != nil {
		t.Errorf("GetItem is out of the fault's scope: %v", err)
	}

	p.Set(ResetAfterForward().On("TransactWriteItems"))
	if err := transact(c, 1); err == nil {
		t.Fatal("no error")
	}
	if u.count("TransactWriteItems") != 1 {
		t.Errorf("the dependency saw %d writes, want the one forwarded", u.count("TransactWriteItems"))
	}
	if p.Seen("TransactWriteItems") != 2 || p.Injected("TransactWriteItems") != 2 || p.Injected("GetItem") != 0 {
		t.Errorf("counts %v, injected %d", p.Targets(), p.Injected())
	}
}

// TestRetriedThrough shows the SDK's own retry getting past a fault that
// hits only the first attempt.
func TestFaultProxyRetriedThrough(t *testing.T) {
	for _, f := range []Fault{Throttle(), InternalError(), Reset(), ResetAfterForward()} {
		t.Run(f.String(), func(t *testing.T) {
			u, p := start(t)
			p.Set(f.On("DescribeUserPool").Times(1))
			if err := describePool(idp(p, 3)); err != nil {
				t.Fatal(err)
			}
			if p.Seen("DescribeUserPool") != 2 || p.Injected() != 1 {
				t.Errorf("counts %v, injected %d", p.Targets(), p.Injected())
			}
			want := 1
			if f.afterForward {
				want = 2
			}
			if u.count("DescribeUserPool") != want {
				t.Errorf("the dependency saw %d, want %d", u.count("DescribeUserPool"), want)
			}
		})
	}
}

func TestFaultProxyHangUntilCleared(t *testing.T) {
	for _, f := range []Fault{Hang(), HangAfterForward()} {
		t.Run(f.String(), func(t *testing.T) {
			u, p := start(t)
			p.Set(f.On("GetItem"))
			done := make(chan error, 1)
			go func() { done <- getItem(ddb(p, 1)) }()
			want := 0
			if f.afterForward {
				want = 1
			}
			eventually(t, func() bool { return p.Seen("GetItem") == 1 && u.count("GetItem") == want })
			if err := describePool(idp(p, 1)); err != nil {
				t.Errorf("DescribeUserPool is out of the fault's scope: %v", err)
			}
			select {
			case err := <-done:
				t.Fatalf("a hung request ended: %v", err)
			default:
			}
			if u.count("GetItem") != want {
				t.Errorf("while held, the dependency saw %d, want %d", u.count("GetItem"), want)
			}
			if p.InFlight() != 1 {
				t.Errorf("in flight: %d, want the held request", p.InFlight())
			}
			p.Clear()
			if err := <-done; err != nil {
				t.Errorf("after clearing: %v", err)
			}
			eventually(t, func() bool { return p.InFlight() == 0 })
			if u.count("GetItem") != 1 {
				t.Errorf("the dependency saw %d, want 1", u.count("GetItem"))
			}
		})
	}
}

func TestFaultProxyHangClientGivesUp(t *testing.T) {
	u, p := start(t)
	p.Set(Hang())
	c := dynamodb.New(dynamodb.Options{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("local", "local", ""),
		BaseEndpoint:     aws.String(p.URL()),
		RetryMaxAttempts: 1,
		HTTPClient:       awshttp.NewBuildableClient().WithTimeout(150 * time.Millisecond),
	})
	start := time.Now()
	err := getItem(c)
	if err == nil {
		t.Fatal("no error")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("the client's timeout took %v", d)
	}
	if !retry.NewStandard().IsErrorRetryable(err) {
		t.Errorf("the SDK would not retry %v", err)
	}
	p.Close() // waits for the held request to end
	if u.count("") != 0 {
		t.Error("a request the client gave up on reached the dependency")
	}
}

func TestFaultProxyCloseReleasesHeld(t *testing.T) {
	u, p := start(t)
	p.Set(Hang())
	done := make(chan error, 1)
	go func() { done <- describePool(idp(p, 1)) }()
	eventually(t, func() bool { return p.Seen() == 1 })
	closed := make(chan struct{})
	go func() { p.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close waited on a held request")
	}
	if err := <-done; err == nil {
		t.Error("a request held at Close succeeded")
	}
	if u.count("") != 0 {
		t.Error("the held request reached the dependency")
	}
	p.Close() // again: no-op
}

// eventually waits for cond, polling, and fails the test after 10 s.
func eventually(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(2 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("condition not met after 10s")
		}
	}
}

func TestFaultProxyLatency(t *testing.T) {
	_, p := start(t)
	p.Set(Latency(150 * time.Millisecond).On("GetItem"))
	c := ddb(p, 1)
	start := time.Now()
	if err := getItem(c); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Errorf("answered in %v", d)
	}
	if err := transact(c, 1); err != nil {
		t.Fatal(err)
	}
	if p.Injected("GetItem") != 1 || p.Injected("TransactWriteItems") != 0 {
		t.Errorf("injected %d into GetItem, %d into TransactWriteItems", p.Injected("GetItem"), p.Injected("TransactWriteItems"))
	}
}

func TestFaultProxyTimes(t *testing.T) {
	u, p := start(t)
	p.Set(InternalError().Times(2))
	c := ddb(p, 1)
	for i, wantErr := range []bool{true, true, false, false} {
		if err := getItem(c); (err != nil) != wantErr {
			t.Errorf("call %d: %v", i, err)
		}
	}
	if u.count("GetItem") != 2 || p.Injected() != 2 || p.Seen() != 4 {
		t.Errorf("upstream %d, injected %d, seen %d", u.count("GetItem"), p.Injected(), p.Seen())
	}
}

func TestFaultProxyMatching(t *testing.T) {
	const (
		pool   = "AWSCognitoIdentityProviderService.DescribeUserPool"
		client = "AWSCognitoIdentityProviderService.DescribeUserPoolClient"
		get    = "DynamoDB_20120810.GetItem"
	)
	cases := []struct {
		f    Fault
		want map[string]bool
	}{
		{None(), map[string]bool{pool: false, client: false, get: false}},
		{Reset(), map[string]bool{pool: true, client: true, get: true}},
		{Reset().On("DescribeUserPool"), map[string]bool{pool: true, client: false, get: false}},
		{Reset().On("DescribeUserPoolClient", "GetItem"), map[string]bool{pool: false, client: true, get: true}},
		{Reset().On(get), map[string]bool{pool: false, client: false, get: true}},
		{Reset().OnContaining("DescribeUserPool"), map[string]bool{pool: true, client: true, get: false}},
		{Reset().OnContaining("DynamoDB_"), map[string]bool{pool: false, client: false, get: true}},
	}
	for _, c := range cases {
		for target, want := range c.want {
			if got := c.f.matches(target); got != want {
				t.Errorf("%s matches %s = %v, want %v", c.f, target, got, want)
			}
		}
	}
	if s := ResetAfterForward().On("TransactWriteItems").Times(1).String(); s != "reset-after-forward on TransactWriteItems x1" {
		t.Errorf("String() = %q", s)
	}
}

// TestConcurrentSet flips the fault while requests run, for the race
// detector, and checks that every request ends.
func TestFaultProxyConcurrentSet(t *testing.T) {
	_, p := start(t)
	c := ddb(p, 1)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 10 {
				_ = getItem(c)
			}
		})
	}
	faults := []Fault{None(), Throttle(), Hang(), Reset(), Latency(time.Millisecond), InternalError()}
	stop := make(chan struct{})
	flipped := make(chan struct{})
	go func() {
		defer close(flipped)
		for i := 0; ; i++ {
			select {
			case <-stop:
				p.Clear()
				return
			case <-time.After(time.Millisecond):
				p.Set(faults[i%len(faults)])
			}
		}
	}()
	wg.Wait()
	close(stop)
	<-flipped
	if p.Seen() != 80 {
		t.Errorf("seen %d, want 80", p.Seen())
	}
}
