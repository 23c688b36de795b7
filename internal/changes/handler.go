package changes

import (
	"context"
	"log/slog"
	"slices"

	"github.com/aws/aws-lambda-go/events"

	"github.com/vpid-dev/vpid/internal/bus"
)

// Publisher publishes events in order and reports the indexes of those not
// accepted, and says beforehand how it will group them into PutEvents calls
// and which it will reduce; *bus.Publisher is one.
type Publisher interface {
	Publish(ctx context.Context, events []bus.Event) (failed []int, err error)
	Plan(events []bus.Event) (ends, reduced []int, err error)
}

// Handler is the publisher function: it consumes a batch of the table's
// stream records and publishes their change events.
type Handler struct {
	pub Publisher
	log *slog.Logger
}

// New returns a Handler publishing through pub.
func New(pub Publisher, logger *slog.Logger) *Handler {
	return &Handler{pub: pub, log: logger}
}

// Handle publishes the events of a batch, in the records' order. It never
// returns an error: a failure is reported as a partial batch failure naming
// the sequence number of the first record whose event was not published
// (or that could not be decoded), and Lambda retries the batch from that
// record on. Nothing after that record is published in this invocation
// except what shared a PutEvents call with it, so a retry repeats as little
// as possible; every record before it is done.
//
// The event source mapping must have FunctionResponseTypes
// ReportBatchItemFailures, or Lambda ignores the response.
func (h *Handler) Handle(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	var (
		pending []bus.Event
		owner   []int // index in ev.Records of each pending event
		stop    = len(ev.Records)
	)
	for i, rec := range ev.Records {
		e, ok, err := Decode(rec)
		if err != nil {
			h.log.ErrorContext(ctx, "stream record cannot be decoded; it will be retried, then sent to the on-failure destination",
				"eventID", rec.EventID, "eventName", rec.EventName, "sequenceNumber", rec.Change.SequenceNumber,
				"keys", describeKeys(rec), "error", err)
			stop = i
			break
		}
		if ok {
			pending = append(pending, e)
			owner = append(owner, i)
		}
	}

	// One Publish per PutEvents call (by count and by size), so that a
	// failure stops publishing before the next call.
	ends, reduced, err := h.pub.Plan(pending)
	if err != nil {
		h.log.ErrorContext(ctx, "change events cannot be encoded; the batch will be retried", "error", err)
		return failure(ev.Records[0]), nil
	}
	for _, i := range reduced {
		rec := ev.Records[owner[i]]
		h.log.WarnContext(ctx, "change event too large for EventBridge; publishing it without its states, flagged reduced",
			"eventID", rec.EventID, "detailType", pending[i].DetailType, "sequenceNumber", rec.Change.SequenceNumber)
	}
	published, start := 0, 0
	for _, end := range ends {
		failed, err := h.pub.Publish(ctx, pending[start:end])
		if err == nil && len(failed) == 0 {
			published, start = end, end
			continue
		}
		first := start // a failure without indexes: nothing of the chunk is known to be published
		if len(failed) > 0 {
			first = start + slices.Min(failed)
		}
		rec := ev.Records[owner[first]]
		h.log.ErrorContext(ctx, "publishing change events failed; the batch will be retried from the first failed record",
			"failedEvent", bus.Describe(pending[first]), "eventID", rec.EventID,
			"sequenceNumber", rec.Change.SequenceNumber, "published", first, "error", err)
		return failure(rec), nil
	}
	h.log.InfoContext(ctx, "stream batch published", "records", len(ev.Records), "events", published)
	if stop < len(ev.Records) {
		return failure(ev.Records[stop]), nil
	}
	return events.DynamoDBEventResponse{}, nil
}

// failure is the response that makes Lambda retry from rec on; for stream
// sources the item identifier is the record's sequence number.
func failure(rec events.DynamoDBEventRecord) events.DynamoDBEventResponse {
	return events.DynamoDBEventResponse{BatchItemFailures: []events.DynamoDBBatchItemFailure{
		{ItemIdentifier: rec.Change.SequenceNumber},
	}}
}
