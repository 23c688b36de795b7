package changes

import (
	"encoding/json"
	"flag"
	"os"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"

	"github.com/vpid-dev/vpid/internal/avp"
	"github.com/vpid-dev/vpid/internal/bus"
)

var updateSamples = flag.Bool("update", false, "rewrite events/streams/policy-changes.json")

const policySamplePath = "../../events/streams/policy-changes.json"

func samplePolicy(statement string, updatedAt string) avp.Policy {
	return avp.Policy{
		PolicyStoreID: testStore, PolicyID: "SPEXAMPLEabcdefg111111", Name: "name/alice-views", PolicyType: avp.PolicyTypeStatic, Effect: "Permit",
		Principal: &avp.EntityIdentifier{EntityType: "PhotoApp::User", EntityID: "alice"},
		Actions:   []avp.ActionIdentifier{{ActionType: "PhotoApp::Action", ActionID: "view"}},
		Statement: statement, CreatedDate: ts(created), LastUpdatedDate: ts(updatedAt),
	}
}

func sampleTemplate(updatedAt string) avp.PolicyTemplate {
	return avp.PolicyTemplate{
		PolicyStoreID: testStore, PolicyTemplateID: "PTEXAMPLEabcdefg111111", Statement: `permit(principal == ?principal, action, resource == ?resource);`,
		CreatedDate: ts(created), LastUpdatedDate: ts(updatedAt),
	}
}

// policyRecords are a policy created, updated and deleted, a template
// created and deleted, a policy linked to it, a schema put twice, and the
// bookkeeping that yields no event (a name item, the store's version).
func policyRecords() []events.DynamoDBEventRecord {
	p1 := itemImage(samplePolicy(`permit(principal == PhotoApp::User::"alice", action == PhotoApp::Action::"view", resource);`, created))
	p2 := itemImage(samplePolicy(`permit(principal == PhotoApp::User::"alice", action == PhotoApp::Action::"view", resource) when { context.mfa };`, updated))
	linked := itemImage(avp.Policy{PolicyStoreID: testStore, PolicyID: "LPEXAMPLEabcdefg111111", PolicyType: avp.PolicyTypeTemplateLinked,
		PolicyTemplateID: "PTEXAMPLEabcdefg111111", LinkPrincipal: &avp.EntityIdentifier{EntityType: "PhotoApp::User", EntityID: "bob"},
		LinkResource: &avp.EntityIdentifier{EntityType: "PhotoApp::Photo", EntityID: "p1"}, CreatedDate: ts(created), LastUpdatedDate: ts(created)})
	s1 := itemImage(avp.Schema{PolicyStoreID: testStore, Schema: `{"PhotoApp":{"entityTypes":{},"actions":{}}}`, Namespaces: []string{"PhotoApp"}, CreatedDate: ts(created), LastUpdatedDate: ts(created)})
	s2 := itemImage(avp.Schema{PolicyStoreID: testStore, Schema: `{"PhotoApp":{"entityTypes":{"User":{}},"actions":{}}}`, Namespaces: []string{"PhotoApp"}, CreatedDate: ts(created), LastUpdatedDate: ts(updated)})
	bumped := with(storeImage(), "cedarVersion", events.NewNumberAttribute("7"))
	recs := []events.DynamoDBEventRecord{
		record("INSERT", nil, p1),
		record("MODIFY", storeImage(), bumped),
		record("MODIFY", p1, p2),
		record("INSERT", nil, itemImage(sampleTemplate(created))),
		record("INSERT", nil, linked),
		record("INSERT", nil, s1),
		record("MODIFY", s1, s2),
		record("REMOVE", itemImage(sampleTemplate(created)), nil),
		record("REMOVE", linked, nil),
		record("REMOVE", p2, nil),
	}
	for i := range recs {
		recs[i].EventID = "policy-change-" + string(rune('a'+i))
	}
	return recs
}

func TestDecodePolicyChanges(t *testing.T) {
	t.Parallel()
	var got []string
	var evs []bus.Event
	for _, rec := range policyRecords() {
		e, ok, err := Decode(rec)
		if err != nil {
			t.Fatalf("%s: %v", rec.EventID, err)
		}
		if ok {
			got = append(got, e.DetailType)
			evs = append(evs, e)
		}
	}
	want := []string{bus.PolicyCreated, bus.PolicyUpdated, bus.PolicyTemplateCreated, bus.PolicyCreated, bus.SchemaCreated, bus.SchemaUpdated,
		bus.PolicyTemplateDeleted, bus.PolicyDeleted, bus.PolicyDeleted}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("events (-want +got):\n%s", diff)
	}
	upd := detailJSON(t, evs[1])
	wantUpd := js(t, `{"eventId":"policy-change-c","account":"123456789012","policyStoreId":"PSEXAMPLEabcdefg111111","policyId":"SPEXAMPLEabcdefg111111",
		"eventTime":"`+updated+`",
		"policy":{"policyType":"STATIC","name":"name/alice-views","effect":"Permit","principal":{"entityType":"PhotoApp::User","entityId":"alice"},
			"actions":[{"actionType":"PhotoApp::Action","actionId":"view"}],
			"definition":{"static":{"statement":"permit(principal == PhotoApp::User::\"alice\", action == PhotoApp::Action::\"view\", resource) when { context.mfa };"}},
			"createdDate":"`+created+`","lastUpdatedDate":"`+updated+`"},
		"previous":{"policyType":"STATIC","name":"name/alice-views","effect":"Permit","principal":{"entityType":"PhotoApp::User","entityId":"alice"},
			"actions":[{"actionType":"PhotoApp::Action","actionId":"view"}],
			"definition":{"static":{"statement":"permit(principal == PhotoApp::User::\"alice\", action == PhotoApp::Action::\"view\", resource);"}},
			"createdDate":"`+created+`","lastUpdatedDate":"`+created+`"}}`)
	if diff := cmp.Diff(wantUpd, any(upd)); diff != "" {
		t.Errorf("update detail (-want +got):\n%s", diff)
	}
	if l := detailJSON(t, evs[3]); l["policy"].(map[string]any)["definition"].(map[string]any)["templateLinked"] == nil {
		t.Errorf("linked policy detail: %v", l)
	}
	if sc := detailJSON(t, evs[5]); sc["schema"].(map[string]any)["namespaces"].([]any)[0] != "PhotoApp" || sc["previous"] == nil {
		t.Errorf("schema detail: %v", sc)
	}
	for _, e := range evs {
		if len(e.Resources) != 1 || e.Resources[0] != testARN {
			t.Errorf("%s resources %v", e.DetailType, e.Resources)
		}
	}
	del := detailJSON(t, evs[8])
	if del["policy"] != nil || del["previous"] == nil || del["eventTime"] != "2026-11-25T18:40:00.000000Z" {
		t.Errorf("delete detail: %v", del)
	}
}

// TestSamplePolicyStreamBatch keeps events/streams/policy-changes.json the
// batch policyRecords builds, and decodes it.
func TestSamplePolicyStreamBatch(t *testing.T) {
	t.Parallel()
	want, err := json.MarshalIndent(events.DynamoDBEvent{Records: policyRecords()}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	want = append(want, '\n')
	if *updateSamples {
		if err := os.WriteFile(policySamplePath, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(policySamplePath)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != string(want) {
		t.Fatalf("%s is not the batch policyRecords builds; run go test ./internal/changes -run TestSamplePolicyStreamBatch -update", policySamplePath)
	}
	var ev events.DynamoDBEvent
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, rec := range ev.Records {
		if _, ok, err := Decode(rec); err != nil {
			t.Fatalf("record %s: %v", rec.EventID, err)
		} else if ok {
			n++
		}
	}
	if n != 9 {
		t.Fatalf("%d events from the sample", n)
	}
}
