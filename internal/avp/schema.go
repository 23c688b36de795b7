package avp

import (
	"context"
	"errors"
	"fmt"
)

// Schema is a policy store's stored schema: the cedarJson as put, and the
// namespaces it declares.
type Schema struct {
	PolicyStoreID   string
	Schema          string
	Namespaces      []string
	CreatedDate     Timestamp
	LastUpdatedDate Timestamp
}

// SchemaDefinition is PutSchema's definition: a union whose only member is
// cedarJson.
type SchemaDefinition struct {
	CedarJSON *string `json:"cedarJson,omitempty"`

	union unionState
}

// UnmarshalJSON records every member sent.
func (d *SchemaDefinition) UnmarshalJSON(b []byte) error {
	*d = SchemaDefinition{}
	st, err := decodeUnion(b, map[string]any{"cedarJson": &d.CedarJSON})
	d.union = st
	return err
}

// PutSchemaInput is the request of PutSchema.
type PutSchemaInput struct {
	PolicyStoreID string            `json:"policyStoreId"`
	Definition    *SchemaDefinition `json:"definition"`
}

// PutSchemaOutput is the response of PutSchema.
type PutSchemaOutput struct {
	PolicyStoreID   string    `json:"policyStoreId"`
	Namespaces      []string  `json:"namespaces"`
	CreatedDate     Timestamp `json:"createdDate"`
	LastUpdatedDate Timestamp `json:"lastUpdatedDate"`
}

// GetSchemaInput is the request of GetSchema.
type GetSchemaInput struct {
	PolicyStoreID string `json:"policyStoreId"`
}

// GetSchemaOutput is the response of GetSchema.
type GetSchemaOutput struct {
	PolicyStoreID   string    `json:"policyStoreId"`
	Schema          string    `json:"schema"`
	CreatedDate     Timestamp `json:"createdDate"`
	LastUpdatedDate Timestamp `json:"lastUpdatedDate"`
	Namespaces      []string  `json:"namespaces"`
}

// PutSchema puts (creates or replaces) a store's schema. Policies already
// stored are not validated again, as in AVP. Errors: ValidationException
// (not a valid Cedar JSON schema), ResourceNotFoundException (store),
// ServiceQuotaExceededException (size, namespaces).
func (s *Service) PutSchema(ctx context.Context, account string, in *PutSchemaInput) (*PutSchemaOutput, error) {
	var v validator
	v.reqStr("policyStoreId", in.PolicyStoreID, rulePolicyStoreID)
	if d := in.Definition; d == nil {
		v.missing("definition")
	} else {
		d.union.validate(&v, "definition", []string{"cedarJson"}, d.CedarJSON != nil)
		v.str("definition.cedarJson", d.CedarJSON, ruleSchemaJSON)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	cedarJSON := *in.Definition.CedarJSON
	if len(cedarJSON) > MaxSchemaSize {
		return nil, &Error{Code: CodeServiceQuotaExceeded, ResourceType: ResourceSchema, ServiceCode: "verifiedpermissions", Message: fmt.Sprintf(
			"The schema is %d bytes; a schema may have at most %d bytes", len(cedarJSON), MaxSchemaSize)}
	}
	psID, err := s.resolveStore(ctx, account, in.PolicyStoreID)
	if err != nil {
		return nil, err
	}
	schema, err := s.cedar.ParseSchema(cedarJSON)
	if err != nil {
		return nil, Validation(Field{Path: "definition.cedarJson", Message: "Value at 'definition.cedarJson' is not usable: " + err.Error()})
	}
	ns := schema.Namespaces()
	if len(ns) > MaxSchemaNamespaces {
		return nil, &Error{Code: CodeServiceQuotaExceeded, ResourceType: ResourceSchema, ServiceCode: "verifiedpermissions", Message: fmt.Sprintf(
			"The schema declares %d namespaces; a schema may declare at most %d", len(ns), MaxSchemaNamespaces)}
	}
	if ns == nil {
		ns = []string{}
	}
	now := NewTimestamp(s.now())
	sc, err := s.policies.PutSchema(ctx, account, Schema{PolicyStoreID: psID, Schema: cedarJSON, Namespaces: ns, CreatedDate: now, LastUpdatedDate: now})
	if err != nil {
		return nil, s.storeError(err, "putting the schema", ResourcePolicyStore, psID)
	}
	return &PutSchemaOutput{PolicyStoreID: psID, Namespaces: sc.Namespaces, CreatedDate: sc.CreatedDate, LastUpdatedDate: sc.LastUpdatedDate}, nil
}

// GetSchema returns a store's schema as it was put. Errors:
// ValidationException, ResourceNotFoundException (store, or no schema).
func (s *Service) GetSchema(ctx context.Context, account string, in *GetSchemaInput) (*GetSchemaOutput, error) {
	var v validator
	v.reqStr("policyStoreId", in.PolicyStoreID, rulePolicyStoreID)
	if err := v.err(); err != nil {
		return nil, err
	}
	psID, err := s.resolveStore(ctx, account, in.PolicyStoreID)
	if err != nil {
		return nil, err
	}
	sc, err := s.policies.GetSchema(ctx, account, psID)
	if errors.Is(err, ErrNotFound) {
		return nil, s.missingStore(ctx, account, psID, &Error{Code: CodeResourceNotFound, ResourceID: psID, ResourceType: ResourceSchema,
			Message: fmt.Sprintf("Policy store %s has no schema; put one with PutSchema", psID)})
	}
	if err != nil {
		return nil, s.storeError(err, "reading the schema", ResourcePolicyStore, psID)
	}
	ns := sc.Namespaces
	if ns == nil {
		ns = []string{}
	}
	return &GetSchemaOutput{PolicyStoreID: psID, Schema: sc.Schema, CreatedDate: sc.CreatedDate, LastUpdatedDate: sc.LastUpdatedDate, Namespaces: ns}, nil
}
