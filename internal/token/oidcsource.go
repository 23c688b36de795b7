package token

import (
	"context"
	"encoding/json"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/vpid-dev/vpid/internal/avp"
)

// verifyOIDC verifies the one token an OpenID Connect source accepts: an ID
// token (tokenSelection identityTokenOnly) or an access token
// (accessTokenOnly).
func (v *Verifier) verifyOIDC(ctx context.Context, src avp.IdentitySource, c *avp.OpenIDConnectConfiguration, idTok, accTok string) (Identity, error) {
	ts := c.TokenSelection
	if ts == nil || (ts.IdentityTokenOnly == nil) == (ts.AccessTokenOnly == nil) {
		return Identity{}, &Error{Check: CheckIdentitySource, Message: "the identity source has no token selection"}
	}
	param, raw, use := ParamIdentityToken, idTok, "id"
	claimCfg := (*string)(nil)
	if ts.IdentityTokenOnly != nil {
		if accTok != "" {
			return Identity{}, fail(CheckTokenSelection, ParamAccessToken, "is not accepted: the identity source accepts identity tokens only (tokenSelection identityTokenOnly)")
		}
		claimCfg = ts.IdentityTokenOnly.PrincipalIDClaim
	} else {
		if idTok != "" {
			return Identity{}, fail(CheckTokenSelection, ParamIdentityToken, "is not accepted: the identity source accepts access tokens only (tokenSelection accessTokenOnly)")
		}
		param, raw, use = ParamAccessToken, accTok, "access"
		claimCfg = ts.AccessTokenOnly.PrincipalIDClaim
	}

	t, perr := v.parse(param, raw, oidcAlgorithms)
	if perr != nil {
		return Identity{}, perr
	}
	if iss, _ := t.claims.str("iss"); iss != c.Issuer {
		return Identity{}, fail(CheckIssuer, param, "was not issued by the identity source's issuer %s", c.Issuer)
	}
	issuer := c.Issuer
	fetch := func(ctx context.Context) ([]jose.JSONWebKey, string, error) {
		jwksURI, err := v.discovery.JWKSURI(ctx, issuer)
		if err != nil {
			return nil, issuer, keysFetchError(issuer, err)
		}
		keys, err := getKeySet(ctx, v.oidcClient, jwksURI)
		return keys, jwksURI, err
	}
	if err := v.verify(ctx, t, "oidc "+issuer, fetch); err != nil {
		return Identity{}, err
	}
	// OpenID providers other than Cognito rarely set token_use; when one
	// does, it must agree with the parameter.
	if err := checkTokenUse(t, use, false); err != nil {
		return Identity{}, err
	}
	if err := checkOIDCAudience(t, ts); err != nil {
		return Identity{}, err
	}

	claim := DefaultPrincipalIDClaim
	if claimCfg != nil && *claimCfg != "" {
		claim = *claimCfg
	}
	pid, ok := principalClaim(t.claims[claim])
	if !ok {
		return Identity{}, fail(CheckPrincipal, param, "has no %s claim holding a string, the identity source's principal ID claim", clipped(claim))
	}
	prefix := ""
	if c.EntityIDPrefix != nil && *c.EntityIDPrefix != "" {
		prefix = *c.EntityIDPrefix + "|"
	}
	m := mapping{principalID: prefix + pid, groupPrefix: prefix}
	if g := c.GroupConfiguration; g != nil {
		m.groupType, m.groupClaim = g.GroupEntityType, g.GroupClaim
		m.groups = groupNames(t.claims[g.GroupClaim])
	}
	if use == "id" {
		m.id = t
	} else {
		m.acc = t
	}
	return build(src, m)
}

// checkOIDCAudience applies the user guide's rules: an ID token's aud must
// hold one of clientIds; an access token's aud one of audiences, or, when it
// has no aud, its cid or client_id. An empty list accepts any.
func checkOIDCAudience(t *jwt, ts *avp.TokenSelection) error {
	if it := ts.IdentityTokenOnly; it != nil {
		if len(it.ClientIDs) > 0 && !anyIn(t.claims.strings("aud"), it.ClientIDs) {
			return fail(CheckAudience, t.param, "has no aud that is one of the identity source's client IDs")
		}
		return nil
	}
	auds := ts.AccessTokenOnly.Audiences
	if len(auds) == 0 {
		return nil
	}
	if _, hasAud := t.claims["aud"]; hasAud {
		if !anyIn(t.claims.strings("aud"), auds) {
			return fail(CheckAudience, t.param, "has no aud that is one of the identity source's audiences")
		}
		return nil
	}
	if !anyIn(append(t.claims.strings("cid"), t.claims.strings("client_id")...), auds) {
		return fail(CheckAudience, t.param, "has no aud, and neither its cid nor its client_id is one of the identity source's audiences")
	}
	return nil
}

// principalClaim reads the claim naming the principal: a non-empty string,
// or an integer (some providers number their users), written in decimal.
func principalClaim(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, v != ""
	case json.Number:
		if _, err := v.Int64(); err == nil {
			return v.String(), true
		}
	}
	return "", false
}
