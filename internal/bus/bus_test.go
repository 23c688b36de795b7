package bus

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/google/go-cmp/cmp"
)

// fakeAPI records PutEvents calls and answers with PutFn.
type fakeAPI struct {
	calls [][]types.PutEventsRequestEntry
	PutFn func(call int, entries []types.PutEventsRequestEntry) (*eventbridge.PutEventsOutput, error)
}

func (f *fakeAPI) PutEvents(_ context.Context, in *eventbridge.PutEventsInput, _ ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error) {
	f.calls = append(f.calls, in.Entries)
	if f.PutFn != nil {
		return f.PutFn(len(f.calls)-1, in.Entries)
	}
	return &eventbridge.PutEventsOutput{Entries: make([]types.PutEventsResultEntry, len(in.Entries))}, nil
}

func events(n int) []Event {
	out := make([]Event, n)
	for i := range out {
		out[i] = Event{DetailType: IdentitySourceCreated, Detail: map[string]int{"n": i}}
	}
	return out
}

func TestPublishBatchesAndEncodes(t *testing.T) {
	t.Parallel()
	api := &fakeAPI{}
	failed, err := New(api, "").Publish(context.Background(), events(23))
	if err != nil || len(failed) != 0 {
		t.Fatalf("failed %v, %v", failed, err)
	}
	if got := []int{len(api.calls[0]), len(api.calls[1]), len(api.calls[2])}; !cmp.Equal(got, []int{10, 10, 3}) || len(api.calls) != 3 {
		t.Fatalf("batches %v", got)
	}
	e := api.calls[2][2]
	if aws.ToString(e.Source) != Source || aws.ToString(e.EventBusName) != "default" || aws.ToString(e.DetailType) != IdentitySourceCreated || aws.ToString(e.Detail) != `{"n":22}` {
		t.Errorf("entry %+v", e)
	}
}

func TestPublishReportsFailures(t *testing.T) {
	t.Parallel()
	api := &fakeAPI{PutFn: func(call int, entries []types.PutEventsRequestEntry) (*eventbridge.PutEventsOutput, error) {
		if call == 1 {
			return nil, errors.New("throttled")
		}
		res := make([]types.PutEventsResultEntry, len(entries))
		res[3] = types.PutEventsResultEntry{ErrorCode: aws.String("InternalFailure"), ErrorMessage: aws.String("x")}
		return &eventbridge.PutEventsOutput{Entries: res, FailedEntryCount: 1}, nil
	}}
	failed, err := New(api, "vpid-bus").Publish(context.Background(), events(15))
	want := []int{3, 10, 11, 12, 13, 14}
	if diff := cmp.Diff(want, failed); diff != "" || err == nil {
		t.Fatalf("failed (-want +got):\n%s\nerr %v", diff, err)
	}
	if s := fmt.Sprint(err); !strings.Contains(s, "InternalFailure") || !strings.Contains(s, "throttled") {
		t.Errorf("error %q", s)
	}
}

// sized is an event whose entry is exactly n bytes as EventBridge counts
// them (Source, DetailType, Detail, Resources), with a multi-byte
// character so that bytes, not runes, are counted.
func sized(tb testing.TB, n int) Event {
	tb.Helper()
	const res = "arn:aws:verifiedpermissions::123456789012:policy-store/PSEXAMPLEabcdefg111111"
	fixed := len(Source) + len(IdentitySourceUpdated) + len(res) + len(`"é"`)
	if n < fixed {
		tb.Fatalf("%d bytes is below the fixed %d", n, fixed)
	}
	return Event{DetailType: IdentitySourceUpdated, Detail: "é" + strings.Repeat("x", n-fixed), Resources: []string{res}}
}

func TestPublishBatchesBySize(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		sizes []int
		want  []int // entries per call
	}{
		{"two fill a call exactly", []int{MaxRequestBytes / 2, MaxRequestBytes / 2, 1000}, []int{2, 1}},
		{"one byte more splits", []int{MaxRequestBytes / 2, MaxRequestBytes/2 + 1, 1000}, []int{1, 2}},
		{"a full-size entry goes alone", []int{1000, MaxRequestBytes, 1000}, []int{1, 1, 1}},
		{"100 KB entries, two per call", []int{100 << 10, 100 << 10, 100 << 10, 100 << 10, 100 << 10}, []int{2, 2, 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var evs []Event
			for _, n := range tc.sizes {
				evs = append(evs, sized(t, n))
			}
			api := &fakeAPI{}
			failed, err := New(api, "").Publish(context.Background(), evs)
			if err != nil || len(failed) != 0 {
				t.Fatalf("failed %v, %v", failed, err)
			}
			var got []int
			i := 0
			for _, call := range api.calls {
				got = append(got, len(call))
				total := 0
				for _, e := range call {
					if n := entrySize(e); n != tc.sizes[i] {
						t.Errorf("entry %d counts %d bytes, want %d", i, n, tc.sizes[i])
					}
					total += entrySize(e)
					i++
				}
				if total > MaxRequestBytes {
					t.Errorf("a call of %d bytes, over %d", total, MaxRequestBytes)
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("entries per call (-want +got):\n%s", diff)
			}
		})
	}
}

// TestOversizedEventsAreReducedOrFailedNeverDropped: an event over the
// limit goes out in its reduced form, in its place, and the others are
// not held back; without a reduced form (or with one still too large) it
// is reported failed, unsent, and the others still go.
func TestOversizedEventsAreReducedOrFailedNeverDropped(t *testing.T) {
	t.Parallel()
	big := sized(t, MaxRequestBytes+1)
	reduced := big
	reduced.Reduced = map[string]any{"reduced": true, "identitySourceId": "ISx"}
	hopeless := big
	hopeless.Reduced = strings.Repeat("y", MaxRequestBytes)
	evs := []Event{sized(t, 1000), reduced, sized(t, 1000), big, sized(t, 1000), hopeless, sized(t, 1000)}

	p := New(&fakeAPI{}, "")
	ends, red, err := p.Plan(evs)
	if err != nil || !cmp.Equal(red, []int{1}) {
		t.Fatalf("Plan: reduced %v, %v", red, err)
	}
	if !cmp.Equal(ends, []int{3, 4, 5, 6, 7}) {
		t.Errorf("Plan: call ends %v", ends)
	}

	api := &fakeAPI{}
	failed, err := New(api, "").Publish(context.Background(), evs)
	if !cmp.Equal(failed, []int{3, 5}) || err == nil || !strings.Contains(err.Error(), "no reduced form that fits") {
		t.Fatalf("failed %v, err %v; want 3 and 5", failed, err)
	}
	var sent []string
	for _, call := range api.calls {
		for _, e := range call {
			if entrySize(e) > MaxRequestBytes {
				t.Errorf("an entry of %d bytes was sent", entrySize(e))
			}
			sent = append(sent, aws.ToString(e.Detail)[:min(20, len(aws.ToString(e.Detail)))])
		}
	}
	want := []string{`"éxxxxxxxxxxxxxxxxx`, `{"identitySourceId":`, `"éxxxxxxxxxxxxxxxxx`, `"éxxxxxxxxxxxxxxxxx`, `"éxxxxxxxxxxxxxxxxx`}
	if diff := cmp.Diff(want, sent); diff != "" {
		t.Errorf("sent (-want +got):\n%s", diff)
	}
}
