package loadtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/aws-sdk-go-v2/service/verifiedpermissions/types"
)

// CognitoAdmin is the part of a Cognito user pools client (of a local
// Cognito such as cognito-local) that CognitoFlipUsers uses.
type CognitoAdmin interface {
	AdminCreateUser(context.Context, *cip.AdminCreateUserInput, ...func(*cip.Options)) (*cip.AdminCreateUserOutput, error)
	AdminSetUserPassword(context.Context, *cip.AdminSetUserPasswordInput, ...func(*cip.Options)) (*cip.AdminSetUserPasswordOutput, error)
	AdminInitiateAuth(context.Context, *cip.AdminInitiateAuthInput, ...func(*cip.Options)) (*cip.AdminInitiateAuthOutput, error)
}

// CognitoFlipUsers makes the flip principal of each account a user of the
// account's first user pool (for Config.Tokens): it creates a user with a
// fresh name, gives it a password, signs it in to the pool's first app
// client with ADMIN_USER_PASSWORD_AUTH and returns its ID token, an
// identity source on that pool and client, and the principal
// <userPoolId>|<sub> the API derives from the token.
func CognitoFlipUsers(idp CognitoAdmin) FlipIdentities {
	return func(ctx context.Context, a Account) (*FlipIdentity, error) {
		if len(a.Pools) == 0 || len(a.Pools[0].ClientIDs) == 0 {
			return nil, errors.New("no user pool with an app client")
		}
		p := a.Pools[0]
		_, poolID, ok := strings.Cut(p.ARN, ":userpool/")
		if !ok || poolID == "" {
			return nil, fmt.Errorf("not a user pool ARN: %q", p.ARN)
		}
		b := make([]byte, 6)
		_, _ = rand.Read(b)
		name, password := "load-flip-"+hex.EncodeToString(b), "Aa1!"+hex.EncodeToString(b)
		created, err := idp.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(poolID), Username: aws.String(name),
			MessageAction: ciptypes.MessageActionTypeSuppress})
		if err != nil {
			return nil, fmt.Errorf("AdminCreateUser in %s: %w", poolID, err)
		}
		var sub string
		if created.User != nil {
			for _, at := range created.User.Attributes {
				if aws.ToString(at.Name) == "sub" {
					sub = aws.ToString(at.Value)
				}
			}
		}
		if sub == "" {
			return nil, fmt.Errorf("AdminCreateUser in %s: no sub attribute", poolID)
		}
		if _, err := idp.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: aws.String(poolID), Username: aws.String(name),
			Password: aws.String(password), Permanent: true}); err != nil {
			return nil, fmt.Errorf("AdminSetUserPassword in %s: %w", poolID, err)
		}
		auth, err := idp.AdminInitiateAuth(ctx, &cip.AdminInitiateAuthInput{UserPoolId: aws.String(poolID), ClientId: aws.String(p.ClientIDs[0]),
			AuthFlow: ciptypes.AuthFlowTypeAdminUserPasswordAuth, AuthParameters: map[string]string{"USERNAME": name, "PASSWORD": password}})
		if err != nil {
			return nil, fmt.Errorf("AdminInitiateAuth in %s: %w", poolID, err)
		}
		if auth.AuthenticationResult == nil || aws.ToString(auth.AuthenticationResult.IdToken) == "" {
			return nil, fmt.Errorf("AdminInitiateAuth in %s: no ID token", poolID)
		}
		return &FlipIdentity{
			Source: &types.ConfigurationMemberCognitoUserPoolConfiguration{Value: types.CognitoUserPoolConfiguration{
				UserPoolArn: aws.String(p.ARN), ClientIds: []string{p.ClientIDs[0]}}},
			PrincipalID: poolID + "|" + sub,
			IDToken:     aws.ToString(auth.AuthenticationResult.IdToken),
		}, nil
	}
}
