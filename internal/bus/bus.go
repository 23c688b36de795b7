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

// Publish sends events, in order, in as few PutEvents calls as the limit
// allows. It returns the indexes of events that were not accepted (by a
// failed call or a failed entry) with an error naming why; EventBridge
// accepts an entry at most once per call, so a caller that retries exactly
// the failed ones publishes each event once in the usual case.
func (p *Publisher) Publish(ctx context.Context, events []Event) (failed []int, err error) {
	var errs []error
	for start := 0; start < len(events); start += maxEntries {
		end := min(start+maxEntries, len(events))
		entries := make([]types.PutEventsRequestEntry, 0, end-start)
		for _, e := range events[start:end] {
			detail, err := json.Marshal(e.Detail)
			if err != nil {
				return nil, fmt.Errorf("bus: encode %s detail: %w", e.DetailType, err)
			}
			entries = append(entries, types.PutEventsRequestEntry{
				EventBusName: aws.String(p.bus),
				Source:       aws.String(Source),
				DetailType:   aws.String(e.DetailType),
				Detail:       aws.String(string(detail)),
				Resources:    e.Resources,
			})
		}
		out, err := p.api.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: entries})
		if err != nil {
			for i := start; i < end; i++ {
				failed = append(failed, i)
			}
			errs = append(errs, fmt.Errorf("bus: put events %d..%d: %w", start, end-1, err))
			continue
		}
		if len(out.Entries) != len(entries) { // not a shape EventBridge sends; trust nothing of it
			for i := start; i < end; i++ {
				failed = append(failed, i)
			}
			errs = append(errs, fmt.Errorf("bus: put events %d..%d: %d results for %d entries", start, end-1, len(out.Entries), len(entries)))
			continue
		}
		for i, r := range out.Entries {
			if r.ErrorCode != nil {
				failed = append(failed, start+i)
				errs = append(errs, fmt.Errorf("bus: event %d (%s): %s: %s", start+i, events[start+i].DetailType, aws.ToString(r.ErrorCode), aws.ToString(r.ErrorMessage)))
			}
		}
	}
	return failed, errors.Join(errs...)
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
