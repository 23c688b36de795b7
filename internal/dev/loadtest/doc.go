// Package loadtest drives the real API with many concurrent Go SDK clients
// and then checks what is left in the table.
//
// [Run] mixes every operation (create, get, list, update, delete of policy
// stores, identity sources and aliases), idempotent replays with repeated
// clientTokens (one after the other and several at once), aliases in place
// of store ids, and probes of other accounts' resources, across the test
// accounts and their Cognito pools, for a bounded time and request count.
// Every response must be one the SDK decodes: a modeled output or a modeled
// error type of the operation.
//
// [Check] then scans the table and verifies the storage invariants: at most
// one identity source per store and the store's slot naming exactly it, no
// orphan identity sources or aliases, every key in its owner's account, and
// every user pool in its identity source's account.
//
// `make load` runs both against a fresh stack (internal/dev/loadtest/cmd/load).
package loadtest
