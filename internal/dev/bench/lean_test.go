package bench

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/vpid-dev/vpid/internal/app"
	"github.com/vpid-dev/vpid/internal/dev/apigw"
	"github.com/vpid-dev/vpid/internal/store/storetest"
)

var (
	flagLeanOps    = flag.Int("lean-ops", 1500, "LeanPath: requests of each side per round")
	flagLeanRounds = flag.Int("lean-rounds", 6, "LeanPath: rounds, each timing the handler and the GetItem once (after one untimed)")
)

// processCPU is the user+system CPU time of this process so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// proxyEvent is the API Gateway REST proxy event, as JSON, of an AWS JSON
// request for operation with body, signed for account.
func proxyEvent(b *testing.B, operation, account, body string) []byte {
	b.Helper()
	req := httptest.NewRequest("POST", "/", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "VerifiedPermissions."+operation)
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+account+"/20260101/us-east-1/verifiedpermissions/aws4_request, SignedHeaders=host, Signature=00")
	ev, err := json.Marshal(apigw.Event(req, []byte(body)))
	if err != nil {
		b.Fatal(err)
	}
	return ev
}

// leanClient is a DynamoDB client of DynamoDB Local configured as the API's
// (internal/app's options; response checksums off, as internal/dev/localapi
// has them for the emulator).
func (e *env) leanClient() *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		Region: "us-east-1", Credentials: e.ddb.Options().Credentials, BaseEndpoint: aws.String(e.st.DynamoDBEndpoint),
	}, app.DynamoDBOptions(3*time.Second), func(o *dynamodb.Options) { o.DisableValidateResponseChecksum = true })
}

// BenchmarkLeanPath measures, in this one process, the CPU the API's Lambda
// handler spends on a GetIdentitySource (the Lambda runtime's own step
// included: the proxy event decoded from JSON, the response encoded to
// JSON, through aws-lambda-go's lambda.NewHandler; the service; its one
// GetItem through the SDK; the request's log line, JSON, at INFO) against
// the CPU of that GetItem made alone with an SDK client configured alike,
// one request at a time, in rotating rounds; and, in the same rounds, the
// handler behind aws-lambda-go's reflection over Handle (the whole event
// decoded: the entry before awsjson.Handler.Invoke). DynamoDB Local runs in its
// own process: only the caller's side is counted. The ratio is what the
// request path costs over the bare SDK call it stands on; run it with
// -cpuprofile to see where the difference goes.
func BenchmarkLeanPath(b *testing.B) {
	e := getEnv(b)
	d := e.readData(b)
	ctx := context.Background()
	deps := app.Deps{Table: e.st.Table, DynamoDB: e.leanClient()}
	logger := slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))
	api := app.NewAPIHandler(deps.Service(), logger)
	h := lambda.NewHandler(api)
	// The former entry: aws-lambda-go's reflection over Handle, which
	// decodes the whole proxy event.
	hFull := lambda.NewHandler(api.Handle)
	events := make([][]byte, len(d.sources))
	for i := range d.sources {
		events[i] = proxyEvent(b, "GetIdentitySource", d.acct,
			fmt.Sprintf(`{"policyStoreId":%q,"identitySourceId":%q}`, d.stores[i], d.sources[i]))
	}
	ddb := e.leanClient()
	service := func(i int) error {
		out, err := h.Invoke(ctx, events[i%len(events)])
		if err == nil && !strings.Contains(string(out), `"statusCode":200`) {
			err = fmt.Errorf("handler answered %s", out)
		}
		return err
	}
	serviceFull := func(i int) error {
		out, err := hFull.Invoke(ctx, events[i%len(events)])
		if err == nil && !strings.Contains(string(out), `"statusCode":200`) {
			err = fmt.Errorf("handler answered %s", out)
		}
		return err
	}
	getItem := func(i int) error {
		k := i % len(d.sources)
		out, err := ddb.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(e.st.Table),
			Key: storetest.IdentitySourceKey(d.acct, d.stores[k], d.sources[k]), ConsistentRead: aws.Bool(true)})
		if err == nil && out.Item == nil {
			err = fmt.Errorf("no identity source %s", d.sources[k])
		}
		return err
	}
	run := func(f func(int) error) (cpu time.Duration, lat []time.Duration) {
		lat = make([]time.Duration, 0, *flagLeanOps)
		c0 := processCPU()
		for i := range *flagLeanOps {
			t0 := time.Now()
			if err := f(i); err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(t0))
		}
		return processCPU() - c0, lat
	}
	sides := []func(int) error{service, getItem, serviceFull}
	cpu := make([]time.Duration, len(sides))
	lat := make([][]time.Duration, len(sides))
	b.ResetTimer()
	for round := range *flagLeanRounds + 1 {
		for j := range sides {
			k := (round + j) % len(sides)
			c, l := run(sides[k])
			if round == 0 {
				continue // warm-up
			}
			cpu[k] += c
			lat[k] = append(lat[k], l...)
		}
	}
	b.StopTimer()
	n := float64(len(lat[0]))
	us := func(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
	b.ReportMetric(us(cpu[0])/n, "handler-cpu-us/op")
	b.ReportMetric(us(cpu[1])/n, "getitem-cpu-us/op")
	b.ReportMetric(us(cpu[2])/n, "full-event-handler-cpu-us/op")
	b.ReportMetric(float64(cpu[0])/float64(cpu[1]), "cpu-ratio")
	b.ReportMetric(float64(cpu[2])/float64(cpu[1]), "full-event-cpu-ratio")
	b.ReportMetric(us(median(lat[0])), "handler-p50-us")
	b.ReportMetric(us(median(lat[1])), "getitem-p50-us")
}
