package config

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoadAPIDefaults(t *testing.T) {
	t.Parallel()
	got, err := LoadAPI(env(map[string]string{EnvTableName: "t"}))
	if err != nil {
		t.Fatal(err)
	}
	want := API{TableName: "t", LogLevel: slog.LevelInfo,
		CognitoTimeout: 3 * time.Second, DynamoDBTimeout: 3 * time.Second, OIDCTimeout: 5 * time.Second, EventBusName: "default"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Error(diff)
	}
}

func TestLoadAPISettings(t *testing.T) {
	t.Parallel()
	got, err := LoadAPI(env(map[string]string{
		EnvTableName: "t", EnvLogLevel: "debug",
		EnvCognitoTimeout: "1500ms", EnvDynamoDBTimeout: "2s", EnvOIDCTimeout: "4s", EnvLambdaRuntimeAPI: "127.0.0.1:9001",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if got.LogLevel != slog.LevelDebug || !got.InLambda ||
		got.CognitoTimeout != 1500*time.Millisecond || got.DynamoDBTimeout != 2*time.Second || got.OIDCTimeout != 4*time.Second {
		t.Errorf("got %+v", got)
	}
}

func TestLoadAPIReportsEveryProblem(t *testing.T) {
	t.Parallel()
	_, err := LoadAPI(env(map[string]string{EnvLogLevel: "loud", EnvOIDCTimeout: "soon", EnvCognitoTimeout: "-1s"}))
	if err == nil {
		t.Fatal("no error")
	}
	for _, name := range []string{EnvTableName, EnvLogLevel, EnvOIDCTimeout, EnvCognitoTimeout} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not name %s", err, name)
		}
	}
}

func TestLoadProvisioning(t *testing.T) {
	const events, direct = "arn:aws:sqs:us-west-2:123456789012:a", "arn:aws:sqs:us-west-2:123456789012:b"
	got, err := LoadProvisioning(env(map[string]string{
		EnvProvisioningEventQueueARN: events, EnvProvisioningDirectQueueARN: direct,
		EnvProvisioningEventAccounts: "123456789012, 111122223333",
		EnvProvisioningSenders:       `{"AROAEXAMPLEROLEID0001":["111122223333"]}`,
	}))
	want := Provisioning{EventQueueARN: events, DirectQueueARN: direct, EventAccounts: []string{"123456789012", "111122223333"},
		Senders: map[string][]string{"AROAEXAMPLEROLEID0001": {"111122223333"}}}
	if diff := cmp.Diff(want, got); err != nil || diff != "" {
		t.Errorf("LoadProvisioning: %v (-want +got):\n%s", err, diff)
	}
	_, err = LoadProvisioning(env(map[string]string{
		EnvProvisioningEventAccounts: "12345", EnvProvisioningSenders: `{"arn:aws:iam::1:role/x":["1"]}`,
	}))
	for _, name := range []string{EnvProvisioningEventQueueARN, EnvProvisioningDirectQueueARN, `"12345"`, `"arn:aws:iam::1:role/x"`, `"1"`} {
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("error %v does not name %s", err, name)
		}
	}
}
