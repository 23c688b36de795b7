package changes

import (
	"encoding/json"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"

	"github.com/vpid-dev/vpid/internal/avp"
	"github.com/vpid-dev/vpid/internal/bus"
	"github.com/vpid-dev/vpid/internal/store"
	"github.com/vpid-dev/vpid/internal/store/storetest"
)

const (
	testAccount = "123456789012"
	testStore   = "PSEXAMPLEabcdefg111111"
	testSource  = "ISEXAMPLEabcdefg111111"
	testStream  = "arn:aws:dynamodb:us-west-2:999999999999:table/vpid/stream/2026-11-25T00:00:00.000"
	testARN     = "arn:aws:verifiedpermissions::123456789012:policy-store/PSEXAMPLEabcdefg111111"
	cfgCognito  = `{"cognitoUserPoolConfiguration":{"userPoolArn":"arn:aws:cognito-idp:us-west-2:123456789012:userpool/us-west-2_1a2b3c4d5","clientIds":["a1b2c3d4e5f6g7h8i9j0kalbmc"]}}`
	cfgOIDC     = `{"openIdConnectConfiguration":{"issuer":"https://issuer.example.com","tokenSelection":{"accessTokenOnly":{"audiences":["x"]}}}}`
	created     = "2026-11-25T18:20:00.000000Z"
	updated     = "2026-11-25T18:29:41.654438Z"
	approxUnix  = 1795632000 // 2026-11-25T18:40:00Z
)

func s(v string) events.DynamoDBAttributeValue { return events.NewStringAttribute(v) }

// with returns a copy of img with the given attributes set (a nil value
// removes one).
func with(img map[string]events.DynamoDBAttributeValue, kv ...any) map[string]events.DynamoDBAttributeValue {
	out := maps.Clone(img)
	for i := 0; i < len(kv); i += 2 {
		name := kv[i].(string)
		switch v := kv[i+1].(type) {
		case nil:
			delete(out, name)
		case string:
			out[name] = s(v)
		case events.DynamoDBAttributeValue:
			out[name] = v
		}
	}
	return out
}

func ts(v string) avp.Timestamp {
	var t avp.Timestamp
	if err := t.UnmarshalText([]byte(v)); err != nil {
		panic(err)
	}
	return t
}

// itemImage is an item the store writes, as a stream record shows it.
func itemImage(v any) map[string]events.DynamoDBAttributeValue {
	return storetest.StreamImage(storetest.MustItem(testAccount, v))
}

func storeImage() map[string]events.DynamoDBAttributeValue {
	return itemImage(avp.PolicyStore{
		PolicyStoreID: testStore, ARN: testARN, ValidationMode: "OFF", DeletionProtection: "DISABLED",
		CreatedDate: ts(created), LastUpdatedDate: ts(created),
	})
}

// identitySource is the identity source of sourceImage with another id.
func identitySource(id string) avp.IdentitySource {
	var u avp.ConfigurationUnion
	if err := json.Unmarshal([]byte(cfgCognito), &u); err != nil {
		panic(err)
	}
	cfg := u.Configuration()
	return avp.IdentitySource{
		PolicyStoreID: testStore, IdentitySourceID: id, PrincipalEntityType: "AWS::Cognito", Configuration: cfg,
		CreatedDate: ts(created), LastUpdatedDate: ts(created),
	}
}

func sourceImage() map[string]events.DynamoDBAttributeValue {
	return itemImage(identitySource(testSource))
}

// tokenImage is an idempotency record of testAccount.
func tokenImage(token string) map[string]events.DynamoDBAttributeValue {
	return itemImage(avp.IdempotencyRecord{Operation: "CreatePolicyStore", Token: token, ExpiresAt: time.Unix(1795660800, 0)})
}

func keysOf(img map[string]events.DynamoDBAttributeValue) map[string]events.DynamoDBAttributeValue {
	if img == nil {
		return nil
	}
	raw, err := store.FromStreamImage(img)
	if err != nil {
		panic(err)
	}
	return storetest.StreamImage(storetest.Key(raw))
}

func record(name string, oldImg, newImg map[string]events.DynamoDBAttributeValue) events.DynamoDBEventRecord {
	keys := keysOf(newImg)
	if keys == nil {
		keys = keysOf(oldImg)
	}
	return events.DynamoDBEventRecord{
		AWSRegion: "us-west-2", EventID: "ev-" + strings.ToLower(name), EventName: name,
		EventSource: "aws:dynamodb", EventVersion: "1.1", EventSourceArn: testStream,
		Change: events.DynamoDBStreamRecord{
			ApproximateCreationDateTime: events.SecondsEpochTime{Time: time.Unix(approxUnix, 0)},
			Keys:                        keys, OldImage: oldImg, NewImage: newImg,
			SequenceNumber: "100", SizeBytes: 100, StreamViewType: "NEW_AND_OLD_IMAGES",
		},
	}
}

// detailJSON is an event's detail as subscribers see it.
func detailJSON(t *testing.T, e bus.Event) map[string]any {
	t.Helper()
	b, err := json.Marshal(e.Detail)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func js(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestDecode(t *testing.T) {
	t.Parallel()
	isState := func(principal, cfg, last string) string {
		return `{"principalEntityType":"` + principal + `","configuration":` + cfg + `,"createdDate":"` + created + `","lastUpdatedDate":"` + last + `"}`
	}
	psState := func(mode, desc, protection, last string) string {
		if desc != "" {
			desc = `"description":"` + desc + `",`
		}
		return `{"arn":"` + testARN + `","validationSettings":{"mode":"` + mode + `"},` + desc +
			`"deletionProtection":"` + protection + `","createdDate":"` + created + `","lastUpdatedDate":"` + last + `"}`
	}
	isIDs := `"eventId":"%s","account":"` + testAccount + `","policyStoreId":"` + testStore + `","identitySourceId":"` + testSource + `"`
	psIDs := `"eventId":"%s","account":"` + testAccount + `","policyStoreId":"` + testStore + `"`
	approx := "2026-11-25T18:40:00.000000Z"

	src, store := sourceImage(), storeImage()
	srcUpdated := with(src, "principalEntityType", "MyApp::User", "configuration", cfgOIDC, "lastUpdatedDate", updated)
	storeUpdated := with(store, "validationMode", "STRICT", "description", "d", "lastUpdatedDate", updated)

	tests := []struct {
		name       string
		rec        events.DynamoDBEventRecord
		detailType string // "" = no event
		detail     string // with %s for the event id
	}{
		{
			name: "identity source created", rec: record("INSERT", nil, src),
			detailType: bus.IdentitySourceCreated,
			detail:     `{` + isIDs + `,"eventTime":"` + created + `","identitySource":` + isState("AWS::Cognito", cfgCognito, created) + `}`,
		},
		{
			name: "identity source updated", rec: record("MODIFY", src, srcUpdated),
			detailType: bus.IdentitySourceUpdated,
			detail: `{` + isIDs + `,"eventTime":"` + updated + `","identitySource":` + isState("MyApp::User", cfgOIDC, updated) +
				`,"previous":` + isState("AWS::Cognito", cfgCognito, created) + `}`,
		},
		{
			name: "identity source updated, only its date", rec: record("MODIFY", src, with(src, "lastUpdatedDate", updated)),
			detailType: bus.IdentitySourceUpdated,
			detail: `{` + isIDs + `,"eventTime":"` + updated + `","identitySource":` + isState("AWS::Cognito", cfgCognito, updated) +
				`,"previous":` + isState("AWS::Cognito", cfgCognito, created) + `}`,
		},
		{name: "identity source rewritten unchanged", rec: record("MODIFY", src, src)},
		{
			name: "identity source deleted", rec: record("REMOVE", srcUpdated, nil),
			detailType: bus.IdentitySourceDeleted,
			detail:     `{` + isIDs + `,"eventTime":"` + approx + `","previous":` + isState("MyApp::User", cfgOIDC, updated) + `}`,
		},
		{
			name: "policy store created", rec: record("INSERT", nil, store),
			detailType: bus.PolicyStoreCreated,
			detail:     `{` + psIDs + `,"eventTime":"` + created + `","policyStore":` + psState("OFF", "", "DISABLED", created) + `}`,
		},
		{
			name: "policy store updated", rec: record("MODIFY", store, storeUpdated),
			detailType: bus.PolicyStoreUpdated,
			detail: `{` + psIDs + `,"eventTime":"` + updated + `","policyStore":` + psState("STRICT", "d", "DISABLED", updated) +
				`,"previous":` + psState("OFF", "", "DISABLED", created) + `}`,
		},
		{
			name: "policy store deletion protection only", rec: record("MODIFY", store, with(store, "deletionProtection", "ENABLED")),
			detailType: bus.PolicyStoreUpdated,
			detail: `{` + psIDs + `,"eventTime":"` + created + `","policyStore":` +
				psState("OFF", "", "ENABLED", created) + `,"previous":` + psState("OFF", "", "DISABLED", created) + `}`,
		},
		{
			name: "policy store description cleared", rec: record("MODIFY", with(store, "description", "d"), store),
			detailType: bus.PolicyStoreUpdated,
			detail: `{` + psIDs + `,"eventTime":"` + created + `","policyStore":` + psState("OFF", "", "DISABLED", created) +
				`,"previous":` + psState("OFF", "d", "DISABLED", created) + `}`,
		},
		{name: "policy store takes an identity source", rec: record("MODIFY", store, with(store, "identitySourceId", testSource))},
		{name: "policy store frees its identity source", rec: record("MODIFY", with(store, "identitySourceId", testSource), store)},
		{name: "policy store gains an alias", rec: record("MODIFY", store, with(store, "aliases", events.NewStringSetAttribute([]string{"policy-store-alias/a"})))},
		{
			name:       "policy store deleted",
			rec:        record("REMOVE", with(storeUpdated, "identitySourceId", testSource, "aliases", events.NewStringSetAttribute([]string{"policy-store-alias/a"})), nil),
			detailType: bus.PolicyStoreDeleted,
			detail:     `{` + psIDs + `,"eventTime":"` + approx + `","previous":` + psState("STRICT", "d", "DISABLED", updated) + `}`,
		},
		{
			name: "token item", rec: record("INSERT", nil, tokenImage("tok")),
		},
		{
			name: "token expired by TTL", rec: func() events.DynamoDBEventRecord {
				r := record("REMOVE", tokenImage("tok"), nil)
				r.UserIdentity = &events.DynamoDBUserIdentity{Type: "Service", PrincipalID: "dynamodb.amazonaws.com"}
				return r
			}(),
		},
		{
			name: "alias item", rec: record("INSERT", nil, itemImage(avp.PolicyStoreAlias{
				AliasName: "policy-store-alias/a", PolicyStoreID: testStore,
				ARN: "arn:aws:verifiedpermissions::123456789012:policy-store-alias/a", CreatedAt: ts(created),
			})),
		},
		{
			name: "page token key", rec: record("INSERT", nil, storetest.StreamImage(storetest.PageKeyItem())),
		},
		{
			name: "item without a type", rec: record("INSERT", nil, with(keysOf(storeImage()))),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ev, ok, err := Decode(tc.rec)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if tc.detailType == "" {
				if ok {
					t.Fatalf("got %s, want no event", bus.Describe(ev))
				}
				return
			}
			if !ok {
				t.Fatalf("got no event, want %s", tc.detailType)
			}
			if ev.DetailType != tc.detailType {
				t.Errorf("detail-type %q, want %q", ev.DetailType, tc.detailType)
			}
			if diff := cmp.Diff([]string{testARN}, ev.Resources); diff != "" {
				t.Errorf("resources (-want +got):\n%s", diff)
			}
			want := js(t, strings.Replace(tc.detail, "%s", tc.rec.EventID, 1))
			if diff := cmp.Diff(want, any(detailJSON(t, ev))); diff != "" {
				t.Errorf("detail (-want +got):\n%s", diff)
			}
		})
	}
}

// An identity source's resource is its store's ARN in the stream's partition.
func TestDecodePartitionFromStream(t *testing.T) {
	t.Parallel()
	rec := record("INSERT", nil, sourceImage())
	rec.EventSourceArn = "arn:aws-cn:dynamodb:cn-north-1:999999999999:table/vpid/stream/x"
	ev, ok, err := Decode(rec)
	if err != nil || !ok {
		t.Fatalf("Decode: %v, %v", ok, err)
	}
	if want := "arn:aws-cn:verifiedpermissions::123456789012:policy-store/" + testStore; ev.Resources[0] != want {
		t.Errorf("resource %q, want %q", ev.Resources[0], want)
	}
}

func TestDecodeErrors(t *testing.T) {
	t.Parallel()
	src, store := sourceImage(), storeImage()
	keysOnly := func(name string, img map[string]events.DynamoDBAttributeValue) events.DynamoDBEventRecord {
		r := record(name, nil, nil)
		r.Change.Keys = keysOf(img)
		r.Change.StreamViewType = "KEYS_ONLY"
		return r
	}
	tests := []struct {
		name string
		rec  events.DynamoDBEventRecord
		want string // in the error
	}{
		{"keys only, identity source", keysOnly("INSERT", src), "stream view type must be NEW_AND_OLD_IMAGES"},
		{"keys only, policy store", keysOnly("REMOVE", store), "stream view type must be NEW_AND_OLD_IMAGES"},
		{"new image only on a modify", record("MODIFY", nil, src), "stream view type"},
		{"old image only on a modify", record("MODIFY", store, nil), "stream view type"},
		{"unknown event name", record("UPSERT", nil, src), `unknown eventName "UPSERT"`},
		{"type changes", record("MODIFY", store, src), "item type changed"},
		{"type not a string", record("INSERT", nil, with(src, "type", events.NewNumberAttribute("1"))), "attribute type is not a string"},
		{"configuration not JSON", record("INSERT", nil, with(src, "configuration", "{")), "attribute configuration: not JSON"},
		{"configuration not an object", record("INSERT", nil, with(src, "configuration", "[]")), "not a JSON object"},
		{"missing principal", record("INSERT", nil, with(src, "principalEntityType", nil)), "attribute principalEntityType is missing"},
		{"bad date", record("MODIFY", src, with(src, "lastUpdatedDate", "yesterday")), `attribute lastUpdatedDate "yesterday"`},
		{"images of two items", record("MODIFY", src, with(src, "identitySourceId", "other")), "differ in identitySourceId"},
		{"store without arn", record("INSERT", nil, with(store, "arn", nil)), "attribute arn is missing"},
		{"description not a string", record("INSERT", nil, with(store, "description", events.NewBooleanAttribute(true))), "attribute description is not a string"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ev, ok, err := Decode(tc.rec)
			if err == nil {
				t.Fatalf("Decode = %v %s, want an error containing %q", ok, bus.Describe(ev), tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q, want it to contain %q", err, tc.want)
			}
		})
	}
}

// Records of items that are not ours decode to nothing even without images.
func TestDecodeKeysOnlyOtherItems(t *testing.T) {
	t.Parallel()
	r := record("INSERT", nil, nil)
	r.Change.Keys = keysOf(tokenImage("t"))
	if ev, ok, err := Decode(r); ok || err != nil {
		t.Errorf("Decode = %s, %v, %v; want nothing", bus.Describe(ev), ok, err)
	}
}
