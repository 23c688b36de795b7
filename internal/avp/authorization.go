package avp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"

	"github.com/cedar-policy/cedar-go/types"
)

// Limits of the authorization operations.
const (
	// MaxBatchRequests is how many requests one batch carries (AVP's
	// documented limit; the model sets none).
	MaxBatchRequests = 30
	// MaxEntities bounds the entities of one request (vpid's bound, so that
	// a request's cost is bounded; AVP documents 100 principals and 100
	// resources for BatchIsAuthorized).
	MaxEntities = 1000
)

// Decisions, as in AVP's Decision enum.
const (
	DecisionAllow = "ALLOW"
	DecisionDeny  = "DENY"
)

// CedarRequest is one authorization request in Cedar terms. A principal,
// action or resource the request leaves out is the zero EntityUID, which no
// scope that names an entity or a type matches.
type CedarRequest struct {
	Principal, Action, Resource types.EntityUID
	Context                     types.Record
}

// Decision is the answer to one request: ALLOW or DENY, the determining
// policies (satisfied forbids if any, else satisfied permits) and one
// errorDescription per policy whose evaluation failed.
type Decision struct {
	Decision    string
	Determining []string
	Errors      []string
}

// PolicySet decides requests against one policy store's policies.
type PolicySet interface {
	Decide(entities types.EntityGetter, req CedarRequest) Decision
	// IdentitySource is the store's identity source as of the same
	// version as the policies; false when it has none.
	IdentitySource() (IdentitySource, bool)
}

// PolicySets gives a policy store's compiled policies, as fresh as DESIGN.md
// ("Authorization decisions") promises. Errors: ErrNotFound (no such store),
// ErrThrottled/ErrUnavailable.
type PolicySets interface {
	PolicySet(ctx context.Context, account, policyStoreID string) (PolicySet, error)
	// Cached is the set held for the store, current or not (nil when
	// none), without any read: work may start on it while PolicySet
	// checks it, and stands if PolicySet returns that very set.
	Cached(account, policyStoreID string) PolicySet
}

// TokenIdentity is what verified tokens give a decision: the principal, the
// entities of the principal and its groups, and the context the access
// token adds ({"token": {...}}; empty without an access token).
type TokenIdentity struct {
	Principal EntityIdentifier
	Entities  []types.Entity
	Context   types.Record
}

// TokenError is a token that failed a check; Check names it.
type TokenError struct {
	Check   string
	Message string
}

func (e *TokenError) Error() string { return e.Message }

// TokenVerifier verifies tokens against an identity source. Errors:
// *TokenError (the caller's fault), ErrUnavailable (the issuer's keys could
// not be read).
type TokenVerifier interface {
	VerifyTokens(ctx context.Context, src IdentitySource, identityToken, accessToken string) (TokenIdentity, error)
}

// ContextDefinition is the context union: a map of attribute values or a
// string holding a Cedar JSON record.
type ContextDefinition struct {
	ContextMap map[string]AttributeValue `json:"contextMap,omitempty"`
	CedarJSON  *string                   `json:"cedarJson,omitempty"`

	union unionState
}

var contextMembers = []string{"contextMap", "cedarJson"}

// UnmarshalJSON decodes the union strictly.
func (c *ContextDefinition) UnmarshalJSON(b []byte) error {
	*c = ContextDefinition{}
	st, err := decodeUnion(b, map[string]any{"contextMap": &c.ContextMap, "cedarJson": &c.CedarJSON})
	c.union = st
	if err == nil && c.ContextMap == nil && containsMember(st.members, "contextMap") {
		c.ContextMap = map[string]AttributeValue{}
	}
	return err
}

// MarshalJSON writes the member set (an empty contextMap included).
func (c ContextDefinition) MarshalJSON() ([]byte, error) {
	switch {
	case c.CedarJSON != nil:
		return json.Marshal(map[string]any{"cedarJson": *c.CedarJSON})
	case c.ContextMap != nil:
		return json.Marshal(map[string]any{"contextMap": c.ContextMap})
	}
	return []byte("{}"), nil
}

// EntitiesDefinition is the entities union: a list of entity items or a
// string holding a Cedar JSON entities array.
type EntitiesDefinition struct {
	EntityList []EntityItem `json:"entityList,omitempty"`
	CedarJSON  *string      `json:"cedarJson,omitempty"`

	union unionState
}

var entitiesMembers = []string{"entityList", "cedarJson"}

// UnmarshalJSON decodes the union strictly.
func (e *EntitiesDefinition) UnmarshalJSON(b []byte) error {
	*e = EntitiesDefinition{}
	st, err := decodeUnion(b, map[string]any{"entityList": &e.EntityList, "cedarJson": &e.CedarJSON})
	e.union = st
	if err == nil && e.EntityList == nil && containsMember(st.members, "entityList") {
		e.EntityList = []EntityItem{}
	}
	return err
}

// EntityItem is one entity of a request: identifier, attributes, parents
// and tags.
type EntityItem struct {
	Identifier *EntityIdentifier         `json:"identifier"`
	Attributes map[string]AttributeValue `json:"attributes,omitempty"`
	Parents    []EntityIdentifier        `json:"parents,omitempty"`
	Tags       map[string]CedarTagValue  `json:"tags,omitempty"`
}

// DeterminingPolicyItem names a determining policy.
type DeterminingPolicyItem struct {
	PolicyID string `json:"policyId"`
}

// EvaluationErrorItem describes a policy whose evaluation failed.
type EvaluationErrorItem struct {
	ErrorDescription string `json:"errorDescription"`
}

// IsAuthorizedInput is the request of IsAuthorized.
type IsAuthorizedInput struct {
	PolicyStoreID string              `json:"policyStoreId"`
	Principal     *EntityIdentifier   `json:"principal,omitempty"`
	Action        *ActionIdentifier   `json:"action,omitempty"`
	Resource      *EntityIdentifier   `json:"resource,omitempty"`
	Context       *ContextDefinition  `json:"context,omitempty"`
	Entities      *EntitiesDefinition `json:"entities,omitempty"`
}

// IsAuthorizedOutput is the response of IsAuthorized.
type IsAuthorizedOutput struct {
	Decision            string                  `json:"decision"`
	DeterminingPolicies []DeterminingPolicyItem `json:"determiningPolicies"`
	Errors              []EvaluationErrorItem   `json:"errors"`
}

// IsAuthorizedWithTokenInput is the request of IsAuthorizedWithToken.
type IsAuthorizedWithTokenInput struct {
	PolicyStoreID string              `json:"policyStoreId"`
	IdentityToken *string             `json:"identityToken,omitempty"`
	AccessToken   *string             `json:"accessToken,omitempty"`
	Action        *ActionIdentifier   `json:"action,omitempty"`
	Resource      *EntityIdentifier   `json:"resource,omitempty"`
	Context       *ContextDefinition  `json:"context,omitempty"`
	Entities      *EntitiesDefinition `json:"entities,omitempty"`
}

// IsAuthorizedWithTokenOutput is the response of IsAuthorizedWithToken.
type IsAuthorizedWithTokenOutput struct {
	Decision            string                  `json:"decision"`
	DeterminingPolicies []DeterminingPolicyItem `json:"determiningPolicies"`
	Errors              []EvaluationErrorItem   `json:"errors"`
	Principal           *EntityIdentifier       `json:"principal,omitempty"`
}

// BatchIsAuthorizedInputItem is one request of a BatchIsAuthorized.
type BatchIsAuthorizedInputItem struct {
	Principal *EntityIdentifier  `json:"principal,omitempty"`
	Action    *ActionIdentifier  `json:"action,omitempty"`
	Resource  *EntityIdentifier  `json:"resource,omitempty"`
	Context   *ContextDefinition `json:"context,omitempty"`
}

// BatchIsAuthorizedInput is the request of BatchIsAuthorized.
type BatchIsAuthorizedInput struct {
	PolicyStoreID string                       `json:"policyStoreId"`
	Entities      *EntitiesDefinition          `json:"entities,omitempty"`
	Requests      []BatchIsAuthorizedInputItem `json:"requests"`
}

// BatchIsAuthorizedOutputItem is the answer to one request of a batch.
type BatchIsAuthorizedOutputItem struct {
	Request             BatchIsAuthorizedInputItem `json:"request"`
	Decision            string                     `json:"decision"`
	DeterminingPolicies []DeterminingPolicyItem    `json:"determiningPolicies"`
	Errors              []EvaluationErrorItem      `json:"errors"`
}

// BatchIsAuthorizedOutput is the response of BatchIsAuthorized.
type BatchIsAuthorizedOutput struct {
	Results []BatchIsAuthorizedOutputItem `json:"results"`
}

// BatchIsAuthorizedWithTokenInputItem is one request of a
// BatchIsAuthorizedWithToken: the principal comes from the token.
type BatchIsAuthorizedWithTokenInputItem struct {
	Action   *ActionIdentifier  `json:"action,omitempty"`
	Resource *EntityIdentifier  `json:"resource,omitempty"`
	Context  *ContextDefinition `json:"context,omitempty"`
}

// BatchIsAuthorizedWithTokenInput is the request of
// BatchIsAuthorizedWithToken.
type BatchIsAuthorizedWithTokenInput struct {
	PolicyStoreID string                                `json:"policyStoreId"`
	IdentityToken *string                               `json:"identityToken,omitempty"`
	AccessToken   *string                               `json:"accessToken,omitempty"`
	Entities      *EntitiesDefinition                   `json:"entities,omitempty"`
	Requests      []BatchIsAuthorizedWithTokenInputItem `json:"requests"`
}

// BatchIsAuthorizedWithTokenOutputItem is the answer to one request.
type BatchIsAuthorizedWithTokenOutputItem struct {
	Request             BatchIsAuthorizedWithTokenInputItem `json:"request"`
	Decision            string                              `json:"decision"`
	DeterminingPolicies []DeterminingPolicyItem             `json:"determiningPolicies"`
	Errors              []EvaluationErrorItem               `json:"errors"`
}

// BatchIsAuthorizedWithTokenOutput is the response of
// BatchIsAuthorizedWithToken.
type BatchIsAuthorizedWithTokenOutput struct {
	Principal *EntityIdentifier                      `json:"principal,omitempty"`
	Results   []BatchIsAuthorizedWithTokenOutputItem `json:"results"`
}

var (
	_ json.Unmarshaler = (*ContextDefinition)(nil)
	_ json.Unmarshaler = (*EntitiesDefinition)(nil)
)

// ruleToken is the model's Token: three base64url segments.
var reToken = newPattern(`^[A-Za-z0-9-_=]+.[A-Za-z0-9-_=]+.[A-Za-z0-9-_=]+$`)

var ruleToken = strRule{min: 1, max: 131072, pattern: reToken, sensitive: true}

// optionalUID checks an optional entity identifier: absent is the zero
// EntityUID (an unspecified entity).
func (v *validator) optionalUID(path string, e *EntityIdentifier) types.EntityUID {
	if e == nil {
		return types.EntityUID{}
	}
	return v.entityUID(path, e)
}

func (v *validator) actionUID(path string, a *ActionIdentifier) types.EntityUID {
	if a == nil {
		return types.EntityUID{}
	}
	v.reqStr(path+".actionType", a.ActionType, ruleActionType)
	v.reqStr(path+".actionId", a.ActionID, ruleActionID)
	return types.NewEntityUID(types.EntityType(a.ActionType), types.String(a.ActionID))
}

// context checks and converts a context; absent is the empty record.
func (v *validator) context(path string, c *ContextDefinition) types.Record {
	if c == nil {
		return types.Record{}
	}
	n := len(v.fields)
	c.union.validate(v, path, contextMembers, c.ContextMap != nil, c.CedarJSON != nil)
	if len(v.fields) > n {
		return types.Record{}
	}
	if c.CedarJSON != nil {
		p := path + ".cedarJson"
		var r types.Record
		if v.str(p, c.CedarJSON, ruleCedarJSON); len(v.fields) > n {
			return types.Record{}
		}
		if jsonDepth([]byte(*c.CedarJSON)) > 2*MaxValueDepth {
			v.add(p, "Value at '%s' nests values more than %d deep", p, MaxValueDepth)
		} else if err := json.Unmarshal([]byte(*c.CedarJSON), &r); err != nil {
			v.add(p, "Value at '%s' is not a Cedar JSON record: %v", p, err)
		}
		return r
	}
	return v.record(path+".contextMap", c.ContextMap, 1)
}

// entities checks and converts the entities of a request. With duplicate
// identifiers the last one counts, as AVP documents.
func (v *validator) entities(path string, e *EntitiesDefinition) types.EntityMap {
	m := types.EntityMap{}
	if e == nil {
		return m
	}
	n := len(v.fields)
	e.union.validate(v, path, entitiesMembers, e.EntityList != nil, e.CedarJSON != nil)
	if len(v.fields) > n {
		return m
	}
	if e.CedarJSON != nil {
		p := path + ".cedarJson"
		if v.str(p, e.CedarJSON, ruleCedarJSON); len(v.fields) > n {
			return m
		}
		if jsonDepth([]byte(*e.CedarJSON)) > 2*MaxValueDepth+4 {
			v.add(p, "Value at '%s' nests values more than %d deep", p, MaxValueDepth)
			return m
		}
		if err := json.Unmarshal([]byte(*e.CedarJSON), &m); err != nil {
			v.add(p, "Value at '%s' is not a Cedar JSON entities array: %v", p, err)
			return types.EntityMap{}
		}
		if len(m) > MaxEntities {
			v.add(p, "Value at '%s' holds %d entities; the limit is %d", p, len(m), MaxEntities)
		}
		return m
	}
	lp := path + ".entityList"
	if !v.listLen(lp, len(e.EntityList), 0, MaxEntities) {
		return m
	}
	for i := range e.EntityList {
		it := &e.EntityList[i]
		ip := indexPath(lp, i)
		uid := v.entityUID(ip+".identifier", it.Identifier)
		parents := make([]types.EntityUID, 0, len(it.Parents))
		if len(it.Parents) > MaxParents {
			v.listLen(ip+".parents", len(it.Parents), 0, MaxParents)
			continue
		}
		for j := range it.Parents {
			parents = append(parents, v.entityUID(indexPath(ip+".parents", j), &it.Parents[j]))
		}
		ent := types.Entity{UID: uid, Parents: types.NewEntityUIDSet(parents...),
			Attributes: v.record(ip+".attributes", it.Attributes, 1)}
		if it.Tags != nil {
			ent.Tags = v.record(ip+".tags", it.Tags, 1)
		}
		m[uid] = ent
	}
	return m
}

// sameEntity reports whether two optional identifiers are equal.
func sameEntity(a, b *EntityIdentifier) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func decisionOutput(d Decision) (string, []DeterminingPolicyItem, []EvaluationErrorItem) {
	det := make([]DeterminingPolicyItem, len(d.Determining))
	for i, id := range d.Determining {
		det[i] = DeterminingPolicyItem{PolicyID: id}
	}
	errs := make([]EvaluationErrorItem, len(d.Errors))
	for i, e := range d.Errors {
		errs[i] = EvaluationErrorItem{ErrorDescription: e}
	}
	return d.Decision, det, errs
}

// onCurrentSet answers with decide run on the store's current policy set.
// When the cache already holds a set of the store, decide starts on it at
// once, beside the freshness check, and its answer stands when the check
// finds that set current (a warm function, a store not written since): a
// decision then takes the read's time, not the read's and its own one
// after the other. Otherwise decide runs again on the set the check gives.
// decide must write nothing; it may run twice.
func onCurrentSet[T any](ctx context.Context, s *Service, account, ref string, decide func(PolicySet) (T, error)) (T, error) {
	var zero T
	psID, err := s.resolveStore(ctx, account, ref)
	if err != nil {
		return zero, err
	}
	type answer struct {
		v   T
		err error
	}
	var early chan answer
	cached := s.policySets.Cached(account, psID)
	if cached != nil {
		early = make(chan answer, 1)
		s.speculation.Go(func() {
			defer func() {
				if r := recover(); r != nil {
					early <- answer{err: fmt.Errorf("decide on the cached set panicked: %v", r)}
				}
			}()
			v, err := decide(cached)
			early <- answer{v, err}
		})
	}
	set, err := s.policySets.PolicySet(ctx, account, psID)
	var a answer
	if early != nil {
		a = <-early // never left running past the request
	}
	switch {
	case err != nil:
		return zero, s.storeError(err, "reading the policy store's policies", ResourcePolicyStore, ref)
	case cached != nil && set == cached:
		return a.v, a.err
	}
	return decide(set)
}

// IsAuthorized decides one request against the store's policies. Errors:
// ValidationException, ResourceNotFoundException (store or alias).
func (s *Service) IsAuthorized(ctx context.Context, account string, in *IsAuthorizedInput) (*IsAuthorizedOutput, error) {
	var v validator
	v.reqStr("policyStoreId", in.PolicyStoreID, rulePolicyStoreID)
	req := CedarRequest{
		Principal: v.optionalUID("principal", in.Principal),
		Action:    v.actionUID("action", in.Action),
		Resource:  v.optionalUID("resource", in.Resource),
		Context:   v.context("context", in.Context),
	}
	ents := v.entities("entities", in.Entities)
	if v.total == 0 {
		v.requestParents("", ents, req)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	return onCurrentSet(ctx, s, account, in.PolicyStoreID, func(set PolicySet) (*IsAuthorizedOutput, error) {
		out := &IsAuthorizedOutput{}
		out.Decision, out.DeterminingPolicies, out.Errors = decisionOutput(set.Decide(ents, req))
		return out, nil
	})
}

// BatchIsAuthorized decides up to 30 requests that share their principal
// or their resource, with one set of entities. Errors: as IsAuthorized.
func (s *Service) BatchIsAuthorized(ctx context.Context, account string, in *BatchIsAuthorizedInput) (*BatchIsAuthorizedOutput, error) {
	var v validator
	v.reqStr("policyStoreId", in.PolicyStoreID, rulePolicyStoreID)
	reqs := make([]CedarRequest, len(in.Requests))
	if in.Requests == nil {
		v.missing("requests")
	} else if v.listLen("requests", len(in.Requests), 1, MaxBatchRequests) {
		samePrincipal, sameResource := true, true
		for i := range in.Requests {
			r := &in.Requests[i]
			p := indexPath("requests", i)
			reqs[i] = CedarRequest{
				Principal: v.optionalUID(p+".principal", r.Principal),
				Action:    v.actionUID(p+".action", r.Action),
				Resource:  v.optionalUID(p+".resource", r.Resource),
				Context:   v.context(p+".context", r.Context),
			}
			samePrincipal = samePrincipal && sameEntity(r.Principal, in.Requests[0].Principal)
			sameResource = sameResource && sameEntity(r.Resource, in.Requests[0].Resource)
		}
		if !samePrincipal && !sameResource {
			v.add("requests", "Value at 'requests' failed to satisfy constraint: every request must have the same principal, or every request the same resource")
		}
	}
	ents := v.entities("entities", in.Entities)
	if v.total == 0 {
		for i, req := range reqs {
			v.requestParents(indexPath("requests", i)+".", ents, req)
		}
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	return onCurrentSet(ctx, s, account, in.PolicyStoreID, func(set PolicySet) (*BatchIsAuthorizedOutput, error) {
		out := &BatchIsAuthorizedOutput{Results: make([]BatchIsAuthorizedOutputItem, len(reqs))}
		for i, req := range reqs {
			r := &out.Results[i]
			r.Request = in.Requests[i]
			r.Decision, r.DeterminingPolicies, r.Errors = decisionOutput(set.Decide(ents, req))
		}
		return out, nil
	})
}

// tokenEntities checks that the request's entities m carry nothing of the
// token's principal or groups (principal data comes only from the token,
// as AVP documents) and returns them with the token's entities added (m
// itself is left as it is).
func tokenEntities(path string, m types.EntityMap, src IdentitySource, id TokenIdentity) (types.EntityMap, error) {
	forbidden := map[types.EntityType]bool{types.EntityType(id.Principal.EntityType): true}
	for _, e := range id.Entities {
		forbidden[e.UID.Type] = true
		for p := range e.Parents.All() {
			forbidden[p.Type] = true // the groups
		}
	}
	if src.PrincipalEntityType != "" {
		forbidden[types.EntityType(src.PrincipalEntityType)] = true
	}
	for uid := range m {
		if forbidden[uid.Type] {
			var v validator
			v.add(path, "Value at '%s' holds an entity of type %s: the principal and its groups come from the token, so entities may not describe them", path, uid.Type)
			return nil, v.err()
		}
	}
	out := make(types.EntityMap, len(m)+len(id.Entities))
	maps.Copy(out, m)
	for _, e := range id.Entities {
		out[e.UID] = e
	}
	return out, nil
}

// tokenRequest verifies the tokens against the identity source set
// carries and returns the identity and the request's entities with the
// token's.
func (s *Service) tokenRequest(ctx context.Context, set PolicySet, ref string, identityToken, accessToken *string, ents types.EntityMap) (TokenIdentity, types.EntityMap, error) {
	id, src, err := s.verifyForSet(ctx, set, ref, identityToken, accessToken)
	if err != nil {
		return TokenIdentity{}, nil, err
	}
	all, err := tokenEntities("entities", ents, src, id)
	if err != nil {
		return TokenIdentity{}, nil, err
	}
	uid := types.NewEntityUID(types.EntityType(id.Principal.EntityType), types.String(id.Principal.EntityID))
	if n := ancestors(all, uid, MaxParents+1); n > MaxParents {
		param := "identityToken"
		if identityToken == nil {
			param = "accessToken"
		}
		return TokenIdentity{}, nil, Validation(Field{Path: param, Message: fmt.Sprintf(
			"The token's principal is in more than %d groups; Verified Permissions allows a principal at most %d parents, direct and transitive", MaxParents, MaxParents)})
	}
	return id, all, nil
}

// mergeContext adds the token's context members to the request's; a
// request member of the same name (token) is replaced by the token's.
func mergeContext(c, token types.Record) types.Record {
	if token.Len() == 0 {
		return c
	}
	rm := types.RecordMap{}
	for k, x := range c.All() {
		rm[k] = x
	}
	for k, x := range token.All() {
		rm[k] = x
	}
	return types.NewRecord(rm)
}

func (v *validator) tokens(identityToken, accessToken *string) {
	v.str("identityToken", identityToken, ruleToken)
	v.str("accessToken", accessToken, ruleToken)
	if identityToken == nil && accessToken == nil {
		v.add("identityToken", "The request must carry an identityToken, an accessToken or both")
	}
}

// IsAuthorizedWithToken decides one request whose principal comes from
// verified tokens of the store's identity source. Errors: as IsAuthorized,
// and ValidationException for a token that fails a check or a store
// without identity source.
func (s *Service) IsAuthorizedWithToken(ctx context.Context, account string, in *IsAuthorizedWithTokenInput) (*IsAuthorizedWithTokenOutput, error) {
	var v validator
	v.reqStr("policyStoreId", in.PolicyStoreID, rulePolicyStoreID)
	v.tokens(in.IdentityToken, in.AccessToken)
	req := CedarRequest{
		Action:   v.actionUID("action", in.Action),
		Resource: v.optionalUID("resource", in.Resource),
		Context:  v.context("context", in.Context),
	}
	ents := v.entities("entities", in.Entities)
	if v.total == 0 {
		v.requestParents("", ents, req) // no principal yet: the token's is checked once verified
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	return onCurrentSet(ctx, s, account, in.PolicyStoreID, func(set PolicySet) (*IsAuthorizedWithTokenOutput, error) {
		id, all, err := s.tokenRequest(ctx, set, in.PolicyStoreID, in.IdentityToken, in.AccessToken, ents)
		if err != nil {
			return nil, err
		}
		req := req
		req.Principal = types.NewEntityUID(types.EntityType(id.Principal.EntityType), types.String(id.Principal.EntityID))
		req.Context = mergeContext(req.Context, id.Context)
		principal := id.Principal
		out := &IsAuthorizedWithTokenOutput{Principal: &principal}
		out.Decision, out.DeterminingPolicies, out.Errors = decisionOutput(set.Decide(all, req))
		return out, nil
	})
}

// BatchIsAuthorizedWithToken decides up to 30 requests of the one
// principal the tokens name. Errors: as IsAuthorizedWithToken.
func (s *Service) BatchIsAuthorizedWithToken(ctx context.Context, account string, in *BatchIsAuthorizedWithTokenInput) (*BatchIsAuthorizedWithTokenOutput, error) {
	var v validator
	v.reqStr("policyStoreId", in.PolicyStoreID, rulePolicyStoreID)
	v.tokens(in.IdentityToken, in.AccessToken)
	reqs := make([]CedarRequest, len(in.Requests))
	if in.Requests == nil {
		v.missing("requests")
	} else if v.listLen("requests", len(in.Requests), 1, MaxBatchRequests) {
		for i := range in.Requests {
			r := &in.Requests[i]
			p := indexPath("requests", i)
			reqs[i] = CedarRequest{
				Action:   v.actionUID(p+".action", r.Action),
				Resource: v.optionalUID(p+".resource", r.Resource),
				Context:  v.context(p+".context", r.Context),
			}
		}
	}
	ents := v.entities("entities", in.Entities)
	if v.total == 0 {
		for i, req := range reqs {
			v.requestParents(indexPath("requests", i)+".", ents, req)
		}
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	return onCurrentSet(ctx, s, account, in.PolicyStoreID, func(set PolicySet) (*BatchIsAuthorizedWithTokenOutput, error) {
		id, all, err := s.tokenRequest(ctx, set, in.PolicyStoreID, in.IdentityToken, in.AccessToken, ents)
		if err != nil {
			return nil, err
		}
		principal := id.Principal
		uid := types.NewEntityUID(types.EntityType(principal.EntityType), types.String(principal.EntityID))
		out := &BatchIsAuthorizedWithTokenOutput{Principal: &principal, Results: make([]BatchIsAuthorizedWithTokenOutputItem, len(reqs))}
		for i, req := range reqs {
			req.Principal = uid
			req.Context = mergeContext(req.Context, id.Context)
			r := &out.Results[i]
			r.Request = in.Requests[i]
			r.Decision, r.DeterminingPolicies, r.Errors = decisionOutput(set.Decide(all, req))
		}
		return out, nil
	})
}

// verifyForSet verifies the tokens against the identity source the set
// carries: read with the store's policies, at the same version, so a
// decision never pairs policies with an identity source of another moment
// and costs no read of its own.
func (s *Service) verifyForSet(ctx context.Context, set PolicySet, ref string, identityToken, accessToken *string) (TokenIdentity, IdentitySource, error) {
	src, ok := set.IdentitySource()
	if !ok {
		return TokenIdentity{}, IdentitySource{}, Validation(Field{Path: "policyStoreId", Message: fmt.Sprintf(
			"Policy store %s has no identity source; create one before calling an operation that takes tokens", ref)})
	}
	id, err := s.verifyTokens(ctx, src, identityToken, accessToken)
	return id, src, err
}

func (s *Service) verifyTokens(ctx context.Context, src IdentitySource, identityToken, accessToken *string) (TokenIdentity, error) {
	deref := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	id, err := s.tokens.VerifyTokens(ctx, src, deref(identityToken), deref(accessToken))
	var te *TokenError
	switch {
	case errors.As(err, &te):
		return TokenIdentity{}, &Error{Code: CodeValidation, Message: "The token failed the " + te.Check + " check: " + te.Message}
	case err != nil:
		if e, ok := dependencyError(err, "reading the identity source's signing keys"); ok {
			return TokenIdentity{}, e
		}
		return TokenIdentity{}, fmt.Errorf("verify tokens: %w", err)
	}
	return id, nil
}

// CedarSnapshots reads a policy store's Cedar half for decisions:
// everything at once, or only its version (a cheap read). Errors:
// ErrNotFound (no such store), ErrThrottled/ErrUnavailable.
type CedarSnapshots interface {
	ReadCedar(ctx context.Context, account, policyStoreID string) (CedarSnapshot, error)
	CedarVersion(ctx context.Context, account, policyStoreID string) (int64, error)
}
