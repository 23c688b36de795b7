// Package bus publishes vpid's events to Amazon EventBridge: change events
// (an identity source or policy store created, updated or deleted),
// provisioning failures and drift findings.
//
// Every event has source [Source] and a detail-type from the constants
// below; detail is the JSON of the value passed in. The package imports
// nothing else of vpid.
package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
)

// Source is the source of every event vpid publishes.
const Source = "vpid"

// Detail types of vpid's events.
const (
	IdentitySourceCreated = "IdentitySource Created"
	IdentitySourceUpdated = "IdentitySource Updated"
	IdentitySourceDeleted = "IdentitySource Deleted"
	PolicyStoreCreated    = "PolicyStore Created"
	PolicyStoreUpdated    = "PolicyStore Updated"
	PolicyStoreDeleted    = "PolicyStore Deleted"

	PolicyCreated         = "Policy Created"
	PolicyUpdated         = "Policy Updated"
	PolicyDeleted         = "Policy Deleted"
	PolicyTemplateCreated = "PolicyTemplate Created"
	PolicyTemplateUpdated = "PolicyTemplate Updated"
	PolicyTemplateDeleted = "PolicyTemplate Deleted"
	SchemaCreated         = "Schema Created"
	SchemaUpdated         = "Schema Updated"
	SchemaDeleted         = "Schema Deleted"
	IdentitySourceDrifted = "IdentitySource Drifted"
	ProvisioningFailed    = "IdentitySource Provisioning Failed"
)

// ProvisioningSource and ProvisioningDetailType mark the events other
// systems send to ask for an identity source; an EventBridge rule routes
// them to the provisioning queue.
const (
	ProvisioningSource     = "vpid.provisioning"
	ProvisioningDetailType = "Provision Identity Source"
)

// maxEntries is PutEvents' limit of entries per call.
const maxEntries = 10

// MaxRequestBytes is PutEvents' limit on the total size of a call's
// entries (256 KB), which also bounds a single entry. An entry's size is
// counted as EventBridge documents it ("Calculating Amazon EventBridge
// PutEvents event entry size"): the UTF-8 bytes of Source, DetailType,
// Detail and each of Resources, and 14 bytes for Time if set (vpid sets
// none).
const MaxRequestBytes = 256 * 1024

// API is the part of the EventBridge client the Publisher uses.
type API interface {
	PutEvents(context.Context, *eventbridge.PutEventsInput, ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error)
}

// Event is one event to publish.
type Event struct {
	DetailType string
	Detail     any
	// Resources are ARNs the event concerns (may be empty).
	Resources []string
	// Reduced, if not nil, is the detail published instead of Detail when
	// the entry with Detail would not fit in a PutEvents call
	// (MaxRequestBytes). Without it, such an event fails.
	Reduced any
}

// entry is an event as PutEvents takes it, with its size.
type entry struct {
	types.PutEventsRequestEntry
	size    int
	reduced bool
	// tooLarge: the event does not fit even reduced; it is not sent.
	tooLarge bool
}

// entrySize is the size EventBridge counts for an entry.
func entrySize(e types.PutEventsRequestEntry) int {
	n := len(aws.ToString(e.Source)) + len(aws.ToString(e.DetailType)) + len(aws.ToString(e.Detail))
	if e.Time != nil {
		n += 14
	}
	for _, r := range e.Resources {
		n += len(r)
	}
	return n
}

// encode builds the entry of e, reduced if it must be.
func (p *Publisher) encode(e Event) (entry, error) {
	detail, err := json.Marshal(e.Detail)
	if err != nil {
		return entry{}, fmt.Errorf("bus: encode %s detail: %w", e.DetailType, err)
	}
	en := entry{PutEventsRequestEntry: types.PutEventsRequestEntry{
		EventBusName: aws.String(p.bus),
		Source:       aws.String(Source),
		DetailType:   aws.String(e.DetailType),
		Detail:       aws.String(string(detail)),
		Resources:    e.Resources,
	}}
	en.size = entrySize(en.PutEventsRequestEntry)
	if en.size > MaxRequestBytes && e.Reduced != nil {
		if detail, err = json.Marshal(e.Reduced); err != nil {
			return entry{}, fmt.Errorf("bus: encode %s reduced detail: %w", e.DetailType, err)
		}
		en.Detail, en.reduced = aws.String(string(detail)), true
		en.size = entrySize(en.PutEventsRequestEntry)
	}
	en.tooLarge = en.size > MaxRequestBytes
	return en, nil
}

// Plan says how Publish groups events into PutEvents calls: ends[i] is the
// index after the last event of call i, each call holding at most 10
// entries of at most MaxRequestBytes in all. An event too large even
// reduced goes alone (and fails, unsent). reduced lists the events that
// will be published in their reduced form.
func (p *Publisher) Plan(events []Event) (ends, reduced []int, err error) {
	entries, err := p.encodeAll(events)
	if err != nil {
		return nil, nil, err
	}
	for i, en := range entries {
		if en.reduced && !en.tooLarge {
			reduced = append(reduced, i)
		}
	}
	return batches(entries), reduced, nil
}

func (p *Publisher) encodeAll(events []Event) ([]entry, error) {
	entries := make([]entry, len(events))
	for i, e := range events {
		en, err := p.encode(e)
		if err != nil {
			return nil, err
		}
		entries[i] = en
	}
	return entries, nil
}

// batches groups consecutive entries, in order, by count and size.
func batches(entries []entry) []int {
	var ends []int
	n, size := 0, 0
	for i, en := range entries {
		if n > 0 && (n == maxEntries || size+en.size > MaxRequestBytes || en.tooLarge) {
			ends = append(ends, i)
			n, size = 0, 0
		}
		n++
		size += en.size
	}
	if n > 0 {
		ends = append(ends, len(entries))
	}
	return ends
}

// Publisher publishes events to one event bus.
type Publisher struct {
	api API
	bus string
}

// putEventsTimeout bounds each attempt of a PutEvents call, so that a hung
// call fails (and is retried) long before a Lambda timeout.
const putEventsTimeout = 5 * time.Second

// NewFromConfig returns a Publisher to the named bus over an EventBridge
// client built from the AWS SDK's configuration. It lives here, not in the
// shared wiring, so that functions that publish nothing (the API) do not
// link the EventBridge client.
func NewFromConfig(awsCfg aws.Config, busName string) *Publisher {
	return New(eventbridge.NewFromConfig(awsCfg, func(o *eventbridge.Options) {
		o.HTTPClient = awshttp.NewBuildableClient().WithTimeout(putEventsTimeout)
	}), busName)
}

// New returns a Publisher to the named bus ("" is the default bus).
func New(api API, busName string) *Publisher {
	if busName == "" {
		busName = "default"
	}
	return &Publisher{api: api, bus: busName}
}

// Publish sends events, in order, in as few PutEvents calls as the limits
// allow (10 entries and MaxRequestBytes per call; see Plan). An event whose
// entry is too large is sent with its Reduced detail. It returns the
// indexes of events that were not accepted (by a failed call, a failed
// entry, or an entry too large to send) with an error naming why;
// EventBridge accepts an entry at most once per call, so a caller that
// retries exactly the failed ones publishes each event once in the usual
// case.
func (p *Publisher) Publish(ctx context.Context, events []Event) (failed []int, err error) {
	all, err := p.encodeAll(events)
	if err != nil {
		return nil, err
	}
	var errs []error
	start := 0
	for _, end := range batches(all) {
		batch := all[start:end]
		if len(batch) == 1 && batch[0].tooLarge {
			failed = append(failed, start)
			errs = append(errs, fmt.Errorf("bus: event %d (%s) is %d bytes, over PutEvents' %d, and has no reduced form that fits",
				start, events[start].DetailType, batch[0].size, MaxRequestBytes))
			start = end
			continue
		}
		entries := make([]types.PutEventsRequestEntry, len(batch))
		for i, en := range batch {
			entries[i] = en.PutEventsRequestEntry
		}
		failed, errs = p.put(ctx, entries, start, events, failed, errs)
		start = end
	}
	return failed, errors.Join(errs...)
}

// put makes one PutEvents call for the events from start on.
func (p *Publisher) put(ctx context.Context, entries []types.PutEventsRequestEntry, start int, events []Event, failed []int, errs []error) ([]int, []error) {
	end := start + len(entries)
	out, err := p.api.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: entries})
	if err != nil {
		for i := start; i < end; i++ {
			failed = append(failed, i)
		}
		return failed, append(errs, fmt.Errorf("bus: put events %d..%d: %w", start, end-1, err))
	}
	if len(out.Entries) != len(entries) { // not a shape EventBridge sends; trust nothing of it
		for i := start; i < end; i++ {
			failed = append(failed, i)
		}
		return failed, append(errs, fmt.Errorf("bus: put events %d..%d: %d results for %d entries", start, end-1, len(out.Entries), len(entries)))
	}
	for i, r := range out.Entries {
		if r.ErrorCode != nil {
			failed = append(failed, start+i)
			errs = append(errs, fmt.Errorf("bus: event %d (%s): %s: %s", start+i, events[start+i].DetailType, aws.ToString(r.ErrorCode), aws.ToString(r.ErrorMessage)))
		}
	}
	return failed, errs
}

// Describe names an event for logs: its detail-type and up to 200
// characters of its detail.
func Describe(e Event) string {
	b, _ := json.Marshal(e.Detail)
	s := string(b)
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return strings.TrimSpace(e.DetailType + " " + s)
}
