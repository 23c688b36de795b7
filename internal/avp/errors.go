package avp

import (
	"errors"
	"fmt"
	"strings"
)

// Error codes: the AVP exception names, as sent in __type.
const (
	CodeValidation           = "ValidationException"
	CodeResourceNotFound     = "ResourceNotFoundException"
	CodeConflict             = "ConflictException"
	CodeServiceQuotaExceeded = "ServiceQuotaExceededException"
	CodeAccessDenied         = "AccessDeniedException"
	CodeThrottling           = "ThrottlingException"
	CodeInternalServer       = "InternalServerException"
	CodeInvalidState         = "InvalidStateException"
	CodeTooManyTags          = "TooManyTagsException"
)

// Resource types, as in AVP's ResourceType enum.
const (
	ResourceIdentitySource   = "IDENTITY_SOURCE"
	ResourcePolicyStore      = "POLICY_STORE"
	ResourcePolicyStoreAlias = "POLICY_STORE_ALIAS"
)

// Sentinel errors the Store returns (wrapped with context); the Service turns
// them into *Error values with resource details.
var (
	// ErrNotFound: the addressed item does not exist for the calling account.
	ErrNotFound = errors.New("not found")
	// ErrQuotaExceeded: the policy store already has its identity source.
	ErrQuotaExceeded = errors.New("identity source quota exceeded")
	// ErrConflict: a concurrent change won; the request may be retried.
	ErrConflict = errors.New("concurrent modification")
	// ErrUnavailable: a dependency throttled, timed out or failed; retryable.
	ErrUnavailable = errors.New("dependency unavailable")
	// ErrThrottled: a dependency throttled; retryable.
	ErrThrottled = errors.New("dependency throttled")
	// ErrDeletionProtected: the policy store has deletion protection on.
	ErrDeletionProtected = errors.New("deletion protection is enabled")
	// ErrAliasExists: the alias name is taken.
	ErrAliasExists = errors.New("alias exists")
)

// Field is one entry of a ValidationException's fieldList.
type Field struct {
	Path    string `json:"path"`
	Message string `json:"message"`
}

// ResourceRef is one entry of a ConflictException's resources.
type ResourceRef struct {
	ResourceID   string `json:"resourceId"`
	ResourceType string `json:"resourceType"`
}

// Error is a failure the caller can act on. Its fields are the modeled
// members of the AVP exception named by Code; the protocol layer encodes it.
type Error struct {
	Code         string
	Message      string
	FieldList    []Field
	ResourceID   string
	ResourceType string
	Resources    []ResourceRef
	ServiceCode  string
	QuotaCode    string
	// ResourceName is TooManyTagsException's resourceName.
	ResourceName string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Retryable reports whether the client should retry the request as is.
func (e *Error) Retryable() bool {
	return e.Code == CodeThrottling || e.Code == CodeInternalServer
}

// Validation builds a ValidationException from field violations, in AWS's
// "N validation errors detected: ..." form.
func Validation(fields ...Field) *Error {
	msgs := make([]string, len(fields))
	for i, f := range fields {
		msgs[i] = f.Message
	}
	noun := "errors"
	if len(fields) == 1 {
		noun = "error"
	}
	return &Error{
		Code:      CodeValidation,
		Message:   fmt.Sprintf("%d validation %s detected: %s", len(fields), noun, strings.Join(msgs, "; ")),
		FieldList: fields,
	}
}

// NotFound builds a ResourceNotFoundException for one resource.
func NotFound(resourceType, id string) *Error {
	return &Error{
		Code:         CodeResourceNotFound,
		Message:      fmt.Sprintf("%s %s was not found", resourceNoun(resourceType), id),
		ResourceID:   id,
		ResourceType: resourceType,
	}
}

// Conflict builds a ConflictException naming the resources involved.
func Conflict(message string, resources ...ResourceRef) *Error {
	return &Error{Code: CodeConflict, Message: message, Resources: resources}
}

// Throttled is the retryable answer when a dependency throttles us.
func Throttled(what string) *Error {
	return &Error{Code: CodeThrottling, Message: "Rate exceeded while " + what + "; retry the request", ServiceCode: "verifiedpermissions"}
}

// Unavailable is the retryable answer when a dependency fails or times out.
// It names no detail: the cause is logged, not shown.
func Unavailable(what string) *Error {
	return &Error{Code: CodeInternalServer, Message: "The service could not complete the request while " + what + "; retry the request"}
}

func resourceNoun(t string) string {
	switch t {
	case ResourceIdentitySource:
		return "Identity source"
	case ResourcePolicyStore:
		return "Policy store"
	case ResourcePolicyStoreAlias:
		return "Policy store alias"
	case ResourcePolicy:
		return "Policy"
	case ResourcePolicyTemplate:
		return "Policy template"
	case ResourceSchema:
		return "Schema"
	}
	return "Resource"
}

// dependencyError maps a wrapped ErrThrottled/ErrUnavailable from an adapter
// to its retryable *Error, and reports whether it did.
func dependencyError(err error, what string) (*Error, bool) {
	switch {
	case errors.Is(err, ErrThrottled):
		return Throttled(what), true
	case errors.Is(err, ErrUnavailable):
		return Unavailable(what), true
	}
	return nil, false
}
