package drift

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

// TestSampleSchedule reads events/eventbridge's scheduled event as the
// function's handler does and derives the run's first segment from it.
func TestSampleSchedule(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../../events/eventbridge/drift-schedule.json")
	if err != nil {
		t.Fatal(err)
	}
	var ev events.EventBridgeEvent
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatal(err)
	}
	if ev.DetailType != "Scheduled Event" || ev.Time.IsZero() {
		t.Fatalf("event %+v", ev)
	}
	first := Rotation(ev.Time, DefaultSegments)
	if first < 0 || first >= DefaultSegments {
		t.Fatalf("first segment %d of %d", first, DefaultSegments)
	}
	if next := Rotation(ev.Time.Add(3600e9), DefaultSegments); next == first {
		t.Errorf("the next hour's run starts at the same segment %d", first)
	}
}
