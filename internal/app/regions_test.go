package app

import "testing"

// TestPerRegionKeepsClientsAndStaysBounded: a region's client is built once
// and reused, and a stream of made-up regions never keeps more than
// MaxRegionalClients of them.
func TestPerRegionKeepsClientsAndStaysBounded(t *testing.T) {
	t.Parallel()
	built := map[string]int{}
	type client struct{ region string }
	get := perRegion(func(region string) *client {
		built[region]++
		return &client{region}
	})
	first := get("us-west-2")
	if again := get("us-west-2"); again != first || built["us-west-2"] != 1 {
		t.Fatalf("us-west-2 built %d times; the same client: %v", built["us-west-2"], again == first)
	}
	for i := range 10 * MaxRegionalClients {
		if c := get("made-up-" + string(rune('a'+i%26)) + string(rune('a'+i/26))); c == nil {
			t.Fatal("no client")
		}
	}
	total := 0
	for _, n := range built {
		total += n
	}
	if total != 1+10*MaxRegionalClients {
		t.Errorf("built %d clients, want one per new region (%d)", total, 1+10*MaxRegionalClients)
	}
	// us-west-2 was evicted long ago: asking again builds it again.
	if c := get("us-west-2"); c == first || built["us-west-2"] != 2 {
		t.Errorf("us-west-2 after eviction: built %d times, same client %v", built["us-west-2"], c == first)
	}
}
