// Package cedarschema holds a policy store's Cedar schema, in the JSON
// format AVP's PutSchema takes (definition.cedarJson), and validates
// policies and templates against it as AVP does in STRICT mode
// (https://docs.aws.amazon.com/verifiedpermissions/latest/userguide/schema.html).
//
// It is the only package of vpid that imports cedar-go's experimental
// packages (x/exp/schema, x/exp/schema/validate, x/exp/ast), so a change of
// their API touches this package alone. It imports nothing else of vpid but
// internal/cedarpolicy, whose policies and templates it validates.
package cedarschema
