package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/vpid-dev/vpid/internal/avp"
	"github.com/vpid-dev/vpid/internal/token"
)

// tokens makes a token.Verifier an avp.TokenVerifier: a token that fails a
// check is an *avp.TokenError naming it, keys that cannot be read are
// avp.ErrUnavailable.
type tokens struct{ v *token.Verifier }

var _ avp.TokenVerifier = tokens{}

func (t tokens) VerifyTokens(ctx context.Context, src avp.IdentitySource, identityToken, accessToken string) (avp.TokenIdentity, error) {
	id, err := t.v.Verify(ctx, src, identityToken, accessToken)
	var te *token.Error
	var ke *token.KeysUnavailableError
	switch {
	case errors.As(err, &te):
		return avp.TokenIdentity{}, &avp.TokenError{Check: te.Check, Message: te.Message}
	case errors.As(err, &ke):
		return avp.TokenIdentity{}, fmt.Errorf("%w: %v", avp.ErrUnavailable, err)
	case err != nil:
		return avp.TokenIdentity{}, err
	}
	return avp.TokenIdentity{Principal: id.Principal, Entities: id.Entities, Context: id.Context}, nil
}
