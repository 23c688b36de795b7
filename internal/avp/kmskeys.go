package avp

import (
	"context"
	"crypto/sha256"
	"fmt"
	"strings"
)

// KeyError says why the KMS key of encryptionSettings cannot be used;
// Reason is shown to the caller.
type KeyError struct{ Reason string }

func (e *KeyError) Error() string { return e.Reason }

// KeyResolver maps the KMS key a policy store names (a key id, key ARN,
// alias name or alias ARN) to the full key ARN, as AVP does after creation
// (API reference, KmsEncryptionSettings: the key "will be mapped to the full
// KMS key ARN after policy store creation").
type KeyResolver interface {
	// KeyARN returns the key's ARN, or a *KeyError when no such key can be
	// used; any other error is internal.
	KeyARN(ctx context.Context, account, key string) (string, error)
}

// WithKeys sets how KMS keys are resolved (deployed: KMS's DescribeKey).
// Without it the Service uses LocalKeys.
func WithKeys(k KeyResolver) Option { return func(s *Service) { s.keys = k } }

// LocalKeys resolves KMS keys without KMS, deterministically, for the local
// stack and tests (DESIGN.md, "KMS keys of policy stores"): a key ARN is
// kept; a key id becomes arn:<partition>:kms:<region>:<account>:key/<id>;
// an alias (alias/<name> or its ARN) becomes the key ARN of a key id derived
// from the alias ARN, the same on every call. Every key exists.
type LocalKeys struct{ Partition, Region string }

// KeyARN implements KeyResolver.
func (l LocalKeys) KeyARN(_ context.Context, account, key string) (string, error) {
	partition, region := l.Partition, l.Region
	if strings.HasPrefix(key, "arn:") {
		parts := strings.SplitN(key, ":", 6)
		if len(parts) != 6 || parts[2] != "kms" || parts[3] == "" || parts[4] == "" {
			return "", &KeyError{Reason: "it is not a KMS key or alias ARN"}
		}
		if strings.HasPrefix(parts[5], "key/") {
			return key, nil
		}
		partition, region, account, key = parts[1], parts[3], parts[4], parts[5]
	}
	if strings.HasPrefix(key, "alias/") {
		sum := sha256.Sum256([]byte(fmt.Sprintf("arn:%s:kms:%s:%s:%s", partition, region, account, key)))
		key = fmt.Sprintf("%x-%x-%x-%x-%x", sum[0:4], sum[4:6], sum[6:8], sum[8:10], sum[10:16])
	}
	if strings.Contains(key, "/") {
		return "", &KeyError{Reason: "it is not a key id, key ARN, alias name or alias ARN"}
	}
	return fmt.Sprintf("arn:%s:kms:%s:%s:key/%s", partition, region, account, key), nil
}
