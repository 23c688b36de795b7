package conformance

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	vp "github.com/aws/aws-sdk-go-v2/service/verifiedpermissions"
	"github.com/aws/aws-sdk-go-v2/service/verifiedpermissions/types"

	"github.com/vpid-dev/vpid/internal/store"
)

// The Go SDK's view of the policy, policy template, schema and tag
// operations: each success, and each modeled error as its typed error.

// photoSchema is a small Cedar JSON schema in namespace PhotoApp.
const photoSchema = `{"PhotoApp": {
  "entityTypes": {
    "User": {"memberOfTypes": ["Group"]},
    "Group": {},
    "Photo": {"shape": {"type": "Record", "attributes": {"owner": {"type": "Entity", "name": "User"}}}}
  },
  "actions": {
    "view": {"appliesTo": {"principalTypes": ["User"], "resourceTypes": ["Photo"]}},
    "edit": {"appliesTo": {"principalTypes": ["User"], "resourceTypes": ["Photo"]}}
  }
}}`

const (
	photoStatic   = `permit(principal == PhotoApp::User::"alice", action == PhotoApp::Action::"view", resource == PhotoApp::Photo::"p1");`
	photoTemplate = `permit(principal == ?principal, action == PhotoApp::Action::"view", resource == ?resource);`
)

func apiValidation(t *testing.T, err error, path string) *types.ValidationException {
	t.Helper()
	var ve *types.ValidationException
	if !errors.As(err, &ve) {
		t.Fatalf("want ValidationException at %s, got %v", path, err)
	}
	if path != "" && !slices.ContainsFunc(ve.FieldList, func(f types.ValidationExceptionField) bool { return aws.ToString(f.Path) == path }) {
		t.Fatalf("ValidationException fieldList %+v lacks path %s (%s)", ve.FieldList, path, aws.ToString(ve.Message))
	}
	return ve
}

func apiStaticDef(statement string) *types.PolicyDefinitionMemberStatic {
	return &types.PolicyDefinitionMemberStatic{Value: types.StaticPolicyDefinition{Statement: aws.String(statement)}}
}

func TestSDKAPIPoliciesTemplatesSchema(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	c := s.client("AKIDEXAMPLE")
	ctx := context.Background()
	psID := apiStore(t, c, &vp.CreatePolicyStoreInput{ValidationSettings: &types.ValidationSettings{Mode: types.ValidationModeStrict}})

	// STRICT without a schema refuses every policy.
	_, err := c.CreatePolicy(ctx, &vp.CreatePolicyInput{PolicyStoreId: aws.String(psID), Definition: apiStaticDef(photoStatic)}, apiNoRetry)
	apiValidation(t, err, "definition.static.statement")

	// Schema.
	_, err = c.GetSchema(ctx, &vp.GetSchemaInput{PolicyStoreId: aws.String(psID)}, apiNoRetry)
	apiNotFound(t, err, types.ResourceTypeSchema, psID)
	put, err := c.PutSchema(ctx, &vp.PutSchemaInput{PolicyStoreId: aws.String(psID), Definition: &types.SchemaDefinitionMemberCedarJson{Value: photoSchema}})
	if err != nil || !slices.Equal(put.Namespaces, []string{"PhotoApp"}) {
		t.Fatalf("PutSchema = %+v %v", put, err)
	}
	gs, err := c.GetSchema(ctx, &vp.GetSchemaInput{PolicyStoreId: aws.String(psID)})
	if err != nil || aws.ToString(gs.Schema) != photoSchema || !slices.Equal(gs.Namespaces, []string{"PhotoApp"}) {
		t.Fatalf("GetSchema = %+v %v", gs, err)
	}
	_, err = c.PutSchema(ctx, &vp.PutSchemaInput{PolicyStoreId: aws.String(psID), Definition: &types.SchemaDefinitionMemberCedarJson{Value: `{"PhotoApp": {"entityTypes": 5}}`}}, apiNoRetry)
	apiValidation(t, err, "definition.cedarJson")
	// Longer than the quota's 100,000 bytes in characters: it never fits,
	// a ValidationException; within them but over in bytes: the quota's.
	_, err = c.PutSchema(ctx, &vp.PutSchemaInput{PolicyStoreId: aws.String(psID), Definition: &types.SchemaDefinitionMemberCedarJson{Value: `{"` + strings.Repeat("N", 100001) + `": {}}`}}, apiNoRetry)
	apiValidation(t, err, "definition.cedarJson")
	_, err = c.PutSchema(ctx, &vp.PutSchemaInput{PolicyStoreId: aws.String(psID), Definition: &types.SchemaDefinitionMemberCedarJson{Value: `{"` + strings.Repeat("é", 50001) + `": {}}`}}, apiNoRetry)
	var sq *types.ServiceQuotaExceededException
	if !errors.As(err, &sq) || sq.ResourceType != types.ResourceTypeSchema {
		t.Fatalf("schema too large: %v", err)
	}

	// A static policy, named; validated against the schema.
	cp, err := c.CreatePolicy(ctx, &vp.CreatePolicyInput{PolicyStoreId: aws.String(psID), Name: aws.String("name/alice-views-p1"), Definition: apiStaticDef(photoStatic), ClientToken: aws.String("policy-token-1")})
	if err != nil {
		t.Fatal(err)
	}
	if cp.PolicyType != types.PolicyTypeStatic || cp.Effect != types.PolicyEffectPermit || aws.ToString(cp.Principal.EntityId) != "alice" ||
		aws.ToString(cp.Resource.EntityType) != "PhotoApp::Photo" || len(cp.Actions) != 1 || aws.ToString(cp.Actions[0].ActionType) != "PhotoApp::Action" {
		t.Fatalf("CreatePolicy = %+v", cp)
	}
	replay, err := c.CreatePolicy(ctx, &vp.CreatePolicyInput{PolicyStoreId: aws.String(psID), Name: aws.String("name/alice-views-p1"), Definition: apiStaticDef(photoStatic), ClientToken: aws.String("policy-token-1")})
	if err != nil || aws.ToString(replay.PolicyId) != aws.ToString(cp.PolicyId) {
		t.Fatalf("replay = %+v %v", replay, err)
	}
	var ce *types.ConflictException
	_, err = c.CreatePolicy(ctx, &vp.CreatePolicyInput{PolicyStoreId: aws.String(psID), Definition: apiStaticDef(photoStatic), ClientToken: aws.String("policy-token-1")}, apiNoRetry)
	if !errors.As(err, &ce) {
		t.Fatalf("token reuse: %v", err)
	}
	_, err = c.CreatePolicy(ctx, &vp.CreatePolicyInput{PolicyStoreId: aws.String(psID), Name: aws.String("name/alice-views-p1"), Definition: apiStaticDef(photoStatic)}, apiNoRetry)
	if !errors.As(err, &ce) || len(ce.Resources) != 1 || ce.Resources[0].ResourceType != types.ResourceTypePolicy {
		t.Fatalf("name taken: %v", err)
	}
	ve := apiValidation(t, func() error {
		_, err := c.CreatePolicy(ctx, &vp.CreatePolicyInput{PolicyStoreId: aws.String(psID), Definition: apiStaticDef(`permit(principal == PhotoApp::Nobody::"x", action, resource);`)}, apiNoRetry)
		return err
	}(), "definition.static.statement")
	if !slices.ContainsFunc(ve.FieldList, func(f types.ValidationExceptionField) bool {
		return strings.Contains(aws.ToString(f.Message), "UnrecognizedEntityType")
	}) {
		t.Errorf("no field gives the reason UnrecognizedEntityType: %s", fieldMessages(ve.FieldList))
	}
	apiValidation(t, func() error {
		_, err := c.CreatePolicy(ctx, &vp.CreatePolicyInput{PolicyStoreId: aws.String(psID), Definition: apiStaticDef(photoStatic + " permit(principal, action, resource);")}, apiNoRetry)
		return err
	}(), "definition.static.statement")
	_, err = c.CreatePolicy(ctx, &vp.CreatePolicyInput{PolicyStoreId: aws.String(psID), Definition: apiStaticDef(photoStatic + strings.Repeat(" ", 10000))}, apiNoRetry)
	apiValidation(t, err, "definition.static.statement")
	_, err = c.CreatePolicy(ctx, &vp.CreatePolicyInput{PolicyStoreId: aws.String(psID), Definition: apiStaticDef(photoStatic + " // " + strings.Repeat("é", 5000))}, apiNoRetry)
	if !errors.As(err, &sq) || sq.ResourceType != types.ResourceTypePolicy {
		t.Fatalf("policy too large: %v", err)
	}
	_, err = c.CreatePolicy(ctx, &vp.CreatePolicyInput{PolicyStoreId: aws.String("PSmissing"), Definition: apiStaticDef(photoStatic)}, apiNoRetry)
	apiNotFound(t, err, types.ResourceTypePolicyStore, "PSmissing")

	gp, err := c.GetPolicy(ctx, &vp.GetPolicyInput{PolicyStoreId: aws.String(psID), PolicyId: aws.String("name/alice-views-p1")})
	if err != nil || aws.ToString(gp.PolicyId) != aws.ToString(cp.PolicyId) || aws.ToString(gp.Name) != "name/alice-views-p1" {
		t.Fatalf("GetPolicy by name = %+v %v", gp, err)
	}
	if st, ok := gp.Definition.(*types.PolicyDefinitionDetailMemberStatic); !ok || aws.ToString(st.Value.Statement) != photoStatic {
		t.Fatalf("GetPolicy definition = %#v", gp.Definition)
	}
	_, err = c.GetPolicy(ctx, &vp.GetPolicyInput{PolicyStoreId: aws.String(psID), PolicyId: aws.String("nope")}, apiNoRetry)
	apiNotFound(t, err, types.ResourceTypePolicy, "nope")

	// UpdatePolicy: the action may change, the principal may not.
	up, err := c.UpdatePolicy(ctx, &vp.UpdatePolicyInput{PolicyStoreId: aws.String(psID), PolicyId: cp.PolicyId,
		Definition: &types.UpdatePolicyDefinitionMemberStatic{Value: types.UpdateStaticPolicyDefinition{Statement: aws.String(strings.Replace(photoStatic, `"view"`, `"edit"`, 1))}}})
	if err != nil || aws.ToString(up.Actions[0].ActionId) != "edit" {
		t.Fatalf("UpdatePolicy = %+v %v", up, err)
	}
	_, err = c.UpdatePolicy(ctx, &vp.UpdatePolicyInput{PolicyStoreId: aws.String(psID), PolicyId: cp.PolicyId,
		Definition: &types.UpdatePolicyDefinitionMemberStatic{Value: types.UpdateStaticPolicyDefinition{Statement: aws.String(strings.Replace(photoStatic, "alice", "bob", 1))}}}, apiNoRetry)
	apiValidation(t, err, "definition.static.statement")

	// A template, linked twice; the links follow the template.
	ct, err := c.CreatePolicyTemplate(ctx, &vp.CreatePolicyTemplateInput{PolicyStoreId: aws.String(psID), Statement: aws.String(photoTemplate), Name: aws.String("name/viewers"), Description: aws.String("viewers")})
	if err != nil {
		t.Fatal(err)
	}
	var linked []string
	for _, user := range []string{"bob", "carol"} {
		out, err := c.CreatePolicy(ctx, &vp.CreatePolicyInput{PolicyStoreId: aws.String(psID), Definition: &types.PolicyDefinitionMemberTemplateLinked{Value: types.TemplateLinkedPolicyDefinition{
			PolicyTemplateId: ct.PolicyTemplateId,
			Principal:        &types.EntityIdentifier{EntityType: aws.String("PhotoApp::User"), EntityId: aws.String(user)},
			Resource:         &types.EntityIdentifier{EntityType: aws.String("PhotoApp::Photo"), EntityId: aws.String("p1")},
		}}})
		if err != nil {
			t.Fatal(err)
		}
		if out.PolicyType != types.PolicyTypeTemplateLinked || aws.ToString(out.Principal.EntityId) != user {
			t.Fatalf("linked = %+v", out)
		}
		linked = append(linked, aws.ToString(out.PolicyId))
	}
	_, err = c.CreatePolicy(ctx, &vp.CreatePolicyInput{PolicyStoreId: aws.String(psID), Definition: &types.PolicyDefinitionMemberTemplateLinked{Value: types.TemplateLinkedPolicyDefinition{
		PolicyTemplateId: aws.String("missingtemplate")}}}, apiNoRetry)
	apiNotFound(t, err, types.ResourceTypePolicyTemplate, "missingtemplate")
	if _, err := c.UpdatePolicyTemplate(ctx, &vp.UpdatePolicyTemplateInput{PolicyStoreId: aws.String(psID), PolicyTemplateId: aws.String("name/viewers"),
		Statement: aws.String(strings.Replace(photoTemplate, `"view"`, `"edit"`, 1))}); err != nil {
		t.Fatal(err)
	}
	gl, err := c.GetPolicy(ctx, &vp.GetPolicyInput{PolicyStoreId: aws.String(psID), PolicyId: aws.String(linked[0])})
	if err != nil || aws.ToString(gl.Actions[0].ActionId) != "edit" {
		t.Fatalf("linked after the template's update = %+v %v", gl, err)
	}
	gt, err := c.GetPolicyTemplate(ctx, &vp.GetPolicyTemplateInput{PolicyStoreId: aws.String(psID), PolicyTemplateId: ct.PolicyTemplateId})
	if err != nil || aws.ToString(gt.Name) != "name/viewers" || !strings.Contains(aws.ToString(gt.Statement), "edit") {
		t.Fatalf("GetPolicyTemplate = %+v %v", gt, err)
	}
	_, err = c.UpdatePolicyTemplate(ctx, &vp.UpdatePolicyTemplateInput{PolicyStoreId: aws.String(psID), PolicyTemplateId: ct.PolicyTemplateId,
		Statement: aws.String(strings.Replace(photoTemplate, "permit", "forbid", 1))}, apiNoRetry)
	apiValidation(t, err, "statement")
	_, err = c.UpdatePolicy(ctx, &vp.UpdatePolicyInput{PolicyStoreId: aws.String(psID), PolicyId: aws.String(linked[0]),
		Definition: &types.UpdatePolicyDefinitionMemberStatic{Value: types.UpdateStaticPolicyDefinition{Statement: aws.String(photoStatic)}}}, apiNoRetry)
	apiValidation(t, err, "definition")

	// Lists, with the SDK's paginators and the filters.
	listIDs := func(filter *types.PolicyFilter) []string {
		var ids []string
		p := vp.NewListPoliciesPaginator(c, &vp.ListPoliciesInput{PolicyStoreId: aws.String(psID), MaxResults: aws.Int32(1), Filter: filter})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range page.Policies {
				ids = append(ids, aws.ToString(it.PolicyId))
			}
		}
		slices.Sort(ids)
		return ids
	}
	all := append([]string{aws.ToString(cp.PolicyId)}, linked...)
	slices.Sort(all)
	if got := listIDs(nil); !slices.Equal(got, all) {
		t.Fatalf("ListPolicies = %v, want %v", got, all)
	}
	if got := listIDs(&types.PolicyFilter{PolicyType: types.PolicyTypeTemplateLinked}); len(got) != 2 {
		t.Fatalf("linked = %v", got)
	}
	if got := listIDs(&types.PolicyFilter{Principal: &types.EntityReferenceMemberIdentifier{Value: types.EntityIdentifier{EntityType: aws.String("PhotoApp::User"), EntityId: aws.String("bob")}}}); !slices.Equal(got, linked[:1]) {
		t.Fatalf("bob's = %v", got)
	}
	if got := listIDs(&types.PolicyFilter{PolicyTemplateId: ct.PolicyTemplateId, Resource: &types.EntityReferenceMemberUnspecified{Value: true}}); len(got) != 0 {
		t.Fatalf("linked without resource = %v", got)
	}
	tp := vp.NewListPolicyTemplatesPaginator(c, &vp.ListPolicyTemplatesInput{PolicyStoreId: aws.String(psID)})
	page, err := tp.NextPage(ctx)
	if err != nil || len(page.PolicyTemplates) != 1 || aws.ToString(page.PolicyTemplates[0].Description) != "viewers" {
		t.Fatalf("ListPolicyTemplates = %+v %v", page, err)
	}
	_, err = c.ListPolicies(ctx, &vp.ListPoliciesInput{PolicyStoreId: aws.String(psID), NextToken: aws.String("bogus.token")}, apiNoRetry)
	apiValidation(t, err, "nextToken")

	// BatchGetPolicy across stores, with per-item errors.
	bg, err := c.BatchGetPolicy(ctx, &vp.BatchGetPolicyInput{Requests: []types.BatchGetPolicyInputItem{
		{PolicyStoreId: aws.String(psID), PolicyId: cp.PolicyId},
		{PolicyStoreId: aws.String(psID), PolicyId: aws.String(linked[1])},
		{PolicyStoreId: aws.String(psID), PolicyId: aws.String("nope")},
		{PolicyStoreId: aws.String("PSmissing"), PolicyId: aws.String("x")},
		{PolicyStoreId: aws.String("policy-store-alias/none"), PolicyId: aws.String("x")},
	}})
	if err != nil || len(bg.Results) != 2 || len(bg.Errors) != 3 {
		t.Fatalf("BatchGetPolicy = %+v %v", bg, err)
	}
	if codes := []types.BatchGetPolicyErrorCode{bg.Errors[0].Code, bg.Errors[1].Code, bg.Errors[2].Code}; !slices.Equal(codes, []types.BatchGetPolicyErrorCode{
		types.BatchGetPolicyErrorCodePolicyNotFound, types.BatchGetPolicyErrorCodePolicyStoreNotFound, types.BatchGetPolicyErrorCodePolicyStoreAliasNotFound}) {
		t.Fatalf("codes = %v", codes)
	}
	tooMany := make([]types.BatchGetPolicyInputItem, 101)
	for i := range tooMany {
		tooMany[i] = types.BatchGetPolicyInputItem{PolicyStoreId: aws.String(psID), PolicyId: cp.PolicyId}
	}
	_, err = c.BatchGetPolicy(ctx, &vp.BatchGetPolicyInput{Requests: tooMany}, apiNoRetry)
	apiValidation(t, err, "requests")

	// Deleting the template deletes its linked policies.
	if _, err := c.DeletePolicyTemplate(ctx, &vp.DeletePolicyTemplateInput{PolicyStoreId: aws.String(psID), PolicyTemplateId: ct.PolicyTemplateId}); err != nil {
		t.Fatal(err)
	}
	for _, id := range linked {
		_, err := c.GetPolicy(ctx, &vp.GetPolicyInput{PolicyStoreId: aws.String(psID), PolicyId: aws.String(id)}, apiNoRetry)
		apiNotFound(t, err, types.ResourceTypePolicy, id)
	}
	if _, err := c.DeletePolicyTemplate(ctx, &vp.DeletePolicyTemplateInput{PolicyStoreId: aws.String(psID), PolicyTemplateId: ct.PolicyTemplateId}); err != nil {
		t.Fatalf("deleting the template again: %v", err)
	}
	for range 2 {
		if _, err := c.DeletePolicy(ctx, &vp.DeletePolicyInput{PolicyStoreId: aws.String(psID), PolicyId: cp.PolicyId}); err != nil {
			t.Fatalf("DeletePolicy: %v", err)
		}
	}
	if got := listIDs(nil); len(got) != 0 {
		t.Fatalf("left: %v", got)
	}
	_, err = c.DeletePolicy(ctx, &vp.DeletePolicyInput{PolicyStoreId: aws.String("PSmissing"), PolicyId: cp.PolicyId}, apiNoRetry)
	apiNotFound(t, err, types.ResourceTypePolicyStore, "PSmissing")

	// Deleting the store leaves nothing of its Cedar half.
	if _, err := c.CreatePolicy(ctx, &vp.CreatePolicyInput{PolicyStoreId: aws.String(psID), Definition: apiStaticDef(photoStatic)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeletePolicyStore(ctx, &vp.DeletePolicyStoreInput{PolicyStoreId: aws.String(psID)}); err != nil {
		t.Fatal(err)
	}
	for _, it := range apiItemsMentioning(t, s, psID) {
		if it.typ != store.KindToken {
			t.Errorf("left behind: %s item %s", it.typ, it.key)
		}
	}
}

func TestSDKAPITemplateQuotaAndAliases(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	c := s.client("AKIDEXAMPLE")
	ctx := context.Background()
	psID := apiStore(t, c, nil)
	if _, err := c.CreatePolicyStoreAlias(ctx, &vp.CreatePolicyStoreAliasInput{AliasName: aws.String("policy-store-alias/photos"), PolicyStoreId: aws.String(psID)}); err != nil {
		t.Fatal(err)
	}
	alias := aws.String("policy-store-alias/photos")
	for i := range 40 {
		if _, err := c.CreatePolicyTemplate(ctx, &vp.CreatePolicyTemplateInput{PolicyStoreId: alias,
			Statement: aws.String(fmt.Sprintf(`permit(principal == ?principal, action == Action::"a%d", resource);`, i))}); err != nil {
			t.Fatal(err)
		}
	}
	_, err := c.CreatePolicyTemplate(ctx, &vp.CreatePolicyTemplateInput{PolicyStoreId: alias, Statement: aws.String(`permit(principal == ?principal, action, resource);`)}, apiNoRetry)
	var sq *types.ServiceQuotaExceededException
	if !errors.As(err, &sq) || sq.ResourceType != types.ResourceTypePolicyTemplate {
		t.Fatalf("41st template: %v", err)
	}
	n := 0
	p := vp.NewListPolicyTemplatesPaginator(c, &vp.ListPolicyTemplatesInput{PolicyStoreId: alias, MaxResults: aws.Int32(7)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n += len(page.PolicyTemplates)
	}
	if n != 40 {
		t.Fatalf("listed %d templates", n)
	}
	if _, err := c.PutSchema(ctx, &vp.PutSchemaInput{PolicyStoreId: alias, Definition: &types.SchemaDefinitionMemberCedarJson{Value: photoSchema}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetSchema(ctx, &vp.GetSchemaInput{PolicyStoreId: alias}); err != nil {
		t.Fatal(err)
	}
}

func TestSDKAPITags(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	c := s.client("AKIDEXAMPLE")
	ctx := context.Background()
	psID := apiStore(t, c, &vp.CreatePolicyStoreInput{Tags: map[string]string{"team": "photos"}})
	gs, err := c.GetPolicyStore(ctx, &vp.GetPolicyStoreInput{PolicyStoreId: aws.String(psID)})
	if err != nil {
		t.Fatal(err)
	}
	arn := gs.Arn
	if _, err := c.TagResource(ctx, &vp.TagResourceInput{ResourceArn: arn, Tags: map[string]string{"env": "dev", "team": "cameras"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UntagResource(ctx, &vp.UntagResourceInput{ResourceArn: arn, TagKeys: []string{"env"}}); err != nil {
		t.Fatal(err)
	}
	lt, err := c.ListTagsForResource(ctx, &vp.ListTagsForResourceInput{ResourceArn: arn})
	if err != nil || len(lt.Tags) != 1 || lt.Tags["team"] != "cameras" {
		t.Fatalf("tags = %+v %v", lt, err)
	}
	many := map[string]string{}
	for i := range 50 {
		many[fmt.Sprint("k", i)] = "v"
	}
	_, err = c.TagResource(ctx, &vp.TagResourceInput{ResourceArn: arn, Tags: many}, apiNoRetry)
	var tm *types.TooManyTagsException
	if !errors.As(err, &tm) || aws.ToString(tm.ResourceName) != aws.ToString(arn) {
		t.Fatalf("51 tags: %v", err)
	}
	_, err = c.TagResource(ctx, &vp.TagResourceInput{ResourceArn: arn, Tags: map[string]string{"aws:reserved": "x"}}, apiNoRetry)
	apiValidation(t, err, "")
	other := strings.Replace(aws.ToString(arn), "123456789012", "210987654321", 1)
	if other == aws.ToString(arn) {
		t.Fatalf("the test's account is not 123456789012: %s", other)
	}
	_, err = c.ListTagsForResource(ctx, &vp.ListTagsForResourceInput{ResourceArn: aws.String(other)}, apiNoRetry)
	apiNotFound(t, err, types.ResourceTypePolicyStore, other)
	// Another account's client sees the same ARN as missing.
	_, err = s.client("210987654321").ListTagsForResource(ctx, &vp.ListTagsForResourceInput{ResourceArn: arn}, apiNoRetry)
	apiNotFound(t, err, types.ResourceTypePolicyStore, aws.ToString(arn))
}

// fieldMessages renders a ValidationException's fields for a failure message.
func fieldMessages(fields []types.ValidationExceptionField) string {
	var b strings.Builder
	for _, f := range fields {
		fmt.Fprintf(&b, "\n  %s: %s", aws.ToString(f.Path), aws.ToString(f.Message))
	}
	return b.String()
}
