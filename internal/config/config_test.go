package config

import (
	"log/slog"
	"math/rand/v2"
	"regexp"
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

// TestIDFormsAgreeWithPatterns holds the hand-written id checks to the
// regular expressions they stand for, on the edges of every length and
// alphabet and on strings drawn from a fixed seed.
func TestIDFormsAgreeWithPatterns(t *testing.T) {
	account := regexp.MustCompile(`^[0-9]{12}$`)
	unique := regexp.MustCompile(`^A[A-Z0-9]{15,127}$`)
	inputs := []string{"", "A", "123456789012", "12345678901", "1234567890123", "12345678901a", "١23456789012"}
	for _, n := range []int{14, 15, 16, 127, 128, 129} {
		inputs = append(inputs, "A"+strings.Repeat("B9", n)[:n], "a"+strings.Repeat("B", n)[:n], "A"+strings.Repeat("b", n)[:n])
	}
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 5000 {
		alphabet := "A0Z9az-_é"
		if i%2 == 0 {
			alphabet = "AZ09" // mostly matches
		}
		b := []byte{"Aa1"[r.IntN(3)]}
		for range r.IntN(135) {
			b = append(b, alphabet[r.IntN(len(alphabet))])
		}
		inputs = append(inputs, string(b))
		if len(b) > 12 {
			inputs = append(inputs, strings.Map(func(c rune) rune { return '0' + c%10 }, string(b[:12])))
		}
	}
	for _, s := range inputs {
		if got, want := isAccountID(s), account.MatchString(s); got != want {
			t.Errorf("isAccountID(%q) = %v, the pattern says %v", s, got, want)
		}
		if got, want := isUniqueID(s), unique.MatchString(s); got != want {
			t.Errorf("isUniqueID(%q) = %v, the pattern says %v", s, got, want)
		}
	}
}
