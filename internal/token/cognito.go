package token

import (
	"context"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/vpid-dev/vpid/internal/avp"
)

// cognitoGroupsClaim lists a Cognito user's groups in both tokens.
const cognitoGroupsClaim = "cognito:groups"

// reservedCognitoClaims may not be claims of a Cognito token: AVP reads
// cognito:*, custom:* and dev:* claims as records of these names, and
// refuses tokens that carry them (Cognito developer guide, "Customizing
// tokens").
var reservedCognitoClaims = []string{"cognito", "custom", "dev"}

// verifyCognito verifies tokens of a Cognito user pool source, in the order
// of the Cognito developer guide where it can: the issuer (before any key is
// fetched), the signature, expiry, token_use, then the app client.
func (v *Verifier) verifyCognito(ctx context.Context, src avp.IdentitySource, c *avp.CognitoUserPoolConfiguration, idTok, accTok string) (Identity, error) {
	arn, ok := c.PoolARN()
	if !ok {
		return Identity{}, &Error{Check: CheckIdentitySource, Message: "the identity source's user pool ARN is not valid"}
	}
	issuer := arn.Issuer()
	jwksURL := issuer + "/.well-known/jwks.json"
	if v.cognitoBase != "" {
		jwksURL = v.cognitoBase + "/" + arn.PoolID + "/.well-known/jwks.json"
	}
	fetch := func(ctx context.Context) ([]jose.JSONWebKey, string, error) {
		keys, err := getKeySet(ctx, v.cognitoClient, jwksURL)
		return keys, jwksURL, err
	}
	cacheID := "cognito " + jwksURL

	check := func(param, raw, use string) (*jwt, error) {
		t, perr := v.parse(param, raw, cognitoAlgorithms)
		if perr != nil {
			return nil, perr
		}
		iss, _ := t.claims.str("iss")
		if iss != issuer && (v.cognitoBase == "" || !issuerPoolPath(iss, arn.PoolID)) {
			return nil, fail(CheckIssuer, param, "was not issued by the identity source's user pool %s", arn.PoolID)
		}
		if err := v.verify(ctx, t, cacheID, fetch); err != nil {
			return nil, err
		}
		if err := checkTokenUse(t, use, true); err != nil {
			return nil, err
		}
		if len(c.ClientIDs) > 0 {
			claim, what := "aud", "an aud"
			if use == "access" {
				claim, what = "client_id", "a client_id"
			}
			if !anyIn(t.claims.strings(claim), c.ClientIDs) {
				return nil, fail(CheckAudience, param, "has %s that is not one of the identity source's client IDs", what)
			}
		}
		if _, ok := t.claims.str("sub"); !ok {
			return nil, fail(CheckPrincipal, param, "has no sub claim naming the user")
		}
		return t, nil
	}

	var id, acc *jwt
	var err error
	if idTok != "" {
		if id, err = check(ParamIdentityToken, idTok, "id"); err != nil {
			return Identity{}, err
		}
		for _, name := range reservedCognitoClaims {
			if _, present := id.claims[name]; present {
				return Identity{}, fail(CheckClaims, ParamIdentityToken, "has a claim named %q, which Verified Permissions reserves", name)
			}
		}
	}
	if accTok != "" {
		if acc, err = check(ParamAccessToken, accTok, "access"); err != nil {
			return Identity{}, err
		}
	}
	sub := pick(id, acc).claims["sub"].(string)
	if id != nil && acc != nil && acc.claims["sub"] != sub {
		return Identity{}, &Error{Check: CheckSameSubject, Message: "the identityToken and the accessToken belong to different users (their sub claims differ)"}
	}

	groupType := DefaultGroupEntityType
	if g := c.GroupConfiguration; g != nil && g.GroupEntityType != "" {
		groupType = g.GroupEntityType
	}
	return build(src, mapping{
		principalID: arn.PoolID + "|" + sub,
		groupType:   groupType,
		groupPrefix: arn.PoolID + "|",
		groups:      groupNames(pick(id, acc).claims[cognitoGroupsClaim]),
		groupClaim:  cognitoGroupsClaim,
		nest:        true,
		id:          id,
		acc:         acc,
	})
}

// pick returns the ID token if there is one, else the access token: the
// token whose groups (and principal) count when both are given.
func pick(id, acc *jwt) *jwt {
	if id != nil {
		return id
	}
	return acc
}
