package conformance

import (
	"context"
	"errors"
	"regexp"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	vp "github.com/aws/aws-sdk-go-v2/service/verifiedpermissions"
	"github.com/aws/aws-sdk-go-v2/service/verifiedpermissions/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/vpid-dev/vpid/internal/dev/emulator/emulatortest"
)

var reID = regexp.MustCompile(`^[A-Za-z0-9]{22}$`)

func seedConfiguration(clients ...string) *types.ConfigurationMemberCognitoUserPoolConfiguration {
	return &types.ConfigurationMemberCognitoUserPoolConfiguration{Value: types.CognitoUserPoolConfiguration{
		UserPoolArn: aws.String(emulatortest.SeedPoolARN),
		ClientIds:   clients,
	}}
}

// TestSDKCreateAndGetIdentitySource is the seed example through the Go SDK.
func TestSDKCreateAndGetIdentitySource(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	c := s.client("AKIDEXAMPLE")
	ctx := context.Background()
	before := time.Now().Add(-time.Second)
	out, err := c.CreateIdentitySource(ctx, &vp.CreateIdentitySourceInput{
		PolicyStoreId:       aws.String(SeedPolicyStoreID),
		PrincipalEntityType: aws.String("User"),
		Configuration:       seedConfiguration(emulatortest.SeedClientID),
	})
	if err != nil {
		t.Fatal(err)
	}
	if !reID.MatchString(aws.ToString(out.IdentitySourceId)) || aws.ToString(out.PolicyStoreId) != SeedPolicyStoreID {
		t.Errorf("ids: %s %s", aws.ToString(out.IdentitySourceId), aws.ToString(out.PolicyStoreId))
	}
	if !out.CreatedDate.Equal(*out.LastUpdatedDate) || out.CreatedDate.Before(before) || out.CreatedDate.After(time.Now()) {
		t.Errorf("dates: %v %v", out.CreatedDate, out.LastUpdatedDate)
	}

	got, err := c.GetIdentitySource(ctx, &vp.GetIdentitySourceInput{PolicyStoreId: out.PolicyStoreId, IdentitySourceId: out.IdentitySourceId})
	if err != nil {
		t.Fatal(err)
	}
	detail, ok := got.Configuration.(*types.ConfigurationDetailMemberCognitoUserPoolConfiguration)
	if !ok {
		t.Fatalf("configuration is %T", got.Configuration)
	}
	issuer := "https://cognito-idp.us-west-2.amazonaws.com/us-west-2_1a2b3c4d5"
	if diff := cmp.Diff(types.CognitoUserPoolConfigurationDetail{
		UserPoolArn: aws.String(emulatortest.SeedPoolARN), ClientIds: []string{emulatortest.SeedClientID}, Issuer: aws.String(issuer),
	}, detail.Value, cmp.AllowUnexported(types.CognitoUserPoolConfigurationDetail{})); diff != "" {
		t.Error(diff)
	}
	if aws.ToString(got.PrincipalEntityType) != "User" || !got.CreatedDate.Equal(*out.CreatedDate) {
		t.Errorf("principal %s, created %v", aws.ToString(got.PrincipalEntityType), got.CreatedDate)
	}
	if d := got.Details; d == nil || aws.ToString(d.DiscoveryUrl) != issuer || d.OpenIdIssuer != types.OpenIdIssuerCognito {
		t.Errorf("details %+v", got.Details)
	}
}

func TestSDKPolicyStores(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	c := s.client("AKIDEXAMPLE")
	ctx := context.Background()
	created, err := c.CreatePolicyStore(ctx, &vp.CreatePolicyStoreInput{
		ValidationSettings: &types.ValidationSettings{Mode: types.ValidationModeStrict},
		Description:        aws.String("orders"),
		DeletionProtection: types.DeletionProtectionEnabled,
		Tags:               map[string]string{"team": "identity"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := "arn:aws:verifiedpermissions::123456789012:policy-store/" + aws.ToString(created.PolicyStoreId); aws.ToString(created.Arn) != want {
		t.Errorf("arn %s, want %s", aws.ToString(created.Arn), want)
	}
	got, err := c.GetPolicyStore(ctx, &vp.GetPolicyStoreInput{PolicyStoreId: created.PolicyStoreId, Tags: true})
	if err != nil {
		t.Fatal(err)
	}
	if got.ValidationSettings.Mode != types.ValidationModeStrict || got.DeletionProtection != types.DeletionProtectionEnabled ||
		aws.ToString(got.Description) != "orders" || got.Tags["team"] != "identity" || got.CedarVersion != types.CedarVersionCedar4 {
		t.Errorf("got %+v", got)
	}
	if _, ok := got.EncryptionState.(*types.EncryptionStateMemberDefault); !ok {
		t.Errorf("encryption state %T", got.EncryptionState)
	}
	untagged, err := c.GetPolicyStore(ctx, &vp.GetPolicyStoreInput{PolicyStoreId: created.PolicyStoreId})
	if err != nil || untagged.Tags != nil {
		t.Errorf("tags without asking: %v %v", untagged.Tags, err)
	}
	// The SDK sends a fresh clientToken on every call; the same token twice is
	// one store.
	tok := aws.String("3f1d1b2c-0000-4000-8000-000000000001")
	a, err := c.CreatePolicyStore(ctx, &vp.CreatePolicyStoreInput{ClientToken: tok, ValidationSettings: &types.ValidationSettings{Mode: types.ValidationModeOff}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.CreatePolicyStore(ctx, &vp.CreatePolicyStoreInput{ClientToken: tok, ValidationSettings: &types.ValidationSettings{Mode: types.ValidationModeOff}})
	if err != nil || aws.ToString(a.PolicyStoreId) != aws.ToString(b.PolicyStoreId) || !a.CreatedDate.Equal(*b.CreatedDate) {
		t.Errorf("replay: %v %v %v", a.PolicyStoreId, b.PolicyStoreId, err)
	}
	_, err = c.CreatePolicyStore(ctx, &vp.CreatePolicyStoreInput{ClientToken: tok, ValidationSettings: &types.ValidationSettings{Mode: types.ValidationModeStrict}})
	var conflict *types.ConflictException
	if !errors.As(err, &conflict) || len(conflict.Resources) != 1 || aws.ToString(conflict.Resources[0].ResourceId) != aws.ToString(a.PolicyStoreId) {
		t.Errorf("want ConflictException naming %s, got %v", aws.ToString(a.PolicyStoreId), err)
	}
}

// TestSDKErrors checks that every error of CreateIdentitySource and
// GetIdentitySource reaches the Go SDK as its typed error.
func TestSDKErrors(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	c := s.client("AKIDEXAMPLE")
	ctx := context.Background()
	create := func(in *vp.CreateIdentitySourceInput) error {
		_, err := c.CreateIdentitySource(ctx, in)
		return err
	}
	ps, err := c.CreatePolicyStore(ctx, &vp.CreatePolicyStoreInput{ValidationSettings: &types.ValidationSettings{Mode: types.ValidationModeOff}})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("bad ARN", func(t *testing.T) {
		err := create(&vp.CreateIdentitySourceInput{PolicyStoreId: ps.PolicyStoreId, Configuration: &types.ConfigurationMemberCognitoUserPoolConfiguration{
			Value: types.CognitoUserPoolConfiguration{UserPoolArn: aws.String("arn:aws:cognito-idp:us-west-2:123:userpool/x")}}})
		wantField(t, err, "configuration.cognitoUserPoolConfiguration.userPoolArn")
	})
	t.Run("missing pool", func(t *testing.T) {
		err := create(&vp.CreateIdentitySourceInput{PolicyStoreId: ps.PolicyStoreId, Configuration: &types.ConfigurationMemberCognitoUserPoolConfiguration{
			Value: types.CognitoUserPoolConfiguration{UserPoolArn: aws.String("arn:aws:cognito-idp:us-west-2:123456789012:userpool/us-west-2_Missing1")}}})
		wantField(t, err, "configuration.cognitoUserPoolConfiguration.userPoolArn")
	})
	t.Run("missing client", func(t *testing.T) {
		err := create(&vp.CreateIdentitySourceInput{PolicyStoreId: ps.PolicyStoreId, Configuration: seedConfiguration(emulatortest.SeedClientID, "nosuchclient00000000000000")})
		wantField(t, err, "configuration.cognitoUserPoolConfiguration.clientIds[1]")
	})
	t.Run("client of another pool", func(t *testing.T) {
		err := create(&vp.CreateIdentitySourceInput{PolicyStoreId: ps.PolicyStoreId, Configuration: seedConfiguration(emulatortest.OtherClientID)})
		wantField(t, err, "configuration.cognitoUserPoolConfiguration.clientIds[0]")
	})
	t.Run("pool of another account", func(t *testing.T) {
		err := create(&vp.CreateIdentitySourceInput{PolicyStoreId: ps.PolicyStoreId, Configuration: &types.ConfigurationMemberCognitoUserPoolConfiguration{
			Value: types.CognitoUserPoolConfiguration{UserPoolArn: aws.String(emulatortest.AcctOnePoolARN)}}})
		wantField(t, err, "configuration.cognitoUserPoolConfiguration.userPoolArn")
	})
	t.Run("OIDC issuer without discovery document", func(t *testing.T) {
		err := create(&vp.CreateIdentitySourceInput{PolicyStoreId: ps.PolicyStoreId, PrincipalEntityType: aws.String("MyCorp::User"), Configuration: &types.ConfigurationMemberOpenIdConnectConfiguration{
			Value: types.OpenIdConnectConfiguration{Issuer: aws.String(issuer.URL("/missing")), TokenSelection: &types.OpenIdConnectTokenSelectionMemberAccessTokenOnly{}}}})
		wantField(t, err, "configuration.openIdConnectConfiguration.issuer")
	})
	t.Run("missing store", func(t *testing.T) {
		err := create(&vp.CreateIdentitySourceInput{PolicyStoreId: aws.String("PSdoesnotexist00000000"), Configuration: seedConfiguration()})
		var nf *types.ResourceNotFoundException
		if !errors.As(err, &nf) || nf.ResourceType != types.ResourceTypePolicyStore || aws.ToString(nf.ResourceId) != "PSdoesnotexist00000000" {
			t.Fatalf("want ResourceNotFoundException for the store, got %v", err)
		}
	})
	t.Run("store of another account", func(t *testing.T) {
		other := s.client(emulatortest.AcctOneAccount)
		_, err := other.CreateIdentitySource(ctx, &vp.CreateIdentitySourceInput{PolicyStoreId: ps.PolicyStoreId, Configuration: &types.ConfigurationMemberCognitoUserPoolConfiguration{
			Value: types.CognitoUserPoolConfiguration{UserPoolArn: aws.String(emulatortest.AcctOnePoolARN)}}})
		var nf *types.ResourceNotFoundException
		if !errors.As(err, &nf) {
			t.Fatalf("want ResourceNotFoundException, got %v", err)
		}
	})

	token := aws.String("5f0c8f7e-3c1b-4a55-9a43-2b7f2d1f0c11")
	first, err := c.CreateIdentitySource(ctx, &vp.CreateIdentitySourceInput{ClientToken: token, PolicyStoreId: ps.PolicyStoreId, Configuration: seedConfiguration(emulatortest.SeedClientID)})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("idempotent replay", func(t *testing.T) {
		again, err := c.CreateIdentitySource(ctx, &vp.CreateIdentitySourceInput{ClientToken: token, PolicyStoreId: ps.PolicyStoreId, Configuration: seedConfiguration(emulatortest.SeedClientID)})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(again.IdentitySourceId) != aws.ToString(first.IdentitySourceId) || !again.CreatedDate.Equal(*first.CreatedDate) {
			t.Errorf("replay answered %s, first %s", aws.ToString(again.IdentitySourceId), aws.ToString(first.IdentitySourceId))
		}
	})
	t.Run("token conflict", func(t *testing.T) {
		err := create(&vp.CreateIdentitySourceInput{ClientToken: token, PolicyStoreId: ps.PolicyStoreId, PrincipalEntityType: aws.String("Other"), Configuration: seedConfiguration(emulatortest.SeedClientID)})
		var ce *types.ConflictException
		if !errors.As(err, &ce) || len(ce.Resources) != 1 || aws.ToString(ce.Resources[0].ResourceId) != aws.ToString(first.IdentitySourceId) {
			t.Fatalf("want ConflictException naming %s, got %v", aws.ToString(first.IdentitySourceId), err)
		}
	})
	t.Run("quota", func(t *testing.T) {
		err := create(&vp.CreateIdentitySourceInput{PolicyStoreId: ps.PolicyStoreId, Configuration: seedConfiguration()})
		var q *types.ServiceQuotaExceededException
		if !errors.As(err, &q) || q.ResourceType != types.ResourceTypeIdentitySource {
			t.Fatalf("want ServiceQuotaExceededException, got %v", err)
		}
	})
	t.Run("get missing identity source", func(t *testing.T) {
		_, err := c.GetIdentitySource(ctx, &vp.GetIdentitySourceInput{PolicyStoreId: ps.PolicyStoreId, IdentitySourceId: aws.String("ISdoesnotexist00000000")})
		var nf *types.ResourceNotFoundException
		if !errors.As(err, &nf) || nf.ResourceType != types.ResourceTypeIdentitySource {
			t.Fatalf("want ResourceNotFoundException, got %v", err)
		}
	})
	t.Run("get from another account", func(t *testing.T) {
		_, err := s.client(emulatortest.AcctTwoAccount).GetIdentitySource(ctx, &vp.GetIdentitySourceInput{PolicyStoreId: ps.PolicyStoreId, IdentitySourceId: first.IdentitySourceId})
		var nf *types.ResourceNotFoundException
		if !errors.As(err, &nf) {
			t.Fatalf("want ResourceNotFoundException, got %v", err)
		}
	})
	t.Run("get policy store missing", func(t *testing.T) {
		_, err := c.GetPolicyStore(ctx, &vp.GetPolicyStoreInput{PolicyStoreId: aws.String("PSdoesnotexist00000000")})
		var nf *types.ResourceNotFoundException
		if !errors.As(err, &nf) || nf.ResourceType != types.ResourceTypePolicyStore {
			t.Fatalf("want ResourceNotFoundException, got %v", err)
		}
	})
	t.Run("validation of ids", func(t *testing.T) {
		_, err := c.GetIdentitySource(ctx, &vp.GetIdentitySourceInput{PolicyStoreId: aws.String("bad id!"), IdentitySourceId: aws.String("x")})
		wantField(t, err, "policyStoreId")
	})
}

func wantField(t *testing.T, err error, path string) {
	t.Helper()
	var ve *types.ValidationException
	if !errors.As(err, &ve) {
		t.Fatalf("want ValidationException, got %v", err)
	}
	for _, f := range ve.FieldList {
		if aws.ToString(f.Path) == path && aws.ToString(f.Message) != "" {
			return
		}
	}
	t.Fatalf("fieldList lacks %s: %+v (%s)", path, ve.FieldList, aws.ToString(ve.Message))
}

// TestSDKRequestID checks the SDK reads our request id.
func TestSDKRequestID(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	_, err := s.client("AKIDEXAMPLE").GetPolicyStore(context.Background(), &vp.GetPolicyStoreInput{PolicyStoreId: aws.String("PSnone")})
	var re interface{ ServiceRequestID() string }
	if !errors.As(err, &re) || !regexp.MustCompile(`^[0-9a-f-]{36}$`).MatchString(re.ServiceRequestID()) {
		t.Fatalf("no request id in %v", err)
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorFault() != smithy.FaultClient {
		t.Errorf("fault of %v", err)
	}
}
