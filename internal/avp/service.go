package avp

import (
	"errors"
	"fmt"
	"time"
)

// Deps are what a Service consumes, each as the small interface of the
// operations that use it: policy store operations need PolicyStores, alias
// operations Aliases, identity source operations IdentitySources and the
// verifiers; every operation that takes a policyStoreId reads Aliases to
// resolve an alias, creates with a clientToken read IdempotencyRecords, and
// list operations sign their page tokens with PageKeys. A member may be nil
// when no operation that needs it is called.
type Deps struct {
	PolicyStores    PolicyStores
	Aliases         Aliases
	IdentitySources IdentitySources
	Idempotency     IdempotencyRecords
	PageKeys        PageKeys
	UserPools       UserPoolVerifier
	Issuers         IssuerVerifier
	// Policies and Cedar serve the policy, policy template, schema and
	// tag operations.
	Policies Policies
	Cedar    Cedar
	// PolicySets and Tokens serve the authorization decisions.
	PolicySets PolicySets
	Tokens     TokenVerifier
}

// Service carries out the AVP operations. Its methods take the calling
// account, which owns everything they create and scopes everything they read.
// They return *Error for failures the caller can act on; any other error is
// internal.
type Service struct {
	policyStores    PolicyStores
	aliases         Aliases
	identitySources IdentitySources
	idempotency     IdempotencyRecords
	pageKeys        PageKeys
	verifier        UserPoolVerifier
	issuers         IssuerVerifier
	now             func() time.Time
	newID           func() string
	partition       string
	region          string
	keys            KeyResolver
	policies        Policies
	cedar           Cedar
	policySets      PolicySets
	tokens          TokenVerifier
	speculation     *keptGoroutines
}

// speculators is how many goroutines a Service keeps for decisions made
// beside their freshness check (see onCurrentSet): as many as decisions in
// flight at once, in a Lambda function one.
const speculators = 8

// Option configures a Service.
type Option func(*Service)

// WithClock sets the clock (tests).
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// WithIDs sets the id generator (tests).
func WithIDs(newID func() string) Option { return func(s *Service) { s.newID = newID } }

// WithPartition sets the AWS partition used in policy store ARNs (default "aws").
func WithPartition(p string) Option { return func(s *Service) { s.partition = p } }

// WithRegion sets the region of the ARNs that carry one (alias ARNs;
// default "us-east-1").
func WithRegion(r string) Option { return func(s *Service) { s.region = r } }

// NewService returns a Service over d.
func NewService(d Deps, opts ...Option) *Service {
	s := &Service{
		policyStores:    d.PolicyStores,
		aliases:         d.Aliases,
		identitySources: d.IdentitySources,
		idempotency:     d.Idempotency,
		pageKeys:        d.PageKeys,
		verifier:        d.UserPools,
		issuers:         d.Issuers,
		policies:        d.Policies,
		cedar:           d.Cedar,
		policySets:      d.PolicySets,
		tokens:          d.Tokens,
		now:             time.Now,
		newID:           NewID,
		partition:       "aws",
		region:          "us-east-1",
		speculation:     newKeptGoroutines(speculators),
	}
	for _, o := range opts {
		o(s)
	}
	if s.keys == nil {
		s.keys = LocalKeys{Partition: s.partition, Region: s.region}
	}
	return s
}

// Empty is the response of the delete operations: {}.
type Empty struct{}

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
