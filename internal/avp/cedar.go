package avp

// Cedar is what the Service needs of a Cedar implementation: parsing
// statements into the metadata AVP's answers carry, the update rule, and the
// schema. Errors of Parse*, Link, SameScope and ParseSchema are the caller's
// fault: their messages are shown as they are (with line and column for
// syntax errors).
type Cedar interface {
	// ParsePolicy parses one static policy statement.
	ParsePolicy(statement string) (CedarPolicy, error)
	// ParseTemplate parses one policy template statement.
	ParseTemplate(statement string) (CedarPolicy, error)
	// Link fills a template's slots; a nil entity is an unfilled slot.
	Link(template string, principal, resource *EntityIdentifier) (CedarPolicy, error)
	// SameScope reports nil when newStatement keeps oldStatement's effect,
	// principal and resource scope (the UpdatePolicy and
	// UpdatePolicyTemplate rule), or an error naming what changed. Both
	// statements are templates when template is true.
	SameScope(oldStatement, newStatement string, template bool) error
	// ParseSchema parses a schema in the Cedar JSON schema format.
	ParseSchema(cedarJSON string) (CedarSchema, error)
}

// CedarSchema is a parsed schema.
type CedarSchema interface {
	// Namespaces are the schema's namespaces, sorted.
	Namespaces() []string
	// ValidatePolicy and ValidateTemplate validate a statement that parsed
	// (strict mode); nil is valid.
	ValidatePolicy(statement string) []CedarViolation
	ValidateTemplate(statement string) []CedarViolation
}

// CedarViolation is one schema validation failure; Reason is AVP's name
// for it (UnrecognizedEntityType, IncompatibleTypes, ...).
type CedarViolation struct {
	Reason, Message string
}

// CedarPolicy is what AVP's answers say of a policy or template: its effect
// (Permit or Forbid), the entities its principal and resource scopes name
// (nil for none, or for a slot), the actions of its action scope, and
// whether its scopes hold slots.
type CedarPolicy struct {
	Effect        string
	Principal     *EntityIdentifier
	Resource      *EntityIdentifier
	Actions       []ActionIdentifier
	PrincipalSlot bool
	ResourceSlot  bool
}

// ActionIdentifier names an action on the wire.
type ActionIdentifier struct {
	ActionType string `json:"actionType"`
	ActionID   string `json:"actionId"`
}
