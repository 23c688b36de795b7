// Package kmskey resolves the KMS key a policy store names to its full key
// ARN with KMS's DescribeKey, as AVP does after creation (API reference,
// KmsEncryptionSettings). A key KMS does not know, or will not describe to
// vpid, is refused.
package kmskey

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/vpid-dev/vpid/internal/avp"
)

// API is the part of the KMS client the resolver uses.
type API interface {
	DescribeKey(ctx context.Context, in *kms.DescribeKeyInput, optFns ...func(*kms.Options)) (*kms.DescribeKeyOutput, error)
}

// Resolver implements avp.KeyResolver with DescribeKey. A key or alias ARN
// is described in its own region; a key id or alias name in the function's
// region and account (KMS resolves them in the caller's account, and the
// caller of DescribeKey is vpid's function role).
type Resolver struct {
	ClientFor func(region string) API // region "" is the function's own
}

// KeyARN implements avp.KeyResolver.
func (r Resolver) KeyARN(ctx context.Context, _ string, key string) (string, error) {
	region := ""
	if strings.HasPrefix(key, "arn:") {
		if parts := strings.SplitN(key, ":", 6); len(parts) == 6 && parts[2] == "kms" {
			region = parts[3]
		}
	}
	out, err := r.ClientFor(region).DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(key)})
	var nf *types.NotFoundException
	var bad *types.InvalidArnException
	var ae smithy.APIError
	switch {
	case errors.As(err, &nf):
		return "", &avp.KeyError{Reason: "KMS does not know it"}
	case errors.As(err, &bad):
		return "", &avp.KeyError{Reason: "it is not a valid key ARN"}
	case errors.As(err, &ae) && ae.ErrorCode() == "AccessDeniedException":
		return "", &avp.KeyError{Reason: "KMS will not describe it to this service (a key of another account must be named by its ARN, and its key policy must allow kms:DescribeKey)"}
	case err != nil:
		return "", classify(err)
	case out.KeyMetadata == nil || out.KeyMetadata.Arn == nil:
		return "", fmt.Errorf("describe KMS key %s: no key ARN in the answer: %w", key, avp.ErrUnavailable)
	}
	return *out.KeyMetadata.Arn, nil
}

func classify(err error) error {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "ThrottlingException", "LimitExceededException":
			return fmt.Errorf("describe KMS key: %w: %w", avp.ErrThrottled, err)
		}
		var re *smithyhttp.ResponseError
		if errors.As(err, &re) && re.HTTPStatusCode() < http.StatusInternalServerError {
			return fmt.Errorf("describe KMS key: kms rejected the request: %w", err)
		}
	}
	return fmt.Errorf("describe KMS key: %w: %w", avp.ErrUnavailable, err)
}
