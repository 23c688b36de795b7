package store

import (
	"encoding/json"
	"fmt"

	"github.com/vpid-dev/vpid/internal/avp"
)

// Item types of the Cedar half of a policy store.
const (
	typePolicy       = "Policy"
	typeTemplate     = "PolicyTemplate"
	typeSchema       = "Schema"
	typePolicyName   = "PolicyName"
	typeTemplateName = "PolicyTemplateName"
	typeResourceSize = "ResourceSize"
)

// policyItem is a policy as stored. Entities and actions are JSON (the
// avp wire form), so that the item is one flat record.
type policyItem struct {
	PK               string  `dynamodbav:"pk"`
	SK               string  `dynamodbav:"sk"`
	Type             string  `dynamodbav:"type"`
	Account          string  `dynamodbav:"account"`
	PolicyStoreID    string  `dynamodbav:"policyStoreId"`
	PolicyID         string  `dynamodbav:"policyId"`
	Name             string  `dynamodbav:"name,omitempty"`
	PolicyType       string  `dynamodbav:"policyType"`
	Effect           string  `dynamodbav:"effect,omitempty"`
	Principal        string  `dynamodbav:"principal,omitempty"`
	Resource         string  `dynamodbav:"resource,omitempty"`
	Actions          string  `dynamodbav:"actions,omitempty"`
	Statement        string  `dynamodbav:"statement,omitempty"`
	Description      *string `dynamodbav:"description,omitempty"`
	PolicyTemplateID string  `dynamodbav:"policyTemplateId,omitempty"`
	LinkPrincipal    string  `dynamodbav:"linkPrincipal,omitempty"`
	LinkResource     string  `dynamodbav:"linkResource,omitempty"`
	CreatedDate      string  `dynamodbav:"createdDate"`
	LastUpdatedDate  string  `dynamodbav:"lastUpdatedDate"`
	// SizeKey and SizeBytes are what the policy counts against its
	// resource's total (avp.PolicyWeight), kept so that a delete subtracts
	// exactly what the create added.
	SizeKey   string `dynamodbav:"sizeKey,omitempty"`
	SizeBytes int    `dynamodbav:"sizeBytes,omitempty"`
}

// templateItem is a policy template as stored.
type templateItem struct {
	PK               string  `dynamodbav:"pk"`
	SK               string  `dynamodbav:"sk"`
	Type             string  `dynamodbav:"type"`
	Account          string  `dynamodbav:"account"`
	PolicyStoreID    string  `dynamodbav:"policyStoreId"`
	PolicyTemplateID string  `dynamodbav:"policyTemplateId"`
	Name             string  `dynamodbav:"name,omitempty"`
	Statement        string  `dynamodbav:"statement"`
	Description      *string `dynamodbav:"description,omitempty"`
	Effect           string  `dynamodbav:"effect,omitempty"`
	Principal        string  `dynamodbav:"principal,omitempty"`
	Resource         string  `dynamodbav:"resource,omitempty"`
	Actions          string  `dynamodbav:"actions,omitempty"`
	CreatedDate      string  `dynamodbav:"createdDate"`
	LastUpdatedDate  string  `dynamodbav:"lastUpdatedDate"`
}

// schemaItem is a store's schema as stored: the cedarJson as put.
type schemaItem struct {
	PK              string   `dynamodbav:"pk"`
	SK              string   `dynamodbav:"sk"`
	Type            string   `dynamodbav:"type"`
	Account         string   `dynamodbav:"account"`
	PolicyStoreID   string   `dynamodbav:"policyStoreId"`
	Schema          string   `dynamodbav:"schema"`
	Namespaces      []string `dynamodbav:"namespaces"`
	CreatedDate     string   `dynamodbav:"createdDate"`
	LastUpdatedDate string   `dynamodbav:"lastUpdatedDate"`
}

// nameItem reserves a policy's or template's name in its store and maps it
// to the id.
type nameItem struct {
	PK            string `dynamodbav:"pk"`
	SK            string `dynamodbav:"sk"`
	Type          string `dynamodbav:"type"`
	Account       string `dynamodbav:"account"`
	PolicyStoreID string `dynamodbav:"policyStoreId"`
	Name          string `dynamodbav:"name"`
	TargetID      string `dynamodbav:"targetId"`
}

// NameRef is a name item's content: the name and the id of the policy or
// template it names.
type NameRef struct {
	PolicyStoreID, Name, TargetID string
}

func jsonOf(v any) string {
	switch x := v.(type) {
	case *avp.EntityIdentifier:
		if x == nil {
			return ""
		}
	case []avp.ActionIdentifier:
		if x == nil {
			return ""
		}
	}
	b, _ := json.Marshal(v) // plain structs of strings: cannot fail
	return string(b)
}

func entityOf(s string) (*avp.EntityIdentifier, error) {
	if s == "" {
		return nil, nil
	}
	var e avp.EntityIdentifier
	if err := json.Unmarshal([]byte(s), &e); err != nil {
		return nil, fmt.Errorf("decode entity %q: %w", s, err)
	}
	return &e, nil
}

func actionsOf(s string) ([]avp.ActionIdentifier, error) {
	if s == "" {
		return nil, nil
	}
	var a []avp.ActionIdentifier
	if err := json.Unmarshal([]byte(s), &a); err != nil {
		return nil, fmt.Errorf("decode actions %q: %w", s, err)
	}
	return a, nil
}

func toPolicyItem(account string, p avp.Policy) policyItem {
	sizeKey, sizeBytes := avp.PolicyWeight(p)
	return policyItem{
		PK: storePK(account, p.PolicyStoreID), SK: policySK(p.PolicyID), Type: typePolicy, Account: account,
		PolicyStoreID: p.PolicyStoreID, PolicyID: p.PolicyID, Name: p.Name, PolicyType: p.PolicyType,
		// A linked policy's scope metadata is its template's, read with it.
		Effect: staticOnly(p, p.Effect), Principal: staticOnly(p, jsonOf(p.Principal)),
		Resource: staticOnly(p, jsonOf(p.Resource)), Actions: staticOnly(p, jsonOf(p.Actions)),
		Statement: p.Statement, Description: p.Description, PolicyTemplateID: p.PolicyTemplateID,
		LinkPrincipal: jsonOf(p.LinkPrincipal), LinkResource: jsonOf(p.LinkResource),
		CreatedDate: p.CreatedDate.String(), LastUpdatedDate: p.LastUpdatedDate.String(),
		SizeKey: sizeKey, SizeBytes: sizeBytes,
	}
}

func staticOnly(p avp.Policy, v string) string {
	if p.PolicyType != avp.PolicyTypeStatic {
		return ""
	}
	return v
}

func (it policyItem) domain() (avp.Policy, error) {
	p := avp.Policy{
		PolicyStoreID: it.PolicyStoreID, PolicyID: it.PolicyID, Name: it.Name, PolicyType: it.PolicyType,
		Effect: it.Effect, Statement: it.Statement, Description: it.Description, PolicyTemplateID: it.PolicyTemplateID,
	}
	var errs [5]error
	p.Principal, errs[0] = entityOf(it.Principal)
	p.Resource, errs[1] = entityOf(it.Resource)
	p.Actions, errs[2] = actionsOf(it.Actions)
	p.LinkPrincipal, errs[3] = entityOf(it.LinkPrincipal)
	p.LinkResource, errs[4] = entityOf(it.LinkResource)
	for _, err := range errs {
		if err != nil {
			return p, fmt.Errorf("policy %s: %w", it.PolicyID, err)
		}
	}
	if err := parseTimes(&p.CreatedDate, it.CreatedDate, &p.LastUpdatedDate, it.LastUpdatedDate); err != nil {
		return p, fmt.Errorf("policy %s: %w", it.PolicyID, err)
	}
	return p, nil
}

func toTemplateItem(account string, t avp.PolicyTemplate) templateItem {
	return templateItem{
		PK: storePK(account, t.PolicyStoreID), SK: templateSK(t.PolicyTemplateID), Type: typeTemplate, Account: account,
		PolicyStoreID: t.PolicyStoreID, PolicyTemplateID: t.PolicyTemplateID, Name: t.Name,
		Statement: t.Statement, Description: t.Description, Effect: t.Effect,
		Principal: jsonOf(t.Principal), Resource: jsonOf(t.Resource), Actions: jsonOf(t.Actions),
		CreatedDate: t.CreatedDate.String(), LastUpdatedDate: t.LastUpdatedDate.String(),
	}
}

func (it templateItem) domain() (avp.PolicyTemplate, error) {
	t := avp.PolicyTemplate{
		PolicyStoreID: it.PolicyStoreID, PolicyTemplateID: it.PolicyTemplateID, Name: it.Name,
		Statement: it.Statement, Description: it.Description, Effect: it.Effect,
	}
	var errs [3]error
	t.Principal, errs[0] = entityOf(it.Principal)
	t.Resource, errs[1] = entityOf(it.Resource)
	t.Actions, errs[2] = actionsOf(it.Actions)
	for _, err := range errs {
		if err != nil {
			return t, fmt.Errorf("policy template %s: %w", it.PolicyTemplateID, err)
		}
	}
	if err := parseTimes(&t.CreatedDate, it.CreatedDate, &t.LastUpdatedDate, it.LastUpdatedDate); err != nil {
		return t, fmt.Errorf("policy template %s: %w", it.PolicyTemplateID, err)
	}
	return t, nil
}

func toSchemaItem(account string, sc avp.Schema) schemaItem {
	ns := sc.Namespaces
	if ns == nil {
		ns = []string{}
	}
	return schemaItem{
		PK: storePK(account, sc.PolicyStoreID), SK: skSchema, Type: typeSchema, Account: account,
		PolicyStoreID: sc.PolicyStoreID, Schema: sc.Schema, Namespaces: ns,
		CreatedDate: sc.CreatedDate.String(), LastUpdatedDate: sc.LastUpdatedDate.String(),
	}
}

func (it schemaItem) domain() (avp.Schema, error) {
	sc := avp.Schema{PolicyStoreID: it.PolicyStoreID, Schema: it.Schema, Namespaces: it.Namespaces}
	if sc.Namespaces == nil {
		sc.Namespaces = []string{}
	}
	if err := parseTimes(&sc.CreatedDate, it.CreatedDate, &sc.LastUpdatedDate, it.LastUpdatedDate); err != nil {
		return sc, fmt.Errorf("schema of %s: %w", it.PolicyStoreID, err)
	}
	return sc, nil
}

func toNameItem(account, psID, typ, name, target string) nameItem {
	sk := policyNameSK(name)
	if typ == typeTemplateName {
		sk = templateNameSK(name)
	}
	return nameItem{PK: storePK(account, psID), SK: sk, Type: typ, Account: account, PolicyStoreID: psID, Name: name, TargetID: target}
}
