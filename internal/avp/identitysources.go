package avp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// DefaultCognitoPrincipalEntityType is what AVP stores when an identity
// source, Cognito or OpenID Connect, is created without principalEntityType
// (user guide, "Creating Amazon Cognito user pool identity sources" and
// "Creating OpenID Connect identity sources": a blank entity type gives
// AWS::Cognito).
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
	ClientToken         *string             `json:"clientToken,omitempty"`
	PolicyStoreID       string              `json:"policyStoreId"`
	Configuration       *ConfigurationUnion `json:"configuration"`
	PrincipalEntityType *string             `json:"principalEntityType,omitempty"`
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

// IdentitySourceDetails is AVP's deprecated details member, still sent for
// Cognito identity sources because older SDKs require it.
type IdentitySourceDetails struct {
	ClientIDs    []string `json:"clientIds"`
	DiscoveryURL string   `json:"discoveryUrl"`
	OpenIDIssuer string   `json:"openIdIssuer"`
	UserPoolARN  string   `json:"userPoolArn"`
}

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
	PolicyStoreID       string              `json:"policyStoreId"`
	IdentitySourceID    string              `json:"identitySourceId"`
	UpdateConfiguration *ConfigurationUnion `json:"updateConfiguration"`
	PrincipalEntityType *string             `json:"principalEntityType,omitempty"`
}

// UpdateIdentitySourceOutput is the response of UpdateIdentitySource.
type UpdateIdentitySourceOutput = CreateIdentitySourceOutput

// DeleteIdentitySourceInput is the request of DeleteIdentitySource.
type DeleteIdentitySourceInput = GetIdentitySourceInput

// IdentitySourceUpdate is what UpdateIdentitySource changes; a nil
// PrincipalEntityType keeps the stored one.
type IdentitySourceUpdate struct {
	PolicyStoreID       string
	IdentitySourceID    string
	Configuration       Configuration
	PrincipalEntityType *string
	LastUpdatedDate     Timestamp
}

// IdentitySources keeps identity sources.
type IdentitySources interface {
	// CreateIdentitySource writes is, and rec when not nil, in one atomic
	// request, on the condition that the policy store exists and has no
	// identity source yet. Errors: *TokenUsedError (checked first),
	// ErrNotFound (no such store), ErrQuotaExceeded, ErrConflict,
	// ErrThrottled/ErrUnavailable.
	CreateIdentitySource(ctx context.Context, account string, is IdentitySource, rec *IdempotencyRecord) error
	// GetIdentitySource errors: ErrNotFound, ErrThrottled/ErrUnavailable.
	GetIdentitySource(ctx context.Context, account, policyStoreID, identitySourceID string) (IdentitySource, error)
	// ListIdentitySources returns the identity sources of a store by id.
	// Errors: ErrNotFound (no such store), ErrThrottled/ErrUnavailable.
	ListIdentitySources(ctx context.Context, account, policyStoreID string) ([]IdentitySource, error)
	// UpdateIdentitySource applies upd, and increments the store's Cedar
	// version with it (CedarSnapshots: the snapshot includes the identity
	// source). Errors: ErrNotFound (no such identity source), a *Error
	// ResourceNotFoundException (POLICY_STORE) when the store is gone or
	// being deleted, ErrConflict, ErrThrottled/ErrUnavailable.
	UpdateIdentitySource(ctx context.Context, account string, upd IdentitySourceUpdate) error
	// DeleteIdentitySource deletes it and frees the store's slot atomically.
	// Errors: ErrNotFound, ErrConflict, ErrThrottled/ErrUnavailable.
	DeleteIdentitySource(ctx context.Context, account, policyStoreID, identitySourceID string) error
}

// UserPoolFindings says what of a Cognito configuration Cognito did not confirm.
type UserPoolFindings struct {
	// PoolMissing: Cognito has no such pool in that region.
	PoolMissing bool
	// ActualARN is the pool's ARN when it differs from the one requested.
	ActualARN string
	// MissingClients are indexes into the client ids of ids that are not
	// app clients of the pool.
	MissingClients []int
}

// IssuerError says why an OpenID Connect issuer does not qualify; Reason is
// shown to the caller.
type IssuerError struct {
	Reason string
	// Transient: the problem may pass by itself (the issuer answered a
	// server error or a throttle, did not answer in time, or could not be
	// connected to for a reason other than its name or its certificate).
	// The drift check reports such an issuer as unknown, not drifted.
	Transient bool
}

func (e *IssuerError) Error() string { return e.Reason }

// IssuerVerifier confirms an OpenID Connect issuer by its discovery document.
type IssuerVerifier interface {
	// VerifyIssuer returns nil when the issuer qualifies and an
	// *IssuerError when it does not; any other error is internal.
	VerifyIssuer(ctx context.Context, issuer string) error
}

// UserPoolVerifier confirms a Cognito configuration against Cognito itself.
type UserPoolVerifier interface {
	// VerifyUserPool looks up the pool and every client id. Its error is
	// only for failures to find out (wrapping ErrThrottled or
	// ErrUnavailable), never for "does not exist".
	VerifyUserPool(ctx context.Context, pool UserPoolARN, clientIDs []string) (UserPoolFindings, error)
}

// CreateIdentitySource registers an identity provider with a policy store.
// Errors: ValidationException (bad input, or a pool or client id Cognito does
// not know), ResourceNotFoundException (policy store), ServiceQuotaExceeded
// (the store already has its identity source), ConflictException
// (clientToken reused with other parameters), ThrottlingException and
// InternalServerException (Cognito or DynamoDB failed; retry).
func (s *Service) CreateIdentitySource(ctx context.Context, account string, in *CreateIdentitySourceInput) (*CreateIdentitySourceOutput, error) {
	cfg, verr := in.validate()
	if verr != nil {
		return nil, verr
	}
	if verr := s.checkPoolLocation(account, "configuration", cfg); verr != nil {
		return nil, verr
	}
	principal := DefaultCognitoPrincipalEntityType
	if in.PrincipalEntityType != nil {
		principal = *in.PrincipalEntityType
	}
	// The resolved id is kept here, never written back into in: the
	// caller's input stays as it was sent.
	policyStoreID, err := s.resolveStore(ctx, account, in.PolicyStoreID)
	if err != nil {
		return nil, err
	}
	params := struct {
		PolicyStoreID       string              `json:"policyStoreId"`
		Configuration       *ConfigurationUnion `json:"configuration"`
		PrincipalEntityType string              `json:"principalEntityType"`
	}{policyStoreID, WireConfiguration(cfg), principal}

	// The store's state first: a request that cannot succeed because of it
	// (no such store, or a store that has its identity source) costs no
	// call to the identity provider. The transaction below checks the same
	// conditions again, so a change in between is still caught.
	ps, err := s.policyStores.GetPolicyStore(ctx, account, policyStoreID)
	var refusal error
	switch {
	case errors.Is(err, ErrNotFound):
		refusal = NotFound(ResourcePolicyStore, policyStoreID)
	case err != nil:
		return nil, s.storeError(err, "reading the policy store", ResourcePolicyStore, policyStoreID)
	case ps.IdentitySourceID != "":
		refusal = identitySourceQuota(policyStoreID)
	}
	if refusal != nil {
		// A retry of a create that succeeded (and filled the store, or
		// was followed by the store's deletion) still gets its original
		// answer; a token used with other parameters is a conflict, as the
		// transaction would have said.
		var out CreateIdentitySourceOutput
		if ok, err := recorded(ctx, s, account, OpCreateIdentitySource, in.ClientToken, params, &out,
			func(o *CreateIdentitySourceOutput) []ResourceRef {
				return []ResourceRef{{ResourceID: o.IdentitySourceID, ResourceType: ResourceIdentitySource}}
			}); ok {
			if err != nil {
				return nil, err
			}
			return &out, nil
		}
		return nil, refusal
	}

	// With a clientToken, the check may not use up the request's deadline:
	// if it fails (a hung Cognito, say), what is left must still let a retry
	// of a create that succeeded read its original answer.
	vctx := ctx
	if deadline, ok := ctx.Deadline(); ok && in.ClientToken != nil {
		var cancel context.CancelFunc
		vctx, cancel = context.WithDeadline(ctx, deadline.Add(-replayReserve))
		defer cancel()
	}
	if err := s.verifyConfiguration(vctx, account, "configuration", cfg); err != nil {
		// A retry of a create that succeeded before the pool changed must
		// still get its original answer.
		if replay, ok := s.replay(ctx, account, OpCreateIdentitySource, in.ClientToken, params); ok {
			var out CreateIdentitySourceOutput
			if json.Unmarshal(replay, &out) == nil {
				return &out, nil
			}
		}
		return nil, err
	}

	now := NewTimestamp(s.now())
	is := IdentitySource{
		PolicyStoreID:       policyStoreID,
		IdentitySourceID:    s.newID(),
		PrincipalEntityType: principal,
		Configuration:       cfg,
		CreatedDate:         now,
		LastUpdatedDate:     now,
	}
	out := &CreateIdentitySourceOutput{CreatedDate: now, IdentitySourceID: is.IdentitySourceID, LastUpdatedDate: now, PolicyStoreID: is.PolicyStoreID}
	err = idempotent(s, account, OpCreateIdentitySource, in.ClientToken, params, out,
		func(o *CreateIdentitySourceOutput) []ResourceRef {
			return []ResourceRef{{ResourceID: o.IdentitySourceID, ResourceType: ResourceIdentitySource}}
		},
		func(rec *IdempotencyRecord) error {
			return s.identitySources.CreateIdentitySource(ctx, account, is, rec)
		})
	switch {
	case err == nil:
		return out, nil
	case errors.Is(err, ErrNotFound):
		return nil, NotFound(ResourcePolicyStore, policyStoreID)
	case errors.Is(err, ErrQuotaExceeded):
		return nil, identitySourceQuota(policyStoreID)
	}
	return nil, s.storeError(err, "creating the identity source", ResourcePolicyStore, policyStoreID)
}

// identitySourceQuota is the answer to a create in a store that already has
// its one identity source.
func identitySourceQuota(policyStoreID string) *Error {
	return &Error{
		Code:         CodeServiceQuotaExceeded,
		Message:      fmt.Sprintf("Policy store %s already has an identity source; a policy store can have at most 1. Delete it or update it instead", policyStoreID),
		ResourceType: ResourceIdentitySource,
		ServiceCode:  "verifiedpermissions",
	}
}

// GetIdentitySource returns an identity source with its configuration.
// Errors: ValidationException, ResourceNotFoundException.
func (s *Service) GetIdentitySource(ctx context.Context, account string, in *GetIdentitySourceInput) (*GetIdentitySourceOutput, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	psID, err := s.resolveStore(ctx, account, in.PolicyStoreID)
	if err != nil {
		return nil, err
	}
	is, err := s.identitySources.GetIdentitySource(ctx, account, psID, in.IdentitySourceID)
	if err != nil {
		return nil, s.storeError(err, "reading the identity source", ResourceIdentitySource, in.IdentitySourceID)
	}
	return output(is), nil
}

// describe turns a stored configuration into its output forms: the
// configuration detail (with the derived issuer) and the deprecated details.
func describe(c Configuration) (*ConfigurationDetail, *IdentitySourceDetails) {
	switch cg := c.(type) {
	case *CognitoUserPoolConfiguration:
		arn, _ := cg.PoolARN()
		clients := cg.ClientIDs
		if clients == nil {
			clients = []string{}
		}
		return &ConfigurationDetail{CognitoUserPoolConfiguration: &CognitoUserPoolConfigurationDetail{
				UserPoolARN:        cg.UserPoolARN,
				ClientIDs:          clients,
				Issuer:             arn.Issuer(),
				GroupConfiguration: cg.GroupConfiguration,
			}}, &IdentitySourceDetails{
				ClientIDs:    clients,
				DiscoveryURL: arn.Issuer(),
				OpenIDIssuer: "COGNITO",
				UserPoolARN:  cg.UserPoolARN,
			}
	case *OpenIDConnectConfiguration:
		return &ConfigurationDetail{OpenIDConnectConfiguration: cg}, nil
	case nil:
	}
	return nil, nil
}

// verifyConfiguration checks a validated configuration against its identity
// provider. path is the request member holding it.
func (s *Service) verifyConfiguration(ctx context.Context, account, path string, c Configuration) error {
	switch c := c.(type) {
	case *OpenIDConnectConfiguration:
		return s.verifyIssuer(ctx, path, c)
	case *CognitoUserPoolConfiguration:
		return s.verifyUserPool(ctx, account, path, c)
	case nil: // validation refuses a configuration without one
	}
	return nil
}

func (s *Service) verifyIssuer(ctx context.Context, path string, oc *OpenIDConnectConfiguration) error {
	err := s.issuers.VerifyIssuer(ctx, oc.Issuer)
	var ie *IssuerError
	switch {
	case errors.As(err, &ie):
		return Validation(Field{Path: path + "." + MemberOIDC + ".issuer", Message: "The issuer " + oc.Issuer + " cannot be used: " + ie.Reason})
	case err != nil:
		return fmt.Errorf("verify issuer %s: %w", oc.Issuer, err)
	}
	return nil
}

// checkPoolLocation refuses, without a network call, a Cognito
// configuration whose user pool cannot be one vpid may ask Cognito about: a
// pool of another account, of another partition, or of a Region that is not
// one of the deployment's partition (a made-up Region would otherwise cost a
// DNS lookup and an SDK client, and answer 500). path is the request member
// holding the configuration.
func (s *Service) checkPoolLocation(account, path string, c Configuration) *Error {
	cg, ok := c.(*CognitoUserPoolConfiguration)
	if !ok {
		return nil
	}
	field := path + "." + MemberCognito + ".userPoolArn"
	arn, _ := cg.PoolARN() // validate() already matched the pattern
	switch {
	case arn.Partition != s.partition:
		return Validation(Field{Path: field, Message: fmt.Sprintf(
			"User pool %s is in partition %s; an identity source can only use a user pool of this service's partition (%s)", arn.PoolID, arn.Partition, s.partition)})
	case !RegionInPartition(s.partition, arn.Region):
		return Validation(Field{Path: field, Message: fmt.Sprintf(
			"User pool %s names Region %s, which is not a Region of partition %s", arn.PoolID, arn.Region, s.partition)})
	case arn.Account != account:
		return Validation(Field{Path: field, Message: fmt.Sprintf(
			"User pool %s is in account %s; an identity source can only use a user pool of the policy store's account (%s)", arn.PoolID, arn.Account, account)})
	}
	return nil
}

func (s *Service) verifyUserPool(ctx context.Context, account, path string, cg *CognitoUserPoolConfiguration) error {
	p := path + "." + MemberCognito
	arn, _ := cg.PoolARN() // validate() already matched the pattern
	found, err := s.verifier.VerifyUserPool(ctx, arn, cg.ClientIDs)
	if err != nil {
		if e, ok := dependencyError(err, "checking the user pool in Amazon Cognito"); ok {
			return e
		}
		return fmt.Errorf("verify user pool %s: %w", arn, err)
	}
	var fields []Field
	switch {
	case found.PoolMissing:
		fields = append(fields, Field{Path: p + ".userPoolArn", Message: fmt.Sprintf(
			"User pool %s does not exist in Amazon Cognito in %s", arn.PoolID, arn.Region)})
	case found.ActualARN != "":
		fields = append(fields, Field{Path: p + ".userPoolArn", Message: fmt.Sprintf(
			"User pool %s has the ARN %s, not %s", arn.PoolID, found.ActualARN, cg.UserPoolARN)})
	default:
		for _, i := range found.MissingClients {
			fields = append(fields, Field{Path: fmt.Sprintf("%s.clientIds[%d]", p, i), Message: fmt.Sprintf(
				"App client %s does not exist in user pool %s", cg.ClientIDs[i], arn.PoolID)})
		}
	}
	if len(fields) > 0 {
		return Validation(fields...)
	}
	return nil
}

// validate returns the configuration to create, validated.
func (in *CreateIdentitySourceInput) validate() (Configuration, *Error) {
	var v validator
	var cfg Configuration
	v.str("clientToken", in.ClientToken, ruleClientToken)
	v.reqStr("policyStoreId", in.PolicyStoreID, rulePolicyStoreID)
	v.str("principalEntityType", in.PrincipalEntityType, rulePrincipalEntityType)
	if in.Configuration == nil {
		v.missing("configuration")
	} else {
		cfg = in.Configuration.validate(&v, "configuration")
		if v.total == 0 {
			configurationSize(&v, "configuration", cfg)
		}
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	return cfg, nil
}

func (in *GetIdentitySourceInput) validate() *Error {
	var v validator
	v.reqStr("policyStoreId", in.PolicyStoreID, rulePolicyStoreID)
	v.reqStr("identitySourceId", in.IdentitySourceID, ruleIdentitySourceID)
	return v.err()
}

// resolveStore turns a policyStoreId that names an alias
// (policy-store-alias/<name>) into the store's id; ids pass through.
func (s *Service) resolveStore(ctx context.Context, account, ref string) (string, error) {
	if !strings.HasPrefix(ref, AliasPrefix) {
		return ref, nil
	}
	a, err := s.getAlias(ctx, account, ref)
	if err != nil {
		return "", err
	}
	if !a.PendingUntil.IsZero() {
		// AVP: an alias pending deletion names no policy store.
		return "", NotFound(ResourcePolicyStoreAlias, ref)
	}
	return a.PolicyStoreID, nil
}

// ListIdentitySources lists a store's identity sources (at most one, by
// quota), optionally only those whose principal entity type equals one of the
// filters. Errors: ValidationException (including a nextToken that is not
// this request's), ResourceNotFoundException (store).
func (s *Service) ListIdentitySources(ctx context.Context, account string, in *ListIdentitySourcesInput) (*ListIdentitySourcesOutput, error) {
	var v validator
	v.reqStr("policyStoreId", in.PolicyStoreID, rulePolicyStoreID)
	v.pageSize(in.MaxResults)
	v.str("nextToken", in.NextToken, ruleNextToken)
	if v.listLen("filters", len(in.Filters), 0, 10) {
		for i, f := range in.Filters {
			v.str(indexPath("filters", i)+".principalEntityType", f.PrincipalEntityType, rulePrincipalEntityType)
		}
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	scope := pageScope(OpListIdentitySources, account, in.PolicyStoreID, filterScope(in.Filters))
	cursor, err := s.decodePage(ctx, scope, in.NextToken)
	if err != nil {
		return nil, err
	}
	psID, err := s.resolveStore(ctx, account, in.PolicyStoreID)
	if err != nil {
		return nil, err
	}
	all, err := s.identitySources.ListIdentitySources(ctx, account, psID)
	if err != nil {
		return nil, s.storeError(err, "listing identity sources", ResourcePolicyStore, psID)
	}
	// Identity sources are few (the quota is one a store), so the page is cut
	// here: the cursor is the id of the last one returned.
	after := string(cursor)
	limit := pageLimit(in.MaxResults, DefaultPageSize)
	out := &ListIdentitySourcesOutput{IdentitySources: []IdentitySourceItem{}}
	for _, is := range all {
		if is.IdentitySourceID <= after || !matches(in.Filters, is.PrincipalEntityType) {
			continue
		}
		if len(out.IdentitySources) == limit {
			last := out.IdentitySources[limit-1].IdentitySourceID
			if out.NextToken, err = s.encodePage(ctx, scope, []byte(last)); err != nil {
				return nil, err
			}
			break
		}
		out.IdentitySources = append(out.IdentitySources, *output(is))
	}
	return out, nil
}

// matches reports whether a principal entity type passes the filters: any
// filter that names it exactly (case-sensitive); no filters pass everything.
func matches(filters []IdentitySourceFilter, principal string) bool {
	if len(filters) == 0 {
		return true
	}
	return slices.ContainsFunc(filters, func(f IdentitySourceFilter) bool {
		return f.PrincipalEntityType == nil || *f.PrincipalEntityType == principal
	})
}

// UpdateIdentitySource replaces an identity source's configuration, after
// verifying it as CreateIdentitySource does. An omitted principalEntityType
// keeps the stored one. createdDate is kept, lastUpdatedDate moves. Errors:
// ValidationException, ResourceNotFoundException, ThrottlingException and
// InternalServerException (retry).
func (s *Service) UpdateIdentitySource(ctx context.Context, account string, in *UpdateIdentitySourceInput) (*UpdateIdentitySourceOutput, error) {
	var v validator
	v.reqStr("policyStoreId", in.PolicyStoreID, rulePolicyStoreID)
	v.reqStr("identitySourceId", in.IdentitySourceID, ruleIdentitySourceID)
	v.str("principalEntityType", in.PrincipalEntityType, rulePrincipalEntityType)
	var cfg Configuration
	if in.UpdateConfiguration == nil {
		v.missing("updateConfiguration")
	} else {
		cfg = in.UpdateConfiguration.validate(&v, "updateConfiguration")
		if v.total == 0 {
			configurationSize(&v, "updateConfiguration", cfg)
		}
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	if err := s.checkPoolLocation(account, "updateConfiguration", cfg); err != nil {
		return nil, err
	}
	psID, err := s.resolveStore(ctx, account, in.PolicyStoreID)
	if err != nil {
		return nil, err
	}
	// An identity source that does not exist costs no call to the identity
	// provider; the write below is conditional on it all the same.
	cur, err := s.identitySources.GetIdentitySource(ctx, account, psID, in.IdentitySourceID)
	if err != nil {
		return nil, s.storeError(err, "reading the identity source", ResourceIdentitySource, in.IdentitySourceID)
	}
	if err := s.verifyConfiguration(ctx, account, "updateConfiguration", cfg); err != nil {
		return nil, err
	}
	upd := IdentitySourceUpdate{
		PolicyStoreID:       psID,
		IdentitySourceID:    in.IdentitySourceID,
		Configuration:       cfg,
		PrincipalEntityType: in.PrincipalEntityType,
		LastUpdatedDate:     NewTimestamp(s.now()),
	}
	if err := s.identitySources.UpdateIdentitySource(ctx, account, upd); err != nil {
		return nil, s.storeError(err, "updating the identity source", ResourceIdentitySource, in.IdentitySourceID)
	}
	// The id is random and never reused, so the item updated is the one
	// read above: its creation date is that one's.
	return &UpdateIdentitySourceOutput{CreatedDate: cur.CreatedDate, IdentitySourceID: cur.IdentitySourceID, LastUpdatedDate: upd.LastUpdatedDate, PolicyStoreID: cur.PolicyStoreID}, nil
}

// DeleteIdentitySource deletes an identity source; the store can then take a
// new one. Deleting one that does not exist (again) is a
// ResourceNotFoundException. Errors: ValidationException,
// ResourceNotFoundException, ConflictException (a concurrent change; retry).
func (s *Service) DeleteIdentitySource(ctx context.Context, account string, in *DeleteIdentitySourceInput) (*Empty, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	psID, err := s.resolveStore(ctx, account, in.PolicyStoreID)
	if err != nil {
		return nil, err
	}
	if err := s.identitySources.DeleteIdentitySource(ctx, account, psID, in.IdentitySourceID); err != nil {
		return nil, s.storeError(err, "deleting the identity source", ResourceIdentitySource, in.IdentitySourceID)
	}
	return &Empty{}, nil
}

// output is the Get/List form of a stored identity source.
func output(is IdentitySource) *GetIdentitySourceOutput {
	detail, details := describe(is.Configuration)
	return &GetIdentitySourceOutput{
		CreatedDate:         is.CreatedDate,
		Details:             details,
		IdentitySourceID:    is.IdentitySourceID,
		LastUpdatedDate:     is.LastUpdatedDate,
		PolicyStoreID:       is.PolicyStoreID,
		PrincipalEntityType: is.PrincipalEntityType,
		Configuration:       detail,
	}
}
