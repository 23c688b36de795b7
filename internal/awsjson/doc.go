// Package awsjson speaks the AWS JSON 1.0 protocol of Amazon Verified
// Permissions over API Gateway REST proxy events: POST with
// X-Amz-Target: VerifiedPermissions.<Operation>, JSON bodies in
// application/x-amz-json-1.0, and errors as AWS SDKs parse them (the body's
// __type, which botocore reads, and the X-Amzn-ErrorType header, which the
// Go SDK reads first).
//
// It is the only place that turns errors into wire output: an
// [*github.com/vpid-dev/vpid/internal/avp.Error] becomes its exception with
// its HTTP status; any other error becomes an InternalServerException with a
// fixed message, and its detail is logged with the request id.
//
// Protocol failures answer as AWS JSON services do: UnknownOperationException
// for a missing or unknown target, SerializationException for a body that is
// not JSON or has a member of the wrong type, each HTTP 400.
//
// It knows the protocol only: the operations, their table and the strict
// decoding of a body are internal/entry's, shared with the functions that
// take requests from queues and CloudFormation.
package awsjson
