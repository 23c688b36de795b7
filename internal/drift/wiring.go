package drift

import "github.com/vpid-dev/vpid/internal/app"

// ConfigFor is the check's configuration over the functions' dependencies:
// identity sources scanned from d's table, d's Cognito clients and issuer
// verifier, and d's partition for the policy store ARNs of its events, the
// very ones the API uses. The caller adds Events, Metrics and Logger.
//
// It is here rather than in app so that the API, which never runs the
// check, does not link the EventBridge client the check's events need
// (half a millisecond of every API cold start).
func ConfigFor(d app.Deps) Config {
	return Config{
		Sources:   TableSources(d.DynamoDB, d.Table),
		Cognito:   d.Cognito,
		Issuers:   d.Issuers,
		Partition: d.Partition,
	}
}
