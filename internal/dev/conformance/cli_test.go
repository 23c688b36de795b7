package conformance

import (
	"bytes"
	"encoding/json"
	"errors"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vpid-dev/vpid/internal/dev/emulator/emulatortest"
)

// seedConfig is config.txt of the AWS CLI reference's create-identity-source
// example, as printed there.
const seedConfig = `{
    "cognitoUserPoolConfiguration": {
        "userPoolArn": "arn:aws:cognito-idp:us-west-2:123456789012:userpool/us-west-2_1a2b3c4d5",
        "clientIds":["a1b2c3d4e5f6g7h8i9j0kalbmc"]
    }
}
`

// cliDate matches a timestamp as the AWS CLI prints it: CLI v1 prints the
// wire value (RFC 3339, UTC, microseconds, "Z"); CLI v2 reformats it with
// "+00:00", as the reference's example output shows.
var cliDate = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}(Z|\+00:00)$`)

type cliResult struct {
	stdout, stderr string
	code           int
}

// cli runs the real AWS CLI in dir against the stack, isolated from any
// configuration of the machine.
func (s *stack) cli(t *testing.T, dir, keyID string, args ...string) cliResult {
	t.Helper()
	path, err := exec.LookPath("aws")
	if err != nil {
		t.Fatalf("the AWS CLI is required for the conformance tests: %v", err)
	}
	cmd := exec.Command(path, append(args, "--endpoint-url", s.URL, "--output", "json")...)
	cmd.Dir = dir
	cmd.Env = append(clientEnv(dir),
		"AWS_ACCESS_KEY_ID="+keyID, "AWS_SECRET_ACCESS_KEY=secret", "AWS_PAGER=", "AWS_MAX_ATTEMPTS=1")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	res := cliResult{stdout: out.String(), stderr: errb.String()}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		res.code = exit.ExitCode()
	case err != nil:
		t.Fatalf("aws %v: %v", args, err)
	}
	return res
}

// clientEnv is the environment for a real AWS client process: the
// machine's, less every AWS_ variable, with a region and empty config files.
func clientEnv(dir string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	return append(env, "AWS_DEFAULT_REGION=us-west-2",
		"AWS_CONFIG_FILE="+filepath.Join(dir, "aws-config"), "AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(dir, "aws-credentials"))
}

func (r cliResult) json(t *testing.T) map[string]any {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &m); err != nil {
		t.Fatalf("output %q: %v", r.stdout, err)
	}
	return m
}

func keys(m map[string]any) []string { return slices.Sorted(maps.Keys(m)) }

// TestCLISeedExample runs the AWS CLI reference's example verbatim (plus
// --endpoint-url) and reads the result back.
func TestCLISeedExample(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "config.txt"), []byte(seedConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	out := s.cli(t, dir, "AKIDEXAMPLE", "verifiedpermissions", "create-identity-source",
		"--configuration", "file://config.txt",
		"--principal-entity-type", "User",
		"--policy-store-id", "PSEXAMPLEabcdefg111111").json(t)
	if diff := cmp.Diff([]string{"createdDate", "identitySourceId", "lastUpdatedDate", "policyStoreId"}, keys(out)); diff != "" {
		t.Fatalf("fields (-want +got):\n%s", diff)
	}
	if out["policyStoreId"] != "PSEXAMPLEabcdefg111111" || !reID.MatchString(out["identitySourceId"].(string)) {
		t.Errorf("ids %v", out)
	}
	if !cliDate.MatchString(out["createdDate"].(string)) || out["createdDate"] != out["lastUpdatedDate"] {
		t.Errorf("dates %v %v", out["createdDate"], out["lastUpdatedDate"])
	}

	got := s.cli(t, dir, "AKIDEXAMPLE", "verifiedpermissions", "get-identity-source",
		"--policy-store-id", "PSEXAMPLEabcdefg111111", "--identity-source-id", out["identitySourceId"].(string)).json(t)
	wantConfig := map[string]any{"cognitoUserPoolConfiguration": map[string]any{
		"userPoolArn": emulatortest.SeedPoolARN,
		"clientIds":   []any{emulatortest.SeedClientID},
		"issuer":      "https://cognito-idp.us-west-2.amazonaws.com/us-west-2_1a2b3c4d5",
	}}
	if diff := cmp.Diff(wantConfig, got["configuration"]); diff != "" {
		t.Errorf("configuration (-want +got):\n%s", diff)
	}
	if got["principalEntityType"] != "User" || got["createdDate"] != out["createdDate"] {
		t.Errorf("got %v", got)
	}

	// --query, as users script it.
	q := s.cli(t, dir, "AKIDEXAMPLE", "verifiedpermissions", "get-identity-source",
		"--policy-store-id", "PSEXAMPLEabcdefg111111", "--identity-source-id", out["identitySourceId"].(string),
		"--query", "configuration.cognitoUserPoolConfiguration.issuer")
	if strings.TrimSpace(q.stdout) != `"https://cognito-idp.us-west-2.amazonaws.com/us-west-2_1a2b3c4d5"` {
		t.Errorf("--query printed %q (%s)", q.stdout, q.stderr)
	}
}

// TestCLIErrors checks the AWS CLI names each AVP error type.
func TestCLIErrors(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	dir := t.TempDir()
	create := func(args ...string) cliResult {
		return s.cli(t, dir, "AKIDEXAMPLE", append([]string{"verifiedpermissions", "create-identity-source"}, args...)...)
	}
	cfg := func(arn string, clients ...string) string {
		c := map[string]any{"userPoolArn": arn}
		if len(clients) > 0 {
			c["clientIds"] = clients
		}
		b, _ := json.Marshal(map[string]any{"cognitoUserPoolConfiguration": c})
		return string(b)
	}
	ps := s.cli(t, dir, "AKIDEXAMPLE", "verifiedpermissions", "create-policy-store", "--validation-settings", "mode=OFF").json(t)["policyStoreId"].(string)

	tests := []struct {
		name string
		res  func() cliResult
		code string
		msg  string
	}{
		{"bad ARN", func() cliResult {
			return create("--policy-store-id", ps, "--configuration", cfg("arn:aws:cognito-idp:us-west-2:123:userpool/x"))
		}, "ValidationException", "configuration.cognitoUserPoolConfiguration.userPoolArn"},
		{"missing client", func() cliResult {
			return create("--policy-store-id", ps, "--configuration", cfg(emulatortest.SeedPoolARN, "nosuchclient00000000000000"))
		}, "ValidationException", "App client nosuchclient00000000000000 does not exist in user pool us-west-2_1a2b3c4d5"},
		{"missing store", func() cliResult {
			return create("--policy-store-id", "PSdoesnotexist00000000", "--configuration", cfg(emulatortest.SeedPoolARN))
		}, "ResourceNotFoundException", "PSdoesnotexist00000000"},
		{"first create", func() cliResult {
			return create("--policy-store-id", ps, "--client-token", "tok-1", "--configuration", cfg(emulatortest.SeedPoolARN, emulatortest.SeedClientID))
		}, "", ""},
		{"token conflict", func() cliResult {
			return create("--policy-store-id", ps, "--client-token", "tok-1", "--principal-entity-type", "Other", "--configuration", cfg(emulatortest.SeedPoolARN, emulatortest.SeedClientID))
		}, "ConflictException", "tok-1"},
		{"quota", func() cliResult {
			return create("--policy-store-id", ps, "--configuration", cfg(emulatortest.SeedPoolARN))
		}, "ServiceQuotaExceededException", "at most 1"},
	}
	for _, tc := range tests { // in order: later cases build on earlier ones
		res := tc.res()
		if tc.code == "" {
			if res.code != 0 {
				t.Fatalf("%s: exit %d: %s", tc.name, res.code, res.stderr)
			}
			continue
		}
		want := "An error occurred (" + tc.code + ") when calling the CreateIdentitySource operation"
		if res.code == 0 || !strings.Contains(res.stderr, want) || !strings.Contains(res.stderr, tc.msg) {
			t.Errorf("%s: exit %d, stderr %q; want %q and %q", tc.name, res.code, res.stderr, want, tc.msg)
		}
	}
}
