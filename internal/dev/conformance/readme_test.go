package conformance

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	vp "github.com/aws/aws-sdk-go-v2/service/verifiedpermissions"
	"github.com/aws/aws-sdk-go-v2/service/verifiedpermissions/types"

	"github.com/vpid-dev/vpid/internal/dev/emulator"
	"github.com/vpid-dev/vpid/internal/dev/emulator/emulatortest"
)

// readmeEndpoint is the API address the README's commands name, and
// readmeCognito the local Cognito's.
const (
	readmeEndpoint = "http://127.0.0.1:8080"
	readmeCognito  = "http://127.0.0.1:9229"
)

// readme returns the repository's README.md.
func readme(t *testing.T) string {
	t.Helper()
	root, err := emulator.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestREADMEWalkthrough runs the README's AWS CLI walkthrough (the fenced
// sh blocks between <!-- walkthrough:begin --> and <!-- walkthrough:end -->)
// with bash and the real AWS CLI against a test stack, twice in a row on the
// same data, as a reader pastes it: it must succeed both times.
func TestREADMEWalkthrough(t *testing.T) {
	t.Parallel()
	doc := readme(t)
	_, rest, ok := strings.Cut(doc, "<!-- walkthrough:begin -->")
	section, _, ok2 := strings.Cut(rest, "<!-- walkthrough:end -->")
	if !ok || !ok2 {
		t.Fatal("README.md has no walkthrough markers")
	}
	var script strings.Builder
	for _, m := range regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(section, -1) {
		script.WriteString(m[1])
	}
	if !strings.Contains(script.String(), readmeEndpoint) {
		t.Fatalf("the walkthrough does not name %s", readmeEndpoint)
	}
	if strings.Contains(script.String(), "<") && regexp.MustCompile(`<[a-z-]+>`).MatchString(script.String()) {
		t.Errorf("the walkthrough has a placeholder to fill in: %s", regexp.MustCompile(`<[a-z-]+>`).FindString(script.String()))
	}
	s := newStack(t)
	c := s.client("local")
	ctx := context.Background()
	// As after make run's printed example: the seed store has its identity source.
	if _, err := c.CreateIdentitySource(ctx, &vp.CreateIdentitySourceInput{PolicyStoreId: aws.String(SeedPolicyStoreID),
		Configuration: apiCognito(emulatortest.SeedPoolARN, emulatortest.SeedClientID)}); err != nil {
		t.Fatal(err)
	}
	// The walkthrough's user and group in the seed pool of the shared
	// cognito-local, gone when the test ends.
	_, cogEndpoint := emulatortest.Endpoints(t)
	idp := emulatortest.NewCognitoClient(cogEndpoint)
	t.Cleanup(func() {
		_, _ = idp.AdminDeleteUser(context.Background(), &cip.AdminDeleteUserInput{UserPoolId: aws.String(emulatortest.SeedPoolID), Username: aws.String("alice")})
		_, _ = idp.DeleteGroup(context.Background(), &cip.DeleteGroupInput{UserPoolId: aws.String(emulatortest.SeedPoolID), GroupName: aws.String("readers")})
	})
	body := strings.ReplaceAll(script.String(), readmeEndpoint, s.URL)
	body = strings.ReplaceAll(body, readmeCognito, cogEndpoint)
	dir := t.TempDir()
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Fatal(err)
	}
	for run := 1; run <= 2; run++ {
		cmd := exec.Command(bash, "-euo", "pipefail", "-c", body)
		cmd.Dir = dir
		// The reader's shell: no AWS settings but the walkthrough's own.
		cmd.Env = append(clientEnv(dir), "AWS_PAGER=", "AWS_MAX_ATTEMPTS=1")
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			t.Fatalf("run %d of the README walkthrough: %v\nstdout:\n%s\nstderr:\n%s", run, err, out.String(), errb.String())
		}
		if errb.Len() > 0 {
			t.Errorf("run %d wrote to stderr:\n%s", run, errb.String())
		}
		if !strings.Contains(out.String(), `"https://cognito-idp.us-west-2.amazonaws.com/us-west-2_1a2b3c4d5"`) {
			t.Errorf("run %d: no issuer in the output:\n%s", run, out.String())
		}
		// It ends with is-authorized-with-token's ALLOW for the user's token.
		if m := regexp.MustCompile(`(?s)\{\s*"decision": "ALLOW",.*"principal": \{\s*"entityType": "MyCorp::User",\s*"entityId": "us-west-2_1a2b3c4d5\|[0-9a-f-]{36}"\s*\}\s*\}\s*$`).FindString(out.String()); m == "" {
			t.Errorf("run %d does not end with an ALLOW for the signed-in user:\n%s", run, out.String())
		}
	}
	// It leaves the seed store without an identity source, with its alias.
	list, err := c.ListIdentitySources(ctx, &vp.ListIdentitySourcesInput{PolicyStoreId: aws.String(SeedPolicyStoreID)})
	if err != nil || len(list.IdentitySources) != 0 {
		t.Errorf("identity sources left in the seed store: %+v %v", list, err)
	}
	al, err := c.GetPolicyStoreAlias(ctx, &vp.GetPolicyStoreAliasInput{AliasName: aws.String("policy-store-alias/example")})
	if err != nil || al.State != types.AliasStateActive || aws.ToString(al.PolicyStoreId) != SeedPolicyStoreID {
		t.Errorf("the walkthrough's alias: %+v %v", al, err)
	}
}

// TestREADMEGoProgram builds the README's Go SDK program as pasted.
func TestREADMEGoProgram(t *testing.T) {
	t.Parallel()
	m := regexp.MustCompile("(?s)```go\n(package main\n.*?)```").FindStringSubmatch(readme(t))
	if m == nil {
		t.Fatal("README.md has no Go program (a ```go block starting with package main)")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(m[1]), 0o644); err != nil {
		t.Fatal(err)
	}
	root, err := emulator.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	// Built in this module, whose go.mod has the SDK modules it imports.
	cmd := exec.Command("go", "build", "-o", os.DevNull, filepath.Join(dir, "main.go"))
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the README's Go program does not build: %v\n%s", err, out)
	}
}
