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
// Decision traffic runs in stores of its own (Config.DecisionStores per
// account) with a schema of action groups: IsAuthorized and
// BatchIsAuthorized about a flip principal, whose only applicable policy one
// writer per store creates, updates (condition true or false) and deletes,
// while other clients create and delete filler policies in the same
// stores; with Config.Tokens, IsAuthorizedWithToken too, with an ID token
// of the flip principal (CognitoFlipUsers: a user of the account's Cognito
// pool, the stores' identity source, whose principal <poolId>|<sub> the
// flip policy names). After the run every decision is checked against the
// write history: it must reflect every write answered before it began and no
// write sent after it was answered (read-your-writes, the promise of
// DESIGN.md "Consistency of decisions").
//
// [Check] then scans the table and verifies the storage invariants: at most
// one identity source per store and the store's slot naming exactly it, no
// orphan identity sources or aliases, every key in its owner's account, and
// every user pool in its identity source's account.
//
// `make load` runs both against a fresh stack (internal/dev/loadtest/cmd/load).
package loadtest
