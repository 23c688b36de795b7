// Package entry is vpid's one way into the service, whatever carries the
// request: it owns the operation table over *avp.Service (keyed by the
// avp.Op* names), the Operation that decodes a request body into an
// operation's input and runs the service method, and the strict decoder
// every entry point uses.
//
// The API (internal/awsjson) looks operations up by X-Amz-Target and the
// provisioner (internal/provision) by a queued request's operation; the
// CloudFormation custom resource (internal/cfnresource) decodes its
// Configuration property with [Decode] and runs the inputs it builds with
// [Run]. So a body means the same thing, and fails with the same error,
// whichever way it arrives, and every function runs the same table. Nothing
// here knows HTTP, API Gateway or Lambda.
//
// Decoding is strict where AWS's JSON protocols are: exactly one JSON object
// in valid UTF-8 (an empty body is {}), at most [MaxBodyBytes], members of
// the right JSON type, member names matched case-sensitively, no member
// name twice in one object at any depth; unknown members are ignored.
// Unions (avp.Configuration and the others) decode their own members. Every
// failure is an *avp.Error: a SerializationException ([CodeSerialization])
// for a body that is not the right JSON, a ValidationException for one that
// is too large or repeats a member name (naming its path).
package entry
