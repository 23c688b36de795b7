// Package avp is vpid's domain: the resources of Amazon Verified Permissions
// (AVP), their validation rules, and the Service that carries out the
// operations.
//
// Types carry AVP's wire names as JSON tags, because the AVP API
// (https://docs.aws.amazon.com/verifiedpermissions/latest/apireference/) is
// the contract. Failures a caller can cause are [*Error] values whose Code is
// the AVP exception name; anything else is an internal error.
//
// # Files by concept
//
//	operations.go       the names of every operation vpid serves
//	service.go          the Service, its Deps and options, the storage errors it maps
//	policystores.go     policy stores: types, validation, operations
//	aliases.go          policy store aliases
//	identitysources.go  identity sources and the verifiers they need
//	configuration.go    the identity-source configuration union (Cognito | OIDC)
//	idempotency.go      clientToken records and replays
//	pages.go            signed page tokens and page sizes
//	errors.go           *Error, its codes and the sentinels storage returns
//	validate.go, union.go, ids.go, arn.go
//	                    validation primitives, strict union decoding, ids and
//	                    timestamps, ARNs
//
// The Cedar half of a policy store grows here the same way: policies.go,
// templates.go and schemas.go for those resources, and authorization.go for
// the decisions (IsAuthorized and its token and batch forms), each with the
// small storage interface it consumes.
//
// The package defines the interfaces it consumes (the small storage
// interfaces of [Deps], [UserPoolVerifier], [IssuerVerifier]) and imports
// nothing else of vpid: storage, Cognito and the wire protocol are adapters
// that depend on it, never the other way round.
package avp
