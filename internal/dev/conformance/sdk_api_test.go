package conformance

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	vp "github.com/aws/aws-sdk-go-v2/service/verifiedpermissions"
	"github.com/aws/aws-sdk-go-v2/service/verifiedpermissions/types"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/google/go-cmp/cmp"

	"github.com/vpid-dev/vpid/internal/avp"
	"github.com/vpid-dev/vpid/internal/dev/emulator/emulatortest"
	"github.com/vpid-dev/vpid/internal/store"
	"github.com/vpid-dev/vpid/internal/store/storetest"
)

// This file is the Go SDK's view of every operation beyond
// CreateIdentitySource and GetIdentitySource (sdk_test.go): each success, and
// each modeled error as the SDK's typed error.

// apiCmp compares SDK values, whose structs carry an unexported marker field.
var apiCmp = cmp.Exporter(func(reflect.Type) bool { return true })

// apiNoRetry makes one attempt only, so a wrong 5xx answer fails fast
// instead of being retried.
func apiNoRetry(o *vp.Options) { o.RetryMaxAttempts = 1 }

func apiCognito(pool string, clients ...string) *types.ConfigurationMemberCognitoUserPoolConfiguration {
	return &types.ConfigurationMemberCognitoUserPoolConfiguration{Value: types.CognitoUserPoolConfiguration{
		UserPoolArn: aws.String(pool), ClientIds: clients,
	}}
}

func apiUpdateCognito(pool string, clients ...string) *types.UpdateConfigurationMemberCognitoUserPoolConfiguration {
	return &types.UpdateConfigurationMemberCognitoUserPoolConfiguration{Value: types.UpdateCognitoUserPoolConfiguration{
		UserPoolArn: aws.String(pool), ClientIds: clients,
	}}
}

func apiUpdateOIDC(iss string) *types.UpdateConfigurationMemberOpenIdConnectConfiguration {
	return &types.UpdateConfigurationMemberOpenIdConnectConfiguration{Value: types.UpdateOpenIdConnectConfiguration{
		Issuer: aws.String(iss),
		TokenSelection: &types.UpdateOpenIdConnectTokenSelectionMemberAccessTokenOnly{Value: types.UpdateOpenIdConnectAccessTokenConfiguration{
			Audiences: []string{"https://api.example.com"}, PrincipalIdClaim: aws.String("sub"),
		}},
	}}
}

// apiStore creates a policy store (validation OFF unless in says otherwise).
func apiStore(t *testing.T, c *vp.Client, in *vp.CreatePolicyStoreInput) string {
	t.Helper()
	if in == nil {
		in = &vp.CreatePolicyStoreInput{}
	}
	if in.ValidationSettings == nil {
		in.ValidationSettings = &types.ValidationSettings{Mode: types.ValidationModeOff}
	}
	out, err := c.CreatePolicyStore(context.Background(), in)
	if err != nil {
		t.Fatalf("CreatePolicyStore: %v", err)
	}
	return aws.ToString(out.PolicyStoreId)
}

// apiIdentitySource creates a Cognito identity source on the seed pool.
func apiIdentitySource(t *testing.T, c *vp.Client, psID, principal string) *vp.CreateIdentitySourceOutput {
	t.Helper()
	in := &vp.CreateIdentitySourceInput{PolicyStoreId: aws.String(psID), Configuration: apiCognito(emulatortest.SeedPoolARN, emulatortest.SeedClientID)}
	if principal != "" {
		in.PrincipalEntityType = aws.String(principal)
	}
	out, err := c.CreateIdentitySource(context.Background(), in)
	if err != nil {
		t.Fatalf("CreateIdentitySource: %v", err)
	}
	return out
}

// apiNotFound fails unless err is a ResourceNotFoundException for id of type rt.
func apiNotFound(t *testing.T, err error, rt types.ResourceType, id string) {
	t.Helper()
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Fatalf("want ResourceNotFoundException (%s %s), got %v", rt, id, err)
	}
	if nf.ResourceType != rt || aws.ToString(nf.ResourceId) != id || aws.ToString(nf.Message) == "" {
		t.Fatalf("ResourceNotFoundException names %s %q (%q); want %s %q", nf.ResourceType, aws.ToString(nf.ResourceId), aws.ToString(nf.Message), rt, id)
	}
}

// apiStatus is the HTTP status of a successful call.
func apiStatus(t *testing.T, md middleware.Metadata) int {
	t.Helper()
	resp, ok := awsmiddleware.GetRawResponse(md).(*smithyhttp.Response)
	if !ok {
		t.Fatalf("no raw response in the result metadata")
	}
	return resp.StatusCode
}

// apiFlip changes the first character of a page token.
func apiFlip(tok string) string {
	if tok == "" {
		return "A"
	}
	c := byte('A')
	if tok[0] == 'A' {
		c = 'B'
	}
	return string(c) + tok[1:]
}

// apiFlipAt changes the character at i of a token to another of the
// base64url alphabet.
func apiFlipAt(tok string, i int) string {
	return tok[:i] + apiFlip(tok[i:])
}

// TestSDKAPIOpenIDConnectIdentitySource creates an OpenID Connect identity
// source and reads it back, through Get and List, exactly as configured.
func TestSDKAPIOpenIDConnectIdentitySource(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	c := s.client("AKIDEXAMPLE")
	ctx := context.Background()
	ps := apiStore(t, c, nil)
	iss := issuer.URL("")

	created, err := c.CreateIdentitySource(ctx, &vp.CreateIdentitySourceInput{
		PolicyStoreId:       aws.String(ps),
		PrincipalEntityType: aws.String("MyCorp::User"),
		Configuration: &types.ConfigurationMemberOpenIdConnectConfiguration{Value: types.OpenIdConnectConfiguration{
			Issuer:         aws.String(iss),
			EntityIdPrefix: aws.String("MyOIDCProvider"),
			GroupConfiguration: &types.OpenIdConnectGroupConfiguration{
				GroupClaim: aws.String("groups"), GroupEntityType: aws.String("MyCorp::UserGroup"),
			},
			TokenSelection: &types.OpenIdConnectTokenSelectionMemberIdentityTokenOnly{Value: types.OpenIdConnectIdentityTokenConfiguration{
				ClientIds: []string{"1example23456789", "2example10111213"}, PrincipalIdClaim: aws.String("sub"),
			}},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(created.PolicyStoreId) != ps || !reID.MatchString(aws.ToString(created.IdentitySourceId)) {
		t.Errorf("created %s in %s", aws.ToString(created.IdentitySourceId), aws.ToString(created.PolicyStoreId))
	}

	got, err := c.GetIdentitySource(ctx, &vp.GetIdentitySourceInput{PolicyStoreId: aws.String(ps), IdentitySourceId: created.IdentitySourceId})
	if err != nil {
		t.Fatal(err)
	}
	detail, ok := got.Configuration.(*types.ConfigurationDetailMemberOpenIdConnectConfiguration)
	if !ok {
		t.Fatalf("configuration is %T", got.Configuration)
	}
	wantDetail := types.OpenIdConnectConfigurationDetail{
		Issuer:         aws.String(iss),
		EntityIdPrefix: aws.String("MyOIDCProvider"),
		GroupConfiguration: &types.OpenIdConnectGroupConfigurationDetail{
			GroupClaim: aws.String("groups"), GroupEntityType: aws.String("MyCorp::UserGroup"),
		},
		TokenSelection: &types.OpenIdConnectTokenSelectionDetailMemberIdentityTokenOnly{Value: types.OpenIdConnectIdentityTokenConfigurationDetail{
			ClientIds: []string{"1example23456789", "2example10111213"}, PrincipalIdClaim: aws.String("sub"),
		}},
	}
	if diff := cmp.Diff(wantDetail, detail.Value, apiCmp); diff != "" {
		t.Errorf("configuration (-want +got):\n%s", diff)
	}
	if got.Details != nil {
		t.Errorf("details of an OpenID Connect source: %+v", got.Details)
	}
	if aws.ToString(got.PrincipalEntityType) != "MyCorp::User" || !got.CreatedDate.Equal(*created.CreatedDate) || !got.LastUpdatedDate.Equal(*created.LastUpdatedDate) {
		t.Errorf("principal %s, dates %v %v", aws.ToString(got.PrincipalEntityType), got.CreatedDate, got.LastUpdatedDate)
	}

	list, err := c.ListIdentitySources(ctx, &vp.ListIdentitySourcesInput{PolicyStoreId: aws.String(ps)})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.IdentitySources) != 1 || list.NextToken != nil {
		t.Fatalf("list: %d items, nextToken %v", len(list.IdentitySources), list.NextToken)
	}
	item := list.IdentitySources[0]
	ic, ok := item.Configuration.(*types.ConfigurationItemMemberOpenIdConnectConfiguration)
	if !ok {
		t.Fatalf("list configuration is %T", item.Configuration)
	}
	wantItem := types.OpenIdConnectConfigurationItem{
		Issuer:         aws.String(iss),
		EntityIdPrefix: aws.String("MyOIDCProvider"),
		GroupConfiguration: &types.OpenIdConnectGroupConfigurationItem{
			GroupClaim: aws.String("groups"), GroupEntityType: aws.String("MyCorp::UserGroup"),
		},
		TokenSelection: &types.OpenIdConnectTokenSelectionItemMemberIdentityTokenOnly{Value: types.OpenIdConnectIdentityTokenConfigurationItem{
			ClientIds: []string{"1example23456789", "2example10111213"}, PrincipalIdClaim: aws.String("sub"),
		}},
	}
	if diff := cmp.Diff(wantItem, ic.Value, apiCmp); diff != "" {
		t.Errorf("list configuration (-want +got):\n%s", diff)
	}
	if item.Details != nil || aws.ToString(item.IdentitySourceId) != aws.ToString(created.IdentitySourceId) || aws.ToString(item.PolicyStoreId) != ps {
		t.Errorf("list item %+v", item)
	}

	// AVP's user guide ("Creating OpenID Connect identity sources"): a blank
	// entity type gives AWS::Cognito, as for Cognito sources.
	t.Run("no principal entity type", func(t *testing.T) {
		other := apiStore(t, c, nil)
		out, err := c.CreateIdentitySource(ctx, &vp.CreateIdentitySourceInput{
			PolicyStoreId: aws.String(other),
			Configuration: &types.ConfigurationMemberOpenIdConnectConfiguration{Value: types.OpenIdConnectConfiguration{
				Issuer: aws.String(iss), TokenSelection: &types.OpenIdConnectTokenSelectionMemberAccessTokenOnly{},
			}},
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := c.GetIdentitySource(ctx, &vp.GetIdentitySourceInput{PolicyStoreId: aws.String(other), IdentitySourceId: out.IdentitySourceId})
		if err != nil || aws.ToString(got.PrincipalEntityType) != "AWS::Cognito" {
			t.Errorf("principal entity type: %+v %v", got, err)
		}
	})
}

// TestSDKAPIUpdateIdentitySource switches an identity source Cognito → OpenID
// Connect → Cognito and checks dates and the kept principal entity type.
func TestSDKAPIUpdateIdentitySource(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	c := s.client("AKIDEXAMPLE")
	ctx := context.Background()
	ps := apiStore(t, c, nil)
	created, err := c.CreateIdentitySource(ctx, &vp.CreateIdentitySourceInput{
		PolicyStoreId:       aws.String(ps),
		PrincipalEntityType: aws.String("MyCorp::User"),
		Configuration: &types.ConfigurationMemberCognitoUserPoolConfiguration{Value: types.CognitoUserPoolConfiguration{
			UserPoolArn: aws.String(emulatortest.SeedPoolARN), ClientIds: []string{emulatortest.SeedClientID},
			GroupConfiguration: &types.CognitoGroupConfiguration{GroupEntityType: aws.String("MyCorp::UserGroup")},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	id := created.IdentitySourceId
	get := func() *vp.GetIdentitySourceOutput {
		t.Helper()
		got, err := c.GetIdentitySource(ctx, &vp.GetIdentitySourceInput{PolicyStoreId: aws.String(ps), IdentitySourceId: id})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	if g, ok := get().Configuration.(*types.ConfigurationDetailMemberCognitoUserPoolConfiguration); !ok ||
		g.Value.GroupConfiguration == nil || aws.ToString(g.Value.GroupConfiguration.GroupEntityType) != "MyCorp::UserGroup" {
		t.Fatalf("created configuration %+v", g)
	}

	// Cognito → OpenID Connect, principalEntityType omitted.
	iss := issuer.URL("/tenant-b")
	toOIDC, err := c.UpdateIdentitySource(ctx, &vp.UpdateIdentitySourceInput{PolicyStoreId: aws.String(ps), IdentitySourceId: id, UpdateConfiguration: apiUpdateOIDC(iss)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(toOIDC.PolicyStoreId) != ps || aws.ToString(toOIDC.IdentitySourceId) != aws.ToString(id) {
		t.Errorf("update answered %s/%s", aws.ToString(toOIDC.PolicyStoreId), aws.ToString(toOIDC.IdentitySourceId))
	}
	if !toOIDC.CreatedDate.Equal(*created.CreatedDate) || !toOIDC.LastUpdatedDate.After(*created.LastUpdatedDate) {
		t.Errorf("dates after update: created %v (was %v), updated %v (was %v)", toOIDC.CreatedDate, created.CreatedDate, toOIDC.LastUpdatedDate, created.LastUpdatedDate)
	}
	got := get()
	oidcDetail, ok := got.Configuration.(*types.ConfigurationDetailMemberOpenIdConnectConfiguration)
	if !ok {
		t.Fatalf("configuration after switching to OIDC is %T", got.Configuration)
	}
	if diff := cmp.Diff(types.OpenIdConnectConfigurationDetail{
		Issuer: aws.String(iss),
		TokenSelection: &types.OpenIdConnectTokenSelectionDetailMemberAccessTokenOnly{Value: types.OpenIdConnectAccessTokenConfigurationDetail{
			Audiences: []string{"https://api.example.com"}, PrincipalIdClaim: aws.String("sub"),
		}},
	}, oidcDetail.Value, apiCmp); diff != "" {
		t.Errorf("OIDC configuration (-want +got):\n%s", diff)
	}
	if got.Details != nil || aws.ToString(got.PrincipalEntityType) != "MyCorp::User" ||
		!got.CreatedDate.Equal(*created.CreatedDate) || !got.LastUpdatedDate.Equal(*toOIDC.LastUpdatedDate) {
		t.Errorf("after OIDC update: principal %s, details %+v, dates %v %v", aws.ToString(got.PrincipalEntityType), got.Details, got.CreatedDate, got.LastUpdatedDate)
	}

	// OpenID Connect → Cognito (another pool of the account), principalEntityType omitted.
	toCognito, err := c.UpdateIdentitySource(ctx, &vp.UpdateIdentitySourceInput{PolicyStoreId: aws.String(ps), IdentitySourceId: id,
		UpdateConfiguration: apiUpdateCognito(emulatortest.OtherPoolARN, emulatortest.OtherClientID)})
	if err != nil {
		t.Fatal(err)
	}
	if !toCognito.CreatedDate.Equal(*created.CreatedDate) || !toCognito.LastUpdatedDate.After(*toOIDC.LastUpdatedDate) {
		t.Errorf("dates after second update: %v %v", toCognito.CreatedDate, toCognito.LastUpdatedDate)
	}
	got = get()
	cg, ok := got.Configuration.(*types.ConfigurationDetailMemberCognitoUserPoolConfiguration)
	if !ok {
		t.Fatalf("configuration after switching back is %T", got.Configuration)
	}
	otherIssuer := "https://cognito-idp.us-west-2.amazonaws.com/" + emulatortest.OtherPoolID
	if diff := cmp.Diff(types.CognitoUserPoolConfigurationDetail{
		UserPoolArn: aws.String(emulatortest.OtherPoolARN), ClientIds: []string{emulatortest.OtherClientID}, Issuer: aws.String(otherIssuer),
	}, cg.Value, apiCmp); diff != "" {
		t.Errorf("Cognito configuration, replaced whole (-want +got):\n%s", diff)
	}
	if aws.ToString(got.PrincipalEntityType) != "MyCorp::User" || got.Details == nil || aws.ToString(got.Details.DiscoveryUrl) != otherIssuer {
		t.Errorf("after Cognito update: principal %s, details %+v", aws.ToString(got.PrincipalEntityType), got.Details)
	}

	// principalEntityType sent: changed.
	if _, err := c.UpdateIdentitySource(ctx, &vp.UpdateIdentitySourceInput{PolicyStoreId: aws.String(ps), IdentitySourceId: id,
		PrincipalEntityType: aws.String("MyCorp::Employee"), UpdateConfiguration: apiUpdateCognito(emulatortest.SeedPoolARN)}); err != nil {
		t.Fatal(err)
	}
	got = get()
	if aws.ToString(got.PrincipalEntityType) != "MyCorp::Employee" {
		t.Errorf("principal after sending it: %s", aws.ToString(got.PrincipalEntityType))
	}
	if cg, ok := got.Configuration.(*types.ConfigurationDetailMemberCognitoUserPoolConfiguration); !ok || cg.Value.ClientIds == nil || len(cg.Value.ClientIds) != 0 {
		t.Errorf("clientIds of a source configured without any: %+v", got.Configuration)
	}
	before := got

	update := func(cfg types.UpdateConfiguration) error {
		_, err := c.UpdateIdentitySource(ctx, &vp.UpdateIdentitySourceInput{PolicyStoreId: aws.String(ps), IdentitySourceId: id, UpdateConfiguration: cfg}, apiNoRetry)
		return err
	}
	t.Run("issuer without discovery document", func(t *testing.T) {
		wantField(t, update(apiUpdateOIDC(issuer.URL("/missing"))), "updateConfiguration.openIdConnectConfiguration.issuer")
	})
	t.Run("missing client", func(t *testing.T) {
		wantField(t, update(apiUpdateCognito(emulatortest.SeedPoolARN, "nosuchclient00000000000000")), "updateConfiguration.cognitoUserPoolConfiguration.clientIds[0]")
	})
	t.Run("missing pool", func(t *testing.T) {
		wantField(t, update(apiUpdateCognito("arn:aws:cognito-idp:us-west-2:123456789012:userpool/us-west-2_Missing1")), "updateConfiguration.cognitoUserPoolConfiguration.userPoolArn")
	})
	t.Run("pool of another account", func(t *testing.T) {
		wantField(t, update(apiUpdateCognito(emulatortest.AcctOnePoolARN)), "updateConfiguration.cognitoUserPoolConfiguration.userPoolArn")
	})
	t.Run("bad ARN", func(t *testing.T) {
		wantField(t, update(apiUpdateCognito("arn:aws:cognito-idp:us-west-2:123:userpool/x")), "updateConfiguration.cognitoUserPoolConfiguration.userPoolArn")
	})
	t.Run("failed updates changed nothing", func(t *testing.T) {
		if diff := cmp.Diff(before, get(), apiCmp, cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".ResultMetadata" }, cmp.Ignore())); diff != "" {
			t.Errorf("identity source changed (-before +after):\n%s", diff)
		}
	})
	t.Run("missing identity source", func(t *testing.T) {
		_, err := c.UpdateIdentitySource(ctx, &vp.UpdateIdentitySourceInput{PolicyStoreId: aws.String(ps), IdentitySourceId: aws.String("ISdoesnotexist00000000"),
			UpdateConfiguration: apiUpdateCognito(emulatortest.SeedPoolARN)}, apiNoRetry)
		apiNotFound(t, err, types.ResourceTypeIdentitySource, "ISdoesnotexist00000000")
	})
	t.Run("missing store", func(t *testing.T) {
		_, err := c.UpdateIdentitySource(ctx, &vp.UpdateIdentitySourceInput{PolicyStoreId: aws.String("PSdoesnotexist00000000"), IdentitySourceId: id,
			UpdateConfiguration: apiUpdateCognito(emulatortest.SeedPoolARN)}, apiNoRetry)
		var nf *types.ResourceNotFoundException
		if !errors.As(err, &nf) {
			t.Fatalf("want ResourceNotFoundException, got %v", err)
		}
	})
	t.Run("bad ids", func(t *testing.T) {
		_, err := c.UpdateIdentitySource(ctx, &vp.UpdateIdentitySourceInput{PolicyStoreId: aws.String("bad id!"), IdentitySourceId: aws.String("bad id!"),
			UpdateConfiguration: apiUpdateCognito(emulatortest.SeedPoolARN)}, apiNoRetry)
		wantField(t, err, "policyStoreId")
		wantField(t, err, "identitySourceId")
	})
}

// TestSDKAPIDeleteIdentitySource deletes an identity source, which frees the
// store for a new one; deleting it again is a ResourceNotFoundException.
func TestSDKAPIDeleteIdentitySource(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	c := s.client("AKIDEXAMPLE")
	ctx := context.Background()
	ps := apiStore(t, c, nil)
	first := apiIdentitySource(t, c, ps, "User")

	del, err := c.DeleteIdentitySource(ctx, &vp.DeleteIdentitySourceInput{PolicyStoreId: aws.String(ps), IdentitySourceId: first.IdentitySourceId})
	if err != nil {
		t.Fatal(err)
	}
	if st := apiStatus(t, del.ResultMetadata); st != 200 {
		t.Errorf("delete answered %d", st)
	}
	_, err = c.GetIdentitySource(ctx, &vp.GetIdentitySourceInput{PolicyStoreId: aws.String(ps), IdentitySourceId: first.IdentitySourceId})
	apiNotFound(t, err, types.ResourceTypeIdentitySource, aws.ToString(first.IdentitySourceId))
	list, err := c.ListIdentitySources(ctx, &vp.ListIdentitySourcesInput{PolicyStoreId: aws.String(ps)})
	if err != nil || list.IdentitySources == nil || len(list.IdentitySources) != 0 || list.NextToken != nil {
		t.Errorf("list after delete: %+v %v", list, err)
	}

	// The store's slot is free again.
	second := apiIdentitySource(t, c, ps, "User")
	if aws.ToString(second.IdentitySourceId) == aws.ToString(first.IdentitySourceId) {
		t.Errorf("new identity source reuses id %s", aws.ToString(first.IdentitySourceId))
	}
	_, err = c.DeleteIdentitySource(ctx, &vp.DeleteIdentitySourceInput{PolicyStoreId: aws.String(ps), IdentitySourceId: first.IdentitySourceId}, apiNoRetry)
	apiNotFound(t, err, types.ResourceTypeIdentitySource, aws.ToString(first.IdentitySourceId))
	if _, err := c.GetIdentitySource(ctx, &vp.GetIdentitySourceInput{PolicyStoreId: aws.String(ps), IdentitySourceId: second.IdentitySourceId}); err != nil {
		t.Errorf("deleting the old id again touched the new source: %v", err)
	}
	if _, err := c.DeleteIdentitySource(ctx, &vp.DeleteIdentitySourceInput{PolicyStoreId: aws.String(ps), IdentitySourceId: second.IdentitySourceId}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteIdentitySource(ctx, &vp.DeleteIdentitySourceInput{PolicyStoreId: aws.String(ps), IdentitySourceId: second.IdentitySourceId}, apiNoRetry)
	apiNotFound(t, err, types.ResourceTypeIdentitySource, aws.ToString(second.IdentitySourceId))

	t.Run("missing store", func(t *testing.T) {
		_, err := c.DeleteIdentitySource(ctx, &vp.DeleteIdentitySourceInput{PolicyStoreId: aws.String("PSdoesnotexist00000000"), IdentitySourceId: second.IdentitySourceId}, apiNoRetry)
		var nf *types.ResourceNotFoundException
		if !errors.As(err, &nf) {
			t.Fatalf("want ResourceNotFoundException, got %v", err)
		}
	})
	t.Run("bad ids", func(t *testing.T) {
		_, err := c.DeleteIdentitySource(ctx, &vp.DeleteIdentitySourceInput{PolicyStoreId: aws.String("PS"), IdentitySourceId: aws.String("bad id!")}, apiNoRetry)
		wantField(t, err, "identitySourceId")
	})
}

// TestSDKAPIListIdentitySources covers filters, page sizes, page tokens and
// the SDK's paginator.
func TestSDKAPIListIdentitySources(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	c := s.client("AKIDEXAMPLE")
	ctx := context.Background()
	ps := apiStore(t, c, nil)
	empty := apiStore(t, c, nil)
	created := apiIdentitySource(t, c, ps, "MyCorp::User")

	list := func(in *vp.ListIdentitySourcesInput) (*vp.ListIdentitySourcesOutput, error) {
		if in.PolicyStoreId == nil {
			in.PolicyStoreId = aws.String(ps)
		}
		return c.ListIdentitySources(ctx, in, apiNoRetry)
	}
	filters := func(types_ ...string) []types.IdentitySourceFilter {
		var f []types.IdentitySourceFilter
		for _, p := range types_ {
			f = append(f, types.IdentitySourceFilter{PrincipalEntityType: aws.String(p)})
		}
		return f
	}
	for _, tc := range []struct {
		name    string
		filters []types.IdentitySourceFilter
		want    int
	}{
		{"no filter", nil, 1},
		{"match", filters("MyCorp::User"), 1},
		{"no match", filters("MyCorp::Admin"), 0},
		{"case-sensitive", filters("mycorp::user"), 0},
		{"no prefix match", filters("MyCorp::Use"), 0},
		{"several filters are ORed", filters("MyCorp::Admin", "MyCorp::User", "Other"), 1},
		{"several, none matching", filters("MyCorp::Admin", "Other"), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := list(&vp.ListIdentitySourcesInput{Filters: tc.filters})
			if err != nil {
				t.Fatal(err)
			}
			if out.IdentitySources == nil || len(out.IdentitySources) != tc.want || out.NextToken != nil {
				t.Fatalf("got %d items (nil list: %v), nextToken %v; want %d", len(out.IdentitySources), out.IdentitySources == nil, out.NextToken, tc.want)
			}
			if tc.want == 1 {
				it := out.IdentitySources[0]
				cg, ok := it.Configuration.(*types.ConfigurationItemMemberCognitoUserPoolConfiguration)
				if !ok || aws.ToString(cg.Value.Issuer) != "https://cognito-idp.us-west-2.amazonaws.com/"+emulatortest.SeedPoolID ||
					aws.ToString(it.IdentitySourceId) != aws.ToString(created.IdentitySourceId) || aws.ToString(it.PolicyStoreId) != ps ||
					aws.ToString(it.PrincipalEntityType) != "MyCorp::User" || !it.CreatedDate.Equal(*created.CreatedDate) ||
					it.Details == nil || it.Details.OpenIdIssuer != types.OpenIdIssuerCognito {
					t.Errorf("item %+v, configuration %+v", it, it.Configuration)
				}
			}
		})
	}
	t.Run("empty store", func(t *testing.T) {
		out, err := list(&vp.ListIdentitySourcesInput{PolicyStoreId: aws.String(empty)})
		if err != nil || out.IdentitySources == nil || len(out.IdentitySources) != 0 || out.NextToken != nil {
			t.Fatalf("%+v %v", out, err)
		}
	})
	t.Run("missing store", func(t *testing.T) {
		_, err := list(&vp.ListIdentitySourcesInput{PolicyStoreId: aws.String("PSdoesnotexist00000000")})
		apiNotFound(t, err, types.ResourceTypePolicyStore, "PSdoesnotexist00000000")
	})
	t.Run("maxResults", func(t *testing.T) {
		for _, n := range []int32{1, 50} {
			if out, err := list(&vp.ListIdentitySourcesInput{MaxResults: aws.Int32(n)}); err != nil || len(out.IdentitySources) != 1 {
				t.Errorf("maxResults %d: %+v %v", n, out, err)
			}
		}
		for _, n := range []int32{0, 51} {
			_, err := list(&vp.ListIdentitySourcesInput{MaxResults: aws.Int32(n)})
			wantField(t, err, "maxResults")
		}
	})
	t.Run("too many filters", func(t *testing.T) {
		_, err := list(&vp.ListIdentitySourcesInput{Filters: filters("A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K")})
		wantField(t, err, "filters")
	})

	// A real page token, of another list operation, to forge from.
	apiStore(t, c, nil)
	stores, err := c.ListPolicyStores(ctx, &vp.ListPolicyStoresInput{MaxResults: aws.Int32(1)})
	if err != nil || stores.NextToken == nil {
		t.Fatalf("ListPolicyStores gave no nextToken: %+v %v", stores, err)
	}
	real := aws.ToString(stores.NextToken)
	for name, tok := range map[string]string{
		"ListPolicyStores token": real,
		"key id changed":         apiFlipAt(real, 4),
		"ciphertext changed":     apiFlipAt(real, 30),
		"tag changed":            apiFlipAt(real, len(real)-3),
		"truncated":              real[:len(real)-4],
		"made up":                "eyJwayI6IkEjMTIzNDU2Nzg5MDEyI1BTI1BTRVhBTVBMRWFiY2RlZmcxMTExMTEifQ.AAAA",
		"not base64":             "abc.def.ghi",
		"old signed format":      "eyJwayI6IkEjMTIzNDU2Nzg5MDEyI1BTI1BTRVhBTVBMRWFiY2RlZmcxMTExMTEifQ.nQK_wGN-YU205wXq3xtdgYfvp9d-KgcVtTSZLVPEc6M",
	} {
		t.Run("nextToken "+name, func(t *testing.T) {
			_, err := list(&vp.ListIdentitySourcesInput{NextToken: aws.String(tok)})
			wantField(t, err, "nextToken")
		})
	}

	t.Run("paginator", func(t *testing.T) {
		for _, store := range []string{ps, empty} {
			p := vp.NewListIdentitySourcesPaginator(c, &vp.ListIdentitySourcesInput{PolicyStoreId: aws.String(store), MaxResults: aws.Int32(1)})
			var ids []string
			pages := 0
			for p.HasMorePages() {
				page, err := p.NextPage(ctx)
				if err != nil {
					t.Fatal(err)
				}
				pages++
				if len(page.IdentitySources) > 1 {
					t.Errorf("page of %d items with maxResults 1", len(page.IdentitySources))
				}
				for _, it := range page.IdentitySources {
					ids = append(ids, aws.ToString(it.IdentitySourceId))
				}
				if pages > 5 {
					t.Fatal("paginator does not end")
				}
			}
			want := []string(nil)
			if store == ps {
				want = []string{aws.ToString(created.IdentitySourceId)}
			}
			if diff := cmp.Diff(want, ids); diff != "" {
				t.Errorf("store %s (-want +got):\n%s", store, diff)
			}
		}
	})
}

// TestSDKAPIListPolicyStores walks seven stores of a fresh account with the
// SDK's paginator, two a page.
func TestSDKAPIListPolicyStores(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	c := s.client("333333333333")
	ctx := context.Background()
	var want []string
	for i := range 7 {
		in := &vp.CreatePolicyStoreInput{}
		if i%2 == 0 {
			in.Description = aws.String(fmt.Sprintf("store %d", i))
		}
		want = append(want, apiStore(t, c, in))
	}

	p := vp.NewListPolicyStoresPaginator(c, &vp.ListPolicyStoresInput{MaxResults: aws.Int32(2)})
	var got []string
	var sizes []int
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, len(page.PolicyStores))
		if len(page.PolicyStores) > 2 {
			t.Errorf("page of %d stores with maxResults 2", len(page.PolicyStores))
		}
		for _, ps := range page.PolicyStores {
			id := aws.ToString(ps.PolicyStoreId)
			got = append(got, id)
			if aws.ToString(ps.Arn) != "arn:aws:verifiedpermissions::333333333333:policy-store/"+id || ps.CreatedDate == nil || ps.LastUpdatedDate == nil {
				t.Errorf("item %+v", ps)
			}
			i := len(got) - 1
			if wantDesc := fmt.Sprintf("store %d", i); (i%2 == 0) != (ps.Description != nil) || (ps.Description != nil && *ps.Description != wantDesc) {
				t.Errorf("item %d description %v", i, ps.Description)
			}
		}
		if len(sizes) > 10 {
			t.Fatal("paginator does not end")
		}
	}
	// Oldest first, every store once: no duplicates, no gaps.
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("stores (-want +got), page sizes %v:\n%s", sizes, diff)
	}
	if len(sizes) < 4 {
		t.Errorf("page sizes %v: want at least 4 pages of at most 2", sizes)
	}

	t.Run("default page size", func(t *testing.T) {
		out, err := c.ListPolicyStores(ctx, &vp.ListPolicyStoresInput{})
		if err != nil || len(out.PolicyStores) != 7 || out.NextToken != nil {
			t.Fatalf("%d stores, nextToken %v, %v", len(out.PolicyStores), out.NextToken, err)
		}
	})
	t.Run("empty account", func(t *testing.T) {
		out, err := s.client("999999999999").ListPolicyStores(ctx, &vp.ListPolicyStoresInput{})
		if err != nil || out.PolicyStores == nil || len(out.PolicyStores) != 0 || out.NextToken != nil {
			t.Fatalf("%+v %v", out, err)
		}
	})
	t.Run("maxResults", func(t *testing.T) {
		for _, n := range []int32{0, 51} {
			_, err := c.ListPolicyStores(ctx, &vp.ListPolicyStoresInput{MaxResults: aws.Int32(n)}, apiNoRetry)
			wantField(t, err, "maxResults")
		}
		out, err := c.ListPolicyStores(ctx, &vp.ListPolicyStoresInput{MaxResults: aws.Int32(50)})
		if err != nil || len(out.PolicyStores) != 7 {
			t.Errorf("maxResults 50: %v", err)
		}
	})
	t.Run("nextToken", func(t *testing.T) {
		first, err := c.ListPolicyStores(ctx, &vp.ListPolicyStoresInput{MaxResults: aws.Int32(3)})
		if err != nil || first.NextToken == nil {
			t.Fatalf("%+v %v", first, err)
		}
		tok := aws.ToString(first.NextToken)
		// The same token twice gives the same page.
		for range 2 {
			next, err := c.ListPolicyStores(ctx, &vp.ListPolicyStoresInput{MaxResults: aws.Int32(3), NextToken: aws.String(tok)})
			if err != nil || len(next.PolicyStores) != 3 || aws.ToString(next.PolicyStores[0].PolicyStoreId) != want[3] {
				t.Fatalf("second page: %+v %v", next, err)
			}
		}
		for name, bad := range map[string]string{
			"version changed":    apiFlip(tok),
			"ciphertext changed": apiFlipAt(tok, 30),
			"tag changed":        apiFlipAt(tok, len(tok)-3),
			"made up":            "abc",
		} {
			_, err := c.ListPolicyStores(ctx, &vp.ListPolicyStoresInput{NextToken: aws.String(bad)}, apiNoRetry)
			var ve *types.ValidationException
			if !errors.As(err, &ve) {
				t.Errorf("%s: want ValidationException, got %v", name, err)
				continue
			}
			wantField(t, err, "nextToken")
		}
	})
}

// TestSDKAPIAliases covers the alias operations, and the alias form of
// policyStoreId in every operation that takes it.
func TestSDKAPIAliases(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	c := s.client("AKIDEXAMPLE")
	ctx := context.Background()
	ps := apiStore(t, c, &vp.CreatePolicyStoreInput{Description: aws.String("orders"), Tags: map[string]string{"team": "identity"}})
	other := apiStore(t, c, nil)
	const name = "policy-store-alias/orders"

	created, err := c.CreatePolicyStoreAlias(ctx, &vp.CreatePolicyStoreAliasInput{AliasName: aws.String(name), PolicyStoreId: aws.String(ps)})
	if err != nil {
		t.Fatal(err)
	}
	// AVP's alias ARNs carry the region (user guide, "Creating policy store
	// aliases"); the stack's region is us-west-2.
	wantARN := "arn:aws:verifiedpermissions:us-west-2:123456789012:" + name
	if aws.ToString(created.AliasArn) != wantARN || aws.ToString(created.AliasName) != name || aws.ToString(created.PolicyStoreId) != ps || created.CreatedAt == nil {
		t.Errorf("created %+v", created)
	}
	got, err := c.GetPolicyStoreAlias(ctx, &vp.GetPolicyStoreAliasInput{AliasName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(got.AliasArn) != wantARN || aws.ToString(got.PolicyStoreId) != ps || got.State != types.AliasStateActive || !got.CreatedAt.Equal(*created.CreatedAt) {
		t.Errorf("got %+v", got)
	}

	t.Run("errors of CreatePolicyStoreAlias", func(t *testing.T) {
		// The same name for the same store succeeds and returns the
		// existing alias (AVP user guide, "Creating policy store aliases").
		same, err := c.CreatePolicyStoreAlias(ctx, &vp.CreatePolicyStoreAliasInput{AliasName: aws.String(name), PolicyStoreId: aws.String(ps)}, apiNoRetry)
		if err != nil || aws.ToString(same.AliasArn) != wantARN || aws.ToString(same.PolicyStoreId) != ps || !same.CreatedAt.Equal(*created.CreatedAt) {
			t.Errorf("same alias again: want the existing alias, got %+v %v", same, err)
		}
		_, err = c.CreatePolicyStoreAlias(ctx, &vp.CreatePolicyStoreAliasInput{AliasName: aws.String(name), PolicyStoreId: aws.String(other)}, apiNoRetry)
		var ce *types.ConflictException
		if !errors.As(err, &ce) || aws.ToString(ce.Message) == "" || len(ce.Resources) == 0 {
			t.Errorf("the name for another store: want ConflictException naming a resource, got %v", err)
		}
		_, err = c.CreatePolicyStoreAlias(ctx, &vp.CreatePolicyStoreAliasInput{AliasName: aws.String("orders"), PolicyStoreId: aws.String(ps)}, apiNoRetry)
		wantField(t, err, "aliasName")
		_, err = c.CreatePolicyStoreAlias(ctx, &vp.CreatePolicyStoreAliasInput{AliasName: aws.String("policy-store-alias/"), PolicyStoreId: aws.String(ps)}, apiNoRetry)
		wantField(t, err, "aliasName")
		_, err = c.CreatePolicyStoreAlias(ctx, &vp.CreatePolicyStoreAliasInput{AliasName: aws.String("policy-store-alias/second"), PolicyStoreId: aws.String(name)}, apiNoRetry)
		wantField(t, err, "policyStoreId")
		_, err = c.CreatePolicyStoreAlias(ctx, &vp.CreatePolicyStoreAliasInput{AliasName: aws.String("policy-store-alias/second"), PolicyStoreId: aws.String("PSdoesnotexist00000000")}, apiNoRetry)
		apiNotFound(t, err, types.ResourceTypePolicyStore, "PSdoesnotexist00000000")
	})

	t.Run("policy store operations by alias", func(t *testing.T) {
		gps, err := c.GetPolicyStore(ctx, &vp.GetPolicyStoreInput{PolicyStoreId: aws.String(name), Tags: true})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(gps.PolicyStoreId) != ps || aws.ToString(gps.Description) != "orders" || gps.Tags["team"] != "identity" ||
			aws.ToString(gps.Arn) != "arn:aws:verifiedpermissions::123456789012:policy-store/"+ps {
			t.Errorf("GetPolicyStore by alias: %+v", gps)
		}
		ups, err := c.UpdatePolicyStore(ctx, &vp.UpdatePolicyStoreInput{PolicyStoreId: aws.String(name), ValidationSettings: &types.ValidationSettings{Mode: types.ValidationModeStrict}})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(ups.PolicyStoreId) != ps {
			t.Errorf("UpdatePolicyStore by alias answered %s", aws.ToString(ups.PolicyStoreId))
		}
		if gps, err := c.GetPolicyStore(ctx, &vp.GetPolicyStoreInput{PolicyStoreId: aws.String(ps)}); err != nil || gps.ValidationSettings.Mode != types.ValidationModeStrict {
			t.Errorf("update by alias did not reach the store: %+v %v", gps, err)
		}
	})

	t.Run("identity source operations by alias", func(t *testing.T) {
		cis, err := c.CreateIdentitySource(ctx, &vp.CreateIdentitySourceInput{PolicyStoreId: aws.String(name), Configuration: apiCognito(emulatortest.SeedPoolARN, emulatortest.SeedClientID)})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(cis.PolicyStoreId) != ps {
			t.Errorf("CreateIdentitySource by alias answered store %s", aws.ToString(cis.PolicyStoreId))
		}
		gis, err := c.GetIdentitySource(ctx, &vp.GetIdentitySourceInput{PolicyStoreId: aws.String(name), IdentitySourceId: cis.IdentitySourceId})
		if err != nil || aws.ToString(gis.PolicyStoreId) != ps || aws.ToString(gis.PrincipalEntityType) != "AWS::Cognito" {
			t.Errorf("GetIdentitySource by alias: %+v %v", gis, err)
		}
		if _, err := c.GetIdentitySource(ctx, &vp.GetIdentitySourceInput{PolicyStoreId: aws.String(ps), IdentitySourceId: cis.IdentitySourceId}); err != nil {
			t.Errorf("created by alias, not found by id: %v", err)
		}
		lis, err := c.ListIdentitySources(ctx, &vp.ListIdentitySourcesInput{PolicyStoreId: aws.String(name)})
		if err != nil || len(lis.IdentitySources) != 1 || aws.ToString(lis.IdentitySources[0].PolicyStoreId) != ps {
			t.Errorf("ListIdentitySources by alias: %+v %v", lis, err)
		}
		uis, err := c.UpdateIdentitySource(ctx, &vp.UpdateIdentitySourceInput{PolicyStoreId: aws.String(name), IdentitySourceId: cis.IdentitySourceId,
			PrincipalEntityType: aws.String("MyCorp::User"), UpdateConfiguration: apiUpdateCognito(emulatortest.SeedPoolARN)})
		if err != nil || aws.ToString(uis.PolicyStoreId) != ps {
			t.Errorf("UpdateIdentitySource by alias: %+v %v", uis, err)
		}
		if _, err := c.DeleteIdentitySource(ctx, &vp.DeleteIdentitySourceInput{PolicyStoreId: aws.String(name), IdentitySourceId: cis.IdentitySourceId}); err != nil {
			t.Fatal(err)
		}
		_, err = c.GetIdentitySource(ctx, &vp.GetIdentitySourceInput{PolicyStoreId: aws.String(ps), IdentitySourceId: cis.IdentitySourceId})
		apiNotFound(t, err, types.ResourceTypeIdentitySource, aws.ToString(cis.IdentitySourceId))
	})

	t.Run("unknown alias", func(t *testing.T) {
		const unknown = "policy-store-alias/unknown"
		for op, call := range apiCallsWithStore(c, unknown, "ISdoesnotexist00000000") {
			err := call(ctx)
			var nf *types.ResourceNotFoundException
			if !errors.As(err, &nf) || nf.ResourceType != types.ResourceTypePolicyStoreAlias || aws.ToString(nf.ResourceId) != unknown {
				t.Errorf("%s: want ResourceNotFoundException for POLICY_STORE_ALIAS %s, got %v", op, unknown, err)
			}
		}
		_, err := c.GetPolicyStoreAlias(ctx, &vp.GetPolicyStoreAliasInput{AliasName: aws.String(unknown)}, apiNoRetry)
		apiNotFound(t, err, types.ResourceTypePolicyStoreAlias, unknown)
		_, err = c.GetPolicyStoreAlias(ctx, &vp.GetPolicyStoreAliasInput{AliasName: aws.String("unknown")}, apiNoRetry)
		wantField(t, err, "aliasName")
	})

	t.Run("DeletePolicyStore takes no alias", func(t *testing.T) {
		_, err := c.DeletePolicyStore(ctx, &vp.DeletePolicyStoreInput{PolicyStoreId: aws.String(name)}, apiNoRetry)
		wantField(t, err, "policyStoreId")
		if _, err := c.GetPolicyStore(ctx, &vp.GetPolicyStoreInput{PolicyStoreId: aws.String(ps)}); err != nil {
			t.Fatalf("store gone after a refused delete: %v", err)
		}
	})

	t.Run("delete alias", func(t *testing.T) {
		const doomed = "policy-store-alias/doomed"
		if _, err := c.CreatePolicyStoreAlias(ctx, &vp.CreatePolicyStoreAliasInput{AliasName: aws.String(doomed), PolicyStoreId: aws.String(other)}); err != nil {
			t.Fatal(err)
		}
		del, err := c.DeletePolicyStoreAlias(ctx, &vp.DeletePolicyStoreAliasInput{AliasName: aws.String(doomed)})
		if err != nil {
			t.Fatal(err)
		}
		if st := apiStatus(t, del.ResultMetadata); st != 200 {
			t.Errorf("delete answered %d", st)
		}
		// SoftDelete, the default (AVP API reference,
		// DeletePolicyStoreAlias): PendingDeletion for 24 hours, shown by
		// Get and List, names no store, keeps its name.
		pending, err := c.GetPolicyStoreAlias(ctx, &vp.GetPolicyStoreAliasInput{AliasName: aws.String(doomed)}, apiNoRetry)
		if err != nil || pending.State != types.AliasStatePendingDeletion || aws.ToString(pending.PolicyStoreId) != other {
			t.Errorf("get after soft delete: %+v %v", pending, err)
		}
		list, err := c.ListPolicyStoreAliases(ctx, &vp.ListPolicyStoreAliasesInput{Filter: &types.PolicyStoreAliasFilter{PolicyStoreId: aws.String(other)}})
		if err != nil || len(list.PolicyStoreAliases) != 1 || list.PolicyStoreAliases[0].State != types.AliasStatePendingDeletion {
			t.Errorf("list after soft delete: %+v %v", list, err)
		}
		for op, call := range apiCallsWithStore(c, doomed, "ISdoesnotexist00000000") {
			var nf *types.ResourceNotFoundException
			if err := call(ctx); !errors.As(err, &nf) || nf.ResourceType != types.ResourceTypePolicyStoreAlias {
				t.Errorf("%s through a deleted alias: %v", op, err)
			}
		}
		if _, err := c.GetPolicyStore(ctx, &vp.GetPolicyStoreInput{PolicyStoreId: aws.String(other)}); err != nil {
			t.Errorf("deleting an alias touched its store: %v", err)
		}
		for _, target := range []string{other, ps} {
			_, err := c.CreatePolicyStoreAlias(ctx, &vp.CreatePolicyStoreAliasInput{AliasName: aws.String(doomed), PolicyStoreId: aws.String(target)}, apiNoRetry)
			var ce *types.ConflictException
			if !errors.As(err, &ce) {
				t.Errorf("name of a pending alias for %s: want ConflictException, got %v", target, err)
			}
		}
		// Soft delete again changes nothing; HardDelete removes it, and
		// the name is free.
		if _, err := c.DeletePolicyStoreAlias(ctx, &vp.DeletePolicyStoreAliasInput{AliasName: aws.String(doomed)}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.DeletePolicyStoreAlias(ctx, &vp.DeletePolicyStoreAliasInput{AliasName: aws.String(doomed), DeletionMode: types.DeletionModeHardDelete}); err != nil {
			t.Fatal(err)
		}
		_, err = c.GetPolicyStoreAlias(ctx, &vp.GetPolicyStoreAliasInput{AliasName: aws.String(doomed)}, apiNoRetry)
		apiNotFound(t, err, types.ResourceTypePolicyStoreAlias, doomed)
		again, err := c.CreatePolicyStoreAlias(ctx, &vp.CreatePolicyStoreAliasInput{AliasName: aws.String(doomed), PolicyStoreId: aws.String(ps)})
		if err != nil || aws.ToString(again.PolicyStoreId) != ps {
			t.Fatalf("reusing a hard-deleted name: %+v %v", again, err)
		}
		if _, err := c.DeletePolicyStoreAlias(ctx, &vp.DeletePolicyStoreAliasInput{AliasName: aws.String(doomed), DeletionMode: types.DeletionModeHardDelete}); err != nil {
			t.Fatal(err)
		}
		// HardDelete of an active alias frees the name at once; SoftDelete
		// keeps it.
		for _, mode := range []types.DeletionMode{types.DeletionModeHardDelete, types.DeletionModeSoftDelete} {
			n := "policy-store-alias/" + strings.ToLower(string(mode))
			if _, err := c.CreatePolicyStoreAlias(ctx, &vp.CreatePolicyStoreAliasInput{AliasName: aws.String(n), PolicyStoreId: aws.String(other)}); err != nil {
				t.Fatal(err)
			}
			if _, err := c.DeletePolicyStoreAlias(ctx, &vp.DeletePolicyStoreAliasInput{AliasName: aws.String(n), DeletionMode: mode}); err != nil {
				t.Fatalf("%s: %v", mode, err)
			}
			got, err := c.GetPolicyStoreAlias(ctx, &vp.GetPolicyStoreAliasInput{AliasName: aws.String(n)}, apiNoRetry)
			if mode == types.DeletionModeHardDelete {
				apiNotFound(t, err, types.ResourceTypePolicyStoreAlias, n)
			} else if err != nil || got.State != types.AliasStatePendingDeletion {
				t.Errorf("%s: %+v %v", mode, got, err)
			}
		}
		_, err = c.DeletePolicyStoreAlias(ctx, &vp.DeletePolicyStoreAliasInput{AliasName: aws.String(doomed), DeletionMode: "Sometime"}, apiNoRetry)
		wantField(t, err, "deletionMode")
		// Deleting a missing alias succeeds (the model has no
		// ResourceNotFoundException for it).
		for _, missing := range []string{doomed, "policy-store-alias/never-was"} {
			out, err := c.DeletePolicyStoreAlias(ctx, &vp.DeletePolicyStoreAliasInput{AliasName: aws.String(missing)}, apiNoRetry)
			if err != nil || apiStatus(t, out.ResultMetadata) != 200 {
				t.Errorf("delete missing alias %s: %v", missing, err)
			}
		}
		_, err = c.DeletePolicyStoreAlias(ctx, &vp.DeletePolicyStoreAliasInput{AliasName: aws.String("doomed")}, apiNoRetry)
		wantField(t, err, "aliasName")
	})

	t.Run("quota of aliases per store", func(t *testing.T) {
		q := apiStore(t, c, nil)
		// AVP's default quota: 10 aliases per policy store (user guide,
		// "Quotas for Amazon Verified Permissions").
		for i := range 10 {
			if _, err := c.CreatePolicyStoreAlias(ctx, &vp.CreatePolicyStoreAliasInput{AliasName: aws.String(fmt.Sprintf("policy-store-alias/q-%02d", i)), PolicyStoreId: aws.String(q)}); err != nil {
				t.Fatalf("alias %d: %v", i, err)
			}
		}
		_, err := c.CreatePolicyStoreAlias(ctx, &vp.CreatePolicyStoreAliasInput{AliasName: aws.String("policy-store-alias/q-10"), PolicyStoreId: aws.String(q)}, apiNoRetry)
		var sq *types.ServiceQuotaExceededException
		if !errors.As(err, &sq) || aws.ToString(sq.Message) == "" || sq.ResourceType == "" {
			t.Errorf("11th alias of a store: want ServiceQuotaExceededException, got %v", err)
		}
		if _, err := c.GetPolicyStoreAlias(ctx, &vp.GetPolicyStoreAliasInput{AliasName: aws.String("policy-store-alias/q-10")}, apiNoRetry); err == nil {
			t.Errorf("the refused alias exists")
		}
		// Deleting the store takes all 10 with it.
		if _, err := c.DeletePolicyStore(ctx, &vp.DeletePolicyStoreInput{PolicyStoreId: aws.String(q)}); err != nil {
			t.Fatal(err)
		}
		out, err := c.ListPolicyStoreAliases(ctx, &vp.ListPolicyStoreAliasesInput{Filter: &types.PolicyStoreAliasFilter{PolicyStoreId: aws.String(q)}, MaxResults: aws.Int32(50)})
		if err != nil || len(out.PolicyStoreAliases) != 0 {
			t.Errorf("aliases of a deleted store: %+v %v", out, err)
		}
	})
}

// apiCallsWithStore calls every operation that takes a policyStoreId
// (alias or id) other than the alias operations.
func apiCallsWithStore(c *vp.Client, psRef, isID string) map[string]func(context.Context) error {
	psID := aws.String(psRef)
	return map[string]func(context.Context) error{
		"GetPolicyStore": func(ctx context.Context) error {
			_, err := c.GetPolicyStore(ctx, &vp.GetPolicyStoreInput{PolicyStoreId: psID}, apiNoRetry)
			return err
		},
		"UpdatePolicyStore": func(ctx context.Context) error {
			_, err := c.UpdatePolicyStore(ctx, &vp.UpdatePolicyStoreInput{PolicyStoreId: psID, ValidationSettings: &types.ValidationSettings{Mode: types.ValidationModeOff}}, apiNoRetry)
			return err
		},
		"CreateIdentitySource": func(ctx context.Context) error {
			_, err := c.CreateIdentitySource(ctx, &vp.CreateIdentitySourceInput{PolicyStoreId: psID, Configuration: apiCognito(emulatortest.SeedPoolARN)}, apiNoRetry)
			return err
		},
		"GetIdentitySource": func(ctx context.Context) error {
			_, err := c.GetIdentitySource(ctx, &vp.GetIdentitySourceInput{PolicyStoreId: psID, IdentitySourceId: aws.String(isID)}, apiNoRetry)
			return err
		},
		"ListIdentitySources": func(ctx context.Context) error {
			_, err := c.ListIdentitySources(ctx, &vp.ListIdentitySourcesInput{PolicyStoreId: psID}, apiNoRetry)
			return err
		},
		"UpdateIdentitySource": func(ctx context.Context) error {
			_, err := c.UpdateIdentitySource(ctx, &vp.UpdateIdentitySourceInput{PolicyStoreId: psID, IdentitySourceId: aws.String(isID), UpdateConfiguration: apiUpdateCognito(emulatortest.SeedPoolARN)}, apiNoRetry)
			return err
		},
		"DeleteIdentitySource": func(ctx context.Context) error {
			_, err := c.DeleteIdentitySource(ctx, &vp.DeleteIdentitySourceInput{PolicyStoreId: psID, IdentitySourceId: aws.String(isID)}, apiNoRetry)
			return err
		},
	}
}

// TestSDKAPIListPolicyStoreAliases pages through aliases by name and filters
// them by store.
func TestSDKAPIListPolicyStoreAliases(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	c := s.client("333333333333")
	ctx := context.Background()
	a, b := apiStore(t, c, nil), apiStore(t, c, nil)
	// Created out of name order; listed by name.
	names := map[string]string{
		"policy-store-alias/g": a, "policy-store-alias/c": b, "policy-store-alias/e": a, "policy-store-alias/a": a,
		"policy-store-alias/f": b, "policy-store-alias/b": a, "policy-store-alias/d": b,
	}
	for _, n := range []string{"policy-store-alias/g", "policy-store-alias/c", "policy-store-alias/e", "policy-store-alias/a", "policy-store-alias/f", "policy-store-alias/b", "policy-store-alias/d"} {
		if _, err := c.CreatePolicyStoreAlias(ctx, &vp.CreatePolicyStoreAliasInput{AliasName: aws.String(n), PolicyStoreId: aws.String(names[n])}); err != nil {
			t.Fatal(err)
		}
	}
	walk := func(t *testing.T, in *vp.ListPolicyStoreAliasesInput) (ids []string, sizes []int) {
		t.Helper()
		p := vp.NewListPolicyStoreAliasesPaginator(c, in)
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			sizes = append(sizes, len(page.PolicyStoreAliases))
			for _, it := range page.PolicyStoreAliases {
				n := aws.ToString(it.AliasName)
				ids = append(ids, n)
				if aws.ToString(it.PolicyStoreId) != names[n] || it.State != types.AliasStateActive ||
					aws.ToString(it.AliasArn) != "arn:aws:verifiedpermissions:us-west-2:333333333333:"+n || it.CreatedAt == nil {
					t.Errorf("item %+v", it)
				}
			}
			if len(sizes) > 20 {
				t.Fatal("paginator does not end")
			}
		}
		return ids, sizes
	}
	all := []string{"policy-store-alias/a", "policy-store-alias/b", "policy-store-alias/c", "policy-store-alias/d", "policy-store-alias/e", "policy-store-alias/f", "policy-store-alias/g"}

	t.Run("paginator", func(t *testing.T) {
		got, sizes := walk(t, &vp.ListPolicyStoreAliasesInput{MaxResults: aws.Int32(2)})
		if diff := cmp.Diff(all, got); diff != "" {
			t.Errorf("aliases (-want +got), page sizes %v:\n%s", sizes, diff)
		}
		for _, n := range sizes {
			if n > 2 {
				t.Errorf("page sizes %v with maxResults 2", sizes)
			}
		}
	})
	t.Run("filter by store", func(t *testing.T) {
		for store, want := range map[string][]string{
			a: {"policy-store-alias/a", "policy-store-alias/b", "policy-store-alias/e", "policy-store-alias/g"},
			b: {"policy-store-alias/c", "policy-store-alias/d", "policy-store-alias/f"},
		} {
			got, sizes := walk(t, &vp.ListPolicyStoreAliasesInput{MaxResults: aws.Int32(2), Filter: &types.PolicyStoreAliasFilter{PolicyStoreId: aws.String(store)}})
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("aliases of %s (-want +got), page sizes %v:\n%s", store, sizes, diff)
			}
		}
		got, _ := walk(t, &vp.ListPolicyStoreAliasesInput{Filter: &types.PolicyStoreAliasFilter{PolicyStoreId: aws.String("PSdoesnotexist00000000")}})
		if len(got) != 0 {
			t.Errorf("aliases of a missing store: %v", got)
		}
	})
	t.Run("default page size is 5", func(t *testing.T) {
		out, err := c.ListPolicyStoreAliases(ctx, &vp.ListPolicyStoreAliasesInput{})
		if err != nil || len(out.PolicyStoreAliases) != 5 || out.NextToken == nil {
			t.Fatalf("%d aliases, nextToken %v, %v", len(out.PolicyStoreAliases), out.NextToken, err)
		}
		rest, err := c.ListPolicyStoreAliases(ctx, &vp.ListPolicyStoreAliasesInput{NextToken: out.NextToken})
		if err != nil || len(rest.PolicyStoreAliases) != 2 || aws.ToString(rest.PolicyStoreAliases[0].AliasName) != all[5] {
			t.Fatalf("second page %+v %v", rest, err)
		}
	})
	t.Run("errors", func(t *testing.T) {
		for _, n := range []int32{0, 51} {
			_, err := c.ListPolicyStoreAliases(ctx, &vp.ListPolicyStoreAliasesInput{MaxResults: aws.Int32(n)}, apiNoRetry)
			wantField(t, err, "maxResults")
		}
		_, err := c.ListPolicyStoreAliases(ctx, &vp.ListPolicyStoreAliasesInput{Filter: &types.PolicyStoreAliasFilter{PolicyStoreId: aws.String("policy-store-alias/a")}}, apiNoRetry)
		wantField(t, err, "filter.policyStoreId")
		first, err := c.ListPolicyStoreAliases(ctx, &vp.ListPolicyStoreAliasesInput{MaxResults: aws.Int32(1)})
		if err != nil || first.NextToken == nil {
			t.Fatalf("%+v %v", first, err)
		}
		// A token is bound to its filter.
		_, err = c.ListPolicyStoreAliases(ctx, &vp.ListPolicyStoreAliasesInput{NextToken: first.NextToken, Filter: &types.PolicyStoreAliasFilter{PolicyStoreId: aws.String(a)}}, apiNoRetry)
		wantField(t, err, "nextToken")
		_, err = c.ListPolicyStoreAliases(ctx, &vp.ListPolicyStoreAliasesInput{NextToken: aws.String(apiFlipAt(aws.ToString(first.NextToken), 30))}, apiNoRetry)
		wantField(t, err, "nextToken")
		_, err = c.ListPolicyStores(ctx, &vp.ListPolicyStoresInput{NextToken: first.NextToken}, apiNoRetry)
		wantField(t, err, "nextToken")
	})
}

// TestSDKAPIUpdateAndDeletePolicyStore covers UpdatePolicyStore's kept and
// cleared members and DeletePolicyStore's deletion protection.
func TestSDKAPIUpdateAndDeletePolicyStore(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	c := s.client("AKIDEXAMPLE")
	ctx := context.Background()
	createdOut, err := c.CreatePolicyStore(ctx, &vp.CreatePolicyStoreInput{
		ValidationSettings: &types.ValidationSettings{Mode: types.ValidationModeOff},
		Description:        aws.String("orders"),
		DeletionProtection: types.DeletionProtectionEnabled,
	})
	if err != nil {
		t.Fatal(err)
	}
	ps := aws.ToString(createdOut.PolicyStoreId)
	get := func() *vp.GetPolicyStoreOutput {
		t.Helper()
		got, err := c.GetPolicyStore(ctx, &vp.GetPolicyStoreInput{PolicyStoreId: aws.String(ps)})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}

	// description and deletionProtection omitted: kept.
	up, err := c.UpdatePolicyStore(ctx, &vp.UpdatePolicyStoreInput{PolicyStoreId: aws.String(ps), ValidationSettings: &types.ValidationSettings{Mode: types.ValidationModeStrict}})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(up.PolicyStoreId) != ps || aws.ToString(up.Arn) != aws.ToString(createdOut.Arn) ||
		!up.CreatedDate.Equal(*createdOut.CreatedDate) || !up.LastUpdatedDate.After(*createdOut.LastUpdatedDate) {
		t.Errorf("update answered %+v", up)
	}
	got := get()
	if got.ValidationSettings.Mode != types.ValidationModeStrict || aws.ToString(got.Description) != "orders" ||
		got.DeletionProtection != types.DeletionProtectionEnabled || !got.LastUpdatedDate.Equal(*up.LastUpdatedDate) || !got.CreatedDate.Equal(*createdOut.CreatedDate) {
		t.Errorf("after update: %+v", got)
	}
	// A new description replaces it; "" clears it.
	if _, err := c.UpdatePolicyStore(ctx, &vp.UpdatePolicyStoreInput{PolicyStoreId: aws.String(ps), Description: aws.String("orders v2"), ValidationSettings: &types.ValidationSettings{Mode: types.ValidationModeStrict}}); err != nil {
		t.Fatal(err)
	}
	if got := get(); aws.ToString(got.Description) != "orders v2" {
		t.Errorf("description %v", got.Description)
	}
	if _, err := c.UpdatePolicyStore(ctx, &vp.UpdatePolicyStoreInput{PolicyStoreId: aws.String(ps), Description: aws.String(""), ValidationSettings: &types.ValidationSettings{Mode: types.ValidationModeOff}}); err != nil {
		t.Fatal(err)
	}
	if got := get(); got.Description != nil || got.ValidationSettings.Mode != types.ValidationModeOff || got.DeletionProtection != types.DeletionProtectionEnabled {
		t.Errorf("after clearing the description: description %v, mode %s, protection %s", got.Description, got.ValidationSettings.Mode, got.DeletionProtection)
	}
	list, err := c.ListPolicyStores(ctx, &vp.ListPolicyStoresInput{MaxResults: aws.Int32(50)})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range list.PolicyStores {
		if aws.ToString(it.PolicyStoreId) == ps && it.Description != nil {
			t.Errorf("listed with description %q after clearing it", *it.Description)
		}
	}

	t.Run("update errors", func(t *testing.T) {
		_, err := c.UpdatePolicyStore(ctx, &vp.UpdatePolicyStoreInput{PolicyStoreId: aws.String("PSdoesnotexist00000000"), ValidationSettings: &types.ValidationSettings{Mode: types.ValidationModeOff}}, apiNoRetry)
		apiNotFound(t, err, types.ResourceTypePolicyStore, "PSdoesnotexist00000000")
		_, err = c.UpdatePolicyStore(ctx, &vp.UpdatePolicyStoreInput{PolicyStoreId: aws.String(ps), Description: aws.String(strings.Repeat("d", 151)),
			DeletionProtection: types.DeletionProtection("MAYBE"), ValidationSettings: &types.ValidationSettings{Mode: types.ValidationMode("LOOSE")}}, apiNoRetry)
		wantField(t, err, "description")
		wantField(t, err, "deletionProtection")
		wantField(t, err, "validationSettings.mode")
	})

	// Deletion protection.
	_, err = c.DeletePolicyStore(ctx, &vp.DeletePolicyStoreInput{PolicyStoreId: aws.String(ps)}, apiNoRetry)
	var is *types.InvalidStateException
	if !errors.As(err, &is) || aws.ToString(is.Message) == "" {
		t.Fatalf("delete of a protected store: want InvalidStateException, got %v", err)
	}
	get()
	if _, err := c.UpdatePolicyStore(ctx, &vp.UpdatePolicyStoreInput{PolicyStoreId: aws.String(ps), DeletionProtection: types.DeletionProtectionDisabled,
		ValidationSettings: &types.ValidationSettings{Mode: types.ValidationModeOff}}); err != nil {
		t.Fatal(err)
	}
	if got := get(); got.DeletionProtection != types.DeletionProtectionDisabled || got.Description != nil {
		t.Errorf("after disabling protection: %+v", got)
	}
	del, err := c.DeletePolicyStore(ctx, &vp.DeletePolicyStoreInput{PolicyStoreId: aws.String(ps)})
	if err != nil {
		t.Fatal(err)
	}
	if st := apiStatus(t, del.ResultMetadata); st != 200 {
		t.Errorf("delete answered %d", st)
	}
	_, err = c.GetPolicyStore(ctx, &vp.GetPolicyStoreInput{PolicyStoreId: aws.String(ps)}, apiNoRetry)
	apiNotFound(t, err, types.ResourceTypePolicyStore, ps)
	// Deleting it again, or a store that never was, answers 200.
	for _, id := range []string{ps, "PSdoesnotexist00000000"} {
		again, err := c.DeletePolicyStore(ctx, &vp.DeletePolicyStoreInput{PolicyStoreId: aws.String(id)}, apiNoRetry)
		if err != nil {
			t.Fatalf("delete %s again: %v", id, err)
		}
		if st := apiStatus(t, again.ResultMetadata); st != 200 {
			t.Errorf("delete %s again answered %d", id, st)
		}
	}
	_, err = c.DeletePolicyStore(ctx, &vp.DeletePolicyStoreInput{PolicyStoreId: aws.String("bad id!")}, apiNoRetry)
	wantField(t, err, "policyStoreId")
	_, err = c.UpdatePolicyStore(ctx, &vp.UpdatePolicyStoreInput{PolicyStoreId: aws.String(ps), ValidationSettings: &types.ValidationSettings{Mode: types.ValidationModeOff}}, apiNoRetry)
	apiNotFound(t, err, types.ResourceTypePolicyStore, ps)
}

// TestSDKAPIDeletePolicyStoreCascade deletes a store with an identity source
// and aliases, then reads the table itself: nothing of the store is left
// but its idempotency records, which expire on their own (DESIGN.md).
func TestSDKAPIDeletePolicyStoreCascade(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	c := s.client("AKIDEXAMPLE")
	ctx := context.Background()
	doomed := apiStore(t, c, &vp.CreatePolicyStoreInput{ClientToken: aws.String("cascade-store-token"), Description: aws.String("doomed"), Tags: map[string]string{"k": "v"}})
	kept := apiStore(t, c, nil)
	is, err := c.CreateIdentitySource(ctx, &vp.CreateIdentitySourceInput{ClientToken: aws.String("cascade-is-token"), PolicyStoreId: aws.String(doomed),
		Configuration: apiCognito(emulatortest.SeedPoolARN, emulatortest.SeedClientID)})
	if err != nil {
		t.Fatal(err)
	}
	keptIS := apiIdentitySource(t, c, kept, "")
	aliases := []string{"policy-store-alias/doomed-1", "policy-store-alias/doomed-2", "policy-store-alias/doomed-3"}
	for _, n := range aliases {
		if _, err := c.CreatePolicyStoreAlias(ctx, &vp.CreatePolicyStoreAliasInput{AliasName: aws.String(n), PolicyStoreId: aws.String(doomed)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.CreatePolicyStoreAlias(ctx, &vp.CreatePolicyStoreAliasInput{AliasName: aws.String("policy-store-alias/kept"), PolicyStoreId: aws.String(kept)}); err != nil {
		t.Fatal(err)
	}
	if n := apiItemsMentioning(t, s, kept); len(n) == 0 {
		t.Fatal("the table scan finds nothing of a live store")
	}

	if _, err := c.DeletePolicyStore(ctx, &vp.DeletePolicyStoreInput{PolicyStoreId: aws.String(doomed)}); err != nil {
		t.Fatal(err)
	}

	_, err = c.GetPolicyStore(ctx, &vp.GetPolicyStoreInput{PolicyStoreId: aws.String(doomed)}, apiNoRetry)
	apiNotFound(t, err, types.ResourceTypePolicyStore, doomed)
	_, err = c.GetIdentitySource(ctx, &vp.GetIdentitySourceInput{PolicyStoreId: aws.String(doomed), IdentitySourceId: is.IdentitySourceId}, apiNoRetry)
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Errorf("identity source of a deleted store: %v", err)
	}
	_, err = c.ListIdentitySources(ctx, &vp.ListIdentitySourcesInput{PolicyStoreId: aws.String(doomed)}, apiNoRetry)
	apiNotFound(t, err, types.ResourceTypePolicyStore, doomed)
	for _, n := range aliases {
		_, err := c.GetPolicyStoreAlias(ctx, &vp.GetPolicyStoreAliasInput{AliasName: aws.String(n)}, apiNoRetry)
		apiNotFound(t, err, types.ResourceTypePolicyStoreAlias, n)
		_, err = c.GetPolicyStore(ctx, &vp.GetPolicyStoreInput{PolicyStoreId: aws.String(n)}, apiNoRetry)
		apiNotFound(t, err, types.ResourceTypePolicyStoreAlias, n)
	}
	la, err := c.ListPolicyStoreAliases(ctx, &vp.ListPolicyStoreAliasesInput{MaxResults: aws.Int32(50)})
	if err != nil || len(la.PolicyStoreAliases) != 1 || aws.ToString(la.PolicyStoreAliases[0].AliasName) != "policy-store-alias/kept" {
		t.Errorf("aliases after the delete: %+v %v", la, err)
	}

	// The table itself.
	for _, it := range apiItemsMentioning(t, s, doomed) {
		if it.typ != store.KindToken {
			t.Errorf("left behind: %s item %s", it.typ, it.key)
		}
	}
	keptItems := apiItemsMentioning(t, s, kept)
	types_ := map[store.Kind]bool{}
	for _, it := range keptItems {
		types_[it.typ] = true
	}
	if !types_[store.KindPolicyStore] || !types_[store.KindIdentitySource] || !types_[store.KindAlias] {
		t.Errorf("the other store lost items: %+v", keptItems)
	}
	if _, err := c.GetIdentitySource(ctx, &vp.GetIdentitySourceInput{PolicyStoreId: aws.String(kept), IdentitySourceId: keptIS.IdentitySourceId}); err != nil {
		t.Errorf("identity source of the other store: %v", err)
	}

	// The names are free again, and the store's tokens still replay.
	if _, err := c.CreatePolicyStoreAlias(ctx, &vp.CreatePolicyStoreAliasInput{AliasName: aws.String(aliases[0]), PolicyStoreId: aws.String(kept)}); err != nil {
		t.Errorf("alias name of a deleted store: %v", err)
	}
	replay, err := c.CreatePolicyStore(ctx, &vp.CreatePolicyStoreInput{ClientToken: aws.String("cascade-store-token"), Description: aws.String("doomed"), Tags: map[string]string{"k": "v"},
		ValidationSettings: &types.ValidationSettings{Mode: types.ValidationModeOff}})
	if err != nil || aws.ToString(replay.PolicyStoreId) != doomed {
		t.Errorf("replay of the deleted store's token: %+v %v", replay, err)
	}
}

type apiItem struct {
	typ store.Kind
	key string
}

// apiItemsMentioning scans the stack's table for items whose key or any
// string attribute contains id.
func apiItemsMentioning(t *testing.T, s *stack, id string) []apiItem {
	t.Helper()
	var out []apiItem
	for _, item := range storetest.Scan(t, s.DDB, s.Table) {
		if apiMentions(item, id) {
			kind, _ := store.KindOf(item)
			out = append(out, apiItem{typ: kind, key: store.DescribeKey(item)})
		}
	}
	return out
}

func apiMentions(item map[string]ddbtypes.AttributeValue, id string) bool {
	for _, v := range item {
		switch v := v.(type) {
		case *ddbtypes.AttributeValueMemberS:
			if strings.Contains(v.Value, id) {
				return true
			}
		case *ddbtypes.AttributeValueMemberSS:
			for _, s := range v.Value {
				if strings.Contains(s, id) {
					return true
				}
			}
		case *ddbtypes.AttributeValueMemberM:
			if apiMentions(v.Value, id) {
				return true
			}
		}
	}
	return false
}

// TestSDKAPIAliasPendingDeletionExpires: a soft-deleted alias is absent 24
// hours after its deletion, whether or not DynamoDB's TTL has removed the
// item (DynamoDB Local's never does).
func TestSDKAPIAliasPendingDeletionExpires(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	s := newStack(t, avp.WithClock(clock))
	c := s.client("AKIDEXAMPLE")
	ctx := context.Background()
	ps := apiStore(t, c, nil)
	const name = "policy-store-alias/expiring"
	if _, err := c.CreatePolicyStoreAlias(ctx, &vp.CreatePolicyStoreAliasInput{AliasName: aws.String(name), PolicyStoreId: aws.String(ps)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeletePolicyStoreAlias(ctx, &vp.DeletePolicyStoreAliasInput{AliasName: aws.String(name), DeletionMode: types.DeletionModeSoftDelete}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	now = now.Add(24*time.Hour - time.Minute)
	mu.Unlock()
	if got, err := c.GetPolicyStoreAlias(ctx, &vp.GetPolicyStoreAliasInput{AliasName: aws.String(name)}, apiNoRetry); err != nil || got.State != types.AliasStatePendingDeletion {
		t.Fatalf("23:59 after the delete: %+v %v", got, err)
	}
	mu.Lock()
	now = now.Add(2 * time.Minute)
	mu.Unlock()
	_, err := c.GetPolicyStoreAlias(ctx, &vp.GetPolicyStoreAliasInput{AliasName: aws.String(name)}, apiNoRetry)
	apiNotFound(t, err, types.ResourceTypePolicyStoreAlias, name)
	if list, err := c.ListPolicyStoreAliases(ctx, &vp.ListPolicyStoreAliasesInput{}); err != nil || len(list.PolicyStoreAliases) != 0 {
		t.Errorf("list after expiry: %+v %v", list, err)
	}
	if out, err := c.DeletePolicyStoreAlias(ctx, &vp.DeletePolicyStoreAliasInput{AliasName: aws.String(name)}, apiNoRetry); err != nil || apiStatus(t, out.ResultMetadata) != 200 {
		t.Errorf("delete of an expired alias: %v", err)
	}
	again, err := c.CreatePolicyStoreAlias(ctx, &vp.CreatePolicyStoreAliasInput{AliasName: aws.String(name), PolicyStoreId: aws.String(ps)})
	if err != nil || aws.ToString(again.PolicyStoreId) != ps {
		t.Fatalf("the name after expiry: %+v %v", again, err)
	}
	if got, err := c.GetPolicyStore(ctx, &vp.GetPolicyStoreInput{PolicyStoreId: aws.String(name)}); err != nil || aws.ToString(got.PolicyStoreId) != ps {
		t.Errorf("the re-created alias: %+v %v", got, err)
	}
}

// TestSDKAPIPolicyStoreKMSKey: the KMS key of encryptionSettings comes back
// as the full key ARN (AVP API reference, KmsEncryptionSettings: "mapped to
// the full KMS key ARN after policy store creation"); locally without KMS by
// avp.LocalKeys, deployed by DescribeKey, which also refuses unknown keys.
func TestSDKAPIPolicyStoreKMSKey(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	keyOf := func(t *testing.T, c *vp.Client, key string) (string, error) {
		t.Helper()
		out, err := c.CreatePolicyStore(ctx, &vp.CreatePolicyStoreInput{
			ValidationSettings: &types.ValidationSettings{Mode: types.ValidationModeOff},
			EncryptionSettings: &types.EncryptionSettingsMemberKmsEncryptionSettings{Value: types.KmsEncryptionSettings{Key: aws.String(key)}},
		}, apiNoRetry)
		if err != nil {
			return "", err
		}
		got, err := c.GetPolicyStore(ctx, &vp.GetPolicyStoreInput{PolicyStoreId: out.PolicyStoreId})
		if err != nil {
			t.Fatal(err)
		}
		kms, ok := got.EncryptionState.(*types.EncryptionStateMemberKmsEncryptionState)
		if !ok {
			t.Fatalf("encryption state %T", got.EncryptionState)
		}
		return aws.ToString(kms.Value.Key), nil
	}

	t.Run("local", func(t *testing.T) {
		t.Parallel()
		c := newStack(t).client("AKIDEXAMPLE")
		const id = "1234abcd-12ab-34cd-56ef-1234567890ab"
		for key, want := range map[string]string{
			id: "arn:aws:kms:us-west-2:123456789012:key/" + id,
			"arn:aws:kms:eu-west-1:111122223333:key/" + id: "arn:aws:kms:eu-west-1:111122223333:key/" + id,
		} {
			if got, err := keyOf(t, c, key); err != nil || got != want {
				t.Errorf("%s: %s %v, want %s", key, got, err, want)
			}
		}
		first, err := keyOf(t, c, "alias/orders")
		if err != nil || !regexp.MustCompile(`^arn:aws:kms:us-west-2:123456789012:key/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`).MatchString(first) {
			t.Errorf("alias: %s %v", first, err)
		}
		if again, err := keyOf(t, c, "arn:aws:kms:us-west-2:123456789012:alias/orders"); err != nil || again != first {
			t.Errorf("the same alias by ARN: %s %v, want %s", again, err, first)
		}
		_, err = keyOf(t, c, "arn:aws:s3:::bucket")
		wantField(t, err, "encryptionSettings.kmsEncryptionSettings.key")
	})

	t.Run("deployed", func(t *testing.T) {
		t.Parallel()
		c := newStack(t, avp.WithKeys(fakeDescribeKey{})).client("AKIDEXAMPLE")
		if got, err := keyOf(t, c, "alias/known"); err != nil || got != "arn:aws:kms:us-west-2:123456789012:key/0f0f0f0f-1111-2222-3333-444444444444" {
			t.Errorf("known key: %s %v", got, err)
		}
		_, err := keyOf(t, c, "alias/unknown")
		wantField(t, err, "encryptionSettings.kmsEncryptionSettings.key")
	})
}

// fakeDescribeKey stands in for kmskey.Resolver over KMS: it knows one key.
type fakeDescribeKey struct{}

func (fakeDescribeKey) KeyARN(_ context.Context, _, key string) (string, error) {
	if key == "alias/known" {
		return "arn:aws:kms:us-west-2:123456789012:key/0f0f0f0f-1111-2222-3333-444444444444", nil
	}
	return "", &avp.KeyError{Reason: "KMS does not know it"}
}
