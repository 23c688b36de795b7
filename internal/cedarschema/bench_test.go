package cedarschema

import (
	"testing"

	"github.com/vpid-dev/vpid/internal/cedarpolicy"
)

const benchSchema = `{"App": {
  "entityTypes": {
    "User": {"memberOfTypes": ["Group"], "shape": {"type": "Record", "attributes": {"email": {"type": "String", "required": false}}}},
    "Group": {},
    "Folder": {"memberOfTypes": ["Folder"]},
    "Doc": {"memberOfTypes": ["Folder"], "shape": {"type": "Record", "attributes": {"owner": {"type": "Entity", "name": "User"}}}}
  },
  "actions": {
    "view": {"appliesTo": {"principalTypes": ["User"], "resourceTypes": ["Doc", "Folder"]}},
    "edit": {"appliesTo": {"principalTypes": ["User"], "resourceTypes": ["Doc"]}}
  }
}}`

// BenchmarkParse measures PutSchema's work: parse, resolve, build the
// validator.
func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(benchSchema); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkValidate measures validating one policy in STRICT mode
// (CreatePolicy's extra cost), the impossible-policy probe included.
func BenchmarkValidate(b *testing.B) {
	s, err := Parse(benchSchema)
	if err != nil {
		b.Fatal(err)
	}
	p, err := cedarpolicy.Parse(`permit(principal in App::Group::"g", action == App::Action::"view", resource is App::Doc) when { resource.owner == principal && principal has email && principal.email like "*@example.com" };`)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if v := s.Validate(p); v != nil {
			b.Fatal(v)
		}
	}
}
