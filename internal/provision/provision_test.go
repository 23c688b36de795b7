package provision_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"

	"github.com/vpid-dev/vpid/internal/app"
	"github.com/vpid-dev/vpid/internal/avp"
	"github.com/vpid-dev/vpid/internal/bus"
	"github.com/vpid-dev/vpid/internal/cognito"
	"github.com/vpid-dev/vpid/internal/dev/emulator/emulatortest"
	"github.com/vpid-dev/vpid/internal/dev/localtable"
	"github.com/vpid-dev/vpid/internal/entry"
	"github.com/vpid-dev/vpid/internal/provision"
)

func TestMain(m *testing.M) { emulatortest.Main(m) }

const seedStore = "PSEXAMPLEabcdefg111111"

// The queues of the sample batch, and its direct sender.
const (
	eventQueue  = "arn:aws:sqs:us-west-2:123456789012:vpid-ProvisioningQueue"
	directQueue = "arn:aws:sqs:us-west-2:123456789012:vpid-DirectProvisioningQueue"
	provisioner = "AIDAIENQZJOLO23YVJ4VO"
)

// trust is the deployment of the samples: events of the seed account, and
// one provisioner allowed the seed account.
var trust = provision.Trust{
	EventQueueARN:  eventQueue,
	EventAccounts:  []string{emulatortest.SeedAccount},
	DirectQueueARN: directQueue,
	Senders:        map[string][]string{provisioner: {emulatortest.SeedAccount}},
}

// fakeBus records published events; FailFn decides per call which fail.
type fakeBus struct {
	mu     sync.Mutex
	events []bus.Event
	FailFn func(n int) []int
}

func (b *fakeBus) Publish(_ context.Context, evs []bus.Event) ([]int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.FailFn != nil {
		if failed := b.FailFn(len(evs)); len(failed) > 0 {
			return failed, errors.New("eventbridge unavailable")
		}
	}
	b.events = append(b.events, evs...)
	return nil, nil
}

type acceptIssuers struct{}

func (acceptIssuers) VerifyIssuer(context.Context, string) error { return nil }

type fixture struct {
	svc  *avp.Service
	bus  *fakeBus
	proc *provision.Processor
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ddb := emulatortest.DynamoDB(t)
	table := emulatortest.NewTable(t, ddb)
	if err := localtable.SeedPolicyStore(context.Background(), ddb, table, emulatortest.SeedAccount, seedStore, time.Now()); err != nil {
		t.Fatal(err)
	}
	idp := emulatortest.Cognito(t)
	svc := app.Deps{Table: table, DynamoDB: ddb, Cognito: func(string) cognito.API { return idp }, Issuers: acceptIssuers{}}.Service()
	b := &fakeBus{}
	return &fixture{svc: svc, bus: b, proc: provision.New(entry.NewTable(svc), b, discard(), trust)}
}

func discard() *slog.Logger { return slog.New(slog.NewJSONHandler(io.Discard, nil)) }

func sampleBatch(t *testing.T) events.SQSEvent {
	t.Helper()
	b, err := os.ReadFile("../../events/sqs/provision-batch.json")
	if err != nil {
		t.Fatal(err)
	}
	var ev events.SQSEvent
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatal(err)
	}
	return ev
}

// message is a direct message from the provisioner.
func message(id string, body any) events.SQSMessage {
	b, _ := json.Marshal(body)
	return events.SQSMessage{MessageId: id, Body: string(b), EventSourceARN: directQueue,
		Attributes: map[string]string{"SenderId": provisioner}}
}

// event is a message the provisioning rule delivered.
func event(id string, body any) events.SQSMessage {
	m := message(id, body)
	m.EventSourceARN, m.Attributes = eventQueue, map[string]string{"SenderId": "AIDAEVENTBRIDGEEXAMPLE"}
	return m
}

func (f *fixture) sources(t *testing.T) []avp.IdentitySourceItem {
	t.Helper()
	out, err := f.svc.ListIdentitySources(context.Background(), emulatortest.SeedAccount, &avp.ListIdentitySourcesInput{PolicyStoreID: seedStore})
	if err != nil {
		t.Fatal(err)
	}
	return out.IdentitySources
}

func TestSampleBatch(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	// The message naming a missing pool first: after the create, the full
	// store would refuse it before Cognito is asked (a ServiceQuotaExceeded
	// without a fieldList).
	batch := sampleBatch(t)
	slices.Reverse(batch.Records)
	resp, err := f.proc.Handle(context.Background(), batch)
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("response %+v, %v", resp, err)
	}
	if got := f.sources(t); len(got) != 1 || got[0].PrincipalEntityType != "User" {
		t.Fatalf("identity sources %+v", got)
	}
	if len(f.bus.events) != 1 {
		t.Fatalf("events %+v", f.bus.events)
	}
	fail := f.bus.events[0]
	d := fail.Detail.(provision.Failure)
	if fail.DetailType != bus.ProvisioningFailed || d.ErrorType != avp.CodeValidation || d.EventID != "6a7e8feb-b491-4cf7-a9f1-bf3703467718" ||
		d.Account != "123456789012" || d.MessageID != "8f3c2a4e-0b1d-4c6e-9f2a-7d5e3b1c0a99" || len(d.FieldList) != 1 ||
		d.FieldList[0].Path != "configuration.cognitoUserPoolConfiguration.userPoolArn" {
		t.Errorf("failure event %+v", d)
	}
}

func TestRedeliveryNeverCreatesTwice(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	batch := sampleBatch(t)
	batch.Records = batch.Records[:1]
	for range 3 { // SQS may deliver a message more than once
		resp, _ := f.proc.Handle(context.Background(), batch)
		if len(resp.BatchItemFailures) != 0 {
			t.Fatalf("redelivery failed: %+v", resp)
		}
	}
	if got := f.sources(t); len(got) != 1 {
		t.Fatalf("%d identity sources after redelivery", len(got))
	}
	if len(f.bus.events) != 0 {
		t.Errorf("a redelivery was reported as a failure: %+v", f.bus.events)
	}
	// Another message with the same request is another request: the store
	// is full, and that is a permanent failure.
	batch.Records[0].MessageId = "another-message"
	resp, _ := f.proc.Handle(context.Background(), batch)
	if len(resp.BatchItemFailures) != 0 || len(f.bus.events) != 1 || f.bus.events[0].Detail.(provision.Failure).ErrorType != avp.CodeServiceQuotaExceeded {
		t.Errorf("second request: %+v, events %+v", resp, f.bus.events)
	}
}

func TestUpdateAndDelete(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	f.proc.Handle(ctx, events.SQSEvent{Records: sampleBatch(t).Records[:1]})
	id := f.sources(t)[0].IdentitySourceID
	upd := message("m-upd", provision.Request{Operation: provision.OpUpdate, Account: emulatortest.SeedAccount, Request: json.RawMessage(
		`{"policyStoreId":"` + seedStore + `","identitySourceId":"` + id + `","principalEntityType":"MyCorp::User","updateConfiguration":{"cognitoUserPoolConfiguration":{"userPoolArn":"` + emulatortest.SeedPoolARN + `"}}}`)})
	del := message("m-del", provision.Request{Operation: provision.OpDelete, Account: emulatortest.SeedAccount, Request: json.RawMessage(
		`{"policyStoreId":"` + seedStore + `","identitySourceId":"` + id + `"}`)})
	resp, _ := f.proc.Handle(ctx, events.SQSEvent{Records: []events.SQSMessage{upd}})
	if len(resp.BatchItemFailures) != 0 || f.sources(t)[0].PrincipalEntityType != "MyCorp::User" {
		t.Fatalf("update: %+v %+v", resp, f.bus.events)
	}
	for range 2 { // a redelivered delete finds it gone: still a success
		resp, _ = f.proc.Handle(ctx, events.SQSEvent{Records: []events.SQSMessage{del}})
		if len(resp.BatchItemFailures) != 0 {
			t.Fatalf("delete: %+v", resp)
		}
	}
	if len(f.sources(t)) != 0 || len(f.bus.events) != 0 {
		t.Errorf("after delete: %+v, events %+v", f.sources(t), f.bus.events)
	}
}

func TestInvalidMessagesAreAcknowledgedAndReported(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	msgs := []events.SQSMessage{
		{MessageId: "not-json", Body: "hello"},
		message("no-account", map[string]any{"operation": provision.OpCreate, "request": map[string]any{}}),
		message("bad-op", map[string]any{"operation": "DeletePolicyStore", "account": "123456789012", "request": map[string]any{}}),
		message("no-request", map[string]any{"operation": provision.OpCreate, "account": "123456789012"}),
		message("wrong-type", map[string]any{"operation": provision.OpCreate, "account": "123456789012", "request": map[string]any{"configuration": "x"}}),
		event("other-event", map[string]any{"id": "e1", "source": "aws.s3", "detail-type": "Object Created", "account": "123456789012", "detail": map[string]any{}}),
		event("forged-account", map[string]any{"id": "e2", "source": bus.ProvisioningSource, "detail-type": bus.ProvisioningDetailType, "account": "123456789012",
			"detail": map[string]any{"operation": provision.OpDelete, "account": "111111111111", "request": map[string]any{}}}),
	}
	resp, err := f.proc.Handle(context.Background(), events.SQSEvent{Records: msgs})
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("invalid messages must not be retried: %+v %v", resp, err)
	}
	var got []string
	for _, e := range f.bus.events {
		d := e.Detail.(provision.Failure)
		if d.Message == "" {
			t.Errorf("failure without a message: %+v", d)
		}
		got = append(got, d.MessageID+":"+d.ErrorType)
	}
	want := []string{"not-json:ValidationException", "no-account:ValidationException", "bad-op:ValidationException", "no-request:ValidationException",
		"wrong-type:SerializationException", "other-event:ValidationException", "forged-account:ValidationException"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("failure events (-want +got):\n%s", diff)
	}
}

// flaky is a table whose create answers err.
func flaky(err error) entry.Table {
	return entry.Table{avp.OpCreateIdentitySource: entry.Op(func(context.Context, string, *avp.CreateIdentitySourceInput) (*avp.CreateIdentitySourceOutput, error) {
		return nil, err
	})}
}

func TestRetryableErrorsAreRedelivered(t *testing.T) {
	t.Parallel()
	batch := sampleBatch(t)
	for _, err := range []error{avp.Throttled("x"), avp.Unavailable("x"), errors.New("internal")} {
		b := &fakeBus{}
		p := provision.New(flaky(err), b, discard(), trust)
		resp, _ := p.Handle(context.Background(), batch)
		var ids []string
		for _, f := range resp.BatchItemFailures {
			ids = append(ids, f.ItemIdentifier)
		}
		if diff := cmp.Diff([]string{batch.Records[0].MessageId, batch.Records[1].MessageId}, ids); diff != "" || len(b.events) != 0 {
			t.Errorf("%v: redelivered (-want +got):\n%s events %v", err, diff, b.events)
		}
	}
}

func TestUnpublishedFailuresAreRedelivered(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.bus.FailFn = func(n int) []int { return []int{0} }
	batch := sampleBatch(t)
	resp, _ := f.proc.Handle(context.Background(), batch)
	if len(resp.BatchItemFailures) != 1 || resp.BatchItemFailures[0].ItemIdentifier != batch.Records[1].MessageId {
		t.Fatalf("want the unannounced failure redelivered, got %+v", resp)
	}
	if len(f.sources(t)) != 1 {
		t.Errorf("the successful create was lost")
	}
}

// TestSampleEventBridgeRequest runs events/eventbridge's provisioning
// request as the rule delivers it: the whole event as the message body.
func TestSampleEventBridgeRequest(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b, err := os.ReadFile("../../events/eventbridge/provision-request.json")
	if err != nil {
		t.Fatal(err)
	}
	msg := events.SQSMessage{MessageId: "from-eventbridge", Body: string(b), EventSourceARN: eventQueue}
	resp, _ := f.proc.Handle(context.Background(), events.SQSEvent{Records: []events.SQSMessage{msg}})
	if len(resp.BatchItemFailures) != 0 || len(f.bus.events) != 0 {
		t.Fatalf("response %+v, events %+v", resp, f.bus.events)
	}
	if got := f.sources(t); len(got) != 1 || got[0].PrincipalEntityType != "User" {
		t.Fatalf("identity sources %+v", got)
	}
}

func TestRetriedFailuresLogTheirCause(t *testing.T) {
	t.Parallel()
	batch := sampleBatch(t)
	e := avp.Unavailable("creating the identity source")
	e.Cause = errors.New("dial tcp 127.0.0.1:1: connect: connection refused")
	var logs bytes.Buffer
	p := provision.New(flaky(e), &fakeBus{}, slog.New(slog.NewJSONHandler(&logs, nil)), trust)
	p.Handle(context.Background(), batch)
	for _, msg := range batch.Records {
		found := false
		for _, l := range strings.Split(logs.String(), "\n") {
			if strings.Contains(l, `"messageId":"`+msg.MessageId+`"`) && strings.Contains(l, "connection refused") {
				found = true
			}
		}
		if !found {
			t.Errorf("no log line names message %s and the cause:\n%s", msg.MessageId, logs.String())
		}
	}
}
