package cedarschema_test

import (
	"slices"
	"testing"

	"github.com/cedar-policy/cedar-go/types"
	"github.com/google/go-cmp/cmp"

	"github.com/vpid-dev/vpid/internal/cedarschema"
)

func TestActionEntities(t *testing.T) {
	t.Parallel()
	s, err := cedarschema.Parse(`{
		"": {"entityTypes": {}, "actions": {
			"read": {"memberOf": [{"id": "readOnly"}]},
			"readOnly": {"memberOf": [{"id": "all"}]},
			"all": {},
			"view": {"memberOf": [{"id": "viewAny", "type": "Photo::Action"}]}}},
		"Photo": {"entityTypes": {}, "actions": {
			"viewAny": {},
			"share": {"memberOf": [{"id": "viewAny"}, {"id": "all", "type": "Action"}]}}}}`)
	if err != nil {
		t.Fatal(err)
	}
	u := func(typ, id string) types.EntityUID {
		return types.NewEntityUID(types.EntityType(typ), types.String(id))
	}
	got := map[types.EntityUID][]types.EntityUID{}
	for _, e := range s.ActionEntities() {
		got[e.UID] = e.Parents.Slice()
		if e.Attributes.Len() != 0 {
			t.Errorf("%s has attributes", e.UID)
		}
	}
	want := map[types.EntityUID][]types.EntityUID{
		u("Action", "read"):           {u("Action", "readOnly")},
		u("Action", "readOnly"):       {u("Action", "all")},
		u("Action", "all"):            nil,
		u("Action", "view"):           {u("Photo::Action", "viewAny")},
		u("Photo::Action", "viewAny"): nil,
		u("Photo::Action", "share"):   {u("Action", "all"), u("Photo::Action", "viewAny")},
	}
	sortUIDs := cmp.Transformer("sort", func(in []types.EntityUID) []string {
		out := make([]string, len(in))
		for i, x := range in {
			out[i] = x.String()
		}
		slices.Sort(out)
		return out
	})
	if diff := cmp.Diff(want, got, sortUIDs); diff != "" {
		t.Errorf("action entities (-want +got):\n%s", diff)
	}
}
