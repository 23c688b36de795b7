// Package cfnresource is the CloudFormation custom resource
// Custom::VerifiedPermissionsIdentitySource: it lets a stack declare an
// identity source of a vpid policy store.
//
// The function is a direct custom-resource handler: CloudFormation invokes
// it (asynchronously) with a custom resource request (cfn.Event from
// github.com/aws/aws-lambda-go/cfn), and the handler PUTs the response to
// the request's pre-signed ResponseURL itself, with a bounded HTTP client
// and no Content-Type (as AWS's cfn-response modules send it). No CDK
// provider framework sits in between: there is no extra function, no Step
// Functions state machine and no polling; every operation finishes well
// within one invocation.
//
// Properties (CloudFormation passes every scalar as a string):
//
//   - PolicyStoreId (required): a policy store id or policy-store-alias/<name>.
//   - Configuration (required): the identity provider, in the API's input
//     shape: {"cognitoUserPoolConfiguration": {...}} or
//     {"openIdConnectConfiguration": {...}}. It is re-encoded as JSON and
//     decoded exactly as the API decodes a request, so the union rules,
//     types and validation messages are the API's. A string holding that
//     JSON is accepted too.
//   - PrincipalEntityType (optional): omitted, a Cognito identity source gets
//     AWS::Cognito; an OpenID Connect one must name it.
//
// Any other property (besides ServiceToken and ServiceTimeout) is a
// ValidationException, so a misspelt property fails instead of being
// ignored.
//
// The account is the stack's, parsed from the StackId ARN. When the
// invocation carries a Lambda context, the stack's account must be the
// function's own: anyone allowed to invoke the function can choose the
// StackId, so the function never acts for another account.
//
// Request types map to the API:
//
//   - Create: CreateIdentitySource with a clientToken derived from the
//     request (stable across Lambda's retries of the same request, so a
//     retry answers the same identity source). The physical resource id is
//     the identity source id; Data holds IdentitySourceId, PolicyStoreId (the
//     store's id, even when an alias was named) and CreatedDate.
//   - Update: when PolicyStoreId changed (as a string), the identity source
//     is replaced: a new one is created in the new store and its id returned,
//     and CloudFormation later sends a Delete for the old one. When the
//     current identity source already lives in the store now named (a
//     rollback of a replacement, or a change between a store's id and one of
//     its aliases), it is updated in place instead. Otherwise
//     UpdateIdentitySource applies the new configuration in place. An omitted
//     PrincipalEntityType means the create default (AWS::Cognito for a
//     Cognito source), never "keep the stored value": the template alone
//     decides the resource's state.
//   - Delete: DeleteIdentitySource. ResourceNotFoundException counts as
//     success (already gone), and so does a physical id that cannot be an
//     identity source id: a failed Create answers the placeholder
//     "CreateFailed:<RequestId>", so the rollback's Delete is a no-op.
//
// ThrottlingException, InternalServerException and internal errors are
// retried with jittered exponential backoff while the invocation's time
// budget (its deadline less a reserve for sending the response) allows.
// Failures reach CloudFormation as FAILED with Reason "<Code>: <message>"
// for AVP errors, and for internal errors a fixed text naming the function's
// CloudWatch log stream; internals are logged, never sent. The ResponseURL
// (a pre-signed credential) is never logged.
package cfnresource
