// Command benchreport reads the output of `go test -bench` on
// internal/dev/bench and prints each figure of BENCHMARKS.md against its target:
// the median over the runs (-count), their range, and how many runs met the
// target. With -write it also replaces the generated part of a markdown file
// (between the benchreport markers).
//
//	go run ./internal/dev/bench/cmd/benchreport [-write BENCHMARKS.md] bench.txt
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

const (
	beginMarker = "<!-- benchreport:begin -->"
	endMarker   = "<!-- benchreport:end -->"
)

// run is one line of benchmark output: its metrics by unit.
type run map[string]float64

// figure is one target of BENCHMARKS.md.
type figure struct {
	id, what string
	bench    string // benchmark name without the -GOMAXPROCS suffix
	metric   string
	target   string
	ok       func(float64) bool
	digits   int
}

func atMost(x float64) func(float64) bool  { return func(v float64) bool { return v <= x } }
func atLeast(x float64) func(float64) bool { return func(v float64) bool { return v >= x } }
func equal(x float64) func(float64) bool   { return func(v float64) bool { return v == x } }

var figures = []figure{
	{"1", "CreateIdentitySource p50, service ÷ floor", "BenchmarkCreateIdentitySource", "p50-ratio", "≤ 1.15", atMost(1.15), 3},
	{"1", "CreateIdentitySource p99, service ÷ floor", "BenchmarkCreateIdentitySource", "p99-ratio", "≤ 1.3", atMost(1.3), 3},
	{"2", "DynamoDB requests per create (1 app client)", "BenchmarkDownstreamRequests/clients=1", "ddb-requests", "= 2", equal(2), 0},
	{"2", "DynamoDB requests per create (2 app clients)", "BenchmarkDownstreamRequests/clients=2", "ddb-requests", "= 2", equal(2), 0},
	{"2", "DynamoDB requests per create (3 app clients)", "BenchmarkDownstreamRequests/clients=3", "ddb-requests", "= 2", equal(2), 0},
	{"2", "Cognito requests per create (1 app client)", "BenchmarkDownstreamRequests/clients=1", "cognito-requests", "= 2", equal(2), 0},
	{"2", "Cognito requests per create (2 app clients)", "BenchmarkDownstreamRequests/clients=2", "cognito-requests", "= 2", equal(2), 0},
	{"2", "Cognito requests per create (3 app clients)", "BenchmarkDownstreamRequests/clients=3", "cognito-requests", "= 2", equal(2), 0},
	{"2", "Cognito requests in flight at once (2 app clients)", "BenchmarkDownstreamRequests/clients=2", "cognito-peak-in-flight", "> 1", atLeast(2), 0},
	{"2", "Cognito requests in flight at once (3 app clients)", "BenchmarkDownstreamRequests/clients=3", "cognito-peak-in-flight", "> 1", atLeast(2), 0},
	{"2", "successful DynamoDB writes by an idempotent replay", "BenchmarkDownstreamRequests/clients=2", "replay-ddb-writes", "= 0", equal(0), 0},
	{"2", "table items changed by an idempotent replay", "BenchmarkDownstreamRequests/clients=2", "replay-items-changed", "= 0", equal(0), 0},
	{"3", "cold start to first invoke (GetPolicyStore), API ÷ hello world, medians", "BenchmarkColdStart", "first-invoke-ratio", "≤ 1.3", atMost(1.3), 3},
	{"4", "GetIdentitySource throughput, service ÷ DynamoDB GetItem", "BenchmarkReadThroughput/GetIdentitySource", "ratio", "≥ 0.8", atLeast(0.8), 3},
	{"4", "GetPolicyStore throughput, service ÷ DynamoDB GetItem", "BenchmarkReadThroughput/GetPolicyStore", "ratio", "≥ 0.8", atLeast(0.8), 3},
	{"4", "ListIdentitySources throughput, service ÷ DynamoDB Query", "BenchmarkReadThroughput/ListIdentitySources", "ratio", "≥ 0.8", atLeast(0.8), 3},
	{"4", "ListPolicyStores throughput, service ÷ DynamoDB Query (gsi1)", "BenchmarkReadThroughput/ListPolicyStores", "ratio", "≥ 0.8", atLeast(0.8), 3},
	{"5", "peak RSS (VmHWM) of the API under the load test, MiB", "BenchmarkPeakRSSUnderLoad", "peak-RSS-MiB", "≤ 64", atMost(64), 1},
	{"6", "decision overhead p50 at 100 policies (engine, with the index), µs", "BenchmarkDecision/policies=100", "indexed-p50-us", "≤ 500", atMost(500), 1},
	{"7", "IsAuthorizedWithToken p50 (100 policies, warm cache), Lambda handler end to end ÷ its storage reads (the freshness check)", "BenchmarkIsAuthorizedWithToken", "p50-ratio", "≤ 1.2", atMost(1.2), 3},
	{"8", "BatchIsAuthorizedWithToken of 30 ÷ 30 single calls, p50", "BenchmarkBatchIsAuthorizedWithToken", "batch-vs-singles-ratio", "≤ 0.1", atMost(0.1), 3},
	{"9", "token verification p50, warm key cache, a new ID token (signature checked), µs", "BenchmarkTokenVerify/first/identityToken", "p50-us", "≤ 150", atMost(150), 0},
	{"10", "cold start to first invoke (IsAuthorized, cedar-go), API ÷ hello world making a GetItem", "BenchmarkColdStart", "decision-vs-hello-getitem-ratio", "≤ 1.3", atMost(1.3), 3},
	{"11", "GetIdentitySource CPU, Lambda handler ÷ its bare GetItem (one process)", "BenchmarkLeanPath", "cpu-ratio", "≤ 1.3", atMost(1.3), 3},
	{"11", "GetIdentitySource CPU, API process ÷ direct client's GetItem (throughput run)", "BenchmarkReadThroughput/GetIdentitySource", "api-vs-client-cpu-ratio", "≤ 1.3", atMost(1.3), 3},
}

// absolute are figures shown without a target, to read the ratios by.
var absolute = []struct{ what, bench, metric string }{
	{"CreateIdentitySource p50 through the service, ms", "BenchmarkCreateIdentitySource", "service-p50-ms"},
	{"CreateIdentitySource p50 of the floor, ms", "BenchmarkCreateIdentitySource", "floor-p50-ms"},
	{"CreateIdentitySource p99 through the service, ms", "BenchmarkCreateIdentitySource", "service-p99-ms"},
	{"CreateIdentitySource p99 of the floor, ms", "BenchmarkCreateIdentitySource", "floor-p99-ms"},
	{"the hop alone (a request the API answers without a downstream call), p50 ms", "BenchmarkCreateIdentitySource", "hop-p50-ms"},
	{"create with 3 app clients, each Cognito request held 20 ms by the proxy, ms", "BenchmarkDownstreamRequests/clients=3", "create-ms"},
	{"cold start to first invoke, hello world, ms", "BenchmarkColdStart", "hello-first-invoke-ms"},
	{"cold start to first invoke, API answering without a downstream call, ms", "BenchmarkColdStart", "api-validation-first-invoke-ms"},
	{"cold start to first invoke, API answering GetPolicyStore, ms", "BenchmarkColdStart", "api-get-first-invoke-ms"},
	{"cold start to first invoke, hello world making the same GetItem, ms", "BenchmarkColdStart", "hello-getitem-first-invoke-ms"},
	{"one GetItem from a new SDK client on a new connection, ms", "BenchmarkColdStart", "dynamodb-first-getitem-ms"},
	{"cold start without a downstream call, API ÷ hello world", "BenchmarkColdStart", "no-downstream-ratio"},
	{"cold start with the GetItem, API ÷ hello world making the same GetItem", "BenchmarkColdStart", "vs-hello-getitem-ratio"},
	{"bootstrap size, API, MiB", "BenchmarkColdStart", "api-bootstrap-MiB"},
	{"bootstrap size, hello world, MiB", "BenchmarkColdStart", "hello-bootstrap-MiB"},
	{"bootstrap size, hello world with the GetItem, MiB", "BenchmarkColdStart", "hello-getitem-bootstrap-MiB"},
	{"GetIdentitySource through the service, ops/s", "BenchmarkReadThroughput/GetIdentitySource", "service-ops/s"},
	{"GetItem directly, ops/s", "BenchmarkReadThroughput/GetIdentitySource", "dynamodb-ops/s"},
	{"GetIdentitySource: CPU of the API process per request, µs", "BenchmarkReadThroughput/GetIdentitySource", "service-api-cpu-us/op"},
	{"GetIdentitySource: CPU of the client process per request, µs", "BenchmarkReadThroughput/GetIdentitySource", "service-client-cpu-us/op"},
	{"GetIdentitySource: CPU of DynamoDB Local per request, µs", "BenchmarkReadThroughput/GetIdentitySource", "service-ddblocal-cpu-us/op"},
	{"GetItem directly: CPU of the client process per request, µs", "BenchmarkReadThroughput/GetIdentitySource", "dynamodb-client-cpu-us/op"},
	{"GetItem directly: CPU of DynamoDB Local per request, µs", "BenchmarkReadThroughput/GetIdentitySource", "dynamodb-ddblocal-cpu-us/op"},
	{"ListIdentitySources through the service, ops/s", "BenchmarkReadThroughput/ListIdentitySources", "service-ops/s"},
	{"Query directly, ops/s", "BenchmarkReadThroughput/ListIdentitySources", "dynamodb-ops/s"},
	{"GetIdentitySource ÷ GetItem with every DynamoDB request held 2 ms (4 concurrent)", "BenchmarkReadThroughputWithLatency/GetIdentitySource", "ratio"},
	{"ListIdentitySources ÷ Query with every DynamoDB request held 2 ms (4 concurrent)", "BenchmarkReadThroughputWithLatency/ListIdentitySources", "ratio"},
	{"load test requests/s while measuring peak RSS", "BenchmarkPeakRSSUnderLoad", "requests/s"},
	{"invariants failed in that load test", "BenchmarkPeakRSSUnderLoad", "invariants-failed"},
	{"decision p50, 10 policies, every policy evaluated, µs", "BenchmarkDecision/policies=10", "all-p50-us"},
	{"decision p50, 10 policies, with the index, µs", "BenchmarkDecision/policies=10", "indexed-p50-us"},
	{"decision p50, 100 policies, every policy evaluated, µs", "BenchmarkDecision/policies=100", "all-p50-us"},
	{"decision p50, 1,000 policies, every policy evaluated, µs", "BenchmarkDecision/policies=1000", "all-p50-us"},
	{"decision p50, 1,000 policies, with the index, µs", "BenchmarkDecision/policies=1000", "indexed-p50-us"},
	{"decision p99, 1,000 policies, with the index, µs", "BenchmarkDecision/policies=1000", "indexed-p99-us"},
	{"IsAuthorizedWithToken p50, the Lambda handler in one process, ms", "BenchmarkIsAuthorizedWithToken", "handler-p50-ms"},
	{"IsAuthorizedWithToken p50 through the API over HTTP (the client's hop included), ms", "BenchmarkIsAuthorizedWithToken", "service-p50-ms"},
	{"its storage read made directly (the Cedar version's GetItem), p50 ms", "BenchmarkIsAuthorizedWithToken", "floor-p50-ms"},
	{"IsAuthorizedWithToken through the API over HTTP ÷ its storage read, p50", "BenchmarkIsAuthorizedWithToken", "api-p50-ratio"},
	{"IsAuthorizedWithToken p99, the Lambda handler, ms", "BenchmarkIsAuthorizedWithToken", "handler-p99-ms"},
	{"IsAuthorizedWithToken p99 through the API over HTTP, ms", "BenchmarkIsAuthorizedWithToken", "service-p99-ms"},
	{"BatchIsAuthorizedWithToken of 30, p50 ms", "BenchmarkBatchIsAuthorizedWithToken", "batch-p50-ms"},
	{"30 single IsAuthorizedWithToken calls, p50 ms", "BenchmarkBatchIsAuthorizedWithToken", "singles-p50-ms"},
	{"token verification p50, a new access token, µs", "BenchmarkTokenVerify/first/accessToken", "p50-us"},
	{"token verification p50, an ID token seen before, µs", "BenchmarkTokenVerify/repeat/identityToken", "p50-us"},
	{"token verification p50, an access token seen before, µs", "BenchmarkTokenVerify/repeat/accessToken", "p50-us"},
	{"token verification p99, a new ID token, µs", "BenchmarkTokenVerify/first/identityToken", "p99-us"},
	{"cold start to first invoke, API answering IsAuthorized (10 policies), ms", "BenchmarkColdStart", "api-decision-first-invoke-ms"},
	{"cold start with IsAuthorized, API ÷ hello world", "BenchmarkColdStart", "decision-vs-hello-ratio"},
	{"GetIdentitySource: CPU of the Lambda handler per request (one process), µs", "BenchmarkLeanPath", "handler-cpu-us/op"},
	{"its GetItem alone: CPU per request (one process), µs", "BenchmarkLeanPath", "getitem-cpu-us/op"},
	{"GetIdentitySource CPU, former entry (whole event decoded by reflection) ÷ its bare GetItem", "BenchmarkLeanPath", "full-event-cpu-ratio"},
}

var reSuffix = regexp.MustCompile(`-\d+$`)

func main() {
	write := flag.String("write", "", "markdown file whose generated part to replace")
	flag.Parse()
	var in io.Reader = os.Stdin
	if flag.NArg() == 1 {
		f, err := os.Open(flag.Arg(0))
		if err != nil {
			fatal(err)
		}
		defer f.Close()
		in = f
	} else if flag.NArg() > 1 {
		fatal(fmt.Errorf("usage: benchreport [-write FILE] [BENCH_OUTPUT]"))
	}
	runs, raw, cpu, err := parse(in)
	if err != nil {
		fatal(err)
	}
	if len(runs) == 0 {
		fatal(fmt.Errorf("no benchmark results in the input"))
	}
	report := render(runs, raw, cpu)
	fmt.Print(report)
	if *write != "" {
		if err := replace(*write, report); err != nil {
			fatal(err)
		}
		fmt.Fprintf(os.Stderr, "benchreport: wrote %s\n", *write)
	}
}

func fatal(err error) {
	fmt.Fprintf(os.Stderr, "benchreport: %v\n", err)
	os.Exit(1)
}

func parse(in io.Reader) (map[string][]run, []string, string, error) {
	runs := map[string][]run{}
	var raw []string
	cpu := ""
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var failed []string
	for sc.Scan() {
		line := sc.Text()
		if name, ok := strings.CutPrefix(line, "--- FAIL:"); ok {
			failed = append(failed, strings.TrimSpace(name))
		}
		if v, ok := strings.CutPrefix(line, "cpu: "); ok {
			cpu = v
		}
		if !strings.HasPrefix(line, "Benchmark") {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 4 || f[3] != "ns/op" {
			continue
		}
		raw = append(raw, line)
		r := run{}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return nil, nil, "", fmt.Errorf("%q: %v", line, err)
			}
			r[f[i+1]] = v
		}
		name := reSuffix.ReplaceAllString(f[0], "")
		runs[name] = append(runs[name], r)
	}
	if len(failed) > 0 {
		// A failed repeat would leave its benchmark's figures short of a
		// run without saying so: nothing is written.
		return nil, nil, "", fmt.Errorf("benchmarks failed (see their output): %s", strings.Join(failed, ", "))
	}
	return runs, raw, cpu, sc.Err()
}

func values(runs map[string][]run, bench, metric string) []float64 {
	var out []float64
	for _, r := range runs[bench] {
		if v, ok := r[metric]; ok {
			out = append(out, v)
		}
	}
	return out
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func num(v float64, digits int) string { return strconv.FormatFloat(v, 'f', digits, 64) }

func render(runs map[string][]run, raw []string, cpu string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Generated by `make bench` on %s: %s, %d CPUs, %s %s/%s.\n\n",
		time.Now().UTC().Format("2006-01-02 15:04 MST"), cmp(cpu, "unknown CPU"), runtime.NumCPU(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	b.WriteString("| # | Figure | Target | Median | Range over runs | Runs meeting the target |\n")
	b.WriteString("|---|---|---|---|---|---|\n")
	for _, f := range figures {
		v := values(runs, f.bench, f.metric)
		if len(v) == 0 {
			fmt.Fprintf(&b, "| %s | %s | %s | not measured | | |\n", f.id, f.what, f.target)
			continue
		}
		met := 0
		for _, x := range v {
			if f.ok(x) {
				met++
			}
		}
		verdict := "**missed**"
		if f.ok(median(v)) {
			verdict = "met"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s (%s) | %s – %s | %d of %d |\n", f.id, f.what, f.target,
			num(median(v), f.digits), verdict, num(slices.Min(v), f.digits), num(slices.Max(v), f.digits), met, len(v))
	}
	b.WriteString("\nAbsolute figures from the same runs:\n\n")
	b.WriteString("| Figure | Median | Range over runs |\n|---|---|---|\n")
	for _, c := range absolute {
		v := values(runs, c.bench, c.metric)
		if len(v) == 0 {
			continue
		}
		d := 2
		if median(v) >= 100 {
			d = 0
		}
		fmt.Fprintf(&b, "| %s | %s | %s – %s |\n", c.what, num(median(v), d), num(slices.Min(v), d), num(slices.Max(v), d))
	}
	b.WriteString("\n<details><summary>Benchmark output</summary>\n\n```\n")
	for _, l := range raw {
		b.WriteString(l + "\n")
	}
	b.WriteString("```\n\n</details>\n")
	return b.String()
}

func cmp(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// replace puts report between the markers of file.
func replace(file, report string) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	s := string(b)
	i, j := strings.Index(s, beginMarker), strings.Index(s, endMarker)
	if i < 0 || j < i {
		return fmt.Errorf("%s has no %s ... %s section", file, beginMarker, endMarker)
	}
	s = s[:i+len(beginMarker)] + "\n" + report + s[j:]
	return os.WriteFile(file, []byte(s), 0o644)
}
