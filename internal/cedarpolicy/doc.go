// Package cedarpolicy reads one Cedar statement as a static policy or as a
// policy template, the unit Amazon Verified Permissions stores
// (https://docs.aws.amazon.com/verifiedpermissions/latest/userguide/policies.html).
//
// It builds on cedar-go (github.com/cedar-policy/cedar-go) for parsing and
// evaluation, adds what cedar-go lacks — templates with ?principal and
// ?resource slots, and linking — and reads the facts AVP's answers carry
// about a policy: its effect, the principal and resource its scope names and
// the actions it names. It imports nothing else of vpid, and none of
// cedar-go's experimental packages (internal/cedarschema alone does).
//
// Parse accepts exactly one static policy; ParseTemplate exactly one
// template; Template.Link fills the slots; SameScope holds an update to the
// scope rule of UpdatePolicy and UpdatePolicyTemplate.
package cedarpolicy
