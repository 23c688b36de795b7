// Package cognitouser makes users of a user pool that can sign in, for the
// tests, benchmarks and load runs against a local Cognito (cognito-local):
// created without an invitation, given a permanent password, put in their
// groups, and signed in to an app client for real ID and access tokens.
package cognitouser

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// API is the part of a Cognito user pools client the package uses; a
// *cip.Client is one.
type API interface {
	AdminCreateUser(context.Context, *cip.AdminCreateUserInput, ...func(*cip.Options)) (*cip.AdminCreateUserOutput, error)
	AdminSetUserPassword(context.Context, *cip.AdminSetUserPasswordInput, ...func(*cip.Options)) (*cip.AdminSetUserPasswordOutput, error)
	AdminAddUserToGroup(context.Context, *cip.AdminAddUserToGroupInput, ...func(*cip.Options)) (*cip.AdminAddUserToGroupOutput, error)
	AdminInitiateAuth(context.Context, *cip.AdminInitiateAuthInput, ...func(*cip.Options)) (*cip.AdminInitiateAuthOutput, error)
	InitiateAuth(context.Context, *cip.InitiateAuthInput, ...func(*cip.Options)) (*cip.InitiateAuthOutput, error)
}

// User is a user of Pool. Groups must exist.
type User struct {
	Pool, Name, Password string
	Attributes           map[string]string // e.g. "email", "custom:dept"
	Groups               []string
}

// Create creates u, confirmed, with its password made permanent, and adds
// it to its groups. It returns the user's sub.
func Create(ctx context.Context, api API, u User) (string, error) {
	attrs := make([]ciptypes.AttributeType, 0, len(u.Attributes))
	for _, k := range slices.Sorted(maps.Keys(u.Attributes)) {
		attrs = append(attrs, ciptypes.AttributeType{Name: aws.String(k), Value: aws.String(u.Attributes[k])})
	}
	created, err := api.AdminCreateUser(ctx, &cip.AdminCreateUserInput{
		UserPoolId: aws.String(u.Pool), Username: aws.String(u.Name), MessageAction: ciptypes.MessageActionTypeSuppress,
		UserAttributes: attrs,
	})
	if err != nil {
		return "", fmt.Errorf("AdminCreateUser %s in %s: %w", u.Name, u.Pool, err)
	}
	var sub string
	if created.User != nil {
		for _, a := range created.User.Attributes {
			if aws.ToString(a.Name) == "sub" {
				sub = aws.ToString(a.Value)
			}
		}
	}
	if sub == "" {
		return "", fmt.Errorf("AdminCreateUser %s in %s: no sub attribute", u.Name, u.Pool)
	}
	if _, err := api.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{
		UserPoolId: aws.String(u.Pool), Username: aws.String(u.Name), Password: aws.String(u.Password), Permanent: true,
	}); err != nil {
		return "", fmt.Errorf("AdminSetUserPassword %s in %s: %w", u.Name, u.Pool, err)
	}
	for _, g := range u.Groups {
		if _, err := api.AdminAddUserToGroup(ctx, &cip.AdminAddUserToGroupInput{
			UserPoolId: aws.String(u.Pool), Username: aws.String(u.Name), GroupName: aws.String(g),
		}); err != nil {
			return "", fmt.Errorf("AdminAddUserToGroup %s to %s: %w", u.Name, g, err)
		}
	}
	return sub, nil
}

// Tokens are what a sign-in returns.
type Tokens struct{ ID, Access string }

// SignIn signs u in to the app client: with USER_PASSWORD_AUTH
// (InitiateAuth), or with ADMIN_USER_PASSWORD_AUTH (AdminInitiateAuth)
// when admin.
func SignIn(ctx context.Context, api API, u User, client string, admin bool) (Tokens, error) {
	params := map[string]string{"USERNAME": u.Name, "PASSWORD": u.Password}
	var res *ciptypes.AuthenticationResultType
	if admin {
		out, err := api.AdminInitiateAuth(ctx, &cip.AdminInitiateAuthInput{
			UserPoolId: aws.String(u.Pool), ClientId: aws.String(client),
			AuthFlow: ciptypes.AuthFlowTypeAdminUserPasswordAuth, AuthParameters: params,
		})
		if err != nil {
			return Tokens{}, fmt.Errorf("AdminInitiateAuth %s: %w", u.Name, err)
		}
		res = out.AuthenticationResult
	} else {
		out, err := api.InitiateAuth(ctx, &cip.InitiateAuthInput{
			ClientId: aws.String(client), AuthFlow: ciptypes.AuthFlowTypeUserPasswordAuth, AuthParameters: params,
		})
		if err != nil {
			return Tokens{}, fmt.Errorf("InitiateAuth %s: %w", u.Name, err)
		}
		res = out.AuthenticationResult
	}
	if res == nil || aws.ToString(res.IdToken) == "" || aws.ToString(res.AccessToken) == "" {
		return Tokens{}, fmt.Errorf("the sign-in of %s gave no tokens", u.Name)
	}
	return Tokens{ID: aws.ToString(res.IdToken), Access: aws.ToString(res.AccessToken)}, nil
}
