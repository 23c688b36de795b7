package loadtest

import (
	"errors"
	"fmt"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/verifiedpermissions/types"
	"github.com/aws/smithy-go"
)

// Answer kinds that are not a modeled error type.
const (
	CodeOK = "OK"
	// CodeDeserialization: the SDK could not decode the response.
	CodeDeserialization = "DeserializationError"
	// CodeNoResponse: no HTTP response (connection failure, timeout).
	CodeNoResponse = "NoResponse"
	// codeUnmodeledPrefix starts the kind of an error type the operation's
	// model does not list (the SDK returns it as a generic API error).
	codeUnmodeledPrefix = "Unmodeled:"
)

func as[T error](err error) bool {
	var t T
	return errors.As(err, &t)
}

// Classify names the kind of an SDK call's result and tells whether it is
// well formed: a success, or an error type the operation models. The SDK's
// deserializers turn an error code the operation does not model into a
// generic API error, so a typed error here is a modeled one.
func Classify(err error) (code string, wellFormed bool) {
	switch {
	case err == nil:
		return CodeOK, true
	case as[*types.AccessDeniedException](err):
		return "AccessDeniedException", true
	case as[*types.ConflictException](err):
		return "ConflictException", true
	case as[*types.InternalServerException](err):
		return "InternalServerException", true
	case as[*types.InvalidStateException](err):
		return "InvalidStateException", true
	case as[*types.ResourceNotFoundException](err):
		return "ResourceNotFoundException", true
	case as[*types.ServiceQuotaExceededException](err):
		return "ServiceQuotaExceededException", true
	case as[*types.ThrottlingException](err):
		return "ThrottlingException", true
	case as[*types.TooManyTagsException](err):
		return "TooManyTagsException", true
	case as[*types.ValidationException](err):
		return "ValidationException", true
	case as[*smithy.DeserializationError](err):
		return CodeDeserialization, false
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return codeUnmodeledPrefix + ae.ErrorCode(), false
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return fmt.Sprintf("HTTP%d", re.HTTPStatusCode()), false
	}
	return CodeNoResponse, false
}

// retryable tells whether an answer invites the caller to retry: a throttle,
// an internal error, or a conflict with a concurrent change.
func retryable(code string) bool {
	return code == "ThrottlingException" || code == "InternalServerException" || code == "ConflictException"
}
