package avp

import (
	"errors"
	"fmt"
	"slices"
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
	// Cause is what made a dependency fail (for an InternalServerException
	// or ThrottlingException built by the Service from an adapter's error).
	// It is for the operator's log only: the protocol layer never sends it.
	Cause error
	// ResourceName is TooManyTagsException's resourceName.
	ResourceName string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Unwrap returns the cause, so that errors.Is sees the dependency's error.
func (e *Error) Unwrap() error { return e.Cause }

// LogCause is the text an operator's log line carries for err: the cause
// of an *Error that has one, the message of one that has none, and the
// whole error otherwise. It never goes into an answer.
func LogCause(err error) string {
	var e *Error
	if errors.As(err, &e) {
		if e.Cause != nil {
			return e.Cause.Error()
		}
		return e.Message
	}
	return err.Error()
}

// Retryable reports whether the client should retry the request as is.
func (e *Error) Retryable() bool {
	return e.Code == CodeThrottling || e.Code == CodeInternalServer
}

// MaxFieldList is how many violations a ValidationException lists, in its
// fieldList and its message; it counts them all and says how many were left
// out. However many violations a request holds, the answer stays small.
const MaxFieldList = 10

// Validation builds a ValidationException from field violations, in AWS's
// "N validation errors detected: ..." form. At most MaxFieldList of them are
// listed.
func Validation(fields ...Field) *Error {
	return validation(len(fields), fields)
}

// validation builds a ValidationException for total violations, of which
// fields are the first ones found; it lists at most MaxFieldList of them.
func validation(total int, fields []Field) *Error {
	if len(fields) > MaxFieldList {
		fields = fields[:MaxFieldList]
	}
	total = max(total, len(fields))
	fields = slices.Clone(fields)
	var b strings.Builder
	noun := "errors"
	if total == 1 {
		noun = "error"
	}
	fmt.Fprintf(&b, "%d validation %s detected: ", total, noun)
	for i, f := range fields {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(f.Message)
	}
	if more := total - len(fields); more > 0 {
		fmt.Fprintf(&b, "; and %d more, not listed (a request's first %d violations are reported)", more, MaxFieldList)
	}
	return &Error{Code: CodeValidation, Message: b.String(), FieldList: fields}
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
// to its retryable *Error, which keeps err as its Cause for the log, and
// reports whether it did.
func dependencyError(err error, what string) (*Error, bool) {
	var e *Error
	switch {
	case errors.Is(err, ErrThrottled):
		e = Throttled(what)
	case errors.Is(err, ErrUnavailable):
		e = Unavailable(what)
	default:
		return nil, false
	}
	e.Cause = err
	return e, true
}
