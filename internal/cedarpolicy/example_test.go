package cedarpolicy_test

import (
	"errors"
	"fmt"

	"github.com/vpid-dev/vpid/internal/cedarpolicy"
)

func ExampleParse() {
	p, err := cedarpolicy.Parse(`permit(principal in Group::"admins", action in [Action::"view", Action::"edit"], resource);`)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p.Effect, *p.PrincipalEntity(), p.ResourceEntity() == nil, p.Actions)

	_, err = cedarpolicy.Parse(`permit(principal, action, resource); forbid(principal, action, resource);`)
	var se *cedarpolicy.SyntaxError
	fmt.Println(errors.As(err, &se), err)
	// Output:
	// Permit Group::"admins" true [Action::"view" Action::"edit"]
	// true line 1, column 38: the statement holds 2 policies; it must hold exactly one policy, so create each separately
}

func ExampleTemplate_Link() {
	t, err := cedarpolicy.ParseTemplate(`permit(principal == ?principal, action == Action::"view", resource in ?resource);`)
	if err != nil {
		fmt.Println(err)
		return
	}
	p, err := t.Link(&cedarpolicy.Ref{Type: "User", ID: "alice"}, &cedarpolicy.Ref{Type: "Album", ID: "trip"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p.Text)
	// Output:
	// permit (
	//     principal == User::"alice",
	//     action == Action::"view",
	//     resource in Album::"trip"
	// );
}

func ExampleSameScope() {
	old, _ := cedarpolicy.Parse(`permit(principal == User::"a", action, resource);`)
	updated, _ := cedarpolicy.Parse(`permit(principal == User::"b", action == Action::"view", resource);`)
	fmt.Println(cedarpolicy.SameScope(old, updated))
	// Output:
	// only the action scope and the conditions may change; this update changes the principal scope (principal == User::"a" to principal == User::"b"): create a new policy instead
}
