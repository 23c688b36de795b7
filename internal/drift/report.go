package drift

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/vpid-dev/vpid/internal/avp"
)

// Finding is one thing an identity source names that its provider no longer
// confirms. Path is the member of the identity source, as in a
// ValidationException's fieldList (for example
// configuration.cognitoUserPoolConfiguration.clientIds[2]).
type Finding struct {
	Path         string `json:"path"`
	ProblemError string `json:"problem"`
}

// Detail is the detail of an "IdentitySource Drifted" event.
type Detail struct {
	Account          string    `json:"account"`
	PolicyStoreID    string    `json:"policyStoreId"`
	IdentitySourceID string    `json:"identitySourceId"`
	Findings         []Finding `json:"findings"`
}

// Paths of the findings.
var (
	pathCognito = "configuration." + avp.MemberCognito
	pathIssuer  = "configuration." + avp.MemberOIDC + ".issuer"
)

// cognitoFindings words what Cognito did not confirm, as the API's checks
// do: a missing pool or a changed ARN is the one finding (the pool's clients
// went with it), else one finding per missing app client.
func cognitoFindings(arn avp.UserPoolARN, cg *avp.CognitoUserPoolConfiguration, f avp.UserPoolFindings) []Finding {
	switch {
	case f.PoolMissing:
		return []Finding{{Path: pathCognito + ".userPoolArn", ProblemError: fmt.Sprintf("user pool %s no longer exists", arn.PoolID)}}
	case f.ActualARN != "":
		return []Finding{{Path: pathCognito + ".userPoolArn", ProblemError: fmt.Sprintf("user pool %s now has the ARN %s, not %s", arn.PoolID, f.ActualARN, cg.UserPoolARN)}}
	}
	var out []Finding
	for _, i := range f.MissingClients {
		if i < 0 || i >= len(cg.ClientIDs) {
			continue
		}
		out = append(out, Finding{
			Path:         fmt.Sprintf("%s.clientIds[%d]", pathCognito, i),
			ProblemError: fmt.Sprintf("app client %s no longer exists in user pool %s", cg.ClientIDs[i], arn.PoolID),
		})
	}
	return out
}

// Metric names and namespace of the run's embedded-metric-format line.
const (
	MetricNamespace = "vpid"
	MetricChecked   = "CheckedIdentitySources"
	MetricDrifted   = "DriftedIdentitySources"
	MetricUnknown   = "UnknownIdentitySources"
)

// writeMetrics writes the run's counts as one CloudWatch embedded metric
// format document (one JSON line, no dimensions). In Lambda, a line on
// standard output is enough for CloudWatch Logs to extract the metrics; no
// PutMetricData permission is needed.
func writeMetrics(w io.Writer, at time.Time, s Summary) error {
	type metric struct {
		Name string `json:"Name"`
		Unit string `json:"Unit"`
	}
	type directive struct {
		Namespace  string     `json:"Namespace"`
		Dimensions [][]string `json:"Dimensions"`
		Metrics    []metric   `json:"Metrics"`
	}
	doc := map[string]any{
		"_aws": map[string]any{
			"Timestamp": at.UnixMilli(),
			"CloudWatchMetrics": []directive{{
				Namespace:  MetricNamespace,
				Dimensions: [][]string{{}},
				Metrics: []metric{
					{Name: MetricChecked, Unit: "Count"},
					{Name: MetricDrifted, Unit: "Count"},
					{Name: MetricUnknown, Unit: "Count"},
				},
			}},
		},
		MetricChecked: s.Checked,
		MetricDrifted: s.Drifted,
		MetricUnknown: s.Unknown,
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}
