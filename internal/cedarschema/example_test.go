package cedarschema_test

import (
	"fmt"

	"github.com/vpid-dev/vpid/internal/cedarpolicy"
	"github.com/vpid-dev/vpid/internal/cedarschema"
)

func ExampleSchema_Validate() {
	s, err := cedarschema.Parse(`{"App": {
	  "entityTypes": {"User": {"shape": {"type": "Record", "attributes": {"email": {"type": "String", "required": false}}}}},
	  "actions": {"view": {"appliesTo": {"principalTypes": ["User"], "resourceTypes": ["User"]}}}
	}}`)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(s.Namespaces())
	p, _ := cedarpolicy.Parse(`permit(principal, action == App::Action::"view", resource) when { principal.email like "*@example.com" };`)
	for _, v := range s.Validate(p) {
		fmt.Println(v.Reason)
	}
	// Output:
	// [App]
	// UnsafeOptionalAttributeAccess
}
