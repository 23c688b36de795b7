package changes

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/google/go-cmp/cmp"

	"github.com/vpid-dev/vpid/internal/bus"
)

// fakeEventBridge records PutEvents calls; fail decides which entries fail
// and callErr which calls fail entirely.
type fakeEventBridge struct {
	mu      sync.Mutex
	calls   [][]ebtypes.PutEventsRequestEntry
	ok      []string // identity source ids of the accepted entries, in order
	fail    func(detail map[string]any) bool
	callErr func(call int) error
}

func (f *fakeEventBridge) PutEvents(_ context.Context, in *eventbridge.PutEventsInput, _ ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, in.Entries)
	if f.callErr != nil {
		if err := f.callErr(len(f.calls) - 1); err != nil {
			return nil, err
		}
	}
	out := &eventbridge.PutEventsOutput{}
	for i, e := range in.Entries {
		var d map[string]any
		_ = json.Unmarshal([]byte(aws.ToString(e.Detail)), &d)
		if f.fail != nil && f.fail(d) {
			out.FailedEntryCount++
			out.Entries = append(out.Entries, ebtypes.PutEventsResultEntry{ErrorCode: aws.String("InternalFailure"), ErrorMessage: aws.String("try again")})
			continue
		}
		out.Entries = append(out.Entries, ebtypes.PutEventsResultEntry{EventId: aws.String(fmt.Sprintf("eb-%d-%d", len(f.calls), i))})
		f.ok = append(f.ok, fmt.Sprint(d["identitySourceId"]))
	}
	return out, nil
}

func (f *fakeEventBridge) accepted() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.ok...)
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// createdBatch is n records, each creating identity source "is<i>" (sequence
// number 1000+i), with a record of an idempotency token after every third.
func createdBatch(n int) []events.DynamoDBEventRecord {
	var recs []events.DynamoDBEventRecord
	seq := 1000
	for i := range n {
		id := fmt.Sprintf("is%d", i)
		r := record("INSERT", nil, itemImage(identitySource(id)))
		r.EventID, r.Change.SequenceNumber = "ev-"+id, fmt.Sprint(seq)
		recs = append(recs, r)
		seq++
		if i%3 == 2 {
			tok := record("INSERT", nil, tokenImage(id))
			tok.EventID, tok.Change.SequenceNumber = "tok-"+id, fmt.Sprint(seq)
			recs = append(recs, tok)
			seq++
		}
	}
	return recs
}

func ids(from, to int) []string {
	var out []string
	for i := from; i < to; i++ {
		out = append(out, fmt.Sprintf("is%d", i))
	}
	return out
}

func seqOf(recs []events.DynamoDBEventRecord, eventID string) string {
	for _, r := range recs {
		if r.EventID == eventID {
			return r.Change.SequenceNumber
		}
	}
	panic("no record " + eventID)
}

func failures(seqs ...string) events.DynamoDBEventResponse {
	var out events.DynamoDBEventResponse
	for _, s := range seqs {
		out.BatchItemFailures = append(out.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: s})
	}
	return out
}

func TestHandle(t *testing.T) {
	t.Parallel()
	undecodable := func(recs []events.DynamoDBEventRecord, at int) []events.DynamoDBEventRecord {
		recs[at].Change.NewImage = with(recs[at].Change.NewImage, "configuration", "not json")
		return recs
	}
	failID := func(ids ...string) func(map[string]any) bool {
		return func(d map[string]any) bool {
			for _, id := range ids {
				if d["identitySourceId"] == id {
					return true
				}
			}
			return false
		}
	}
	tests := []struct {
		name     string
		recs     []events.DynamoDBEventRecord
		fail     func(map[string]any) bool
		callErr  func(int) error
		calls    int      // PutEvents calls made
		accepted []string // identity sources published, in order
		failedAt string   // eventID of the record reported, "" for none
	}{
		{name: "empty batch", recs: nil, calls: 0},
		{name: "all published in order", recs: createdBatch(25), calls: 3, accepted: ids(0, 25)},
		{name: "only ignored records", recs: createdBatch(3)[3:], calls: 0},
		{
			name: "an entry fails", recs: createdBatch(25), fail: failID("is13"),
			calls: 2, accepted: append(ids(0, 13), ids(14, 20)...), failedAt: "ev-is13",
		},
		{
			name: "several entries fail: the first is reported", recs: createdBatch(25), fail: failID("is17", "is12"),
			calls: 2, accepted: append(append(ids(0, 12), ids(13, 17)...), ids(18, 20)...), failedAt: "ev-is12",
		},
		{
			name: "a call fails", recs: createdBatch(25), callErr: func(call int) error {
				if call == 1 {
					return errors.New("connection reset")
				}
				return nil
			},
			calls: 2, accepted: ids(0, 10), failedAt: "ev-is10",
		},
		{
			name: "an undecodable record stops the batch", recs: undecodable(createdBatch(8), 5), // is4
			calls: 1, accepted: ids(0, 4), failedAt: "ev-is4",
		},
		{
			name: "an undecodable first record", recs: undecodable(createdBatch(4), 0),
			calls: 0, failedAt: "ev-is0",
		},
		{
			name: "a publish failure before an undecodable record wins", recs: undecodable(createdBatch(8), 5), fail: failID("is1"),
			calls: 1, accepted: []string{"is0", "is2", "is3"}, failedAt: "ev-is1",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			eb := &fakeEventBridge{fail: tc.fail, callErr: tc.callErr}
			h := New(bus.New(eb, "vpid-test"), quietLogger())
			resp, err := h.Handle(context.Background(), events.DynamoDBEvent{Records: tc.recs})
			if err != nil {
				t.Fatalf("Handle returned an error (Lambda would retry the whole batch): %v", err)
			}
			want := events.DynamoDBEventResponse{}
			if tc.failedAt != "" {
				want = failures(seqOf(tc.recs, tc.failedAt))
			}
			if diff := cmp.Diff(want, resp); diff != "" {
				t.Errorf("response (-want +got):\n%s", diff)
			}
			if len(eb.calls) != tc.calls {
				t.Errorf("%d PutEvents calls, want %d", len(eb.calls), tc.calls)
			}
			if diff := cmp.Diff(tc.accepted, eb.accepted()); diff != "" {
				t.Errorf("published (-want +got):\n%s", diff)
			}
			for _, call := range eb.calls {
				for _, e := range call {
					if aws.ToString(e.Source) != bus.Source || aws.ToString(e.EventBusName) != "vpid-test" ||
						aws.ToString(e.DetailType) != bus.IdentitySourceCreated || len(e.Resources) != 1 || e.Resources[0] != testARN {
						t.Errorf("entry %+v", e)
					}
				}
			}
		})
	}
}

// Retrying from the reported record, as Lambda does, publishes every event
// at least once, whatever fails in between.
func TestHandleRetryFromReportedRecord(t *testing.T) {
	t.Parallel()
	recs := createdBatch(30)
	attempts := map[string]int{}
	var mu sync.Mutex
	eb := &fakeEventBridge{fail: func(d map[string]any) bool {
		id := d["identitySourceId"].(string)
		mu.Lock()
		defer mu.Unlock()
		attempts[id]++
		// is7 fails twice, is21 once, is22 three times.
		return (id == "is7" && attempts[id] <= 2) || (id == "is21" && attempts[id] <= 1) || (id == "is22" && attempts[id] <= 3)
	}}
	h := New(bus.New(eb, ""), quietLogger())
	batch := recs
	for round := 0; ; round++ {
		if round > 10 {
			t.Fatal("no progress")
		}
		resp, err := h.Handle(context.Background(), events.DynamoDBEvent{Records: batch})
		if err != nil {
			t.Fatal(err)
		}
		if len(resp.BatchItemFailures) == 0 {
			break
		}
		if len(resp.BatchItemFailures) != 1 {
			t.Fatalf("%d failures reported, want the first only", len(resp.BatchItemFailures))
		}
		from := -1
		for i, r := range batch {
			if r.Change.SequenceNumber == resp.BatchItemFailures[0].ItemIdentifier {
				from = i
			}
		}
		if from < 0 {
			t.Fatalf("reported %q, not a record of the batch", resp.BatchItemFailures[0].ItemIdentifier)
		}
		batch = batch[from:]
	}
	// Every event accepted at least once. Entries after a failed one in the
	// same PutEvents call were accepted before the retry re-puts them, so
	// first copies may be out of order, but the last copies are in order.
	acc := eb.accepted()
	last := map[string]int{}
	for i, id := range acc {
		last[id] = i
	}
	var lasts []string
	for i, id := range acc {
		if last[id] == i {
			lasts = append(lasts, id)
		}
	}
	if diff := cmp.Diff(ids(0, 30), lasts); diff != "" {
		t.Errorf("last copies (-want +got):\n%s", diff)
	}
	if n := len(eb.accepted()); n > 60 {
		t.Errorf("%d publications of 30 events: retries repeat too much", n)
	}
	if got := aws.ToString(eb.calls[0][0].EventBusName); got != "default" {
		t.Errorf("bus %q, want default", got)
	}
}

// TestOversizedChangesArePublishedReduced: an identity source update whose
// states (old and new, each with a 150 KB claim name) would make a 300 KB
// event is published reduced, in its place: its ids, account, time and the
// store's ARN, flagged, without the states. The events around it, of
// another tenant's store as much as of the same, are published whole, and
// every call stays within PutEvents' size limit.
func TestOversizedChangesArePublishedReduced(t *testing.T) {
	t.Parallel()
	big := func(claim string) string {
		return `{"openIdConnectConfiguration":{"issuer":"https://issuer.example.com","principalIdClaim":"` + claim +
			`","tokenSelection":{"accessTokenOnly":{"audiences":["x"]}}}}`
	}
	huge := strings.Repeat("c", 150<<10)
	src := itemImage(identitySource("is1"))
	oldImg := with(src, "configuration", big(huge+"a"))
	newImg := with(src, "configuration", big(huge+"b"), "lastUpdatedDate", updated)
	recs := createdBatch(3)[:3] // is0, is1, is2 created
	upd := record("MODIFY", oldImg, newImg)
	upd.EventID, upd.Change.SequenceNumber = "ev-big", "2000"
	recs = []events.DynamoDBEventRecord{recs[0], upd, recs[1], recs[2]}

	eb := &fakeEventBridge{}
	resp, err := New(bus.New(eb, ""), quietLogger()).Handle(context.Background(), events.DynamoDBEvent{Records: recs})
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("Handle = %+v, %v; want everything published", resp, err)
	}
	if diff := cmp.Diff([]string{"is0", "is1", "is1", "is2"}, eb.accepted()); diff != "" {
		t.Errorf("published (-want +got):\n%s", diff)
	}
	var reduced []map[string]any
	for _, call := range eb.calls {
		total := 0
		for _, e := range call {
			n := len(aws.ToString(e.Source)) + len(aws.ToString(e.DetailType)) + len(aws.ToString(e.Detail))
			for _, r := range e.Resources {
				n += len(r)
			}
			total += n
			var d map[string]any
			if err := json.Unmarshal([]byte(aws.ToString(e.Detail)), &d); err != nil {
				t.Fatal(err)
			}
			if d["reduced"] == true {
				reduced = append(reduced, d)
				if aws.ToString(e.DetailType) != bus.IdentitySourceUpdated || len(e.Resources) != 1 || !strings.HasSuffix(e.Resources[0], "policy-store/"+testStore) {
					t.Errorf("reduced entry %s %v", aws.ToString(e.DetailType), e.Resources)
				}
			} else if d["identitySource"] == nil {
				t.Errorf("a whole event lost its state: %v", d)
			}
		}
		if total > bus.MaxRequestBytes {
			t.Errorf("a PutEvents call of %d bytes", total)
		}
	}
	want := []map[string]any{{
		"eventId": "ev-big", "account": testAccount, "policyStoreId": testStore, "identitySourceId": "is1",
		"eventTime": updated, "reduced": true,
	}}
	if diff := cmp.Diff(want, reduced); diff != "" {
		t.Errorf("reduced events (-want +got):\n%s", diff)
	}
}
