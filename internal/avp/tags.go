package avp

import (
	"context"
	"errors"
	"fmt"
)

// Wire types of the tag operations.
type (
	// TagResourceInput is the request of TagResource.
	TagResourceInput struct {
		ResourceARN string            `json:"resourceArn"`
		Tags        map[string]string `json:"tags"`
	}
	// UntagResourceInput is the request of UntagResource.
	UntagResourceInput struct {
		ResourceARN string   `json:"resourceArn"`
		TagKeys     []string `json:"tagKeys"`
	}
	// ListTagsForResourceInput is the request of ListTagsForResource.
	ListTagsForResourceInput struct {
		ResourceARN string `json:"resourceArn"`
	}
	// ListTagsForResourceOutput is the response of ListTagsForResource.
	ListTagsForResourceOutput struct {
		Tags map[string]string `json:"tags"`
	}
)

// maxTagMembers is the model's bound on the members of one tag request;
// the tags a store may carry are MaxTags.
const maxTagMembers = 200

var rePolicyStoreARN = newPattern(`^arn:([a-z0-9-]+):verifiedpermissions::([0-9]{12}):policy-store/([a-zA-Z0-9-]+)$`)

// taggedStore checks resourceArn and returns the policy store it names. An
// ARN of another account or partition names no store of the caller's.
func (s *Service) taggedStore(ctx context.Context, account string, v *validator, arn string) (string, error) {
	v.reqStr("resourceArn", arn, ruleResourceARN)
	m := rePolicyStoreARN.FindStringSubmatch(arn)
	if arn != "" && m == nil {
		v.violation("resourceArn", arn, false, "Member must be the ARN of a policy store: arn:<partition>:verifiedpermissions::<account>:policy-store/<policyStoreId>")
	}
	if err := v.err(); err != nil {
		return "", err
	}
	if m[1] != s.partition || m[2] != account {
		return "", NotFound(ResourcePolicyStore, arn)
	}
	if _, err := s.policyStores.GetPolicyStore(ctx, account, m[3]); err != nil {
		if errors.Is(err, ErrNotFound) {
			return "", NotFound(ResourcePolicyStore, arn)
		}
		return "", s.storeError(err, "reading the policy store", ResourcePolicyStore, m[3])
	}
	return m[3], nil
}

// TagResource adds tags to a policy store, replacing the values of keys it
// has. Errors: ValidationException, ResourceNotFoundException,
// TooManyTagsException (the store would carry more than MaxTags).
func (s *Service) TagResource(ctx context.Context, account string, in *TagResourceInput) (*Empty, error) {
	var v validator
	if in.Tags == nil {
		v.missing("tags")
	} else {
		// More than MaxTags in one request can never fit a store: refused
		// as CreatePolicyStore refuses them, on the request's own tags. A
		// request that fits but would take the store past MaxTags is
		// TooManyTagsException below.
		validateTags(&v, "tags", in.Tags)
	}
	psID, err := s.taggedStore(ctx, account, &v, in.ResourceARN)
	if err != nil {
		return nil, err
	}
	err = s.policies.TagPolicyStore(ctx, account, psID, in.Tags, nil, MaxTags)
	switch {
	case err == nil:
		return &Empty{}, nil
	case errors.Is(err, ErrQuotaExceeded):
		return nil, &Error{Code: CodeTooManyTags, ResourceName: in.ResourceARN, Message: fmt.Sprintf(
			"Policy store %s would have more than %d tags; remove some with UntagResource first", psID, MaxTags)}
	case errors.Is(err, ErrNotFound):
		return nil, NotFound(ResourcePolicyStore, in.ResourceARN)
	}
	return nil, s.storeError(err, "tagging the policy store", ResourcePolicyStore, psID)
}

// UntagResource removes tags from a policy store; keys it does not have
// are ignored. Errors: ValidationException, ResourceNotFoundException.
func (s *Service) UntagResource(ctx context.Context, account string, in *UntagResourceInput) (*Empty, error) {
	var v validator
	if in.TagKeys == nil {
		v.missing("tagKeys")
	} else if v.listLen("tagKeys", len(in.TagKeys), 1, maxTagMembers) {
		for i, k := range in.TagKeys {
			v.str(indexPath("tagKeys", i), &k, ruleTagK)
		}
	}
	psID, err := s.taggedStore(ctx, account, &v, in.ResourceARN)
	if err != nil {
		return nil, err
	}
	err = s.policies.TagPolicyStore(ctx, account, psID, nil, in.TagKeys, MaxTags)
	if errors.Is(err, ErrNotFound) {
		return nil, NotFound(ResourcePolicyStore, in.ResourceARN)
	}
	if err != nil {
		return nil, s.storeError(err, "untagging the policy store", ResourcePolicyStore, psID)
	}
	return &Empty{}, nil
}

// ListTagsForResource returns a policy store's tags. Errors:
// ValidationException, ResourceNotFoundException.
func (s *Service) ListTagsForResource(ctx context.Context, account string, in *ListTagsForResourceInput) (*ListTagsForResourceOutput, error) {
	var v validator
	psID, err := s.taggedStore(ctx, account, &v, in.ResourceARN)
	if err != nil {
		return nil, err
	}
	ps, err := s.policyStores.GetPolicyStore(ctx, account, psID)
	if err != nil {
		return nil, s.storeError(err, "reading the policy store", ResourcePolicyStore, psID)
	}
	tags := ps.Tags
	if tags == nil {
		tags = map[string]string{}
	}
	return &ListTagsForResourceOutput{Tags: tags}, nil
}
