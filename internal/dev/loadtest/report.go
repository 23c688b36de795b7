package loadtest

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"
)

func ms(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d.Microseconds())/1000) }

// WriteResult prints the requests, the answers by kind and the latency
// percentiles per operation.
func WriteResult(w io.Writer, r *Result) {
	fmt.Fprintf(w, "\n%d requests in %.1fs (%.0f/s) from %d concurrent clients\n\n",
		r.Requests, r.Elapsed.Seconds(), float64(r.Requests)/r.Elapsed.Seconds(), r.Workers)
	width := len("operation")
	for _, o := range r.Ops {
		width = max(width, len(o.Name))
	}
	fmt.Fprintf(w, "%-*s %8s %8s %8s %8s %8s %8s  %s\n", width, "operation", "requests", "ok", "p50 ms", "p90 ms", "p99 ms", "max ms", "errors")
	for _, o := range r.Ops {
		fmt.Fprintf(w, "%-*s %8d %8d %8s %8s %8s %8s  %s\n", width, o.Name, o.Requests(), o.Codes[CodeOK],
			ms(o.Latency.P50), ms(o.Latency.P90), ms(o.Latency.P99), ms(o.Latency.Max), codes(o.Codes))
	}
	fmt.Fprintf(w, "\nanswers by type: %s\n", codesWithOK(r.Codes))
	if f := r.Freshness; f != nil && f.Stores > 0 {
		ok := map[string]int64{}
		for _, o := range r.Ops {
			ok[o.Name] = o.Codes[CodeOK]
		}
		fmt.Fprintf(w, "\ndecisions: %d IsAuthorized (%.0f/s), %d IsAuthorizedWithToken (%.0f/s), %d BatchIsAuthorized answered OK in %d decision stores; %d writes of their flip policies\n",
			ok["IsAuthorized"], float64(ok["IsAuthorized"])/r.Elapsed.Seconds(),
			ok["IsAuthorizedWithToken"], float64(ok["IsAuthorizedWithToken"])/r.Elapsed.Seconds(),
			ok["BatchIsAuthorized"], f.Stores, f.Writes)
		fmt.Fprintf(w, "freshness: %d decisions about the flip principal checked (single decisions and batch items), %d of them with one right answer (no write in flight that changes it), %d violations, %d unchecked after a write of unknown outcome\n",
			f.Checked, f.Exact, f.Violations, f.Unchecked)
		ops := slices.Sorted(maps.Keys(f.ByOp))
		parts := make([]string, len(ops))
		for i, op := range ops {
			parts[i] = fmt.Sprintf("%s %d (%d stale)", op, f.ByOp[op], f.StaleByOp[op])
		}
		fmt.Fprintf(w, "decisions checked by operation: %s\n", strings.Join(parts, ", "))
	}
}

func codesWithOK(m map[string]int64) string {
	s := codes(m)
	if n := m[CodeOK]; n > 0 {
		if s == "-" {
			return fmt.Sprintf("OK=%d", n)
		}
		return fmt.Sprintf("OK=%d %s", n, s)
	}
	return s
}

// codes lists the error kinds of m, most frequent first.
func codes(m map[string]int64) string {
	type kv struct {
		k string
		v int64
	}
	var l []kv
	for k, v := range m {
		if k != CodeOK {
			l = append(l, kv{k, v})
		}
	}
	if len(l) == 0 {
		return "-"
	}
	sort.Slice(l, func(i, j int) bool { return l[i].v > l[j].v || (l[i].v == l[j].v && l[i].k < l[j].k) })
	parts := make([]string, len(l))
	for i, x := range l {
		parts[i] = fmt.Sprintf("%s=%d", strings.TrimSuffix(x.k, "Exception"), x.v)
	}
	return strings.Join(parts, " ")
}

// WriteChecks prints the verdicts and returns whether all held.
func WriteChecks(w io.Writer, title string, checks []*CheckResult) bool {
	fmt.Fprintf(w, "\n%s\n", title)
	ok := true
	for _, c := range checks {
		verdict := "PASS"
		if !c.OK() {
			verdict = "FAIL"
			ok = false
		}
		fmt.Fprintf(w, "  %s  %s  (%d checked, %d failed)\n", verdict, c.Name, c.Checked, c.Failed)
		for _, e := range c.Examples {
			fmt.Fprintf(w, "          e.g. %s\n", e)
		}
	}
	return ok
}

// MiB formats bytes as mebibytes.
func MiB(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
