package loadtest

import (
	"maps"
	"slices"
	"sort"
	"sync"
	"time"
)

// Percentile returns the q-quantile (0 < q <= 1) of sorted by nearest rank,
// or 0 for no samples.
func Percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(q*float64(len(sorted))+0.999999999) - 1
	return sorted[min(max(rank, 0), len(sorted)-1)]
}

// Summary is the latency distribution of a set of samples.
type Summary struct {
	N                  int
	P50, P90, P99, Max time.Duration
}

// Summarize sorts samples in place and summarizes them.
func Summarize(samples []time.Duration) Summary {
	slices.Sort(samples)
	if len(samples) == 0 {
		return Summary{}
	}
	return Summary{
		N:   len(samples),
		P50: Percentile(samples, 0.50),
		P90: Percentile(samples, 0.90),
		P99: Percentile(samples, 0.99),
		Max: samples[len(samples)-1],
	}
}

// OpStats is what one operation got during a run.
type OpStats struct {
	Name    string
	Latency Summary
	// Codes counts the answers by kind: "OK" or the error type.
	Codes map[string]int64
}

// Requests is the number of answers (and failures to answer).
func (o *OpStats) Requests() int64 {
	var n int64
	for _, c := range o.Codes {
		n += c
	}
	return n
}

// recorder collects latencies and answer kinds per operation.
type recorder struct {
	mu  sync.Mutex
	ops map[string]*opSamples
}

type opSamples struct {
	durations []time.Duration
	codes     map[string]int64
}

func newRecorder() *recorder { return &recorder{ops: map[string]*opSamples{}} }

func (r *recorder) add(op, code string, d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.ops[op]
	if s == nil {
		s = &opSamples{codes: map[string]int64{}}
		r.ops[op] = s
	}
	s.durations = append(s.durations, d)
	s.codes[code]++
}

// stats returns the operations sorted by name.
func (r *recorder) stats() []*OpStats {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]*OpStats, 0, len(r.ops))
	for name, s := range r.ops {
		out = append(out, &OpStats{Name: name, Latency: Summarize(slices.Clone(s.durations)), Codes: maps.Clone(s.codes)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
