package avp

// EntityIdentifier names a Cedar entity on the wire: its type and id.
type EntityIdentifier struct {
	EntityType string `json:"entityType"`
	EntityID   string `json:"entityId"`
}
