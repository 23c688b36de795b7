// Package provision carries out identity-source requests that arrive as
// messages rather than HTTPS calls: SQS messages whose body is a
// provisioning request, sent directly or routed from EventBridge.
//
// A request goes through the API's own operation table (internal/entry):
// the same decoding and the same avp.Service, so validation, Cognito checks
// and idempotency are identical. Outcomes:
//
//   - success: the message is acknowledged;
//   - retryable (ThrottlingException, InternalServerException, or an
//     internal error): the message is reported as a batch item failure, so
//     SQS delivers it again (and to the dead-letter queue after 5 receives);
//   - refused (the message's sender may not provision for the account;
//     see [Trust]): permanent, as AccessDeniedException;
//   - permanent (any other AVP error, or a message that is not a valid
//     request): the message is acknowledged and an "IdentitySource
//     Provisioning Failed" event is published, so it never poisons the
//     queue. If that event cannot be published, the message is retried.
//
// A create without a clientToken gets one derived from the message (the
// EventBridge event id, else the SQS message id), so a redelivered message
// never creates twice. A delete of an identity source that is already gone
// succeeds: the desired state holds.
package provision

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"

	"github.com/aws/aws-lambda-go/events"

	"github.com/vpid-dev/vpid/internal/avp"
	"github.com/vpid-dev/vpid/internal/bus"
	"github.com/vpid-dev/vpid/internal/entry"
)

// Operations a provisioning request may name.
const (
	OpCreate = avp.OpCreateIdentitySource
	OpUpdate = avp.OpUpdateIdentitySource
	OpDelete = avp.OpDeleteIdentitySource
)

// Request is the body of a provisioning message sent to the queue directly,
// and the detail of a provisioning event sent to EventBridge.
type Request struct {
	// Operation is CreateIdentitySource, UpdateIdentitySource or
	// DeleteIdentitySource.
	Operation string `json:"operation"`
	// Account owns the identity source. In an EventBridge event it may be
	// left out: the event's own account (set by EventBridge) is used. A
	// direct sender allowed a single account may leave it out too.
	Account string `json:"account,omitempty"`
	// Request is the operation's request, exactly as the API takes it.
	Request json.RawMessage `json:"request"`
}

// envelope is the part of an EventBridge event a routed message carries.
type envelope struct {
	ID         string          `json:"id"`
	Source     string          `json:"source"`
	DetailType string          `json:"detail-type"`
	Account    string          `json:"account"`
	Detail     json.RawMessage `json:"detail"`
}

// Publisher publishes failure events (bus.Publisher).
type Publisher interface {
	Publish(ctx context.Context, events []bus.Event) (failed []int, err error)
}

// Failure is the detail of an "IdentitySource Provisioning Failed" event.
type Failure struct {
	Account       string      `json:"account,omitempty"`
	Operation     string      `json:"operation,omitempty"`
	PolicyStoreID string      `json:"policyStoreId,omitempty"`
	MessageID     string      `json:"messageId"`
	EventID       string      `json:"eventId,omitempty"`
	ErrorType     string      `json:"errorType"`
	Message       string      `json:"message"`
	FieldList     []avp.Field `json:"fieldList,omitempty"`
}

// Processor handles batches of provisioning messages.
type Processor struct {
	ops   entry.Table
	pub   Publisher
	log   *slog.Logger
	trust Trust
}

// New returns a Processor that runs requests through ops (for vpid,
// entry.NewTable over the service: the API's own table) and publishes
// failures with pub. It runs only OpCreate, OpUpdate and OpDelete, and only
// what trust allows: a message from any other queue, or from a sender or
// for an account trust does not name, is refused.
func New(ops entry.Table, pub Publisher, log *slog.Logger, trust Trust) *Processor {
	return &Processor{ops: ops, pub: pub, log: log, trust: trust}
}

var reAccount = regexp.MustCompile(`^\d{12}$`)

// outcome of one message.
type outcome int

const (
	done outcome = iota
	retry
	failedPermanently
)

// Handle processes a batch and reports the messages SQS must deliver again.
// It never returns an error: a Lambda error would make SQS redeliver the
// whole batch, successes included.
func (p *Processor) Handle(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	var resp events.SQSEventResponse
	var failures []bus.Event
	var failedIDs []string
	for _, msg := range ev.Records {
		out, failure := p.process(ctx, msg)
		switch out {
		case retry:
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: msg.MessageId})
		case failedPermanently:
			failures = append(failures, bus.Event{DetailType: bus.ProvisioningFailed, Detail: failure})
			failedIDs = append(failedIDs, msg.MessageId)
		}
	}
	if len(failures) > 0 {
		unsent, err := p.pub.Publish(ctx, failures)
		if err != nil {
			p.log.Error("publishing provisioning failures", "error", err.Error())
		}
		for _, i := range unsent {
			// Not announced: keep the message so the failure is not lost.
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: failedIDs[i]})
		}
	}
	return resp, nil
}

// process runs one message and classifies the result.
func (p *Processor) process(ctx context.Context, msg events.SQSMessage) (outcome, Failure) {
	log := p.log.With("messageId", msg.MessageId)
	req, eventID, fromEvent, err := parse(msg)
	f := Failure{MessageID: msg.MessageId, EventID: eventID, Operation: req.Operation}
	if err == nil {
		err = p.trust.authorize(msg, &req, fromEvent)
		if err != nil {
			// Refused: the account named is a claim, not a fact; the event
			// does not name it.
			log.Warn("provisioning message refused", "queue", msg.EventSourceARN, "senderId", msg.Attributes["SenderId"],
				"claimedAccount", req.Account, "error", err.Error())
			f.ErrorType, f.Message = avp.CodeAccessDenied, err.Error()
			return failedPermanently, f
		}
		f.Account = req.Account
		err = check(req)
	}
	if err != nil {
		log.Warn("invalid provisioning message", "error", err.Error())
		f.ErrorType, f.Message = avp.CodeValidation, err.Error()
		return failedPermanently, f
	}
	psID, err := p.run(ctx, req, tokenFor(msg.MessageId, eventID))
	f.PolicyStoreID = psID
	var e *avp.Error
	switch {
	case err == nil:
		log.Info("provisioned", "operation", req.Operation, "account", req.Account, "policyStoreId", psID)
		return done, f
	case errors.As(err, &e) && e.Retryable():
		log.Warn("provisioning will be retried", "operation", req.Operation, "errorType", e.Code, "error", avp.LogCause(err))
		return retry, f
	case errors.As(err, &e):
		log.Info("provisioning failed", "operation", req.Operation, "errorType", e.Code)
		f.ErrorType, f.Message, f.FieldList = e.Code, e.Message, e.FieldList
		return failedPermanently, f
	}
	log.Error("provisioning failed internally; will be retried", "operation", req.Operation, "error", err.Error())
	return retry, f
}

// parse reads a message: an EventBridge event whose detail is a Request
// (fromEvent; the account is the event's), or a Request itself.
func parse(msg events.SQSMessage) (req Request, eventID string, fromEvent bool, err error) {
	var env envelope
	if err := json.Unmarshal([]byte(msg.Body), &env); err != nil {
		return Request{}, "", false, fmt.Errorf("the message body is not a JSON object: %v", err)
	}
	body := []byte(msg.Body)
	if env.DetailType != "" {
		fromEvent, eventID = true, env.ID
		if env.Source != bus.ProvisioningSource || env.DetailType != bus.ProvisioningDetailType {
			return Request{}, eventID, true, fmt.Errorf("the event has source %q and detail-type %q; want %q and %q",
				env.Source, env.DetailType, bus.ProvisioningSource, bus.ProvisioningDetailType)
		}
		body = env.Detail
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return Request{}, eventID, fromEvent, fmt.Errorf("the provisioning request is not valid: %v", err)
	}
	if fromEvent {
		if req.Account != "" && req.Account != env.Account {
			return req, eventID, true, fmt.Errorf("the request names account %s but the event came from account %s", req.Account, env.Account)
		}
		req.Account = env.Account
	}
	return req, eventID, fromEvent, nil
}

// check validates an authorized request.
func check(req Request) error {
	switch {
	case !reAccount.MatchString(req.Account):
		return fmt.Errorf("account %q is not a 12-digit AWS account id", req.Account)
	case req.Operation != OpCreate && req.Operation != OpUpdate && req.Operation != OpDelete:
		return fmt.Errorf("operation %q is not one of %s, %s, %s", req.Operation, OpCreate, OpUpdate, OpDelete)
	case len(req.Request) == 0:
		return errors.New("the provisioning request has no request member")
	}
	return nil
}

// tokenFor derives the clientToken of a create sent without one: stable
// across redeliveries of the message, and across EventBridge's retries of
// the event.
func tokenFor(messageID, eventID string) string {
	if eventID != "" {
		return clip("evt-" + eventID)
	}
	return clip("sqs-" + messageID)
}

var reTokenChars = regexp.MustCompile(`[^a-zA-Z0-9-]`)

func clip(s string) string {
	s = reTokenChars.ReplaceAllString(s, "-")
	if len(s) > 64 {
		s = s[:64]
	}
	return s
}

// run decodes the request as the API would and runs it through the
// operation table; it returns the policy store the request named.
func (p *Processor) run(ctx context.Context, req Request, token string) (string, error) {
	in, err := p.ops.Decode(req.Operation, req.Request)
	if err != nil {
		return "", err
	}
	var psID string
	switch in := in.(type) {
	case *avp.CreateIdentitySourceInput:
		if in.ClientToken == nil {
			in.ClientToken = &token
		}
		psID = in.PolicyStoreID
	case *avp.UpdateIdentitySourceInput:
		psID = in.PolicyStoreID
	case *avp.DeleteIdentitySourceInput:
		psID = in.PolicyStoreID
	}
	_, err = p.ops.Run(ctx, req.Operation, req.Account, in)
	var e *avp.Error
	if req.Operation == OpDelete && errors.As(err, &e) && e.Code == avp.CodeResourceNotFound && e.ResourceType == avp.ResourceIdentitySource {
		return psID, nil // already gone: the desired state holds
	}
	return psID, err
}
