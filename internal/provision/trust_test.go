package provision_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/vpid-dev/vpid/internal/avp"
	"github.com/vpid-dev/vpid/internal/bus"
	"github.com/vpid-dev/vpid/internal/dev/emulator/emulatortest"
	"github.com/vpid-dev/vpid/internal/provision"
)

// createRequest is a create that succeeds in the seed account.
func createRequest(t *testing.T) json.RawMessage {
	t.Helper()
	var req provision.Request
	if err := json.Unmarshal([]byte(sampleBatch(t).Records[0].Body), &req); err != nil {
		t.Fatal(err)
	}
	return req.Request
}

// provisionEvent is an EventBridge event asking for req, from account.
func provisionEvent(id, account string, req json.RawMessage) map[string]any {
	return map[string]any{"version": "0", "id": id, "source": bus.ProvisioningSource, "detail-type": bus.ProvisioningDetailType,
		"account": account, "detail": map[string]any{"operation": provision.OpCreate, "request": req}}
}

// TestSendersAndAccountsAreCheckedAgainstWhatAWSSets reproduces the attacks
// on the provisioning path: a message sent straight to a queue in the shape
// of an EventBridge event (whose envelope account used to be trusted), a
// request from a principal that is not a provisioner, or for an account its
// sender may not provision, an event from an account that is not allowed,
// and a message from a queue that is not the deployment's. Each is refused
// as AccessDeniedException, creates nothing, and its failure event names
// no account (the one in the body is a claim).
func TestSendersAndAccountsAreCheckedAgainstWhatAWSSets(t *testing.T) {
	t.Parallel()
	victim := emulatortest.SeedAccount
	req := createRequest(t)
	direct := func(id, senderID string, body any) events.SQSMessage {
		m := message(id, body)
		m.Attributes["SenderId"] = senderID
		return m
	}
	other := func(id, queue string, body any) events.SQSMessage {
		m := message(id, body)
		m.EventSourceARN = queue
		return m
	}
	attacks := []events.SQSMessage{
		// A stranger sends a forged event straight to the direct queue.
		direct("forged-envelope-stranger", "AROAATTACKERROLE00001:session", provisionEvent("e1", victim, req)),
		// Even a provisioner may not pass an event off as EventBridge's.
		direct("forged-envelope-provisioner", provisioner, provisionEvent("e2", victim, req)),
		// A stranger sends a plain request for the victim's account.
		direct("stranger", "AROAATTACKERROLE00001:session", provision.Request{Operation: provision.OpCreate, Account: victim, Request: req}),
		direct("no-sender", "", provision.Request{Operation: provision.OpCreate, Account: victim, Request: req}),
		// A provisioner asks for an account it was not given.
		direct("other-account", provisioner, provision.Request{Operation: provision.OpCreate, Account: "999999999999", Request: req}),
		// An event from an account that may not provision.
		event("foreign-event", provisionEvent("e3", "999999999999", req)),
		// A plain request on the event queue, which only the rule may use.
		event("plain-on-event-queue", provision.Request{Operation: provision.OpCreate, Account: victim, Request: req}),
		// A queue that is not one of the deployment's.
		other("other-queue", "arn:aws:sqs:us-west-2:999999999999:elsewhere", provision.Request{Operation: provision.OpCreate, Account: victim, Request: req}),
		other("other-queue-event", "arn:aws:sqs:us-west-2:999999999999:elsewhere", provisionEvent("e4", victim, req)),
	}
	f := newFixture(t)
	resp, err := f.proc.Handle(context.Background(), events.SQSEvent{Records: attacks})
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("refusals must not be retried: %+v %v", resp, err)
	}
	if got := f.sources(t); len(got) != 0 {
		t.Errorf("refused messages created %+v", got)
	}
	if len(f.bus.events) != len(attacks) {
		t.Fatalf("%d failure events for %d refused messages", len(f.bus.events), len(attacks))
	}
	for i, e := range f.bus.events {
		d := e.Detail.(provision.Failure)
		if d.MessageID != attacks[i].MessageId || d.ErrorType != avp.CodeAccessDenied || d.Account != "" || d.Message == "" {
			t.Errorf("%s: failure %+v, want an AccessDeniedException naming no account", attacks[i].MessageId, d)
		}
	}
}

// TestAProvisionerOfOneAccountMayOmitIt: a role's SenderId carries its
// session name; the account defaults to the sender's only one.
func TestAProvisionerOfOneAccountMayOmitIt(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	m := message("omitted", provision.Request{Operation: provision.OpCreate, Request: createRequest(t)})
	m.Attributes["SenderId"] = provisioner + ":deploy-session"
	resp, _ := f.proc.Handle(context.Background(), events.SQSEvent{Records: []events.SQSMessage{m}})
	if len(resp.BatchItemFailures) != 0 || len(f.bus.events) != 0 || len(f.sources(t)) != 1 {
		t.Errorf("response %+v, events %+v, sources %+v", resp, f.bus.events, f.sources(t))
	}
}

// TestAnEmptyTrustRefusesEverything: a processor told of no queue accepts
// nothing.
func TestAnEmptyTrustRefusesEverything(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	p := provision.New(nil, f.bus, discard(), provision.Trust{})
	batch := sampleBatch(t)
	batch.Records[1].EventSourceARN = ""
	resp, _ := p.Handle(context.Background(), batch)
	if len(resp.BatchItemFailures) != 0 || len(f.bus.events) != 2 {
		t.Fatalf("response %+v, events %+v", resp, f.bus.events)
	}
	for _, e := range f.bus.events {
		if d := e.Detail.(provision.Failure); d.ErrorType != avp.CodeAccessDenied {
			t.Errorf("failure %+v", d)
		}
	}
}
