// Package drift re-verifies stored identity sources against their identity
// providers and reports the ones whose provider changed under them.
//
// vpid checks a Cognito user pool and its app clients (or an OpenID Connect
// issuer's discovery document) only when an identity source is created or
// updated. A pool or app client deleted later leaves the identity source
// pointing at nothing, and tokens minted before the deletion stay usable
// until they expire. A [Checker] run, started on a schedule, reads every
// identity source (one [Sources] segment at a time), checks it again, and
// for each one that drifted publishes an "IdentitySource Drifted" event
// ([github.com/vpid-dev/vpid/internal/bus.IdentitySourceDrifted]) whose
// detail is a [Detail]. At the end of the run it writes one CloudWatch
// embedded-metric-format line (namespace "vpid": CheckedIdentitySources,
// DriftedIdentitySources, UnknownIdentitySources). It never changes an
// identity source, or anything else in the table: [Sources] only reads.
//
// # What is drift
//
// Only a definite answer is drift: Cognito says the pool does not exist
// (ResourceNotFoundException), the pool answers with another ARN, an app
// client does not exist in the pool (or belongs to another pool), or the
// issuer's discovery document is gone or wrong (HTTP 404, not JSON, another
// issuer, no jwks_uri, a redirect, an invalid TLS certificate, a host name
// that no longer resolves). A throttle, a timeout, a 5xx (from Cognito or
// from an issuer), a refused connection or a permission error of vpid's own
// role is "unknown": counted, logged, never published as drift, and checked
// again by the next run.
//
// # Quotas
//
// Cognito limits DescribeUserPool (category UserPoolRead) and
// DescribeUserPoolClient (category UserPoolClientRead) to 15 requests per
// second each, per account and Region, and to 5 per second on one user pool;
// these quotas cannot be raised, and the API function's own checks share
// them. A run therefore
//
//   - spaces its calls per Region and category at least 1/DefaultCategoryRate
//     apart (10/s: never more than 10 in any one-second window) and per user
//     pool and category at least 1/DefaultPoolRate apart (3/s), leaving a
//     third of every quota to the API and to other tools. A call waiting for
//     its pool's turn does not hold back calls to other pools;
//   - makes one attempt per call (SDK retries off) so that every request
//     Cognito sees has passed the limiter, and after a throttle sends
//     nothing through the same buckets for DefaultThrottleCooldown;
//   - describes each user pool at most once and each app client at most once
//     per run, however many identity sources name them, and does not
//     describe the clients of a pool that does not exist;
//   - checks DefaultConcurrency identity sources at a time.
//
// # Deadline and coverage
//
// A run stops taking identity sources Config.Reserve before its context's
// deadline (the Lambda timeout), cancels the checks still running, then
// publishes what it found and writes its metrics. At 10 calls per second a
// run cannot get through 10,000 identity sources with distinct pools in one
// Lambda invocation, so the table is read as Config.Segments segments of a
// parallel scan, and each run starts at another segment ([Rotation]); the
// [Summary] says how many segments it completed and where it stopped.
package drift
