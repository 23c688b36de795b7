package changes

import (
	"errors"
	"reflect"

	"github.com/aws/aws-lambda-go/events"

	"github.com/vpid-dev/vpid/internal/avp"
	"github.com/vpid-dev/vpid/internal/bus"
	"github.com/vpid-dev/vpid/internal/store"
)

// PolicyDetail is the detail of the Policy Created, Updated and Deleted
// events.
type PolicyDetail struct {
	EventID       string       `json:"eventId"`
	Account       string       `json:"account"`
	PolicyStoreID string       `json:"policyStoreId"`
	PolicyID      string       `json:"policyId"`
	EventTime     string       `json:"eventTime"`
	Policy        *PolicyState `json:"policy,omitempty"`
	Previous      *PolicyState `json:"previous,omitempty"`
}

// PolicyState is a policy as an event shows it: as GetPolicy answers,
// except that a template-linked policy's effect, principal, resource and
// actions (its template's) are left out; its definition names the template.
type PolicyState struct {
	PolicyType      string                     `json:"policyType"`
	Name            string                     `json:"name,omitempty"`
	Effect          string                     `json:"effect,omitempty"`
	Principal       *avp.EntityIdentifier      `json:"principal,omitempty"`
	Resource        *avp.EntityIdentifier      `json:"resource,omitempty"`
	Actions         []avp.ActionIdentifier     `json:"actions,omitempty"`
	Definition      avp.PolicyDefinitionDetail `json:"definition"`
	CreatedDate     string                     `json:"createdDate"`
	LastUpdatedDate string                     `json:"lastUpdatedDate"`
}

// PolicyTemplateDetail is the detail of the PolicyTemplate Created, Updated
// and Deleted events.
type PolicyTemplateDetail struct {
	EventID          string               `json:"eventId"`
	Account          string               `json:"account"`
	PolicyStoreID    string               `json:"policyStoreId"`
	PolicyTemplateID string               `json:"policyTemplateId"`
	EventTime        string               `json:"eventTime"`
	PolicyTemplate   *PolicyTemplateState `json:"policyTemplate,omitempty"`
	Previous         *PolicyTemplateState `json:"previous,omitempty"`
}

// PolicyTemplateState is a policy template as an event shows it.
type PolicyTemplateState struct {
	Name            string  `json:"name,omitempty"`
	Statement       string  `json:"statement"`
	Description     *string `json:"description,omitempty"`
	CreatedDate     string  `json:"createdDate"`
	LastUpdatedDate string  `json:"lastUpdatedDate"`
}

// SchemaDetail is the detail of the Schema Created, Updated and Deleted
// events.
type SchemaDetail struct {
	EventID       string       `json:"eventId"`
	Account       string       `json:"account"`
	PolicyStoreID string       `json:"policyStoreId"`
	EventTime     string       `json:"eventTime"`
	Schema        *SchemaState `json:"schema,omitempty"`
	Previous      *SchemaState `json:"previous,omitempty"`
}

// SchemaState is a schema as an event shows it: its namespaces and dates,
// not its text (up to 100,000 bytes; GetSchema reads it).
type SchemaState struct {
	Namespaces      []string `json:"namespaces"`
	CreatedDate     string   `json:"createdDate"`
	LastUpdatedDate string   `json:"lastUpdatedDate"`
}

var cedarDetailTypes = map[store.Kind][3]string{
	store.KindPolicy:         {bus.PolicyCreated, bus.PolicyUpdated, bus.PolicyDeleted},
	store.KindPolicyTemplate: {bus.PolicyTemplateCreated, bus.PolicyTemplateUpdated, bus.PolicyTemplateDeleted},
	store.KindSchema:         {bus.SchemaCreated, bus.SchemaUpdated, bus.SchemaDeleted},
}

// cedarState reads one image of the Cedar half: its state as an event shows
// it (nil for no image), the owning account, the store and the item's id.
func cedarState(kind store.Kind, img image) (state any, account, psID, id, updated string, err error) {
	if img == nil {
		return nil, "", "", "", "", nil
	}
	it, err := store.DecodeItem(img)
	if err != nil {
		return nil, "", "", "", "", err
	}
	switch kind {
	case store.KindPolicy:
		p := it.Policy
		st := &PolicyState{PolicyType: p.PolicyType, Name: p.Name, Effect: p.Effect, Principal: p.Principal, Resource: p.Resource, Actions: p.Actions,
			CreatedDate: p.CreatedDate.String(), LastUpdatedDate: p.LastUpdatedDate.String()}
		if p.PolicyType == avp.PolicyTypeStatic {
			st.Definition.Static = &avp.StaticPolicyDefinition{Statement: p.Statement, Description: p.Description}
		} else {
			st.Definition.TemplateLinked = &avp.TemplateLinkedPolicyDefinition{PolicyTemplateID: p.PolicyTemplateID, Principal: p.LinkPrincipal, Resource: p.LinkResource}
		}
		return st, it.Account, p.PolicyStoreID, p.PolicyID, st.LastUpdatedDate, nil
	case store.KindPolicyTemplate:
		t := it.PolicyTemplate
		st := &PolicyTemplateState{Name: t.Name, Statement: t.Statement, Description: t.Description,
			CreatedDate: t.CreatedDate.String(), LastUpdatedDate: t.LastUpdatedDate.String()}
		return st, it.Account, t.PolicyStoreID, t.PolicyTemplateID, st.LastUpdatedDate, nil
	default:
		sc := it.Schema
		st := &SchemaState{Namespaces: sc.Namespaces, CreatedDate: sc.CreatedDate.String(), LastUpdatedDate: sc.LastUpdatedDate.String()}
		return st, it.Account, sc.PolicyStoreID, sc.PolicyStoreID, st.LastUpdatedDate, nil
	}
}

// decodeCedar turns a record of a policy, template or schema item into its
// event. An update that changed nothing an event shows yields none.
func decodeCedar(rec events.DynamoDBEventRecord, kind store.Kind, oldImg, newImg image) (bus.Event, bool, error) {
	prev, acct, psID, id, _, err := cedarState(kind, oldImg)
	if err != nil {
		return bus.Event{}, false, errors.Join(errors.New("old image"), err)
	}
	cur, acct2, psID2, id2, updated, err := cedarState(kind, newImg)
	if err != nil {
		return bus.Event{}, false, errors.Join(errors.New("new image"), err)
	}
	if err := errors.Join(mergeID("account", &acct, acct2), mergeID("policyStoreId", &psID, psID2), mergeID("id", &id, id2)); err != nil {
		return bus.Event{}, false, err
	}
	types := cedarDetailTypes[kind]
	var detailType, eventTime string
	switch {
	case prev == nil:
		detailType, eventTime = types[0], updated
	case cur == nil:
		detailType, eventTime = types[2], deleteTime(rec)
	default:
		if reflect.DeepEqual(prev, cur) {
			return bus.Event{}, false, nil
		}
		detailType, eventTime = types[1], updated
	}
	var detail any
	switch kind {
	case store.KindPolicy:
		d := PolicyDetail{EventID: rec.EventID, Account: acct, PolicyStoreID: psID, PolicyID: id, EventTime: eventTime}
		d.Previous, _ = prev.(*PolicyState)
		d.Policy, _ = cur.(*PolicyState)
		detail = d
	case store.KindPolicyTemplate:
		d := PolicyTemplateDetail{EventID: rec.EventID, Account: acct, PolicyStoreID: psID, PolicyTemplateID: id, EventTime: eventTime}
		d.Previous, _ = prev.(*PolicyTemplateState)
		d.PolicyTemplate, _ = cur.(*PolicyTemplateState)
		detail = d
	default:
		d := SchemaDetail{EventID: rec.EventID, Account: acct, PolicyStoreID: psID, EventTime: eventTime}
		d.Previous, _ = prev.(*SchemaState)
		d.Schema, _ = cur.(*SchemaState)
		detail = d
	}
	return bus.Event{
		DetailType: detailType,
		Detail:     detail,
		Resources:  []string{avp.PolicyStoreARN(partitionOf(rec.EventSourceArn), acct, psID)},
	}, true, nil
}
