package loadtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/verifiedpermissions/types"

	"github.com/vpid-dev/vpid/internal/dev/cognitouser"
)

// CognitoFlipUsers makes the flip principal of each account a user of the
// account's first user pool (for Config.Tokens): it creates a user with a
// fresh name, gives it a password, signs it in to the pool's first app
// client with ADMIN_USER_PASSWORD_AUTH and returns its ID token, an
// identity source on that pool and client, and the principal
// <userPoolId>|<sub> the API derives from the token.
func CognitoFlipUsers(idp cognitouser.API) FlipIdentities {
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
		u := cognitouser.User{Pool: poolID, Name: "load-flip-" + hex.EncodeToString(b), Password: "Aa1!" + hex.EncodeToString(b)}
		sub, err := cognitouser.Create(ctx, idp, u)
		if err != nil {
			return nil, err
		}
		tok, err := cognitouser.SignIn(ctx, idp, u, p.ClientIDs[0], true)
		if err != nil {
			return nil, err
		}
		return &FlipIdentity{
			Source: &types.ConfigurationMemberCognitoUserPoolConfiguration{Value: types.CognitoUserPoolConfiguration{
				UserPoolArn: aws.String(p.ARN), ClientIds: []string{p.ClientIDs[0]}}},
			PrincipalID: poolID + "|" + sub,
			IDToken:     tok.ID,
		}, nil
	}
}
