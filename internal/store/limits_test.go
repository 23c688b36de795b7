package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/vpid-dev/vpid/internal/avp"
)

// largestCognito is the largest Cognito configuration vpid accepts: every
// member at its bound, and as many client ids of 255 characters as fit
// avp.MaxConfigurationBytes, each character one that JSON escapes to six
// bytes. extra adds that many more client ids, to go over.
func largestCognito(t *testing.T, tag byte, extra int) *avp.ConfigurationUnion {
	t.Helper()
	cg := &avp.CognitoUserPoolConfiguration{
		UserPoolARN:        arn,
		GroupConfiguration: &avp.CognitoGroupConfiguration{GroupEntityType: strings.Repeat("G", 200)},
	}
	id := func(i int) string { return string(tag) + strings.Repeat("<", 250) + fmt.Sprintf("%04d", i) }
	for i := 0; ; i++ {
		cg.ClientIDs = append(cg.ClientIDs, id(i))
		b, err := json.Marshal(avp.WireConfiguration(cg))
		if err != nil {
			t.Fatal(err)
		}
		if len(b) > avp.MaxConfigurationBytes {
			cg.ClientIDs = cg.ClientIDs[:len(cg.ClientIDs)-1+extra]
			for j := len(cg.ClientIDs) - extra; j < len(cg.ClientIDs); j++ {
				cg.ClientIDs[j] = id(j)
			}
			return &avp.ConfigurationUnion{CognitoUserPoolConfiguration: cg}
		}
	}
}

// TestLargestIdentitySourceFitsOneItemAndOneEvent: the largest identity
// source vpid accepts is stored (DynamoDB Local enforces the 400 KB item
// limit as DynamoDB does), and can be replaced by another as large; the
// detail of that update's change event (old and new state) stays within
// avp.IdentitySourceEventBudget, under EventBridge's 256 KB entry. One
// client id more is a ValidationException on configuration, before any
// write. This once answered a 500 from DynamoDB.
func TestLargestIdentitySourceFitsOneItemAndOneEvent(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	psID := f.policyStore(t, acct)
	principal := strings.Repeat("<", 200) // six bytes each in JSON
	token := strings.Repeat("t", 64)

	over := largestCognito(t, 'x', 1)
	_, err := f.svc.CreateIdentitySource(ctx, acct, &avp.CreateIdentitySourceInput{PolicyStoreID: psID, Configuration: over, PrincipalEntityType: &principal})
	var e *avp.Error
	if !errors.As(err, &e) || e.Code != avp.CodeValidation || len(e.FieldList) != 1 || e.FieldList[0].Path != "configuration" {
		t.Fatalf("one client id over: %v", err)
	}

	first := largestCognito(t, 'a', 0)
	out, err := f.svc.CreateIdentitySource(ctx, acct, &avp.CreateIdentitySourceInput{ClientToken: &token, PolicyStoreID: psID, Configuration: first, PrincipalEntityType: &principal})
	if err != nil {
		t.Fatalf("the largest identity source was refused: %v", err)
	}
	second := largestCognito(t, 'b', 0)
	if _, err := f.svc.UpdateIdentitySource(ctx, acct, &avp.UpdateIdentitySourceInput{PolicyStoreID: psID, IdentitySourceID: out.IdentitySourceID, UpdateConfiguration: second}); err != nil {
		t.Fatalf("updating to another largest configuration: %v", err)
	}
	items := f.items(t)["IdentitySource"]
	if len(items) != 1 {
		t.Fatalf("identity source items: %d", len(items))
	}
	stored, _ := items[0]["configuration"].(string)
	t.Logf("%d client ids of 255 characters; stored configuration %d bytes", len(second.CognitoUserPoolConfiguration.ClientIDs), len(stored))

	// The update event's detail, built as internal/changes builds it.
	state := func(cfg *avp.ConfigurationUnion) map[string]any {
		return map[string]any{
			"principalEntityType": principal, "configuration": cfg,
			"createdDate": "2026-11-28T05:00:00.000000Z", "lastUpdatedDate": "2026-11-28T05:00:00.000000Z",
		}
	}
	detail, err := json.Marshal(map[string]any{
		"eventId": strings.Repeat("e", 64), "account": acct, "policyStoreId": psID, "identitySourceId": out.IdentitySourceID,
		"eventTime": "2026-11-28T05:00:00.000000Z", "identitySource": state(second), "previous": state(first),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("update event detail: %d bytes (budget %d, EventBridge entry 262144)", len(detail), avp.IdentitySourceEventBudget)
	if len(detail) > avp.IdentitySourceEventBudget || avp.IdentitySourceEventBudget > 240<<10 {
		t.Errorf("the update event detail is %d bytes; the budget is %d", len(detail), avp.IdentitySourceEventBudget)
	}
}
