package changes

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/vpid-dev/vpid/internal/avp"
	"github.com/vpid-dev/vpid/internal/bus"
	"github.com/vpid-dev/vpid/internal/store"
)

// Stream event names.
const (
	eventInsert = string(events.DynamoDBOperationTypeInsert)
	eventModify = string(events.DynamoDBOperationTypeModify)
	eventRemove = string(events.DynamoDBOperationTypeRemove)
)

// IdentitySourceDetail is the detail of the IdentitySource Created, Updated
// and Deleted events.
type IdentitySourceDetail struct {
	EventID          string               `json:"eventId"`
	Account          string               `json:"account"`
	PolicyStoreID    string               `json:"policyStoreId"`
	IdentitySourceID string               `json:"identitySourceId"`
	EventTime        string               `json:"eventTime"`
	IdentitySource   *IdentitySourceState `json:"identitySource,omitempty"`
	Previous         *IdentitySourceState `json:"previous,omitempty"`
	// Reduced is true when the states were left out because the event would
	// not fit in a PutEvents call; read the identity source with
	// GetIdentitySource (it may have changed again since).
	Reduced bool `json:"reduced,omitempty"`
}

// IdentitySourceState is an identity source as an event shows it.
type IdentitySourceState struct {
	PrincipalEntityType string `json:"principalEntityType"`
	// Configuration is the JSON object CreateIdentitySource takes as
	// configuration.
	Configuration   json.RawMessage `json:"configuration"`
	CreatedDate     string          `json:"createdDate"`
	LastUpdatedDate string          `json:"lastUpdatedDate"`
}

// PolicyStoreDetail is the detail of the PolicyStore Created, Updated and
// Deleted events.
type PolicyStoreDetail struct {
	EventID       string            `json:"eventId"`
	Account       string            `json:"account"`
	PolicyStoreID string            `json:"policyStoreId"`
	EventTime     string            `json:"eventTime"`
	PolicyStore   *PolicyStoreState `json:"policyStore,omitempty"`
	Previous      *PolicyStoreState `json:"previous,omitempty"`
	// Reduced is true when the states were left out because the event would
	// not fit in a PutEvents call; read the store with GetPolicyStore.
	Reduced bool `json:"reduced,omitempty"`
}

// PolicyStoreState is a policy store as an event shows it.
type PolicyStoreState struct {
	ARN                string                 `json:"arn"`
	ValidationSettings avp.ValidationSettings `json:"validationSettings"`
	Description        *string                `json:"description,omitempty"`
	DeletionProtection string                 `json:"deletionProtection"`
	CreatedDate        string                 `json:"createdDate"`
	LastUpdatedDate    string                 `json:"lastUpdatedDate"`
}

// image is one item image of a stream record, in the form internal/store
// reads (nil for none).
type image = map[string]types.AttributeValue

// Decode turns one stream record into the change event it stands for. ok is
// false for records that stand for no event (other item types, updates of
// bookkeeping attributes only). An error means the record cannot be
// understood (a wrong stream view type, a malformed item); the caller must
// not drop it silently.
func Decode(rec events.DynamoDBEventRecord) (ev bus.Event, ok bool, err error) {
	oldImg, err := store.FromStreamImage(rec.Change.OldImage)
	if err != nil {
		return bus.Event{}, false, fmt.Errorf("changes: record %s: old image: %w", rec.EventID, err)
	}
	newImg, err := store.FromStreamImage(rec.Change.NewImage)
	if err != nil {
		return bus.Event{}, false, fmt.Errorf("changes: record %s: new image: %w", rec.EventID, err)
	}
	kind, err := kindOf(rec, oldImg, newImg)
	if err != nil || kind == "" {
		return bus.Event{}, false, err
	}
	switch rec.EventName {
	case eventInsert, eventModify, eventRemove:
	default:
		return bus.Event{}, false, fmt.Errorf("changes: record %s: unknown eventName %q", rec.EventID, rec.EventName)
	}
	needOld := rec.EventName != eventInsert
	needNew := rec.EventName != eventRemove
	if (needOld && oldImg == nil) || (needNew && newImg == nil) {
		return bus.Event{}, false, fmt.Errorf("changes: record %s: %s of a %s item without its images; the stream view type must be %s (it is %q)",
			rec.EventID, rec.EventName, kind, events.DynamoDBStreamViewTypeNewAndOldImages, rec.Change.StreamViewType)
	}
	if !needOld {
		oldImg = nil // an INSERT has no previous state, whatever the record says
	}
	if !needNew {
		newImg = nil
	}
	switch kind {
	case store.KindIdentitySource:
		ev, ok, err = decodeIdentitySource(rec, oldImg, newImg)
	case store.KindPolicy, store.KindPolicyTemplate, store.KindSchema:
		ev, ok, err = decodeCedar(rec, kind, oldImg, newImg)
	default:
		ev, ok, err = decodePolicyStore(rec, oldImg, newImg)
	}
	if err != nil {
		return bus.Event{}, false, fmt.Errorf("changes: record %s (%s of %s): %w", rec.EventID, rec.EventName, describeKeys(rec), err)
	}
	return ev, ok, nil
}

// kindOf says which item a record concerns: store.KindIdentitySource,
// store.KindPolicyStore or "" for any other. The images' type decides; a
// record without images (a KEYS_ONLY stream) is judged by its key, so that
// a misconfigured stream fails loudly instead of losing events.
func kindOf(rec events.DynamoDBEventRecord, oldImg, newImg image) (store.Kind, error) {
	var kinds []store.Kind
	for _, img := range []image{newImg, oldImg} {
		if img == nil {
			continue
		}
		k, err := store.KindOf(img)
		if err != nil {
			return "", fmt.Errorf("changes: record %s: %w", rec.EventID, err)
		}
		kinds = append(kinds, k)
	}
	if len(kinds) == 2 && kinds[0] != kinds[1] {
		return "", fmt.Errorf("changes: record %s: item type changed from %q to %q", rec.EventID, kinds[1], kinds[0])
	}
	var kind store.Kind
	if len(kinds) > 0 {
		kind = kinds[0]
	} else {
		keys, err := store.FromStreamImage(rec.Change.Keys)
		if err != nil {
			return "", fmt.Errorf("changes: record %s: keys: %w", rec.EventID, err)
		}
		kind = store.KindOfKey(keys)
	}
	switch kind {
	case store.KindPolicyStore, store.KindIdentitySource, store.KindPolicy, store.KindPolicyTemplate, store.KindSchema:
		return kind, nil
	}
	return "", nil
}

func decodeIdentitySource(rec events.DynamoDBEventRecord, oldImg, newImg image) (bus.Event, bool, error) {
	d := IdentitySourceDetail{EventID: rec.EventID}
	var err error
	if d.Previous, err = identitySourceState(oldImg, &d); err != nil {
		return bus.Event{}, false, fmt.Errorf("old image: %w", err)
	}
	if d.IdentitySource, err = identitySourceState(newImg, &d); err != nil {
		return bus.Event{}, false, fmt.Errorf("new image: %w", err)
	}
	var detailType string
	switch {
	case d.Previous == nil:
		detailType, d.EventTime = bus.IdentitySourceCreated, d.IdentitySource.LastUpdatedDate
	case d.IdentitySource == nil:
		detailType, d.EventTime = bus.IdentitySourceDeleted, deleteTime(rec)
	default:
		if sameIdentitySource(*d.Previous, *d.IdentitySource) {
			return bus.Event{}, false, nil
		}
		detailType, d.EventTime = bus.IdentitySourceUpdated, d.IdentitySource.LastUpdatedDate
	}
	return bus.Event{
		DetailType: detailType,
		Detail:     d,
		Reduced:    reducedIdentitySource(d),
		Resources:  []string{avp.PolicyStoreARN(partitionOf(rec.EventSourceArn), d.Account, d.PolicyStoreID)},
	}, true, nil
}

// identitySourceState reads an identity source image (nil for none) and
// fills d's ids from it, checking that both images name the same item.
func identitySourceState(img image, d *IdentitySourceDetail) (*IdentitySourceState, error) {
	if img == nil {
		return nil, nil
	}
	it, err := store.DecodeItem(img)
	if err != nil {
		return nil, err
	}
	is := it.IdentitySource
	st := IdentitySourceState{
		PrincipalEntityType: is.PrincipalEntityType,
		Configuration:       it.Configuration,
		CreatedDate:         is.CreatedDate.String(),
		LastUpdatedDate:     is.LastUpdatedDate.String(),
	}
	if err := errors.Join(mergeID("account", &d.Account, it.Account), mergeID("policyStoreId", &d.PolicyStoreID, is.PolicyStoreID),
		mergeID("identitySourceId", &d.IdentitySourceID, is.IdentitySourceID)); err != nil {
		return nil, err
	}
	return &st, nil
}

func sameIdentitySource(a, b IdentitySourceState) bool {
	if a.PrincipalEntityType != b.PrincipalEntityType || a.CreatedDate != b.CreatedDate || a.LastUpdatedDate != b.LastUpdatedDate {
		return false
	}
	var ca, cb any
	if json.Unmarshal(a.Configuration, &ca) != nil || json.Unmarshal(b.Configuration, &cb) != nil {
		return bytes.Equal(a.Configuration, b.Configuration)
	}
	return reflect.DeepEqual(ca, cb)
}

func decodePolicyStore(rec events.DynamoDBEventRecord, oldImg, newImg image) (bus.Event, bool, error) {
	d := PolicyStoreDetail{EventID: rec.EventID}
	var err error
	if d.Previous, err = policyStoreState(oldImg, &d); err != nil {
		return bus.Event{}, false, fmt.Errorf("old image: %w", err)
	}
	if d.PolicyStore, err = policyStoreState(newImg, &d); err != nil {
		return bus.Event{}, false, fmt.Errorf("new image: %w", err)
	}
	var (
		detailType string
		arn        string
	)
	switch {
	case d.Previous == nil:
		detailType, d.EventTime, arn = bus.PolicyStoreCreated, d.PolicyStore.LastUpdatedDate, d.PolicyStore.ARN
	case d.PolicyStore == nil:
		detailType, d.EventTime, arn = bus.PolicyStoreDeleted, deleteTime(rec), d.Previous.ARN
	default:
		if samePolicyStore(*d.Previous, *d.PolicyStore) {
			return bus.Event{}, false, nil // bookkeeping only: identitySourceId, aliases
		}
		detailType, d.EventTime, arn = bus.PolicyStoreUpdated, d.PolicyStore.LastUpdatedDate, d.PolicyStore.ARN
	}
	return bus.Event{DetailType: detailType, Detail: d, Reduced: reducedPolicyStore(d), Resources: []string{arn}}, true, nil
}

// policyStoreState reads a policy store image (nil for none) and fills d's
// ids from it, checking that both images name the same item.
func policyStoreState(img image, d *PolicyStoreDetail) (*PolicyStoreState, error) {
	if img == nil {
		return nil, nil
	}
	it, err := store.DecodeItem(img)
	if err != nil {
		return nil, err
	}
	ps := it.PolicyStore
	st := PolicyStoreState{
		ARN:                ps.ARN,
		ValidationSettings: avp.ValidationSettings{Mode: ps.ValidationMode},
		Description:        ps.Description,
		DeletionProtection: ps.DeletionProtection,
		CreatedDate:        ps.CreatedDate.String(),
		LastUpdatedDate:    ps.LastUpdatedDate.String(),
	}
	if err := errors.Join(mergeID("account", &d.Account, it.Account), mergeID("policyStoreId", &d.PolicyStoreID, ps.PolicyStoreID)); err != nil {
		return nil, err
	}
	return &st, nil
}

func samePolicyStore(a, b PolicyStoreState) bool {
	return a.ARN == b.ARN && a.ValidationSettings == b.ValidationSettings &&
		a.DeletionProtection == b.DeletionProtection &&
		(a.Description == nil) == (b.Description == nil) && (a.Description == nil || *a.Description == *b.Description) &&
		a.CreatedDate == b.CreatedDate && a.LastUpdatedDate == b.LastUpdatedDate
}

// mergeID sets an id of the detail from the first image read, and checks
// that the second image names the same item.
func mergeID(name string, dst *string, v string) error {
	switch {
	case v == "":
	case *dst == "":
		*dst = v
	case *dst != v:
		return fmt.Errorf("old and new images differ in %s (%q, %q)", name, *dst, v)
	}
	return nil
}

// deleteTime is when a delete happened: the record's approximate creation
// time.
func deleteTime(rec events.DynamoDBEventRecord) string {
	return avp.NewTimestamp(rec.Change.ApproximateCreationDateTime.Time).String()
}

// partitionOf returns the partition of an ARN ("aws" when it has none).
func partitionOf(arn string) string {
	parts := strings.SplitN(arn, ":", 3)
	if len(parts) == 3 && parts[0] == "arn" && parts[1] != "" {
		return parts[1]
	}
	return "aws"
}

// describeKeys names a record's item for errors and logs.
func describeKeys(rec events.DynamoDBEventRecord) string {
	keys, _ := store.FromStreamImage(rec.Change.Keys)
	return store.DescribeKey(keys)
}

// reducedIdentitySource is d without the states: what changed (the
// detail-type), which identity source and store, of which account, when,
// and the flag; the policy store's ARN stays in the event's resources.
func reducedIdentitySource(d IdentitySourceDetail) IdentitySourceDetail {
	d.IdentitySource, d.Previous, d.Reduced = nil, nil, true
	return d
}

// reducedPolicyStore is d without the states (see reducedIdentitySource).
func reducedPolicyStore(d PolicyStoreDetail) PolicyStoreDetail {
	d.PolicyStore, d.Previous, d.Reduced = nil, nil, true
	return d
}
