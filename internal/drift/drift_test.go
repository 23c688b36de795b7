package drift_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/google/go-cmp/cmp"

	"github.com/vpid-dev/vpid/internal/avp"
	"github.com/vpid-dev/vpid/internal/bus"
	"github.com/vpid-dev/vpid/internal/drift"
)

// harness is a Checker over fakes.
type harness struct {
	src     *fakeSources
	world   *world
	issuers *fakeIssuers
	events  *fakeEventBridge
	metrics bytes.Buffer
	logs    bytes.Buffer
	cfg     drift.Config
}

func newHarness() *harness {
	h := &harness{src: &fakeSources{}, world: newWorld(), issuers: &fakeIssuers{}, events: &fakeEventBridge{}}
	h.cfg = drift.Config{
		Sources: h.src,
		Cognito: h.world.api,
		Issuers: h.issuers,
		Events:  bus.New(h.events, ""),
		Metrics: &h.metrics,
		Logger:  slog.New(slog.NewJSONHandler(&h.logs, nil)),
	}
	return h
}

func (h *harness) run(t *testing.T, ctx context.Context) drift.Summary {
	t.Helper()
	c, err := drift.New(h.cfg)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := c.Run(ctx, 0)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return sum
}

// metricValues decodes the last embedded-metric-format line.
func (h *harness) metricValues(t *testing.T) map[string]float64 {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(h.metrics.String()), "\n")
	var doc map[string]any
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &doc); err != nil {
		t.Fatalf("metrics line %q: %v", lines[len(lines)-1], err)
	}
	out := map[string]float64{}
	for _, name := range []string{drift.MetricChecked, drift.MetricDrifted, drift.MetricUnknown} {
		v, ok := doc[name].(float64)
		if !ok {
			t.Errorf("metric %s missing from %v", name, doc)
		}
		out[name] = v
	}
	return out
}

func TestNewRequiresItsDependencies(t *testing.T) {
	if _, err := drift.New(drift.Config{}); err == nil {
		t.Error("New accepted an empty Config")
	}
}

// The limiter holds a run of 300 identity sources (60 pools in two Regions,
// shared and missing clients) to 10 calls per second per Region and
// category and 3 per pool, measured on the fake Cognito's own clock.
func TestRateLimitOver300Sources(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness()
		h.world.quotas = true
		h.world.latency = 40 * time.Millisecond
		regions := []string{"us-east-1", "eu-west-1"}
		clientCalls := map[string]bool{}
		for i := range 300 {
			region := regions[i%2]
			pool := fmt.Sprintf("%s_Pool%03d", region, i%60)
			own, shared := "client"+id(i), "shared"+id(i%60)
			h.world.addPool(region, pool, own, shared)
			clients := []string{own}
			if i%3 == 0 {
				clients = append(clients, shared)
			}
			if i%50 == 7 {
				clients = append(clients, "gone"+id(i))
			}
			for _, c := range clients {
				clientCalls[pool+"/"+c] = true
			}
			h.src.add(cognitoSource(id(i), region, pool, clients...))
		}
		start := time.Now()
		sum := h.run(t, context.Background())

		calls := h.world.snapshot()
		assertWithin(t, "category", windowMax(calls, time.Second, byCategory), drift.DefaultCategoryRate)
		assertWithin(t, "pool", windowMax(calls, time.Second, byPool), drift.DefaultPoolRate)
		for _, c := range calls {
			if c.throttledByCognito {
				t.Fatalf("Cognito's quota throttled %+v", c)
			}
		}
		if got := h.world.count("DescribeUserPool"); got != 60 {
			t.Errorf("%d DescribeUserPool calls for 60 pools", got)
		}
		// Every app client is described, and every page listed, at most
		// once a run; together they cost fewer calls than the distinct
		// app clients named.
		seen := map[string]bool{}
		for _, c := range calls {
			if c.op == "DescribeUserPool" {
				continue
			}
			k := c.op + "/" + c.pool + "/" + c.client
			if seen[k] {
				t.Errorf("%s made twice in a run", k)
			}
			seen[k] = true
		}
		if got := h.world.count("DescribeUserPoolClient") + h.world.count("ListUserPoolClients"); got >= len(clientCalls) {
			t.Errorf("%d app client lookups for %d distinct app clients", got, len(clientCalls))
		}
		for i, opts := range h.world.opts {
			o := cip.Options{}
			for _, f := range opts {
				f(&o)
			}
			if o.RetryMaxAttempts != 1 {
				t.Fatalf("call %d may be retried by the SDK (RetryMaxAttempts %d)", i, o.RetryMaxAttempts)
			}
		}
		want := drift.Summary{
			Segments: 16, SegmentsCompleted: 16, Complete: true,
			Scanned: 300, Checked: 300, Drifted: 6,
			CognitoCalls: int64(len(calls)), EventsPublished: 6,
			DurationMillis: time.Since(start).Milliseconds(),
		}
		if diff := cmp.Diff(want, sum); diff != "" {
			t.Errorf("summary (-want +got):\n%s", diff)
		}
		t.Logf("%d Cognito calls in %v of simulated time", len(calls), time.Since(start))
	})
}

// Identity sources are checked DefaultConcurrency at a time.
func TestConcurrencyIsBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness()
		h.issuers.latency = time.Second
		for i := range 40 {
			h.src.add(oidcSource(id(i), fmt.Sprintf("https://issuer-%d.example.com", i)))
		}
		start := time.Now()
		sum := h.run(t, context.Background())
		if h.issuers.peak != drift.DefaultConcurrency {
			t.Errorf("%d identity sources checked at once, want %d", h.issuers.peak, drift.DefaultConcurrency)
		}
		if got := time.Since(start); got != 10*time.Second {
			t.Errorf("40 one-second checks, 4 at a time, took %v", got)
		}
		if sum.Checked != 40 || sum.IssuerChecks != 40 {
			t.Errorf("summary %+v", sum)
		}
	})
}

// A pool is described once per run however many identity sources name it,
// so is an app client, and the clients of a missing pool are not described.
func TestDescribesAreDeduplicatedPerRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness()
		const region, pool, gone = "us-west-2", "us-west-2_Shared01", "us-west-2_Deleted1"
		for i := range 30 {
			h.world.addPool(region, pool, "own"+id(i))
			h.src.add(cognitoSource(id(i), region, pool, "own"+id(i)))
		}
		h.world.addPool(region, pool, "common")
		for i := 30; i < 40; i++ {
			h.src.add(cognitoSource(id(i), region, pool, "common"))
		}
		for i := 40; i < 45; i++ {
			h.src.add(cognitoSource(id(i), region, gone, "a", "b", "c"))
		}
		sum := h.run(t, context.Background())
		if got := h.world.count("DescribeUserPool"); got != 2 {
			t.Errorf("%d DescribeUserPool calls, want 2", got)
		}
		if got := h.world.count("DescribeUserPoolClient"); got != 31 {
			t.Errorf("%d DescribeUserPoolClient calls, want 31", got)
		}
		for _, c := range h.world.snapshot() {
			if c.pool == gone && c.op != "DescribeUserPool" {
				t.Errorf("described %s of the missing pool", c.client)
			}
		}
		if sum.Checked != 45 || sum.Drifted != 5 || sum.Unknown != 0 {
			t.Errorf("summary %+v", sum)
		}
		details := h.events.details(t)
		for i := 40; i < 45; i++ {
			want := drift.Detail{
				Account: testAccount, PolicyStoreID: "PS" + id(i), IdentitySourceID: "IS" + id(i),
				Findings: []drift.Finding{{Path: "configuration.cognitoUserPoolConfiguration.userPoolArn", ProblemError: "user pool " + gone + " no longer exists"}},
			}
			if diff := cmp.Diff(want, details["IS"+id(i)]); diff != "" {
				t.Errorf("event of %d (-want +got):\n%s", i, diff)
			}
		}

		// Answers are remembered for one run only.
		h.run(t, context.Background())
		if got := h.world.count("DescribeUserPool"); got != 4 {
			t.Errorf("%d DescribeUserPool calls after two runs, want 4", got)
		}
	})
}

func responseError(status int, err error) error {
	return &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}}, Err: err}
}

// A throttle, a 5xx or a permission error is "unknown", never drift; only
// Cognito's "does not exist" is.
func TestThrottleAndOutageAreNotDrift(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness()
		const r = "eu-central-1"
		throttled, flaky, drifting, denied, fine := r+"_Throttled", r+"_Flaky", r+"_Drifting", r+"_Denied", r+"_Fine"
		h.world.addPool(r, throttled, "x")
		h.world.addPool(r, flaky, "ok", "flaky")
		h.world.addPool(r, drifting, "ok")
		h.world.addPool(r, denied, "x")
		h.world.addPool(r, fine, "x")
		h.world.failWith = func(c call) error {
			switch {
			case c.pool == throttled && c.op == "DescribeUserPool":
				return &ciptypes.TooManyRequestsException{Message: aws.String("Rate exceeded")}
			case c.client == "flaky" || (c.pool == flaky && c.op == "ListUserPoolClients"):
				return responseError(500, &ciptypes.InternalErrorException{Message: aws.String("internal error")})
			case c.pool == denied:
				return responseError(400, &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "not authorized"})
			}
			return nil
		}
		h.src.add(
			cognitoSource("a1", r, throttled, "x"),
			cognitoSource("a2", r, throttled),
			cognitoSource("b1", r, flaky, "ok", "flaky"),
			cognitoSource("b2", r, flaky, "ok"),
			cognitoSource("c1", r, drifting, "ok", "gone"),
			cognitoSource("d1", r, denied, "x"),
			cognitoSource("e1", r, fine, "x"),
		)
		sum := h.run(t, context.Background())

		got := h.events.details(t)
		want := map[string]drift.Detail{"ISc1": {
			Account: testAccount, PolicyStoreID: "PSc1", IdentitySourceID: "ISc1",
			Findings: []drift.Finding{{Path: "configuration.cognitoUserPoolConfiguration.clientIds[1]", ProblemError: "app client gone no longer exists in user pool " + drifting}},
		}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("events (-want +got):\n%s", diff)
		}
		if sum.Checked != 7 || sum.Drifted != 1 || sum.Unknown != 4 || sum.CognitoThrottles != 1 {
			t.Errorf("summary %+v", sum)
		}
		n := 0
		for _, c := range h.world.snapshot() {
			if c.pool == throttled {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d calls to the throttled pool; its answer should be shared for the run", n)
		}
		if diff := cmp.Diff(map[string]float64{drift.MetricChecked: 7, drift.MetricDrifted: 1, drift.MetricUnknown: 4}, h.metricValues(t)); diff != "" {
			t.Errorf("metrics (-want +got):\n%s", diff)
		}
		logs := h.logs.String()
		if strings.Count(logs, "identity source not checked") != 4 || !strings.Contains(logs, `"level":"ERROR","msg":"identity source not checked`) {
			t.Errorf("logs:\n%s", logs)
		}
	})
}

func TestEventAndMetricShapes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness()
		h.world.addPool("us-west-2", "us-west-2_abc", "kept")
		h.src.add(cognitoSource("1", "us-west-2", "us-west-2_abc", "gone1", "kept", "gone2"))
		h.run(t, context.Background())
		if len(h.events.entries) != 1 {
			t.Fatalf("%d events", len(h.events.entries))
		}
		e := h.events.entries[0]
		const wantDetail = `{"account":"123456789012","policyStoreId":"PS1","identitySourceId":"IS1","findings":[` +
			`{"path":"configuration.cognitoUserPoolConfiguration.clientIds[0]","problem":"app client gone1 no longer exists in user pool us-west-2_abc"},` +
			`{"path":"configuration.cognitoUserPoolConfiguration.clientIds[2]","problem":"app client gone2 no longer exists in user pool us-west-2_abc"}]}`
		if got := aws.ToString(e.Detail); got != wantDetail {
			t.Errorf("detail\n got %s\nwant %s", got, wantDetail)
		}
		if aws.ToString(e.DetailType) != bus.IdentitySourceDrifted || aws.ToString(e.Source) != bus.Source || aws.ToString(e.EventBusName) != "default" {
			t.Errorf("entry %+v", e)
		}
		if diff := cmp.Diff([]string{"arn:aws:verifiedpermissions::123456789012:policy-store/PS1"}, e.Resources); diff != "" {
			t.Errorf("resources: %s", diff)
		}

		var doc struct {
			AWS struct {
				Timestamp         int64
				CloudWatchMetrics []struct {
					Namespace  string
					Dimensions [][]string
					Metrics    []struct{ Name, Unit string }
				}
			} `json:"_aws"`
			Checked int `json:"CheckedIdentitySources"`
			Drifted int `json:"DriftedIdentitySources"`
			Unknown int `json:"UnknownIdentitySources"`
		}
		line := h.metrics.String()
		if strings.Count(line, "\n") != 1 || !strings.HasSuffix(line, "\n") {
			t.Errorf("metrics are not one line: %q", line)
		}
		if err := json.Unmarshal([]byte(line), &doc); err != nil {
			t.Fatal(err)
		}
		d := doc.AWS.CloudWatchMetrics
		if doc.AWS.Timestamp != time.Now().UnixMilli() || len(d) != 1 || d[0].Namespace != "vpid" ||
			!cmp.Equal(d[0].Dimensions, [][]string{{}}) || len(d[0].Metrics) != 3 {
			t.Errorf("metric directive %+v", doc.AWS)
		}
		for _, m := range d[0].Metrics {
			if m.Unit != "Count" || !slices.Contains([]string{"CheckedIdentitySources", "DriftedIdentitySources", "UnknownIdentitySources"}, m.Name) {
				t.Errorf("metric %+v", m)
			}
		}
		if doc.Checked != 1 || doc.Drifted != 1 || doc.Unknown != 0 {
			t.Errorf("values %+v", doc)
		}
	})
}

// A run stops taking identity sources Reserve before its deadline, cuts
// the checks still running, publishes what it found and says how far it
// got.
func TestDeadlineStopsTheRunCleanly(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness()
		h.world.latency = 30 * time.Millisecond
		h.cfg.Reserve = 10 * time.Second
		for i := range 1000 {
			pool := "us-east-1_P" + id(i)
			h.world.addPool("us-east-1", pool, "c"+id(i))
			client := "c" + id(i)
			if i%10 == 3 {
				client = "missing" + id(i)
			}
			h.src.add(cognitoSource(id(i), "us-east-1", pool, client))
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		start := time.Now()
		workEnd := start.Add(50 * time.Second)
		sum := h.run(t, ctx)

		if end := time.Now(); end.After(workEnd) {
			t.Errorf("the run returned %v after the checks' deadline", end.Sub(workEnd))
		}
		if !sum.StoppedEarly || sum.Complete || sum.SegmentsCompleted >= sum.Segments {
			t.Errorf("summary says it finished: %+v", sum)
		}
		if sum.NextSegment != sum.SegmentsCompleted%sum.Segments {
			t.Errorf("next segment %d after %d completed from 0", sum.NextSegment, sum.SegmentsCompleted)
		}
		if sum.Scanned != sum.Checked+sum.Unfinished || sum.Unfinished > drift.DefaultConcurrency {
			t.Errorf("scanned %d, checked %d, unfinished %d", sum.Scanned, sum.Checked, sum.Unfinished)
		}
		// Two calls per identity source, 10 per second in each category.
		if sum.Checked < 400 || sum.Checked > 500 {
			t.Errorf("checked %d identity sources in 50 s", sum.Checked)
		}
		if sum.Unknown != 0 || sum.EventsFailed != 0 || sum.EventsPublished != sum.Drifted || len(h.events.details(t)) != sum.Drifted {
			t.Errorf("summary %+v, %d events", sum, len(h.events.entries))
		}
		if sum.Drifted < sum.Checked/10-2 || sum.Drifted > sum.Checked/10+2 {
			t.Errorf("%d drifted of %d checked; every tenth is", sum.Drifted, sum.Checked)
		}
		for _, c := range h.world.snapshot() {
			if !c.at.Before(workEnd) {
				t.Fatalf("a Cognito call at %v, after the checks' deadline", c.at.Sub(start))
			}
		}
		if m := h.metricValues(t); m[drift.MetricChecked] != float64(sum.Checked) {
			t.Errorf("metrics %v", m)
		}
	})
}

// A deadline already inside the reserve checks nothing but still reports.
func TestNoTimeLeft(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness()
		h.world.addPool("us-east-1", "us-east-1_A", "c")
		h.src.add(cognitoSource("1", "us-east-1", "us-east-1_A", "c"))
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		sum := h.run(t, ctx)
		if sum.Checked != 0 || sum.Complete || !sum.StoppedEarly || len(h.world.snapshot()) != 0 || h.metrics.Len() == 0 {
			t.Errorf("summary %+v", sum)
		}
	})
}

// 10,000 identity sources (2,500 pools in one Region, shared and missing
// clients) against a fake Cognito that throttles as Cognito's quotas do:
// not one call is throttled, and no simulated second holds more calls than
// the limits.
func Test10000SourcesStayWithinCognitoQuotas(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness()
		h.world.quotas = true
		h.world.latency = 30 * time.Millisecond
		const region = "us-east-1"
		for i := range 10000 {
			pool := fmt.Sprintf("%s_Pool%04d", region, i/4)
			own, shared := "own"+id(i), "shared"+id(i/4)
			if i%97 != 0 {
				h.world.addPool(region, pool, own, shared)
			}
			clients := []string{own}
			if i%2 == 0 {
				clients = append(clients, shared)
			}
			h.src.add(cognitoSource(id(i), region, pool, clients...))
		}
		start := time.Now()
		sum := h.run(t, context.Background())
		elapsed := time.Since(start)

		calls := h.world.snapshot()
		perSecond := map[string]int{}
		for _, c := range calls {
			if c.throttledByCognito {
				t.Fatalf("throttled by Cognito's quota: %+v", c)
			}
			perSecond[fmt.Sprintf("%s %d", c.category(), c.at.Sub(start)/time.Second)]++
		}
		assertWithin(t, "category, per simulated second", perSecond, drift.DefaultCategoryRate)
		assertWithin(t, "category, any one-second window", windowMax(calls, time.Second, byCategory), drift.DefaultCategoryRate)
		assertWithin(t, "pool, any one-second window", windowMax(calls, time.Second, byPool), drift.DefaultPoolRate)
		if sum.Checked != 10000 || sum.Unknown != 0 || sum.CognitoThrottles != 0 || !sum.Complete {
			t.Errorf("summary %+v", sum)
		}
		if got := h.world.count("DescribeUserPool"); got != 2500 {
			t.Errorf("%d DescribeUserPool calls for 2,500 pools", got)
		}
		// The client describes set the pace: at 10 per second they take
		// at least this long.
		if minimum := time.Duration(h.world.count("DescribeUserPoolClient")) * 100 * time.Millisecond; elapsed < minimum-time.Second {
			t.Errorf("the run took %v, less than %v", elapsed, minimum)
		}
		t.Logf("10,000 identity sources: %d Cognito calls (%d pool, %d client describes), %d drifted, %v of simulated time",
			len(calls), h.world.count("DescribeUserPool"), h.world.count("DescribeUserPoolClient"), sum.Drifted, elapsed.Round(time.Second))
	})
}

// Publishing retries the entries EventBridge refused once, and a run whose
// events could not be published fails.
func TestPublishFailures(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		for _, tc := range []struct {
			name          string
			failures      int // calls that fail before EventBridge accepts
			wantPublished int
			wantErr       bool
		}{
			{"retried once", 1, 3, false},
			{"lost", 2, 0, true},
		} {
			h := newHarness()
			pub := &flakyPublisher{failures: tc.failures}
			h.cfg.Events = pub
			for i := range 3 {
				h.src.add(cognitoSource(id(i), "us-east-1", "us-east-1_Gone"))
			}
			c, err := drift.New(h.cfg)
			if err != nil {
				t.Fatal(err)
			}
			sum, err := c.Run(context.Background(), 0)
			if (err != nil) != tc.wantErr || sum.EventsPublished != tc.wantPublished || sum.EventsFailed != 3-tc.wantPublished {
				t.Errorf("%s: summary %+v, err %v", tc.name, sum, err)
			}
		}
	})
}

type flakyPublisher struct {
	mu       sync.Mutex
	failures int
}

func (p *flakyPublisher) Publish(_ context.Context, events []bus.Event) ([]int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.failures > 0 {
		p.failures--
		failed := make([]int, len(events))
		for i := range failed {
			failed[i] = i
		}
		return failed, errors.New("bus: put events: throttled")
	}
	return nil, nil
}

func TestRotationSpreadsStartingSegments(t *testing.T) {
	for _, segments := range []int{16, 10, 7, 4} {
		hour := time.Date(2026, 1, 1, 0, 30, 0, 0, time.UTC)
		starts := make([]int, segments)
		for r := range segments {
			starts[r] = drift.Rotation(hour.Add(time.Duration(r)*time.Hour), segments)
		}
		sorted := slices.Sorted(slices.Values(starts))
		for i, s := range sorted {
			if s != i {
				t.Fatalf("%d segments: the starts of %d hourly runs are %v, not every segment once", segments, segments, starts)
			}
		}
		// A run that gets through k segments leaves none unchecked for
		// more than about 2×segments/k runs.
		for k := 2; k <= segments; k++ {
			worst := 0
			for seg := range segments {
				last := -1
				for r := range 3 * segments {
					if (seg-starts[r%segments]+segments)%segments >= k {
						continue
					}
					if last >= 0 {
						worst = max(worst, r-last)
					}
					last = r
				}
			}
			if limit := 2 * int(math.Ceil(float64(segments)/float64(k))); worst > limit {
				t.Errorf("%d segments, %d per run: a segment waits %d runs (limit %d)", segments, k, worst, limit)
			}
		}
	}
	if drift.Rotation(time.Now(), 1) != 0 || drift.Rotation(time.Time{}, 16) < 0 {
		t.Error("degenerate rotation")
	}
}

// failingSources serves its entries, then fails like an unavailable table.
type failingSources struct{ fakeSources }

func (f *failingSources) ScanSegment(ctx context.Context, segment, total int, fn func(string, avp.IdentitySource) error) error {
	if err := f.fakeSources.ScanSegment(ctx, segment, total, fn); err != nil {
		return err
	}
	return fmt.Errorf("store: scan identity sources: %w", avp.ErrUnavailable)
}

// A table that cannot be read fails the run, after the identity sources
// already read were checked and reported.
func TestScanFailureFailsTheRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness()
		src := &failingSources{}
		src.add(cognitoSource("1", "us-east-1", "us-east-1_Gone"))
		h.cfg.Sources = src
		h.cfg.Segments = 1
		c, err := drift.New(h.cfg)
		if err != nil {
			t.Fatal(err)
		}
		sum, err := c.Run(context.Background(), 0)
		if !errors.Is(err, avp.ErrUnavailable) {
			t.Errorf("err = %v", err)
		}
		if sum.Complete || sum.StoppedEarly || sum.Checked != 1 || sum.EventsPublished != 1 || h.metrics.Len() == 0 {
			t.Errorf("summary %+v", sum)
		}
	})
}

// A source stored with a Region that is not one of the partition's (before
// the API refused them) is unknown, and Cognito is not asked about it.
func TestMadeUpRegionIsNotAsked(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness()
		h.world.addPool("xx-madeup-1", "xx-madeup-1_Pool", "c1")
		h.src.add(cognitoSource("m1", "xx-madeup-1", "xx-madeup-1_Pool", "c1"))
		sum := h.run(t, context.Background())
		if sum.Checked != 1 || sum.Unknown != 1 || sum.Drifted != 0 || len(h.world.snapshot()) != 0 {
			t.Errorf("summary %+v, %d Cognito calls", sum, len(h.world.snapshot()))
		}
		if !strings.Contains(h.logs.String(), `Region \"xx-madeup-1\"`) {
			t.Errorf("logs:\n%s", h.logs.String())
		}
	})
}
