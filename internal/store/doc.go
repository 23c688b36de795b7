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
//	page token keys    SYSTEM#PAGE_TOKEN_KEY             KEY         -                  -
//
// The page token keys item belongs to no account: it holds the current key
// (key, keyId, keyCreatedAt) and the one it replaced (previousKey,
// previousKeyId); see [Store.PageTokenKeys] and [PageKeyRotation].
//
// The policy store item carries identitySourceId while the store has an
// identity source: CreateIdentitySource's transaction sets it on the condition
// that it is absent, which is how "one identity source per policy store" holds
// under any concurrency. Idempotency records carry expiresAt (epoch seconds),
// the table's TTL attribute; the store also treats an expired record as absent
// since TTL deletion can lag by days.
//
// # Readers of the raw table
//
// The store is the only owner of this layout. Code that reads the table or
// its stream around the Store (the change publisher, the load test's
// invariant check, benchmarks, tests) goes through what the package exports
// for it, never through attribute names or key prefixes of its own:
//
//   - [DecodeItem] classifies a raw item by its type attribute ([Kind],
//     [KindOf]) and decodes it into an [Item]: the owning account and the
//     domain value (avp.PolicyStore, avp.IdentitySource,
//     avp.PolicyStoreAlias or avp.IdempotencyRecord).
//   - [CheckItem] is DecodeItem plus the layout's invariants (keys that name
//     the account and ids the attributes hold), for scans of the table.
//   - [FromStreamImage] converts an image of a DynamoDB stream record, as
//     Lambda delivers it, into a raw item; [KindOfKey] and [DescribeKey]
//     read a record's keys.
//   - [EncodeItem] is the item the store writes for a domain value, and
//     [CreateTableInput] and the Attr and Index constants describe the
//     table, for tools that write or query it directly. Tests that need raw
//     items use package storetest.
//
// The package implements the storage interfaces of [github.com/vpid-dev/vpid/internal/avp]
// and imports nothing else of vpid.
package store
