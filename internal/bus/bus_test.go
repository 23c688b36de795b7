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
