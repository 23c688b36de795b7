package avp

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// IdempotencyTTL is how long a clientToken is remembered.
const IdempotencyTTL = 8 * time.Hour

// replayReserve is the part of a request's deadline that identity-provider
// checks leave for reading an idempotency record when they fail.
const replayReserve = time.Second

// Operation names, as in X-Amz-Target and in idempotency records.
const (
	OpCreatePolicyStore    = "CreatePolicyStore"
	OpGetPolicyStore       = "GetPolicyStore"
	OpCreateIdentitySource = "CreateIdentitySource"
	OpGetIdentitySource    = "GetIdentitySource"
)

// IdempotencyRecord remembers a create made with a clientToken: a hash of its
// parameters and the response it got, until ExpiresAt.
type IdempotencyRecord struct {
	Operation  string
	Token      string
	ParamsHash string
	Response   []byte // the JSON response of the original request
	IssuedAt   time.Time
	ExpiresAt  time.Time
}

// Live reports whether the record still holds its token at now.
func (r IdempotencyRecord) Live(now time.Time) bool { return now.Before(r.ExpiresAt) }

// TokenUsedError is returned by a Store write whose clientToken already has
// an unexpired record; Record is that record.
type TokenUsedError struct{ Record IdempotencyRecord }

func (e *TokenUsedError) Error() string {
	return fmt.Sprintf("client token already used by %s", e.Record.Operation)
}

// PolicyStores keeps policy stores. Every method is scoped to account: an
// item of another account is never returned, changed or reported.
type PolicyStores interface {
	// CreatePolicyStore writes ps, and rec when not nil, atomically; rec
	// replaces a record of its token that expired by rec.IssuedAt. Errors:
	// *TokenUsedError, ErrConflict, ErrThrottled/ErrUnavailable.
	CreatePolicyStore(ctx context.Context, account string, ps PolicyStore, rec *IdempotencyRecord) error
	// GetPolicyStore errors: ErrNotFound, ErrThrottled/ErrUnavailable.
	GetPolicyStore(ctx context.Context, account, policyStoreID string) (PolicyStore, error)
	// ListPolicyStores returns up to limit stores, oldest first, after the
	// position cursor (nil: the start), and the cursor of the next page (nil
	// at the end). A cursor is opaque and unsigned: the Service signs it.
	ListPolicyStores(ctx context.Context, account string, limit int, cursor []byte) ([]PolicyStore, []byte, error)
	// UpdatePolicyStore applies upd and returns the updated store. Errors:
	// ErrNotFound, ErrThrottled/ErrUnavailable.
	UpdatePolicyStore(ctx context.Context, account, policyStoreID string, upd PolicyStoreUpdate) (PolicyStore, error)
	// DeletePolicyStore deletes the store with its identity source and its
	// aliases, atomically. Errors: ErrNotFound, ErrDeletionProtected,
	// ErrConflict, ErrThrottled/ErrUnavailable.
	DeletePolicyStore(ctx context.Context, account, policyStoreID string) error
}

// Aliases keeps policy store aliases.
type Aliases interface {
	// CreateAlias writes the alias on the condition that its name is free
	// and its store exists. Errors: ErrAliasExists, ErrNotFound (store),
	// ErrThrottled/ErrUnavailable.
	CreateAlias(ctx context.Context, account string, a PolicyStoreAlias) error
	// GetAlias errors: ErrNotFound, ErrThrottled/ErrUnavailable.
	GetAlias(ctx context.Context, account, aliasName string) (PolicyStoreAlias, error)
	// ListAliases pages through the account's aliases by name; a
	// non-empty policyStoreID keeps only that store's.
	ListAliases(ctx context.Context, account, policyStoreID string, limit int, cursor []byte) ([]PolicyStoreAlias, []byte, error)
	// DeleteAlias errors: ErrNotFound, ErrConflict, ErrThrottled/ErrUnavailable.
	DeleteAlias(ctx context.Context, account, aliasName string) error
}

// PageKeys gives the key that signs list page tokens.
type PageKeys interface {
	// PageTokenKey returns the deployment's secret for signing nextToken
	// values, creating it on first use.
	PageTokenKey(ctx context.Context) ([]byte, error)
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
	// UpdateIdentitySource applies upd and returns the result. Errors:
	// ErrNotFound, ErrThrottled/ErrUnavailable.
	UpdateIdentitySource(ctx context.Context, account string, upd IdentitySourceUpdate) (IdentitySource, error)
	// DeleteIdentitySource deletes it and frees the store's slot atomically.
	// Errors: ErrNotFound, ErrConflict, ErrThrottled/ErrUnavailable.
	DeleteIdentitySource(ctx context.Context, account, policyStoreID, identitySourceID string) error
}

// IdempotencyRecords reads idempotency records.
type IdempotencyRecords interface {
	// GetIdempotencyRecord returns the record of a token, expired or not
	// (TTL deletion lags), or ErrNotFound.
	GetIdempotencyRecord(ctx context.Context, account, operation, token string) (IdempotencyRecord, error)
}

// Store is all the storage the Service needs.
type Store interface {
	PolicyStores
	IdentitySources
	Aliases
	IdempotencyRecords
	PageKeys
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
type IssuerError struct{ Reason string }

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

// Service carries out the AVP operations. Its methods take the calling
// account, which owns everything they create and scopes everything they read.
// They return *Error for failures the caller can act on; any other error is
// internal.
type Service struct {
	store     Store
	verifier  UserPoolVerifier
	issuers   IssuerVerifier
	now       func() time.Time
	newID     func() string
	partition string
}

// Option configures a Service.
type Option func(*Service)

// WithClock sets the clock (tests).
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// WithIDs sets the id generator (tests).
func WithIDs(newID func() string) Option { return func(s *Service) { s.newID = newID } }

// WithPartition sets the AWS partition used in policy store ARNs (default "aws").
func WithPartition(p string) Option { return func(s *Service) { s.partition = p } }

// NewService returns a Service over the given store and verifiers.
func NewService(store Store, pools UserPoolVerifier, issuers IssuerVerifier, opts ...Option) *Service {
	s := &Service{store: store, verifier: pools, issuers: issuers, now: time.Now, newID: NewID, partition: "aws"}
	for _, o := range opts {
		o(s)
	}
	return s
}

// CreatePolicyStore creates a policy store. Errors: ValidationException,
// ConflictException (clientToken reused with other parameters).
func (s *Service) CreatePolicyStore(ctx context.Context, account string, in *CreatePolicyStoreInput) (*CreatePolicyStoreOutput, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	now := NewTimestamp(s.now())
	ps := PolicyStore{
		PolicyStoreID:      s.newID(),
		ValidationMode:     in.ValidationSettings.Mode,
		Description:        in.Description,
		DeletionProtection: DeletionProtectionDisabled,
		Tags:               in.Tags,
		CreatedDate:        now,
		LastUpdatedDate:    now,
		Encryption:         EncryptionState{Default: &struct{}{}},
	}
	ps.ARN = PolicyStoreARN(s.partition, account, ps.PolicyStoreID)
	if in.DeletionProtection != nil {
		ps.DeletionProtection = *in.DeletionProtection
	}
	if k := in.EncryptionSettings; k != nil && k.KMSEncryptionSettings != nil {
		ctx := k.KMSEncryptionSettings.EncryptionContext
		if ctx == nil {
			ctx = map[string]string{}
		}
		ps.Encryption = EncryptionState{KMSEncryptionState: &KMSEncryptionState{Key: k.KMSEncryptionSettings.Key, EncryptionContext: ctx}}
	}
	out := &CreatePolicyStoreOutput{ARN: ps.ARN, CreatedDate: now, LastUpdatedDate: now, PolicyStoreID: ps.PolicyStoreID}
	params := *in
	params.ClientToken = nil
	err := idempotent(s, account, OpCreatePolicyStore, in.ClientToken, params, out,
		func(o *CreatePolicyStoreOutput) []ResourceRef {
			return []ResourceRef{{ResourceID: o.PolicyStoreID, ResourceType: ResourcePolicyStore}}
		},
		func(rec *IdempotencyRecord) error { return s.store.CreatePolicyStore(ctx, account, ps, rec) })
	if err != nil {
		return nil, s.storeError(err, "creating the policy store", ResourcePolicyStore, ps.PolicyStoreID)
	}
	return out, nil
}

// GetPolicyStore returns a policy store. Errors: ValidationException,
// ResourceNotFoundException.
func (s *Service) GetPolicyStore(ctx context.Context, account string, in *GetPolicyStoreInput) (*GetPolicyStoreOutput, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	psID, err := s.resolveStore(ctx, account, in.PolicyStoreID)
	if err != nil {
		return nil, err
	}
	ps, err := s.store.GetPolicyStore(ctx, account, psID)
	if err != nil {
		return nil, s.storeError(err, "reading the policy store", ResourcePolicyStore, psID)
	}
	enc := ps.Encryption
	out := &GetPolicyStoreOutput{
		ARN:                ps.ARN,
		CedarVersion:       CedarVersion4,
		CreatedDate:        ps.CreatedDate,
		DeletionProtection: ps.DeletionProtection,
		Description:        ps.Description,
		EncryptionState:    &enc,
		LastUpdatedDate:    ps.LastUpdatedDate,
		PolicyStoreID:      ps.PolicyStoreID,
		ValidationSettings: ValidationSettings{Mode: ps.ValidationMode},
	}
	if in.Tags != nil && *in.Tags && len(ps.Tags) > 0 {
		out.Tags = ps.Tags
	}
	return out, nil
}

// CreateIdentitySource registers an identity provider with a policy store.
// Errors: ValidationException (bad input, or a pool or client id Cognito does
// not know), ResourceNotFoundException (policy store), ServiceQuotaExceeded
// (the store already has its identity source), ConflictException
// (clientToken reused with other parameters), ThrottlingException and
// InternalServerException (Cognito or DynamoDB failed; retry).
func (s *Service) CreateIdentitySource(ctx context.Context, account string, in *CreateIdentitySourceInput) (*CreateIdentitySourceOutput, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	principal := DefaultCognitoPrincipalEntityType
	if in.PrincipalEntityType != nil {
		principal = *in.PrincipalEntityType
	}
	policyStoreID, err := s.resolveStore(ctx, account, in.PolicyStoreID)
	if err != nil {
		return nil, err
	}
	in.PolicyStoreID = policyStoreID
	params := struct {
		PolicyStoreID       string         `json:"policyStoreId"`
		Configuration       *Configuration `json:"configuration"`
		PrincipalEntityType string         `json:"principalEntityType"`
	}{in.PolicyStoreID, in.Configuration, principal}

	// With a clientToken, the check may not use up the request's deadline:
	// if it fails (a hung Cognito, say), what is left must still let a retry
	// of a create that succeeded read its original answer.
	vctx := ctx
	if deadline, ok := ctx.Deadline(); ok && in.ClientToken != nil {
		var cancel context.CancelFunc
		vctx, cancel = context.WithDeadline(ctx, deadline.Add(-replayReserve))
		defer cancel()
	}
	if err := s.verifyConfiguration(vctx, account, "configuration", in.Configuration); err != nil {
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
		PolicyStoreID:       in.PolicyStoreID,
		IdentitySourceID:    s.newID(),
		PrincipalEntityType: principal,
		Configuration:       *in.Configuration,
		CreatedDate:         now,
		LastUpdatedDate:     now,
	}
	out := &CreateIdentitySourceOutput{CreatedDate: now, IdentitySourceID: is.IdentitySourceID, LastUpdatedDate: now, PolicyStoreID: is.PolicyStoreID}
	err = idempotent(s, account, OpCreateIdentitySource, in.ClientToken, params, out,
		func(o *CreateIdentitySourceOutput) []ResourceRef {
			return []ResourceRef{{ResourceID: o.IdentitySourceID, ResourceType: ResourceIdentitySource}}
		},
		func(rec *IdempotencyRecord) error { return s.store.CreateIdentitySource(ctx, account, is, rec) })
	switch {
	case err == nil:
		return out, nil
	case errors.Is(err, ErrNotFound):
		return nil, NotFound(ResourcePolicyStore, in.PolicyStoreID)
	case errors.Is(err, ErrQuotaExceeded):
		return nil, &Error{
			Code:         CodeServiceQuotaExceeded,
			Message:      fmt.Sprintf("Policy store %s already has an identity source; a policy store can have at most 1. Delete it or update it instead", in.PolicyStoreID),
			ResourceType: ResourceIdentitySource,
			ServiceCode:  "verifiedpermissions",
		}
	}
	return nil, s.storeError(err, "creating the identity source", ResourcePolicyStore, in.PolicyStoreID)
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
	is, err := s.store.GetIdentitySource(ctx, account, psID, in.IdentitySourceID)
	if err != nil {
		return nil, s.storeError(err, "reading the identity source", ResourceIdentitySource, in.IdentitySourceID)
	}
	return output(is), nil
}

// describe turns a stored configuration into its output forms: the
// configuration detail (with the derived issuer) and the deprecated details.
func describe(c Configuration) (*ConfigurationDetail, *IdentitySourceDetails) {
	switch {
	case c.CognitoUserPoolConfiguration != nil:
		cg := c.CognitoUserPoolConfiguration
		arn, _ := ParseUserPoolARN(cg.UserPoolARN)
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
	case c.OpenIDConnectConfiguration != nil:
		return &ConfigurationDetail{OpenIDConnectConfiguration: c.OpenIDConnectConfiguration}, nil
	}
	return nil, nil
}

// verifyConfiguration checks a validated configuration against its identity
// provider. path is the request member holding it.
func (s *Service) verifyConfiguration(ctx context.Context, account, path string, c *Configuration) error {
	if oc := c.OpenIDConnectConfiguration; oc != nil {
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
	cg := c.CognitoUserPoolConfiguration
	p := path + "." + MemberCognito
	arn, _ := ParseUserPoolARN(cg.UserPoolARN) // validate() already matched the pattern
	if arn.Account != account {
		return Validation(Field{Path: p + ".userPoolArn", Message: fmt.Sprintf(
			"User pool %s is in account %s; an identity source can only use a user pool of the policy store's account (%s)", arn.PoolID, arn.Account, account)})
	}
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

// idempotent runs write with an idempotency record for token (none when
// token is nil). out holds the response to remember; when the token was used
// before with the same parameters, out is overwritten with the original
// response and no write happens.
func idempotent[O any](s *Service, account, op string, token *string, params any, out *O,
	resources func(stored *O) []ResourceRef, write func(rec *IdempotencyRecord) error) error {
	if token == nil {
		return write(nil)
	}
	hash, resp, err := hashAndEncode(params, out)
	if err != nil {
		return err
	}
	now := s.now()
	rec := &IdempotencyRecord{Operation: op, Token: *token, ParamsHash: hash, Response: resp, IssuedAt: now, ExpiresAt: now.Add(IdempotencyTTL)}
	err = write(rec)
	var used *TokenUsedError
	if !errors.As(err, &used) {
		return err
	}
	if used.Record.ParamsHash != hash {
		prev := new(O)
		_ = json.Unmarshal(used.Record.Response, prev)
		return Conflict(fmt.Sprintf("clientToken %s was already used for a %s request with different parameters; use a new clientToken for a new request", *token, op), resources(prev)...)
	}
	if err := json.Unmarshal(used.Record.Response, out); err != nil {
		return fmt.Errorf("decode stored response of %s token: %w", op, err)
	}
	return nil
}

// replay returns the stored response of token if it was used for the same
// parameters; it is only consulted on failure paths.
func (s *Service) replay(ctx context.Context, account, op string, token *string, params any) ([]byte, bool) {
	if token == nil {
		return nil, false
	}
	rec, err := s.store.GetIdempotencyRecord(ctx, account, op, *token)
	if err != nil || !rec.Live(s.now()) {
		return nil, false
	}
	hash, _, err := hashAndEncode(params, nil)
	if err != nil || rec.ParamsHash != hash {
		return nil, false
	}
	return rec.Response, true
}

// hashAndEncode hashes the canonical JSON of params (encoding/json writes
// struct fields in declaration order and map keys sorted) and encodes out.
func hashAndEncode(params, out any) (string, []byte, error) {
	p, err := json.Marshal(params)
	if err != nil {
		return "", nil, fmt.Errorf("encode parameters: %w", err)
	}
	sum := sha256.Sum256(p)
	var resp []byte
	if out != nil {
		if resp, err = json.Marshal(out); err != nil {
			return "", nil, fmt.Errorf("encode response: %w", err)
		}
	}
	return hex.EncodeToString(sum[:]), resp, nil
}

// storeError maps a storage error to its AVP answer.
func (s *Service) storeError(err error, what, resourceType, id string) error {
	var e *Error
	switch {
	case errors.As(err, &e):
		return e
	case errors.Is(err, ErrNotFound):
		return NotFound(resourceType, id)
	case errors.Is(err, ErrConflict):
		return Conflict("Another request changed this resource at the same time; retry the request",
			ResourceRef{ResourceID: id, ResourceType: resourceType})
	}
	if e, ok := dependencyError(err, what); ok {
		return e
	}
	return fmt.Errorf("%s: %w", what, err)
}
