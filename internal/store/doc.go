// Package store keeps vpid's policy stores, identity sources, aliases and
// idempotency records in one DynamoDB table (single-table design).
//
// # Keys
//
// Every key starts with the owning account, so that one account can never
// address another's items: a lookup with the wrong account simply finds
// nothing.
//
//	item               pk                                sk          gsi1pk             gsi1sk
//	policy store       A#<account>#PS#<policyStoreId>    STORE       A#<account>#PS     <createdDate>#<policyStoreId>
//	identity source    A#<account>#PS#<policyStoreId>    IS#<id>     -                  -
//	idempotency token  A#<account>#TOKEN#<op>#<token>    TOKEN       -                  -
//
// The policy store item carries identitySourceId while the store has an
// identity source: CreateIdentitySource's transaction sets it on the condition
// that it is absent, which is how "one identity source per policy store" holds
// under any concurrency. Idempotency records carry expiresAt (epoch seconds),
// the table's TTL attribute; the store also treats an expired record as absent
// since TTL deletion can lag by days.
//
// The package implements the storage interfaces of [github.com/vpid-dev/vpid/internal/avp]
// and imports nothing else of vpid.
package store
