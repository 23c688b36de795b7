// Package authz is vpid's decision engine: a policy store's compiled
// policies (a [Set]) and the authorization of one request against them with
// cedar-go, as AVP's IsAuthorized operations answer it.
//
// A Set keeps every policy compiled (cedar-go evaluates a compiled policy in
// about a microsecond; parsing one costs ten to twenty-five) and an index of
// their scopes, so that a request evaluates only the policies whose scope can
// apply to it: principal and resource equality, `is` types, `in` targets
// (matched against the ancestors of the request's principal, action and
// resource in the request's entities, the same walk Cedar's `in` makes) and
// action equality and membership. Policies whose scope constrains nothing are
// evaluated for every request. The index never changes a decision: a policy
// it leaves out has a scope that is false for the request, so Cedar would
// not have evaluated its conditions either (see TestIndexMatchesAll).
//
// The action entities, with their groups (memberOf), come from the store's
// schema when it has one (see [WithActions]): a declared action's entity is
// the schema's, whatever the request carries.
//
// Besides cedar-go, the package imports nothing else of vpid but avp (the
// snapshot it compiles, the interfaces it implements), cedarpolicy
// (statements, templates and their links) and cedarschema (the schema's
// action entities); nothing of storage.
package authz
