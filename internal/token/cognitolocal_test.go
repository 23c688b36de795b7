package token_test

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/cedar-policy/cedar-go/types"

	"github.com/vpid-dev/vpid/internal/avp"
	"github.com/vpid-dev/vpid/internal/dev/emulator/emulatortest"
	"github.com/vpid-dev/vpid/internal/token"
)

// TestCognitoLocalTokens verifies real tokens: a user of cognito-local, in
// a group and with a custom attribute, signs in with USER_PASSWORD_AUTH,
// and both tokens are verified against cognito-local's own key set.
func TestCognitoLocalTokens(t *testing.T) {
	t.Parallel()
	_, endpoint := emulatortest.Endpoints(t)
	idp := emulatortest.Cognito(t)
	ctx := t.Context()
	pool := emulatortest.SeedPoolID
	client := emulatortest.NewClient(t, pool, "token-test")
	suffix := randHex(t)
	user, group, password := "user-"+suffix, "readers-"+suffix, "Passw0rd!"+suffix

	if _, err := idp.AdminCreateUser(ctx, &cip.AdminCreateUserInput{
		UserPoolId: aws.String(pool), Username: aws.String(user), MessageAction: ciptypes.MessageActionTypeSuppress,
		UserAttributes: []ciptypes.AttributeType{
			{Name: aws.String("email"), Value: aws.String(user + "@example.com")},
			{Name: aws.String("custom:dept"), Value: aws.String("eng")},
		},
	}); err != nil {
		t.Fatalf("AdminCreateUser: %v", err)
	}
	t.Cleanup(func() {
		_, _ = idp.AdminDeleteUser(t.Context(), &cip.AdminDeleteUserInput{UserPoolId: aws.String(pool), Username: aws.String(user)})
	})
	if _, err := idp.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{
		UserPoolId: aws.String(pool), Username: aws.String(user), Password: aws.String(password), Permanent: true,
	}); err != nil {
		t.Fatalf("AdminSetUserPassword: %v", err)
	}
	if _, err := idp.CreateGroup(ctx, &cip.CreateGroupInput{UserPoolId: aws.String(pool), GroupName: aws.String(group)}); err != nil {
		t.Fatalf("CreateGroup: %v", err)
	}
	t.Cleanup(func() {
		_, _ = idp.DeleteGroup(t.Context(), &cip.DeleteGroupInput{UserPoolId: aws.String(pool), GroupName: aws.String(group)})
	})
	if _, err := idp.AdminAddUserToGroup(ctx, &cip.AdminAddUserToGroupInput{
		UserPoolId: aws.String(pool), Username: aws.String(user), GroupName: aws.String(group),
	}); err != nil {
		t.Fatalf("AdminAddUserToGroup: %v", err)
	}
	auth, err := idp.InitiateAuth(ctx, &cip.InitiateAuthInput{
		AuthFlow: ciptypes.AuthFlowTypeUserPasswordAuth, ClientId: aws.String(client),
		AuthParameters: map[string]string{"USERNAME": user, "PASSWORD": password},
	})
	if err != nil || auth.AuthenticationResult == nil {
		t.Fatalf("InitiateAuth: %v", err)
	}
	idTok, accTok := aws.ToString(auth.AuthenticationResult.IdToken), aws.ToString(auth.AuthenticationResult.AccessToken)

	src := avp.IdentitySource{
		PrincipalEntityType: "MyCorp::User",
		Configuration: &avp.CognitoUserPoolConfiguration{
			UserPoolARN: emulatortest.SeedPoolARN, ClientIDs: []string{client},
			GroupConfiguration: &avp.CognitoGroupConfiguration{GroupEntityType: "MyCorp::UserGroup"},
		},
	}
	v := token.NewVerifier(token.WithCognitoEndpoint(endpoint, nil))
	got, err := v.Verify(ctx, src, idTok, accTok)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}

	p := got.Entities[0]
	sub, ok := p.Attributes.Get("sub")
	if !ok || got.Principal != (avp.EntityIdentifier{EntityType: "MyCorp::User", EntityID: pool + "|" + string(sub.(types.String))}) {
		t.Errorf("Principal = %+v, sub attribute %v", got.Principal, sub)
	}
	wantGroup := types.NewEntityUID("MyCorp::UserGroup", types.String(pool+"|"+group))
	if !p.Parents.Equal(types.NewEntityUIDSet(wantGroup)) || len(got.Entities) != 2 || got.Entities[1].UID != wantGroup {
		t.Errorf("parents = %v, entities = %v; want group %v", p.Parents, got.Entities, wantGroup)
	}
	custom, _ := p.Attributes.Get("custom")
	if want := types.NewRecord(types.RecordMap{"dept": types.String("eng")}); custom == nil || !custom.Equal(want) {
		t.Errorf("principal.custom = %v, want %v", custom, want)
	}
	if dept, _ := p.Attributes.Get("custom:dept"); dept != types.String("eng") {
		t.Errorf(`principal["custom:dept"] = %v`, dept)
	}
	tokRec, _ := got.Context.Get("token")
	rec, _ := tokRec.(types.Record)
	if scope, _ := rec.Get("scope"); scope == nil || !scope.Equal(types.NewSet(types.String("aws.cognito.signin.user.admin"))) {
		t.Errorf("context.token.scope = %v", scope)
	}
	if cid, _ := rec.Get("client_id"); cid != types.String(client) {
		t.Errorf("context.token.client_id = %v, want %s", cid, client)
	}

	// The same real tokens fail where they should.
	for name, tc := range map[string]struct {
		src        avp.IdentitySource
		id, access string
		check      string
	}{
		"another app client": {avp.IdentitySource{Configuration: &avp.CognitoUserPoolConfiguration{UserPoolARN: emulatortest.SeedPoolARN, ClientIDs: []string{emulatortest.SeedClientID}}}, idTok, "", token.CheckAudience},
		"another pool":       {avp.IdentitySource{Configuration: &avp.CognitoUserPoolConfiguration{UserPoolARN: emulatortest.OtherPoolARN}}, idTok, "", token.CheckIssuer},
		"swapped":            {src, accTok, "", token.CheckTokenUse},
		"expired":            {src, idTok, "", token.CheckExpired},
	} {
		vv := v
		if name == "expired" {
			vv = token.NewVerifier(token.WithCognitoEndpoint(endpoint, nil), token.WithClock(func() time.Time { return time.Now().Add(48 * time.Hour) }))
		}
		_, err := vv.Verify(ctx, tc.src, tc.id, tc.access)
		var te *token.Error
		if !errors.As(err, &te) || te.Check != tc.check {
			t.Errorf("%s: Verify = %v, want check %q", name, err, tc.check)
		}
	}
}

func randHex(tb testing.TB) string {
	tb.Helper()
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		tb.Fatal(err)
	}
	return hex.EncodeToString(b)
}
