package avp

import (
	"context"
	"slices"
	"strings"
)

// Operation names of the identity-source API beyond create and get.
const (
	OpListIdentitySources  = "ListIdentitySources"
	OpUpdateIdentitySource = "UpdateIdentitySource"
	OpDeleteIdentitySource = "DeleteIdentitySource"
)

// resolveStore turns a policyStoreId that names an alias
// (policy-store-alias/<name>) into the store's id; ids pass through.
func (s *Service) resolveStore(ctx context.Context, account, ref string) (string, error) {
	if !strings.HasPrefix(ref, AliasPrefix) {
		return ref, nil
	}
	a, err := s.store.GetAlias(ctx, account, ref)
	if err != nil {
		return "", s.storeError(err, "reading the policy store alias", ResourcePolicyStoreAlias, ref)
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
	all, err := s.store.ListIdentitySources(ctx, account, psID)
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
	if in.UpdateConfiguration == nil {
		v.missing("updateConfiguration")
	} else {
		in.UpdateConfiguration.validate(&v, "updateConfiguration")
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	psID, err := s.resolveStore(ctx, account, in.PolicyStoreID)
	if err != nil {
		return nil, err
	}
	if err := s.verifyConfiguration(ctx, account, "updateConfiguration", in.UpdateConfiguration); err != nil {
		return nil, err
	}
	is, err := s.store.UpdateIdentitySource(ctx, account, IdentitySourceUpdate{
		PolicyStoreID:       psID,
		IdentitySourceID:    in.IdentitySourceID,
		Configuration:       *in.UpdateConfiguration,
		PrincipalEntityType: in.PrincipalEntityType,
		LastUpdatedDate:     NewTimestamp(s.now()),
	})
	if err != nil {
		return nil, s.storeError(err, "updating the identity source", ResourceIdentitySource, in.IdentitySourceID)
	}
	return &UpdateIdentitySourceOutput{CreatedDate: is.CreatedDate, IdentitySourceID: is.IdentitySourceID, LastUpdatedDate: is.LastUpdatedDate, PolicyStoreID: is.PolicyStoreID}, nil
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
	if err := s.store.DeleteIdentitySource(ctx, account, psID, in.IdentitySourceID); err != nil {
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
