package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

// StackID is the construct ID, and so the CloudFormation stack name, of the
// vpid stack.
const StackID = "vpid"

// Settings read by [propsFrom]: a CDK context key (cdk -c key=value) wins
// over the environment variable, which wins over the default. The README's
// Configuration table lists them.
var (
	settingStageName       = setting{context: "vpid:stageName", env: "VPID_STAGE_NAME"}
	settingLogLevel        = setting{context: "vpid:logLevel", env: "VPID_LOG_LEVEL"}
	settingRemoval         = setting{context: "vpid:tableRemovalPolicy", env: "VPID_TABLE_REMOVAL_POLICY"}
	settingLogRetention    = setting{context: "vpid:logRetentionDays", env: "VPID_LOG_RETENTION_DAYS", scalar: true}
	settingThrottleRate    = setting{context: "vpid:throttlingRateLimit", env: "VPID_THROTTLING_RATE_LIMIT", scalar: true}
	settingThrottleBurst   = setting{context: "vpid:throttlingBurstLimit", env: "VPID_THROTTLING_BURST_LIMIT", scalar: true}
	settingAPILoggingLevel = setting{context: "vpid:apiLoggingLevel", env: "VPID_API_LOGGING_LEVEL"}
	settingAccountRole     = setting{context: "vpid:manageApiGatewayAccountRole", env: "VPID_MANAGE_API_GATEWAY_ACCOUNT_ROLE", scalar: true}
	settingAlarmTopicARN   = setting{context: "vpid:alarmTopicArn", env: "VPID_ALARM_TOPIC_ARN"}
	settingAlarmEmail      = setting{context: "vpid:alarmEmail", env: "VPID_ALARM_EMAIL"}
	settingDriftSchedule   = setting{context: "vpid:driftSchedule", env: "VPID_DRIFT_SCHEDULE"}
	settingProvAccounts    = setting{context: "vpid:provisioningAccounts", env: "VPID_PROVISIONING_ACCOUNTS"}
	settingProvisioners    = setting{context: "vpid:provisioners", env: "VPID_PROVISIONERS"}
)

func main() {
	defer jsii.Close()

	app := awscdk.NewApp(nil)
	props, err := propsFrom(app.Node().TryGetContext, os.Getenv)
	if err != nil {
		log.Fatal(err) //nolint:gocritic // nothing was synthesized; the jsii runtime ends with this process
	}
	if missing := missingCode(DefaultCodeRoot); len(missing) > 0 {
		log.Fatalf("no function code at %s: `make build` builds bin/<name>/bootstrap from functions/<name>", strings.Join(missing, ", "))
	}
	awscdk.Aspects_Of(app).Add(NagChecks(), nil)
	NewStack(app, StackID, props)
	app.Synth(nil)
}

// missingCode returns the bootstrap files of the stack's functions that are
// not under root.
func missingCode(root string) []string {
	var missing []string
	for _, fn := range FunctionNames {
		path := filepath.Join(root, fn, "bootstrap")
		if _, err := os.Stat(path); err != nil {
			missing = append(missing, path)
		}
	}
	return missing
}

// setting names one stack setting in the CDK context and in the
// environment. A scalar setting also takes a number or a boolean from the
// context (as cdk.json can hold them); the others want a string.
type setting struct {
	context, env string
	scalar       bool
}

// name is how messages refer to the setting.
func (s setting) name() string { return s.context + " / " + s.env }

// lookup returns the setting's value, or "" when it is set nowhere.
func (s setting) lookup(getContext func(*string) any, getenv func(string) string) (string, error) {
	switch v := getContext(&s.context).(type) {
	case nil:
	case string:
		if v != "" {
			return v, nil
		}
	case float64:
		if s.scalar {
			return strconv.FormatFloat(v, 'f', -1, 64), nil
		}
		return "", fmt.Errorf("context %s: want a string, got %v", s.context, v)
	case bool:
		if s.scalar {
			return strconv.FormatBool(v), nil
		}
		return "", fmt.Errorf("context %s: want a string, got %v", s.context, v)
	default:
		return "", fmt.Errorf("context %s: want a string, got %v", s.context, v)
	}
	return getenv(s.env), nil
}

// propsFrom builds the stack props from the CDK context and the environment,
// reporting every unreadable setting at once. Values that read well but are
// out of range are reported by [NewStack], as error annotations. The stack
// is environment-agnostic (no account or region), so a synth needs no AWS
// credentials.
func propsFrom(getContext func(*string) any, getenv func(string) string) (*StackProps, error) {
	props := &StackProps{
		StackProps: awscdk.StackProps{
			Description: jsii.String("vpid: Amazon Verified Permissions identity-source API"),
		},
	}
	var errs []error
	get := func(s setting) string {
		v, err := s.lookup(getContext, getenv)
		if err != nil {
			errs = append(errs, err)
		}
		return strings.TrimSpace(v)
	}

	props.StageName = get(settingStageName)
	props.LogLevel = get(settingLogLevel)
	props.APILoggingLevel = get(settingAPILoggingLevel)
	props.AlarmTopicARN = get(settingAlarmTopicARN)
	props.AlarmEmail = get(settingAlarmEmail)
	props.DriftSchedule = get(settingDriftSchedule)

	switch removal := get(settingRemoval); strings.ToLower(removal) {
	case "", "retain":
		props.TableRemovalPolicy = awscdk.RemovalPolicy_RETAIN
	case "destroy":
		props.TableRemovalPolicy = awscdk.RemovalPolicy_DESTROY
	default:
		errs = append(errs, fmt.Errorf("%s = %q: want retain or destroy", settingRemoval.name(), removal))
	}

	if v := get(settingLogRetention); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			errs = append(errs, fmt.Errorf("%s = %q: want a number of days such as 30", settingLogRetention.name(), v))
		}
		props.LogRetentionDays = n
	}
	if v := get(settingThrottleRate); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f <= 0 {
			errs = append(errs, fmt.Errorf("%s = %q: want requests per second, a positive number", settingThrottleRate.name(), v))
		}
		props.ThrottlingRateLimit = f
	}
	if v := get(settingThrottleBurst); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			errs = append(errs, fmt.Errorf("%s = %q: want a positive whole number of requests", settingThrottleBurst.name(), v))
		}
		props.ThrottlingBurstLimit = n
	}
	if v := get(settingAccountRole); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s = %q: want true or false", settingAccountRole.name(), v))
		}
		props.ManageAPIGatewayAccountRole = b
	}

	for a := range strings.SplitSeq(get(settingProvAccounts), ",") {
		if a = strings.TrimSpace(a); a != "" {
			props.ProvisioningAccounts = append(props.ProvisioningAccounts, a)
		}
	}
	if v := get(settingProvisioners); v != "" {
		if err := json.Unmarshal([]byte(v), &props.Provisioners); err != nil {
			errs = append(errs, fmt.Errorf("%s: want a JSON object of IAM unique ids to lists of account ids, such as "+
				`{"AROAEXAMPLEROLEID0001":["111122223333"]}: %v`, settingProvisioners.name(), err))
		}
	}

	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return props, nil
}
