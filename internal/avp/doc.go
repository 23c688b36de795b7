// Package avp is vpid's domain: the policy stores and identity sources of
// Amazon Verified Permissions (AVP), their validation rules, and the Service
// that carries out the operations.
//
// Types carry AVP's wire names as JSON tags, because the AVP API
// (https://docs.aws.amazon.com/verifiedpermissions/latest/apireference/) is
// the contract. Failures a caller can cause are [*Error] values whose Code is
// the AVP exception name; anything else is an internal error.
//
// The package defines the interfaces it consumes ([Store], [UserPoolVerifier])
// and imports nothing else of vpid: storage, Cognito and the wire protocol are
// adapters that depend on it, never the other way round.
package avp
