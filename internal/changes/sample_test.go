package changes

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"

	"github.com/vpid-dev/vpid/internal/bus"
)

// TestSampleStreamBatch decodes events/streams' sample batch.
func TestSampleStreamBatch(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../../events/streams/identity-source-changes.json")
	if err != nil {
		t.Fatal(err)
	}
	var ev events.DynamoDBEvent
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatal(err)
	}
	var got []string
	var details []IdentitySourceDetail
	for _, rec := range ev.Records {
		e, ok, err := Decode(rec)
		if err != nil {
			t.Fatalf("record %s: %v", rec.EventID, err)
		}
		if !ok {
			continue
		}
		got = append(got, e.DetailType)
		details = append(details, e.Detail.(IdentitySourceDetail))
	}
	if diff := cmp.Diff([]string{bus.IdentitySourceCreated, bus.IdentitySourceUpdated, bus.IdentitySourceDeleted}, got); diff != "" {
		t.Fatalf("events (-want +got):\n%s", diff)
	}
	upd := details[1]
	if upd.Previous == nil || upd.Previous.PrincipalEntityType != "User" || upd.IdentitySource.PrincipalEntityType != "MyCorp::User" ||
		upd.Account != "123456789012" || upd.IdentitySourceID != "ISEXAMPLEabcdefg111111" {
		t.Errorf("update detail %+v", upd)
	}
	if del := details[2]; del.IdentitySource != nil || del.Previous == nil {
		t.Errorf("delete detail %+v", del)
	}
}
