package conformance

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	vp "github.com/aws/aws-sdk-go-v2/service/verifiedpermissions"
	"github.com/aws/aws-sdk-go-v2/service/verifiedpermissions/types"
)

// The Go SDK's view of IsAuthorized and BatchIsAuthorized against policies
// stored through the API: the decision, determining policies and errors,
// every AttributeValue member on the wire, and a write seen by the next
// decision.
func TestSDKAPIIsAuthorized(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	c := s.client("AKIDEXAMPLE")
	ctx := context.Background()
	psID := apiStore(t, c, &vp.CreatePolicyStoreInput{ValidationSettings: &types.ValidationSettings{Mode: types.ValidationModeOff}})
	create := func(stmt string) string {
		t.Helper()
		out, err := c.CreatePolicy(ctx, &vp.CreatePolicyInput{PolicyStoreId: aws.String(psID), Definition: apiStaticDef(stmt)})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.PolicyId)
	}
	permit := create(`permit(principal in App::Group::"eng", action == App::Action::"view", resource) when {
		principal.level >= 3 && principal.active && principal.tags.contains("x") && principal.addr.city == "Paris" &&
		resource.owner == principal && context.ip.isInRange(ip("10.0.0.0/8")) && context.amount.lessThan(decimal("10.5")) &&
		context.at > datetime("2024-01-01") && context.ttl < duration("1h") };`)
	user := &types.EntityIdentifier{EntityType: aws.String("App::User"), EntityId: aws.String("alice")}
	photo := &types.EntityIdentifier{EntityType: aws.String("App::Photo"), EntityId: aws.String("p1")}
	view := &types.ActionIdentifier{ActionType: aws.String("App::Action"), ActionId: aws.String("view")}
	in := &vp.IsAuthorizedInput{
		PolicyStoreId: aws.String(psID), Principal: user, Action: view, Resource: photo,
		Context: &types.ContextDefinitionMemberContextMap{Value: map[string]types.AttributeValue{
			"ip":     &types.AttributeValueMemberIpaddr{Value: "10.1.1.1"},
			"amount": &types.AttributeValueMemberDecimal{Value: "9.25"},
			"at":     &types.AttributeValueMemberDatetime{Value: "2025-01-01T00:00:00Z"},
			"ttl":    &types.AttributeValueMemberDuration{Value: "30m"},
		}},
		Entities: &types.EntitiesDefinitionMemberEntityList{Value: []types.EntityItem{
			{Identifier: user, Parents: []types.EntityIdentifier{{EntityType: aws.String("App::Group"), EntityId: aws.String("eng")}},
				Attributes: map[string]types.AttributeValue{
					"level":  &types.AttributeValueMemberLong{Value: 3},
					"active": &types.AttributeValueMemberBoolean{Value: true},
					"tags":   &types.AttributeValueMemberSet{Value: []types.AttributeValue{&types.AttributeValueMemberString{Value: "x"}}},
					"addr":   &types.AttributeValueMemberRecord{Value: map[string]types.AttributeValue{"city": &types.AttributeValueMemberString{Value: "Paris"}}},
				}},
			{Identifier: photo, Attributes: map[string]types.AttributeValue{"owner": &types.AttributeValueMemberEntityIdentifier{Value: *user}}},
		}},
	}
	out, err := c.IsAuthorized(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if out.Decision != types.DecisionAllow || len(out.DeterminingPolicies) != 1 || aws.ToString(out.DeterminingPolicies[0].PolicyId) != permit || len(out.Errors) != 0 {
		t.Fatalf("IsAuthorized = %+v", out)
	}

	// A forbid written now decides the next request, and a policy that
	// fails is reported.
	forbid := create(`forbid(principal, action, resource) when { context.ttl > duration("10m") };`)
	create(`permit(principal, action, resource) when { principal.missing };`)
	out, err = c.IsAuthorized(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if out.Decision != types.DecisionDeny || len(out.DeterminingPolicies) != 1 || aws.ToString(out.DeterminingPolicies[0].PolicyId) != forbid || len(out.Errors) != 1 {
		t.Fatalf("IsAuthorized after a forbid = %+v", out)
	}

	batch, err := c.BatchIsAuthorized(ctx, &vp.BatchIsAuthorizedInput{
		PolicyStoreId: aws.String(psID),
		Entities:      &types.EntitiesDefinitionMemberCedarJson{Value: `[{"uid":{"type":"App::User","id":"alice"},"parents":[],"attrs":{}}]`},
		Requests: []types.BatchIsAuthorizedInputItem{
			{Principal: user, Action: view, Resource: photo},
			{Principal: user, Action: view, Resource: &types.EntityIdentifier{EntityType: aws.String("App::Photo"), EntityId: aws.String("p2")},
				Context: &types.ContextDefinitionMemberCedarJson{Value: `{"ttl":{"__extn":{"fn":"duration","arg":"1d"}}}`}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(batch.Results) != 2 || batch.Results[0].Decision != types.DecisionDeny || batch.Results[1].Decision != types.DecisionDeny ||
		aws.ToString(batch.Results[1].Request.Resource.EntityId) != "p2" || len(batch.Results[1].DeterminingPolicies) != 1 {
		t.Fatalf("BatchIsAuthorized = %+v", batch)
	}

	// Tokens need an identity source.
	_, err = c.IsAuthorizedWithToken(ctx, &vp.IsAuthorizedWithTokenInput{PolicyStoreId: aws.String(psID), IdentityToken: aws.String("a.b.c")}, apiNoRetry)
	apiValidation(t, err, "policyStoreId")
	_, err = c.IsAuthorized(ctx, &vp.IsAuthorizedInput{PolicyStoreId: aws.String("PSnotthere111111111111")}, apiNoRetry)
	apiNotFound(t, err, types.ResourceTypePolicyStore, "PSnotthere111111111111")
}
