package avp

import "encoding/json"

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

// DefaultCognitoPrincipalEntityType is what AVP stores when a Cognito
// identity source is created without principalEntityType.
const DefaultCognitoPrincipalEntityType = "AWS::Cognito"

// IdentitySource is a stored identity source.
type IdentitySource struct {
	PolicyStoreID       string
	IdentitySourceID    string
	PrincipalEntityType string
	Configuration       Configuration
	CreatedDate         Timestamp
	LastUpdatedDate     Timestamp
}

// CreateIdentitySourceInput is the request of CreateIdentitySource.
type CreateIdentitySourceInput struct {
	ClientToken         *string        `json:"clientToken,omitempty"`
	PolicyStoreID       string         `json:"policyStoreId"`
	Configuration       *Configuration `json:"configuration"`
	PrincipalEntityType *string        `json:"principalEntityType,omitempty"`
}

// CreateIdentitySourceOutput is the response of CreateIdentitySource.
type CreateIdentitySourceOutput struct {
	CreatedDate      Timestamp `json:"createdDate"`
	IdentitySourceID string    `json:"identitySourceId"`
	LastUpdatedDate  Timestamp `json:"lastUpdatedDate"`
	PolicyStoreID    string    `json:"policyStoreId"`
}

// GetIdentitySourceInput is the request of GetIdentitySource.
type GetIdentitySourceInput struct {
	PolicyStoreID    string `json:"policyStoreId"`
	IdentitySourceID string `json:"identitySourceId"`
}

// GetIdentitySourceOutput is the response of GetIdentitySource.
type GetIdentitySourceOutput struct {
	CreatedDate         Timestamp              `json:"createdDate"`
	Details             *IdentitySourceDetails `json:"details,omitempty"`
	IdentitySourceID    string                 `json:"identitySourceId"`
	LastUpdatedDate     Timestamp              `json:"lastUpdatedDate"`
	PolicyStoreID       string                 `json:"policyStoreId"`
	PrincipalEntityType string                 `json:"principalEntityType"`
	Configuration       *ConfigurationDetail   `json:"configuration,omitempty"`
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

// IdentitySourceDetails is AVP's deprecated details member, still sent for
// Cognito identity sources because older SDKs require it.
type IdentitySourceDetails struct {
	ClientIDs    []string `json:"clientIds"`
	DiscoveryURL string   `json:"discoveryUrl"`
	OpenIDIssuer string   `json:"openIdIssuer"`
	UserPoolARN  string   `json:"userPoolArn"`
}

// Compile-time check that the union types keep their custom decoding.
var (
	_ json.Unmarshaler = (*Configuration)(nil)
	_ json.Unmarshaler = (*TokenSelection)(nil)
)

// ListIdentitySourcesInput is the request of ListIdentitySources.
type ListIdentitySourcesInput struct {
	PolicyStoreID string                 `json:"policyStoreId"`
	MaxResults    *int                   `json:"maxResults,omitempty"`
	NextToken     *string                `json:"nextToken,omitempty"`
	Filters       []IdentitySourceFilter `json:"filters,omitempty"`
}

// IdentitySourceFilter selects identity sources by principal entity type.
type IdentitySourceFilter struct {
	PrincipalEntityType *string `json:"principalEntityType,omitempty"`
}

// ListIdentitySourcesOutput is the response of ListIdentitySources.
type ListIdentitySourcesOutput struct {
	IdentitySources []IdentitySourceItem `json:"identitySources"`
	NextToken       *string              `json:"nextToken,omitempty"`
}

// IdentitySourceItem is one identity source in a list; it has the fields
// of GetIdentitySourceOutput.
type IdentitySourceItem = GetIdentitySourceOutput

// UpdateIdentitySourceInput is the request of UpdateIdentitySource.
type UpdateIdentitySourceInput struct {
	PolicyStoreID       string         `json:"policyStoreId"`
	IdentitySourceID    string         `json:"identitySourceId"`
	UpdateConfiguration *Configuration `json:"updateConfiguration"`
	PrincipalEntityType *string        `json:"principalEntityType,omitempty"`
}

// UpdateIdentitySourceOutput is the response of UpdateIdentitySource.
type UpdateIdentitySourceOutput = CreateIdentitySourceOutput

// DeleteIdentitySourceInput is the request of DeleteIdentitySource.
type DeleteIdentitySourceInput = GetIdentitySourceInput

// Empty is the response of the delete operations: {}.
type Empty struct{}

// IdentitySourceUpdate is what UpdateIdentitySource changes; a nil
// PrincipalEntityType keeps the stored one.
type IdentitySourceUpdate struct {
	PolicyStoreID       string
	IdentitySourceID    string
	Configuration       Configuration
	PrincipalEntityType *string
	LastUpdatedDate     Timestamp
}
