package cfnresource_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/cfn"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/vpid-dev/vpid/internal/avp"
	"github.com/vpid-dev/vpid/internal/cfnresource"
	"github.com/vpid-dev/vpid/internal/dev/emulator/emulatortest"
	"github.com/vpid-dev/vpid/internal/entry"
)

var ctx = context.Background()

// create runs the sample Create and returns its identity source id.
func (hs *harness) create() (string, cfnresource.Response) {
	hs.t.Helper()
	r := hs.invoke(ctx, hs.event("create"))
	if r.Status != cfnresource.StatusSuccess {
		hs.t.Fatalf("create: %s %s", r.Status, r.Reason)
	}
	return r.PhysicalResourceID, r
}

func TestCreate(t *testing.T) {
	hs := newHarness(t, nil)
	r := hs.invoke(ctx, hs.event("create"))
	if r.Status != cfnresource.StatusSuccess {
		t.Fatalf("Status %s, Reason %q", r.Status, r.Reason)
	}
	got := hs.mustGet(storeA, r.PhysicalResourceID)
	if got.IdentitySourceID != r.PhysicalResourceID || got.PrincipalEntityType != "User" ||
		got.Configuration.CognitoUserPoolConfiguration.UserPoolARN != emulatortest.SeedPoolARN {
		t.Errorf("stored %+v", got)
	}
	if r.Data[cfnresource.DataIdentitySourceID] != r.PhysicalResourceID ||
		r.Data[cfnresource.DataPolicyStoreID] != storeA ||
		r.Data[cfnresource.DataCreatedDate] != got.CreatedDate.String() {
		t.Errorf("Data %v, want the id, %s and %s", r.Data, storeA, got.CreatedDate)
	}
	if r.Reason != "" {
		t.Errorf("Reason %q on success", r.Reason)
	}
}

func TestCreateFailureCarriesTheAVPMessageAndRollsBackAsANoOp(t *testing.T) {
	hs := newHarness(t, nil)
	ev := hs.event("create")
	cognitoConfig(t, ev)["userPoolArn"] = emulatortest.SeedPoolID // a pool id where the ARN belongs
	r := hs.invoke(ctx, ev)
	if r.Status != cfnresource.StatusFailed {
		t.Fatalf("Status %s", r.Status)
	}
	want := "ValidationException: 1 validation error detected: Value 'us-west-2_1a2b3c4d5' at 'configuration.cognitoUserPoolConfiguration.userPoolArn' failed to satisfy constraint"
	if !strings.HasPrefix(r.Reason, want) {
		t.Errorf("Reason %q\nwant it to start %q", r.Reason, want)
	}
	if r.PhysicalResourceID != cfnresource.FailedCreatePrefix+ev.RequestID || r.Data != nil {
		t.Errorf("PhysicalResourceId %q, Data %v", r.PhysicalResourceID, r.Data)
	}
	if ids := hs.list(storeA); len(ids) != 0 {
		t.Errorf("identity sources %v after a failed create", ids)
	}

	// CloudFormation rolls the failed Create back with a Delete of the
	// physical id it was given.
	del := hs.event("delete")
	del.PhysicalResourceID = r.PhysicalResourceID
	del.ResourceProperties = ev.ResourceProperties
	d := hs.invoke(ctx, del)
	if d.Status != cfnresource.StatusSuccess || d.PhysicalResourceID != r.PhysicalResourceID {
		t.Errorf("rollback Delete: %s %q, physical id %q", d.Status, d.Reason, d.PhysicalResourceID)
	}
}

func TestCreateRetriedWithTheSameRequestIDCreatesOnce(t *testing.T) {
	hs := newHarness(t, nil)
	ev := hs.event("create")

	// The first delivery of the response fails every attempt, so Handle
	// fails and Lambda invokes it again with the same event.
	hs.failing = 3
	if err := hs.h.Handle(ctx, ev); err == nil {
		t.Fatal("Handle succeeded although the response could not be sent")
	} else if strings.Contains(err.Error(), signature) || strings.Contains(err.Error(), hs.srv.URL) {
		t.Errorf("the error names the pre-signed URL: %v", err)
	}
	if n := hs.putCount(); n != 3 {
		t.Errorf("%d attempts to send, want 3", n)
	}
	first := hs.puts[0].Resp

	second := hs.invoke(ctx, ev)
	third := hs.invoke(ctx, ev)
	if first.Status != cfnresource.StatusSuccess || second.Status != cfnresource.StatusSuccess || third.Status != cfnresource.StatusSuccess {
		t.Fatalf("statuses %s %s %s", first.Status, second.Status, third.Status)
	}
	if second.PhysicalResourceID != first.PhysicalResourceID || third.PhysicalResourceID != first.PhysicalResourceID {
		t.Errorf("physical ids %s, %s, %s; want one", first.PhysicalResourceID, second.PhysicalResourceID, third.PhysicalResourceID)
	}
	if second.Data[cfnresource.DataCreatedDate] != first.Data[cfnresource.DataCreatedDate] {
		t.Errorf("CreatedDate %s then %s", first.Data[cfnresource.DataCreatedDate], second.Data[cfnresource.DataCreatedDate])
	}
	if ids := hs.list(storeA); len(ids) != 1 || ids[0] != first.PhysicalResourceID {
		t.Errorf("identity sources %v, want [%s]", ids, first.PhysicalResourceID)
	}
}

func TestUpdateInPlace(t *testing.T) {
	hs := newHarness(t, nil)
	id, created := hs.create()
	ev := hs.event("update")
	ev.PhysicalResourceID = id
	r := hs.invoke(ctx, ev)
	if r.Status != cfnresource.StatusSuccess || r.PhysicalResourceID != id {
		t.Fatalf("%s %q, physical id %s (was %s)", r.Status, r.Reason, r.PhysicalResourceID, id)
	}
	got := hs.mustGet(storeA, id)
	cg := got.Configuration.CognitoUserPoolConfiguration
	if got.PrincipalEntityType != "MyCorp::User" || cg.GroupConfiguration == nil || cg.GroupConfiguration.GroupEntityType != "MyCorp::Group" {
		t.Errorf("after update: principal %q, group %+v", got.PrincipalEntityType, cg.GroupConfiguration)
	}
	if r.Data[cfnresource.DataCreatedDate] != created.Data[cfnresource.DataCreatedDate] || r.Data[cfnresource.DataIdentitySourceID] != id {
		t.Errorf("Data %v; CreatedDate must stay %s", r.Data, created.Data[cfnresource.DataCreatedDate])
	}
	if ids := hs.list(storeA); len(ids) != 1 {
		t.Errorf("identity sources %v", ids)
	}
}

func TestUpdateWithoutPrincipalEntityTypeRestoresTheDefault(t *testing.T) {
	hs := newHarness(t, nil)
	id, _ := hs.create() // PrincipalEntityType: User
	ev := hs.event("update")
	ev.PhysicalResourceID = id
	delete(ev.ResourceProperties, cfnresource.PropPrincipalEntityType)
	if r := hs.invoke(ctx, ev); r.Status != cfnresource.StatusSuccess {
		t.Fatalf("%s %q", r.Status, r.Reason)
	}
	if got := hs.mustGet(storeA, id).PrincipalEntityType; got != avp.DefaultCognitoPrincipalEntityType {
		t.Errorf("principal %q, want %q as a create without one stores", got, avp.DefaultCognitoPrincipalEntityType)
	}

	// An OpenID Connect configuration gets the same default (AVP user guide,
	// "Creating OpenID Connect identity sources"), so the only error of this
	// one is its own: it has no tokenSelection.
	ev = hs.event("update")
	ev.PhysicalResourceID = id
	delete(ev.ResourceProperties, cfnresource.PropPrincipalEntityType)
	ev.ResourceProperties[cfnresource.PropConfiguration] = map[string]any{
		avp.MemberOIDC: map[string]any{"issuer": "https://auth.example.com"},
	}
	r := hs.invoke(ctx, ev)
	if r.Status != cfnresource.StatusFailed || !strings.HasPrefix(r.Reason, "ValidationException: ") || strings.Contains(r.Reason, "principalEntityType") || !strings.Contains(r.Reason, "tokenSelection") {
		t.Errorf("%s %q", r.Status, r.Reason)
	}
	if r.PhysicalResourceID != id {
		t.Errorf("a failed update answered physical id %q, want the unchanged %s", r.PhysicalResourceID, id)
	}
}

func TestUpdateWithANewPolicyStoreReplaces(t *testing.T) {
	hs := newHarness(t, nil)
	oldID, _ := hs.create()
	ev := hs.event("update-replace")
	ev.PhysicalResourceID = oldID
	r := hs.invoke(ctx, ev)
	if r.Status != cfnresource.StatusSuccess {
		t.Fatalf("%s %q", r.Status, r.Reason)
	}
	newID := r.PhysicalResourceID
	if newID == oldID {
		t.Fatalf("physical id unchanged (%s): CloudFormation would not replace", oldID)
	}
	if r.Data[cfnresource.DataPolicyStoreID] != storeB || r.Data[cfnresource.DataIdentitySourceID] != newID {
		t.Errorf("Data %v", r.Data)
	}
	hs.mustGet(storeB, newID)
	hs.mustGet(storeA, oldID) // kept until CloudFormation's cleanup Delete

	// A retry of the same Update request answers the same replacement.
	if again := hs.invoke(ctx, ev); again.PhysicalResourceID != newID {
		t.Errorf("retried update answered %s, want %s", again.PhysicalResourceID, newID)
	}
	if ids := hs.list(storeB); len(ids) != 1 {
		t.Errorf("store B holds %v after a retried replacement", ids)
	}

	// The cleanup: a Delete of the old physical id with the old properties.
	del := hs.event("delete")
	del.PhysicalResourceID = oldID
	if d := hs.invoke(ctx, del); d.Status != cfnresource.StatusSuccess || d.PhysicalResourceID != oldID {
		t.Fatalf("cleanup Delete: %s %q %s", d.Status, d.Reason, d.PhysicalResourceID)
	}
	hs.mustBeGone(storeA, oldID)
	hs.mustGet(storeB, newID)
}

func TestRollbackOfAReplacementUpdatesInPlace(t *testing.T) {
	hs := newHarness(t, nil)
	id, _ := hs.create()
	// The replacement failed (or a later resource did) and CloudFormation
	// rolls back: an Update of the original physical id, from the new
	// properties (store B) back to the original ones (store A), where the
	// identity source still lives. Creating in store A would exceed its
	// quota of one.
	replace := hs.event("update-replace")
	ev := hs.event("update-replace")
	ev.PhysicalResourceID = id
	ev.ResourceProperties, ev.OldResourceProperties = replace.OldResourceProperties, replace.ResourceProperties
	ev.ResourceProperties[cfnresource.PropPrincipalEntityType] = "MyCorp::Rolled"
	r := hs.invoke(ctx, ev)
	if r.Status != cfnresource.StatusSuccess || r.PhysicalResourceID != id {
		t.Fatalf("%s %q, physical id %s (want %s)", r.Status, r.Reason, r.PhysicalResourceID, id)
	}
	if got := hs.mustGet(storeA, id).PrincipalEntityType; got != "MyCorp::Rolled" {
		t.Errorf("principal %q: not updated in place", got)
	}
	if a, b := hs.list(storeA), hs.list(storeB); len(a) != 1 || len(b) != 0 {
		t.Errorf("store A %v, store B %v", a, b)
	}
}

func TestUpdateOfAFailedCreateCreates(t *testing.T) {
	hs := newHarness(t, nil)
	ev := hs.event("update")
	ev.PhysicalResourceID = cfnresource.FailedCreatePrefix + "3f1e7a52-8b0d-4c6e-9a41-2d5f0c7b1e01"
	r := hs.invoke(ctx, ev)
	if r.Status != cfnresource.StatusSuccess {
		t.Fatalf("%s %q", r.Status, r.Reason)
	}
	hs.mustGet(storeA, r.PhysicalResourceID)
}

func TestDelete(t *testing.T) {
	hs := newHarness(t, nil)
	id, _ := hs.create()
	ev := hs.event("delete")
	ev.PhysicalResourceID = id
	r := hs.invoke(ctx, ev)
	if r.Status != cfnresource.StatusSuccess || r.PhysicalResourceID != id || r.Data != nil {
		t.Fatalf("%s %q, physical id %s, Data %v", r.Status, r.Reason, r.PhysicalResourceID, r.Data)
	}
	hs.mustBeGone(storeA, id)

	// Already gone (a retried Delete, or deleted out of band): success.
	if again := hs.invoke(ctx, ev); again.Status != cfnresource.StatusSuccess {
		t.Errorf("second Delete: %s %q", again.Status, again.Reason)
	}
	// The whole policy store gone: its identity source went with it.
	ev.ResourceProperties[cfnresource.PropPolicyStoreID] = "PSEXAMPLEabcdefg999999"
	if gone := hs.invoke(ctx, ev); gone.Status != cfnresource.StatusSuccess {
		t.Errorf("Delete in a missing store: %s %q", gone.Status, gone.Reason)
	}
}

func TestPropertyErrors(t *testing.T) {
	hs := newHarness(t, nil)
	for _, tc := range []struct {
		name   string
		change func(ev cfn.Event)
		want   string
	}{
		{"misspelt property", func(ev cfn.Event) { ev.ResourceProperties["PrincipalEntitytype"] = "User" },
			"ValidationException: 1 validation error detected: Property 'PrincipalEntitytype' is not a property of Custom::VerifiedPermissionsIdentitySource"},
		{"list given as a string", func(ev cfn.Event) { cognitoConfig(t, ev)["clientIds"] = emulatortest.SeedClientID },
			"SerializationException: Value at 'configuration.cognitoUserPoolConfiguration.clientIds' must be a list, not a string"},
		{"two union members", func(ev cfn.Event) {
			ev.ResourceProperties[cfnresource.PropConfiguration].(map[string]any)[avp.MemberOIDC] = map[string]any{"issuer": "https://auth.example.com"}
		}, "ValidationException: 2 validation errors detected: Member must have exactly one member set, but has 2"},
		{"no policy store", func(ev cfn.Event) { delete(ev.ResourceProperties, cfnresource.PropPolicyStoreID) },
			"ValidationException: 1 validation error detected: Value null at 'policyStoreId'"},
		{"missing app client", func(ev cfn.Event) { cognitoConfig(t, ev)["clientIds"] = []any{"nosuchclient0000000000000"} },
			"ValidationException: 1 validation error detected: App client nosuchclient0000000000000 does not exist in user pool us-west-2_1a2b3c4d5"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev := hs.event("create")
			tc.change(ev)
			r := hs.invoke(ctx, ev)
			if r.Status != cfnresource.StatusFailed || !strings.HasPrefix(r.Reason, tc.want) {
				t.Errorf("%s %q\nwant FAILED starting %q", r.Status, r.Reason, tc.want)
			}
		})
	}
	if ids := hs.list(storeA); len(ids) != 0 {
		t.Errorf("identity sources %v", ids)
	}
}

func TestConfigurationAsAJSONString(t *testing.T) {
	hs := newHarness(t, nil)
	ev := hs.event("create")
	ev.ResourceProperties[cfnresource.PropConfiguration] = fmt.Sprintf(
		`{"cognitoUserPoolConfiguration":{"userPoolArn":%q,"clientIds":[%q]}}`, emulatortest.SeedPoolARN, emulatortest.SeedClientID)
	r := hs.invoke(ctx, ev)
	if r.Status != cfnresource.StatusSuccess {
		t.Fatalf("%s %q", r.Status, r.Reason)
	}
	hs.mustGet(storeA, r.PhysicalResourceID)
}

func TestALongReasonIsCutToFit(t *testing.T) {
	hs := newHarness(t, nil)
	ev := hs.event("create")
	var ids []any
	// A ValidationException lists ten violations (avp.MaxFieldList): ten
	// ids of 255 two-byte characters make a reason over 4,096 bytes.
	for i := range 60 {
		ids = append(ids, fmt.Sprintf("missingclient%012d", i)+strings.Repeat("\u00e9", 230))
	}
	cognitoConfig(t, ev)["clientIds"] = ids
	r := hs.invoke(ctx, ev) // checks the body fits 4096 bytes
	if r.Status != cfnresource.StatusFailed || !strings.HasPrefix(r.Reason, "ValidationException: 60 validation errors detected: ") || !strings.HasSuffix(r.Reason, "...") {
		t.Errorf("%s %q", r.Status, r.Reason)
	}
}

func TestOnlyTheFunctionsOwnAccount(t *testing.T) {
	hs := newHarness(t, nil)
	other := lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{
		InvokedFunctionArn: "arn:aws:lambda:us-west-2:999999999999:function:vpid-IdentitySourceResource",
	})
	r := hs.invoke(other, hs.event("create"))
	if r.Status != cfnresource.StatusFailed || !strings.HasPrefix(r.Reason, "AccessDeniedException: The stack is in account 123456789012") {
		t.Errorf("%s %q", r.Status, r.Reason)
	}
	if ids := hs.list(storeA); len(ids) != 0 {
		t.Errorf("identity sources %v", ids)
	}
	// Rolling that back needs nothing of the account.
	del := hs.event("delete")
	del.PhysicalResourceID = r.PhysicalResourceID
	if d := hs.invoke(other, del); d.Status != cfnresource.StatusSuccess {
		t.Errorf("rollback Delete: %s %q", d.Status, d.Reason)
	}

	own := lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{
		InvokedFunctionArn: "arn:aws:lambda:us-west-2:123456789012:function:vpid-IdentitySourceResource:live",
	})
	if r := hs.invoke(own, hs.event("create")); r.Status != cfnresource.StatusSuccess {
		t.Errorf("own account: %s %q", r.Status, r.Reason)
	}
}

// flaky fails the first calls of every operation with err, then passes them
// to the table it wraps; a nil err makes them panic.
type flaky struct {
	next     entry.Table
	failures int64
	err      error
	calls    atomic.Int64
}

// wrap makes f stand in front of t's create and delete.
func (f *flaky) wrap(t entry.Table) entry.Table {
	f.next = t
	out := maps.Clone(t)
	out[avp.OpCreateIdentitySource] = entry.Op(f.CreateIdentitySource)
	out[avp.OpDeleteIdentitySource] = entry.Op(f.DeleteIdentitySource)
	return out
}

func (f *flaky) fail() error {
	if f.calls.Add(1) > f.failures {
		return nil
	}
	if f.err == nil {
		panic("flaky: boom")
	}
	return f.err
}

func (f *flaky) CreateIdentitySource(ctx context.Context, account string, in *avp.CreateIdentitySourceInput) (*avp.CreateIdentitySourceOutput, error) {
	if err := f.fail(); err != nil {
		return nil, err
	}
	return entry.Run[avp.CreateIdentitySourceOutput](ctx, f.next, avp.OpCreateIdentitySource, account, in)
}

func (f *flaky) DeleteIdentitySource(ctx context.Context, account string, in *avp.DeleteIdentitySourceInput) (*avp.Empty, error) {
	if err := f.fail(); err != nil {
		return nil, err
	}
	return entry.Run[avp.Empty](ctx, f.next, avp.OpDeleteIdentitySource, account, in)
}

func TestRetryableErrorsAreRetried(t *testing.T) {
	f := &flaky{failures: 3, err: avp.Throttled("checking the user pool in Amazon Cognito")}
	hs := newHarness(t, f.wrap)
	r := hs.invoke(ctx, hs.event("create"))
	if r.Status != cfnresource.StatusSuccess || f.calls.Load() != 4 {
		t.Fatalf("%s %q after %d calls, want SUCCESS after 4", r.Status, r.Reason, f.calls.Load())
	}
	hs.mustGet(storeA, r.PhysicalResourceID)

	f.calls.Store(0)
	f.err = avp.Unavailable("deleting the identity source")
	del := hs.event("delete")
	del.PhysicalResourceID = r.PhysicalResourceID
	if d := hs.invoke(ctx, del); d.Status != cfnresource.StatusSuccess || f.calls.Load() != 4 {
		t.Fatalf("delete: %s %q after %d calls", d.Status, d.Reason, f.calls.Load())
	}
	hs.mustBeGone(storeA, r.PhysicalResourceID)
}

func TestRetriesEndWithTheAttemptsAndFail(t *testing.T) {
	f := &flaky{failures: 1 << 40, err: avp.Throttled("checking the user pool in Amazon Cognito")}
	hs := newHarness(t, f.wrap, cfnresource.WithMaxAttempts(3))
	r := hs.invoke(ctx, hs.event("create"))
	want := "ThrottlingException: Rate exceeded while checking the user pool in Amazon Cognito; retry the request"
	if r.Status != cfnresource.StatusFailed || r.Reason != want || f.calls.Load() != 3 {
		t.Errorf("%s %q after %d calls; want FAILED %q after 3", r.Status, r.Reason, f.calls.Load(), want)
	}
}

func TestRetriesEndWithTheTimeBudget(t *testing.T) {
	f := &flaky{failures: 1 << 40, err: avp.Unavailable("creating the identity source")}
	hs := newHarness(t, f.wrap, cfnresource.WithMaxAttempts(1000),
		cfnresource.WithBackoff(40*time.Millisecond, 40*time.Millisecond),
		cfnresource.WithResponseReserve(300*time.Millisecond))
	// A Lambda with 1.2 s left: operations get 0.9 s, the response the rest.
	lctx, cancel := context.WithTimeout(ctx, 1200*time.Millisecond)
	defer cancel()
	start := time.Now()
	r := hs.invoke(lctx, hs.event("create"))
	elapsed := time.Since(start)
	if r.Status != cfnresource.StatusFailed || !strings.HasPrefix(r.Reason, "InternalServerException: ") {
		t.Errorf("%s %q", r.Status, r.Reason)
	}
	// invoke already proved the response went out before the deadline.
	if n := f.calls.Load(); n < 5 || n >= 1000 || elapsed >= 1200*time.Millisecond {
		t.Errorf("%d calls in %v: want several, stopped by the budget before the deadline", n, elapsed)
	}
}

func TestInternalErrorsAreNotShown(t *testing.T) {
	f := &flaky{failures: 1 << 40, err: errors.New("AccessDenied: role vpid-xyz cannot dynamodb:TransactWriteItems on table secret-table")}
	hs := newHarness(t, f.wrap, cfnresource.WithMaxAttempts(2))
	ev := hs.event("create")
	r := hs.invoke(ctx, ev)
	if r.Status != cfnresource.StatusFailed || !strings.HasPrefix(r.Reason, "InternalServerException: ") ||
		strings.Contains(r.Reason, "secret") || strings.Contains(r.Reason, "dynamodb") {
		t.Errorf("%s %q: want a generic InternalServerException", r.Status, r.Reason)
	}
	if !strings.Contains(r.Reason, logStream) || !strings.Contains(r.Reason, ev.RequestID) {
		t.Errorf("Reason %q names neither the log stream nor the request", r.Reason)
	}
	if !strings.Contains(hs.logs.String(), "secret-table") {
		t.Error("the cause was not logged")
	}
}

func TestAPanicIsAFailedResponse(t *testing.T) {
	f := &flaky{failures: 1}
	hs := newHarness(t, f.wrap)
	ev := hs.event("create")
	r := hs.invoke(ctx, ev)
	if r.Status != cfnresource.StatusFailed || !strings.Contains(r.Reason, logStream) || strings.Contains(r.Reason, "boom") {
		t.Errorf("%s %q", r.Status, r.Reason)
	}
	if r.PhysicalResourceID != cfnresource.FailedCreatePrefix+ev.RequestID {
		t.Errorf("physical id %q", r.PhysicalResourceID)
	}
}

func TestUnknownRequestType(t *testing.T) {
	hs := newHarness(t, nil)
	ev := hs.event("update")
	ev.RequestType = "Upgrade"
	r := hs.invoke(ctx, ev)
	if r.Status != cfnresource.StatusFailed || !strings.Contains(r.Reason, `RequestType "Upgrade"`) || r.PhysicalResourceID != ev.PhysicalResourceID {
		t.Errorf("%s %q %s", r.Status, r.Reason, r.PhysicalResourceID)
	}
}

func TestAFailedDependencyIsLoggedWithItsCause(t *testing.T) {
	e := avp.Unavailable("creating the identity source")
	e.Cause = errors.New("dial tcp 127.0.0.1:1: connect: connection refused")
	f := &flaky{failures: 1 << 40, err: e}
	hs := newHarness(t, f.wrap, cfnresource.WithMaxAttempts(2), cfnresource.WithBackoff(time.Millisecond, time.Millisecond))
	ev := hs.event("create")
	r := hs.invoke(ctx, ev)
	if r.Status != cfnresource.StatusFailed || strings.Contains(r.Reason, "refused") {
		t.Fatalf("%s %q: want FAILED without the cause", r.Status, r.Reason)
	}
	found := false
	for _, l := range strings.Split(hs.logs.String(), "\n") {
		if strings.Contains(l, `"msg":"the request failed"`) && strings.Contains(l, `"requestId":"`+ev.RequestID+`"`) &&
			strings.Contains(l, "connection refused") && strings.Contains(l, `"level":"ERROR"`) {
			found = true
		}
	}
	if !found {
		t.Errorf("no ERROR line names the request and the cause:\n%s", hs.logs.String())
	}
}
