package avp

import (
	"encoding/json"
	"fmt"
)

// Configuration is the identity provider of an identity source: a closed
// union whose variants are [*CognitoUserPoolConfiguration] and
// [*OpenIDConnectConfiguration]. A type switch on it must name both (the
// gochecksumtype linter checks). On the wire it is a [ConfigurationUnion]:
// CreateIdentitySource's configuration and UpdateIdentitySource's
// updateConfiguration, which AVP models alike.
//
//sumtype:decl
type Configuration interface {
	isConfiguration()
}

func (*CognitoUserPoolConfiguration) isConfiguration() {}
func (*OpenIDConnectConfiguration) isConfiguration()   {}

// Union member names of Configuration.
const (
	MemberCognito = "cognitoUserPoolConfiguration"
	MemberOIDC    = "openIdConnectConfiguration"
)

// ConfigurationUnion is the wire form of a Configuration: a JSON object
// whose one member names the variant. Its fields are the members as sent
// (AWS's JSON protocols model a union as a structure of optional members), so
// that strict decoding can report zero, several or unknown members with
// their paths. The Service goes on with the Configuration that validation
// returns; no one else switches on the fields.
type ConfigurationUnion struct {
	CognitoUserPoolConfiguration *CognitoUserPoolConfiguration `json:"cognitoUserPoolConfiguration,omitempty"`
	OpenIDConnectConfiguration   *OpenIDConnectConfiguration   `json:"openIdConnectConfiguration,omitempty"`

	union unionState
}

// WireConfiguration is the wire form of c.
func WireConfiguration(c Configuration) *ConfigurationUnion {
	var u ConfigurationUnion
	switch c := c.(type) {
	case *CognitoUserPoolConfiguration:
		u.CognitoUserPoolConfiguration = c
	case *OpenIDConnectConfiguration:
		u.OpenIDConnectConfiguration = c
	case nil:
	}
	return &u
}

// UnmarshalJSON decodes the union and records every member sent, so
// validation can report a union with zero, several or unknown members. A
// Cognito member gets its parsed user pool ARN here.
func (u *ConfigurationUnion) UnmarshalJSON(b []byte) error {
	*u = ConfigurationUnion{}
	st, err := decodeUnion(b, map[string]any{
		MemberCognito: &u.CognitoUserPoolConfiguration,
		MemberOIDC:    &u.OpenIDConnectConfiguration,
	})
	u.union = st
	if cg := u.CognitoUserPoolConfiguration; cg != nil {
		cg.arn, _ = ParseUserPoolARN(cg.UserPoolARN)
	}
	return err
}

// Configuration returns the one member set, or nil when none or both are.
// It does not validate: use it on a union that passed validation or came
// from storage.
func (u *ConfigurationUnion) Configuration() Configuration {
	cg, oc := u.CognitoUserPoolConfiguration, u.OpenIDConnectConfiguration
	switch {
	case cg != nil && oc == nil:
		return cg
	case oc != nil && cg == nil:
		return oc
	}
	return nil
}

// CognitoUserPoolConfiguration names an Amazon Cognito user pool and,
// optionally, the app clients whose tokens are accepted.
type CognitoUserPoolConfiguration struct {
	UserPoolARN        string                     `json:"userPoolArn"`
	ClientIDs          []string                   `json:"clientIds,omitempty"`
	GroupConfiguration *CognitoGroupConfiguration `json:"groupConfiguration,omitempty"`

	// arn is UserPoolARN parsed, set by decoding and validation; zero when
	// not (yet) parsed or not a user pool ARN.
	arn UserPoolARN
}

// PoolARN returns the parsed user pool ARN: the one decoding or validation
// set, else (for a configuration built in Go) UserPoolARN parsed now. ok is
// false when UserPoolARN is not a user pool ARN.
func (c *CognitoUserPoolConfiguration) PoolARN() (UserPoolARN, bool) {
	if c.arn != (UserPoolARN{}) {
		return c.arn, true
	}
	return ParseUserPoolARN(c.UserPoolARN)
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
	_ json.Unmarshaler = (*ConfigurationUnion)(nil)
	_ json.Unmarshaler = (*TokenSelection)(nil)
)

// Model limits on lists.
const (
	MaxClientIDs = 1000
	MaxAudiences = 255
)

// validate reports what is wrong with the union and its members, and
// returns the configuration the Service goes on with, a Cognito one with its
// user pool ARN parsed. u is not changed.
func (u *ConfigurationUnion) validate(v *validator, path string) Configuration {
	cg, oc := u.CognitoUserPoolConfiguration, u.OpenIDConnectConfiguration
	u.union.validate(v, path, []string{MemberCognito, MemberOIDC}, cg != nil, oc != nil)
	if cg != nil {
		cg.validate(v, path+"."+MemberCognito)
	}
	if oc != nil {
		oc.validate(v, path+"."+MemberOIDC)
	}
	c := u.Configuration()
	if cg, ok := c.(*CognitoUserPoolConfiguration); ok && cg.arn == (UserPoolARN{}) {
		if arn, ok := ParseUserPoolARN(cg.UserPoolARN); ok {
			parsed := *cg // built in Go: parse into a copy, not the caller's value
			parsed.arn = arn
			return &parsed
		}
	}
	return c
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
