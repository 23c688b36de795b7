// Package cognito confirms identity-source configurations against Amazon
// Cognito: that a user pool exists with the ARN a caller named, and that
// every app client id belongs to it.
//
// It calls DescribeUserPool, and ListUserPoolClients or DescribeUserPoolClient
// (https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/)
// in the region the ARN names, concurrently and with bounded parallelism,
// and implements [github.com/vpid-dev/vpid/internal/avp.UserPoolVerifier]. It
// imports nothing else of vpid.
package cognito
