package main

import (
	"fmt"
	"log"
	"os"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

// StackID is the construct ID, and so the CloudFormation stack name, of the
// vpid stack.
const StackID = "vpid"

// Settings read by [propsFrom]: a CDK context key (cdk -c key=value) wins
// over the environment variable, which wins over the default.
var (
	settingStageName = setting{context: "vpid:stageName", env: "VPID_STAGE_NAME"}
	settingLogLevel  = setting{context: "vpid:logLevel", env: "VPID_LOG_LEVEL"}
	settingRemoval   = setting{context: "vpid:tableRemovalPolicy", env: "VPID_TABLE_REMOVAL_POLICY"}
)

func main() {
	defer jsii.Close()

	app := awscdk.NewApp(nil)
	props, err := propsFrom(app.Node().TryGetContext, os.Getenv)
	if err != nil {
		log.Fatal(err)
	}
	NewAPIStack(app, StackID, props)
	app.Synth(nil)
}

// setting names one stack setting in the CDK context and in the environment.
type setting struct{ context, env string }

// lookup returns the setting's value, or "" when it is set nowhere.
func (s setting) lookup(getContext func(*string) any, getenv func(string) string) (string, error) {
	switch v := getContext(&s.context).(type) {
	case nil:
	case string:
		if v != "" {
			return v, nil
		}
	default:
		return "", fmt.Errorf("context %s: want a string, got %v", s.context, v)
	}
	return getenv(s.env), nil
}

// propsFrom builds the stack props from the CDK context and the environment.
// The stack is environment-agnostic (no account or region), so a synth needs
// no AWS credentials.
func propsFrom(getContext func(*string) any, getenv func(string) string) (*APIStackProps, error) {
	props := &APIStackProps{
		StackProps: awscdk.StackProps{
			Description: jsii.String("vpid: Amazon Verified Permissions identity-source API"),
		},
	}
	var err error
	if props.StageName, err = settingStageName.lookup(getContext, getenv); err != nil {
		return nil, err
	}
	if props.LogLevel, err = settingLogLevel.lookup(getContext, getenv); err != nil {
		return nil, err
	}
	removal, err := settingRemoval.lookup(getContext, getenv)
	if err != nil {
		return nil, err
	}
	switch strings.ToLower(removal) {
	case "", "retain":
		props.TableRemovalPolicy = awscdk.RemovalPolicy_RETAIN
	case "destroy":
		props.TableRemovalPolicy = awscdk.RemovalPolicy_DESTROY
	default:
		return nil, fmt.Errorf("%s / %s = %q: want retain or destroy",
			settingRemoval.context, settingRemoval.env, removal)
	}
	return props, nil
}
