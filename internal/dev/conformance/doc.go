// Package conformance proves vpid's wire contract and tenant isolation end to
// end. Its tests serve the production API handler (app.NewAPIHandler) over
// DynamoDB Local and cognito-local behind a local stand-in for API Gateway,
// and drive it with the real clients: the Go SDK's verifiedpermissions
// client, the AWS CLI and boto3. They also play the sample events of
// events/api against golden answers, replay hostile requests, inject faults
// between the service and its dependencies, and check that no account can
// see or touch another's resources.
//
// The package holds tests only; nothing imports it.
package conformance
