package avp

import (
	"encoding/json"
	"fmt"
)

// Configuration is the identity provider of an identity source: a union of
// exactly one of a Cognito user pool or an OpenID Connect issuer. It is the
// wire shape of both CreateIdentitySource's configuration and
// UpdateIdentitySource's updateConfiguration, which AVP models alike.
type Configuration struct {
	CognitoUserPoolConfiguration *CognitoUserPoolConfiguration `json:"cognitoUserPoolConfiguration,omitempty"`
	OpenIDConnectConfiguration   *OpenIDConnectConfiguration   `json:"openIdConnectConfiguration,omitempty"`

	union unionState
}

// Union member names of Configuration.
const (
	MemberCognito = "cognitoUserPoolConfiguration"
	MemberOIDC    = "openIdConnectConfiguration"
)

// UnmarshalJSON records every member sent, so Validate can report a union
// with zero, several or unknown members.
func (c *Configuration) UnmarshalJSON(b []byte) error {
	*c = Configuration{}
	st, err := decodeUnion(b, map[string]any{
		MemberCognito: &c.CognitoUserPoolConfiguration,
		MemberOIDC:    &c.OpenIDConnectConfiguration,
	})
	c.union = st
	return err
}

// CognitoUserPoolConfiguration names an Amazon Cognito user pool and,
// optionally, the app clients whose tokens are accepted.
type CognitoUserPoolConfiguration struct {
	UserPoolARN        string                     `json:"userPoolArn"`
	ClientIDs          []string                   `json:"clientIds,omitempty"`
	GroupConfiguration *CognitoGroupConfiguration `json:"groupConfiguration,omitempty"`
}

// CognitoGroupConfiguration names the Cedar entity type of Cognito groups.
type CognitoGroupConfiguration struct {
	GroupEntityType string `json:"groupEntityType"`
}

// OpenIDConnectConfiguration names an OpenID Connect issuer.
type OpenIDConnectConfiguration struct {
	Issuer             string                           `json:"issuer"`
	EntityIDPrefix     *string                          `json:"entityIdPrefix,omitempty"`
	GroupConfiguration *OpenIDConnectGroupConfiguration `json:"groupConfiguration,omitempty"`
	TokenSelection     *TokenSelection                  `json:"tokenSelection,omitempty"`
}

// OpenIDConnectGroupConfiguration maps a token claim to Cedar group entities.
type OpenIDConnectGroupConfiguration struct {
	GroupClaim      string `json:"groupClaim"`
	GroupEntityType string `json:"groupEntityType"`
}

// TokenSelection is a union: accept access tokens only, or ID tokens only.
type TokenSelection struct {
	AccessTokenOnly   *AccessTokenConfiguration   `json:"accessTokenOnly,omitempty"`
	IdentityTokenOnly *IdentityTokenConfiguration `json:"identityTokenOnly,omitempty"`

	union unionState
}

// Union member names of TokenSelection.
const (
	MemberAccessTokenOnly   = "accessTokenOnly"
	MemberIdentityTokenOnly = "identityTokenOnly"
)

// UnmarshalJSON records every member sent; see Configuration.UnmarshalJSON.
func (t *TokenSelection) UnmarshalJSON(b []byte) error {
	*t = TokenSelection{}
	st, err := decodeUnion(b, map[string]any{
		MemberAccessTokenOnly:   &t.AccessTokenOnly,
		MemberIdentityTokenOnly: &t.IdentityTokenOnly,
	})
	t.union = st
	return err
}

// AccessTokenConfiguration accepts access tokens whose aud is one of Audiences.
type AccessTokenConfiguration struct {
	PrincipalIDClaim *string  `json:"principalIdClaim,omitempty"`
	Audiences        []string `json:"audiences,omitempty"`
}

// IdentityTokenConfiguration accepts ID tokens whose aud is one of ClientIDs.
type IdentityTokenConfiguration struct {
	PrincipalIDClaim *string  `json:"principalIdClaim,omitempty"`
	ClientIDs        []string `json:"clientIds,omitempty"`
}

// ConfigurationDetail is the output form of Configuration (AVP's
// ConfigurationDetail and ConfigurationItem, which share one JSON shape).
type ConfigurationDetail struct {
	CognitoUserPoolConfiguration *CognitoUserPoolConfigurationDetail `json:"cognitoUserPoolConfiguration,omitempty"`
	OpenIDConnectConfiguration   *OpenIDConnectConfiguration         `json:"openIdConnectConfiguration,omitempty"`
}

// CognitoUserPoolConfigurationDetail adds the issuer derived from the ARN;
// clientIds is always present, [] when none were configured.
type CognitoUserPoolConfigurationDetail struct {
	UserPoolARN        string                     `json:"userPoolArn"`
	ClientIDs          []string                   `json:"clientIds"`
	Issuer             string                     `json:"issuer"`
	GroupConfiguration *CognitoGroupConfiguration `json:"groupConfiguration,omitempty"`
}

// Compile-time check that the union types keep their custom decoding.
var (
	_ json.Unmarshaler = (*Configuration)(nil)
	_ json.Unmarshaler = (*TokenSelection)(nil)
)

// Model limits on lists.
const (
	MaxClientIDs = 1000
	MaxAudiences = 255
)

func (c *Configuration) validate(v *validator, path string) {
	c.union.validate(v, path, []string{MemberCognito, MemberOIDC}, c.CognitoUserPoolConfiguration != nil, c.OpenIDConnectConfiguration != nil)
	if cg := c.CognitoUserPoolConfiguration; cg != nil {
		cg.validate(v, path+"."+MemberCognito)
	}
	if oc := c.OpenIDConnectConfiguration; oc != nil {
		oc.validate(v, path+"."+MemberOIDC)
	}
}

func (c *CognitoUserPoolConfiguration) validate(v *validator, path string) {
	v.reqStr(path+".userPoolArn", c.UserPoolARN, ruleUserPoolARN)
	if c.ClientIDs != nil && v.listLen(path+".clientIds", len(c.ClientIDs), 0, MaxClientIDs) {
		for i := range c.ClientIDs {
			v.str(fmt.Sprintf("%s.clientIds[%d]", path, i), &c.ClientIDs[i], ruleClientID)
		}
		v.uniqueStrings(path+".clientIds", c.ClientIDs)
	}
	if g := c.GroupConfiguration; g != nil {
		v.reqStr(path+".groupConfiguration.groupEntityType", g.GroupEntityType, ruleGroupEntityType)
	}
}

func (c *OpenIDConnectConfiguration) validate(v *validator, path string) {
	v.reqStr(path+".issuer", c.Issuer, ruleIssuer)
	v.str(path+".entityIdPrefix", c.EntityIDPrefix, ruleEntityIDPrefix)
	if g := c.GroupConfiguration; g != nil {
		v.reqStr(path+".groupConfiguration.groupClaim", g.GroupClaim, ruleClaim)
		v.reqStr(path+".groupConfiguration.groupEntityType", g.GroupEntityType, ruleGroupEntityType)
	}
	ts := c.TokenSelection
	if ts == nil {
		v.missing(path + ".tokenSelection")
		return
	}
	tp := path + ".tokenSelection"
	ts.union.validate(v, tp, []string{MemberAccessTokenOnly, MemberIdentityTokenOnly}, ts.AccessTokenOnly != nil, ts.IdentityTokenOnly != nil)
	if a := ts.AccessTokenOnly; a != nil {
		p := tp + "." + MemberAccessTokenOnly
		v.str(p+".principalIdClaim", a.PrincipalIDClaim, ruleClaim)
		if a.Audiences != nil && v.listLen(p+".audiences", len(a.Audiences), 1, MaxAudiences) {
			for i := range a.Audiences {
				v.str(fmt.Sprintf("%s.audiences[%d]", p, i), &a.Audiences[i], ruleAudience)
			}
		}
	}
	if it := ts.IdentityTokenOnly; it != nil {
		p := tp + "." + MemberIdentityTokenOnly
		v.str(p+".principalIdClaim", it.PrincipalIDClaim, ruleClaim)
		if it.ClientIDs != nil && v.listLen(p+".clientIds", len(it.ClientIDs), 0, MaxClientIDs) {
			for i := range it.ClientIDs {
				v.str(fmt.Sprintf("%s.clientIds[%d]", p, i), &it.ClientIDs[i], ruleClientID)
			}
		}
	}
}
