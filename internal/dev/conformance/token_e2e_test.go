package conformance

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	vp "github.com/aws/aws-sdk-go-v2/service/verifiedpermissions"
	"github.com/aws/aws-sdk-go-v2/service/verifiedpermissions/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	jose "github.com/go-jose/go-jose/v4"
	"github.com/google/go-cmp/cmp"

	"github.com/vpid-dev/vpid/internal/dev/cognitouser"
	"github.com/vpid-dev/vpid/internal/dev/emulator"
	"github.com/vpid-dev/vpid/internal/dev/emulator/emulatortest"
)

// This file proves IsAuthorizedWithToken and BatchIsAuthorizedWithToken with
// real tokens: users of cognito-local sign in, and their ID and access
// tokens, verified against cognito-local's key set, get decisions through
// the Go SDK, the AWS CLI and boto3. Then every token check fails through
// the API, with tokens cognito-local issues where it can produce the case
// and tokens the test signs itself where it cannot.

// The entity types of the token tests' policy store.
const (
	e2eUser       = "MyCorp::User"
	e2eGroup      = "MyCorp::UserGroup"
	e2eActionType = "MyCorp::Action"
	e2eDoc        = "MyCorp::Doc"
)

// e2eUserTokens is a cognito-local user and the tokens its sign-in gave.
type e2eUserTokens struct {
	name, sub      string
	id, access     string
	principalID    string // <poolId>|<sub>, as the answer's principal names it
	principalTyped types.EntityIdentifier
}

// e2eFixture is a policy store whose identity source is the seed pool (one
// app client of its own), with policies that allow by group membership, by
// a custom attribute and by the access token's scope; alice is in the group
// with custom:dept "eng", bob in no group with custom:dept "sales".
type e2eFixture struct {
	s            *stack
	c            *vp.Client
	ps           string
	client       string // the app client the identity source accepts
	group        string
	alice, bob   e2eUserTokens
	byGroup      string // policy ids
	byDept       string
	byScope      string
	forbidLocked string
}

// e2eSuffix makes names no other run of the shared cognito-local uses.
func e2eSuffix(t *testing.T) string {
	t.Helper()
	b := make([]byte, 5)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)[:6]
}

// e2eSignIn creates a user in pool (cleaned up at the end), optionally in
// group, and signs it in with USER_PASSWORD_AUTH (InitiateAuth) or, when
// admin, ADMIN_USER_PASSWORD_AUTH (AdminInitiateAuth).
func e2eSignIn(t *testing.T, idp *cip.Client, pool, client, name, dept, group string, admin bool) e2eUserTokens {
	t.Helper()
	u := e2ePoolUser(pool, name)
	if dept != "" {
		u.Attributes["custom:dept"] = dept
	}
	if group != "" {
		u.Groups = []string{group}
	}
	sub, err := cognitouser.Create(context.Background(), idp, u)
	t.Cleanup(func() {
		_, _ = idp.AdminDeleteUser(context.Background(), &cip.AdminDeleteUserInput{UserPoolId: aws.String(pool), Username: aws.String(name)})
	})
	if err != nil {
		t.Fatal(err)
	}
	id, access := e2eAuth(t, idp, pool, client, name, admin)
	pid := pool + "|" + sub
	return e2eUserTokens{
		name: name, sub: sub, id: id, access: access,
		principalID:    pid,
		principalTyped: types.EntityIdentifier{EntityType: aws.String(e2eUser), EntityId: aws.String(pid)},
	}
}

// e2ePoolUser is the user name of pool, with the password and email the tests
// give every user.
func e2ePoolUser(pool, name string) cognitouser.User {
	return cognitouser.User{Pool: pool, Name: name, Password: "Passw0rd!" + name,
		Attributes: map[string]string{"email": name + "@example.com"}}
}

// e2eAuth signs name in to client with USER_PASSWORD_AUTH (InitiateAuth) or,
// when admin, ADMIN_USER_PASSWORD_AUTH (AdminInitiateAuth), and returns its
// ID and access tokens.
func e2eAuth(t *testing.T, idp *cip.Client, pool, client, name string, admin bool) (id, access string) {
	t.Helper()
	tok, err := cognitouser.SignIn(context.Background(), idp, e2ePoolUser(pool, name), client, admin)
	if err != nil {
		t.Fatal(err)
	}
	return tok.ID, tok.Access
}

// e2eCustomAttribute declares custom:dept in the seed pool; the shared
// cognito-local may have it from an earlier test already.
func e2eCustomAttribute(t *testing.T, idp *cip.Client, pool string) {
	t.Helper()
	_, err := idp.AddCustomAttributes(context.Background(), &cip.AddCustomAttributesInput{
		UserPoolId: aws.String(pool),
		CustomAttributes: []ciptypes.SchemaAttributeType{{
			Name: aws.String("dept"), AttributeDataType: ciptypes.AttributeDataTypeString, Mutable: aws.Bool(true),
		}},
	})
	var ip *ciptypes.InvalidParameterException
	exists := errors.As(err, &ip) && strings.Contains(aws.ToString(ip.Message), "already has name custom:dept")
	if err != nil && !exists {
		t.Fatalf("AddCustomAttributes: %v", err)
	}
}

// e2eAttributeMu serializes the tests' AddCustomAttributes calls: cognito-local
// rewrites the pool's whole schema on each.
var e2eAttributeMu sync.Mutex

func newE2EFixture(t *testing.T) *e2eFixture {
	t.Helper()
	s := newStack(t)
	f := &e2eFixture{s: s, c: s.client("AKIDEXAMPLE")}
	ctx := context.Background()
	idp := emulatortest.Cognito(t)
	pool := emulatortest.SeedPoolID
	suffix := e2eSuffix(t)

	e2eAttributeMu.Lock()
	e2eCustomAttribute(t, idp, pool)
	e2eAttributeMu.Unlock()
	f.client = emulatortest.NewClient(t, pool, "e2e-"+suffix)
	f.group = "readers-" + suffix
	if _, err := idp.CreateGroup(ctx, &cip.CreateGroupInput{UserPoolId: aws.String(pool), GroupName: aws.String(f.group)}); err != nil {
		t.Fatalf("CreateGroup: %v", err)
	}
	t.Cleanup(func() {
		_, _ = idp.DeleteGroup(context.Background(), &cip.DeleteGroupInput{UserPoolId: aws.String(pool), GroupName: aws.String(f.group)})
	})
	f.alice = e2eSignIn(t, idp, pool, f.client, "alice-"+suffix, "eng", f.group, false)
	f.bob = e2eSignIn(t, idp, pool, f.client, "bob-"+suffix, "sales", "", true)

	f.ps = apiStore(t, f.c, nil)
	if _, err := f.c.CreateIdentitySource(ctx, &vp.CreateIdentitySourceInput{
		PolicyStoreId: aws.String(f.ps), PrincipalEntityType: aws.String(e2eUser),
		Configuration: &types.ConfigurationMemberCognitoUserPoolConfiguration{Value: types.CognitoUserPoolConfiguration{
			UserPoolArn: aws.String(emulatortest.SeedPoolARN), ClientIds: []string{f.client},
			GroupConfiguration: &types.CognitoGroupConfiguration{GroupEntityType: aws.String(e2eGroup)},
		}},
	}); err != nil {
		t.Fatalf("CreateIdentitySource: %v", err)
	}
	create := func(stmt string) string {
		t.Helper()
		out, err := f.c.CreatePolicy(ctx, &vp.CreatePolicyInput{PolicyStoreId: aws.String(f.ps), Definition: apiStaticDef(stmt)})
		if err != nil {
			t.Fatalf("CreatePolicy %s: %v", stmt, err)
		}
		return aws.ToString(out.PolicyId)
	}
	f.byGroup = create(`permit(principal in MyCorp::UserGroup::"` + pool + `|` + f.group + `", action == MyCorp::Action::"read", resource);`)
	// The custom attribute in both notations AVP documents for Cognito.
	f.byDept = create(`permit(principal, action == MyCorp::Action::"edit", resource) when { principal.custom.dept == "eng" && principal["custom:dept"] == "eng" };`)
	f.byScope = create(`permit(principal, action == MyCorp::Action::"call", resource) when {
		context.token.scope.contains("aws.cognito.signin.user.admin") && context.token.client_id == "` + f.client + `" };`)
	f.forbidLocked = create(`forbid(principal, action, resource == MyCorp::Doc::"locked");`)
	return f
}

func e2eAction(id string) *types.ActionIdentifier {
	return &types.ActionIdentifier{ActionType: aws.String(e2eActionType), ActionId: aws.String(id)}
}

func e2eResource(id string) *types.EntityIdentifier {
	return &types.EntityIdentifier{EntityType: aws.String(e2eDoc), EntityId: aws.String(id)}
}

// e2eAnswer is what a decision came back as, in a form every client's
// answer converts to.
type e2eAnswer struct {
	Decision    string
	Determining []string
	Errors      int
	Principal   string // type::"id"
}

func e2eSDKAnswer(out *vp.IsAuthorizedWithTokenOutput) e2eAnswer {
	a := e2eAnswer{Decision: string(out.Decision), Errors: len(out.Errors), Determining: []string{}}
	for _, p := range out.DeterminingPolicies {
		a.Determining = append(a.Determining, aws.ToString(p.PolicyId))
	}
	if out.Principal != nil {
		a.Principal = aws.ToString(out.Principal.EntityType) + `::"` + aws.ToString(out.Principal.EntityId) + `"`
	}
	return a
}

func (u e2eUserTokens) principal() string { return e2eUser + `::"` + u.principalID + `"` }

// e2eCase is one decision the fixture's policies must give.
type e2eCase struct {
	name           string
	id, access     string
	action, doc    string
	want           e2eAnswer
	forCLIAndBoto3 bool
}

func (f *e2eFixture) cases() []e2eCase {
	a, b := f.alice, f.bob
	allow := func(p string, u e2eUserTokens) e2eAnswer {
		return e2eAnswer{Decision: "ALLOW", Determining: []string{p}, Principal: u.principal()}
	}
	deny := func(u e2eUserTokens, determining ...string) e2eAnswer {
		if determining == nil {
			determining = []string{}
		}
		return e2eAnswer{Decision: "DENY", Determining: determining, Principal: u.principal()}
	}
	return []e2eCase{
		// ID tokens: group membership (cognito:groups as parents), the
		// custom attribute, a forbid, and nothing that applies.
		{"alice reads by group", a.id, "", "read", "doc1", allow(f.byGroup, a), true},
		{"bob is in no group", b.id, "", "read", "doc1", deny(b), true},
		{"alice edits by dept", a.id, "", "edit", "doc1", allow(f.byDept, a), true},
		{"bob's dept is not eng", b.id, "", "edit", "doc1", deny(b), true},
		{"a forbid wins", a.id, "", "edit", "locked", deny(a, f.forbidLocked), false},
		{"no policy for delete", a.id, "", "delete", "doc1", deny(a), false},
		// Access tokens: their claims under context.token (scope as a set),
		// their cognito:groups as parents, and no attributes on the
		// principal (the dept policy fails to evaluate and is reported).
		{"alice calls by scope", "", a.access, "call", "doc1", allow(f.byScope, a), true},
		{"bob calls by scope", "", b.access, "call", "doc1", allow(f.byScope, b), false},
		{"alice's access token has her groups", "", a.access, "read", "doc1", allow(f.byGroup, a), false},
		{"bob's access token has no groups", "", b.access, "read", "doc1", deny(b), false},
		{"an access token has no attributes", "", a.access, "edit", "doc1", e2eAnswer{Decision: "DENY", Determining: []string{}, Errors: 1, Principal: a.principal()}, false},
		// Both tokens of one user: attributes and context at once.
		{"both of alice's tokens, edit", a.id, a.access, "edit", "doc1", allow(f.byDept, a), false},
		{"both of alice's tokens, call", a.id, a.access, "call", "doc1", allow(f.byScope, a), false},
		// An ID token brings no context.token.
		{"an ID token has no scope", a.id, "", "call", "doc1", e2eAnswer{Decision: "DENY", Determining: []string{}, Errors: 1, Principal: a.principal()}, false},
	}
}

// TestTokenE2ESDK gets every decision of the fixture through the Go SDK's
// IsAuthorizedWithToken, and a batch of them through
// BatchIsAuthorizedWithToken.
func TestTokenE2ESDK(t *testing.T) {
	t.Parallel()
	f := newE2EFixture(t)
	ctx := context.Background()
	for _, tc := range f.cases() {
		in := &vp.IsAuthorizedWithTokenInput{PolicyStoreId: aws.String(f.ps), Action: e2eAction(tc.action), Resource: e2eResource(tc.doc)}
		if tc.id != "" {
			in.IdentityToken = aws.String(tc.id)
		}
		if tc.access != "" {
			in.AccessToken = aws.String(tc.access)
		}
		out, err := f.c.IsAuthorizedWithToken(ctx, in)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if diff := cmp.Diff(tc.want, e2eSDKAnswer(out)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}

	batch, err := f.c.BatchIsAuthorizedWithToken(ctx, &vp.BatchIsAuthorizedWithTokenInput{
		PolicyStoreId: aws.String(f.ps), IdentityToken: aws.String(f.alice.id),
		Requests: []types.BatchIsAuthorizedWithTokenInputItem{
			{Action: e2eAction("read"), Resource: e2eResource("doc1")},
			{Action: e2eAction("edit"), Resource: e2eResource("doc2")},
			{Action: e2eAction("edit"), Resource: e2eResource("locked")},
			{Action: e2eAction("delete"), Resource: e2eResource("doc1")},
		},
	})
	if err != nil {
		t.Fatalf("BatchIsAuthorizedWithToken: %v", err)
	}
	if diff := cmp.Diff(f.alice.principalTyped, *batch.Principal, apiCmp); diff != "" {
		t.Errorf("batch principal (-want +got):\n%s", diff)
	}
	want := []struct {
		decision    types.Decision
		determining []string
		resource    string
	}{
		{types.DecisionAllow, []string{f.byGroup}, "doc1"},
		{types.DecisionAllow, []string{f.byDept}, "doc2"},
		{types.DecisionDeny, []string{f.forbidLocked}, "locked"},
		{types.DecisionDeny, nil, "doc1"},
	}
	if len(batch.Results) != len(want) {
		t.Fatalf("batch results: %+v", batch.Results)
	}
	for i, r := range batch.Results {
		var det []string
		for _, p := range r.DeterminingPolicies {
			det = append(det, aws.ToString(p.PolicyId))
		}
		if r.Decision != want[i].decision || !cmp.Equal(det, want[i].determining) || len(r.Errors) != 0 ||
			aws.ToString(r.Request.Resource.EntityId) != want[i].resource {
			t.Errorf("batch result %d = %s %v %v for %s, want %s %v for %s", i, r.Decision, det, r.Errors,
				aws.ToString(r.Request.Resource.EntityId), want[i].decision, want[i].determining, want[i].resource)
		}
	}
}

// TestTokenE2ECLI gets decisions through the real AWS CLI's
// is-authorized-with-token and batch-is-authorized-with-token.
func TestTokenE2ECLI(t *testing.T) {
	t.Parallel()
	f := newE2EFixture(t)
	dir := t.TempDir()
	for _, tc := range f.cases() {
		if !tc.forCLIAndBoto3 {
			continue
		}
		args := []string{"verifiedpermissions", "is-authorized-with-token", "--policy-store-id", f.ps,
			"--action", cliJSONArg(t, map[string]string{"actionType": e2eActionType, "actionId": tc.action}),
			"--resource", cliJSONArg(t, map[string]string{"entityType": e2eDoc, "entityId": tc.doc})}
		if tc.id != "" {
			args = append(args, "--identity-token", tc.id)
		}
		if tc.access != "" {
			args = append(args, "--access-token", tc.access)
		}
		if diff := cmp.Diff(tc.want, e2eJSONAnswer(f.s.cli(t, dir, "AKIDEXAMPLE", args...).json(t))); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}

	// A bad token is the CLI's ValidationException (exit code 255 in CLI
	// v1, 254 in v2).
	res := f.s.cli(t, dir, "AKIDEXAMPLE", "verifiedpermissions", "is-authorized-with-token", "--policy-store-id", f.ps,
		"--identity-token", f.alice.access,
		"--action", cliJSONArg(t, map[string]string{"actionType": e2eActionType, "actionId": "read"}),
		"--resource", cliJSONArg(t, map[string]string{"entityType": e2eDoc, "entityId": "doc1"}))
	if res.code == 0 || !strings.Contains(res.stderr, "(ValidationException)") || !strings.Contains(res.stderr, "failed the tokenUse check") {
		t.Errorf("an access token as identity token: exit %d, stderr %s", res.code, res.stderr)
	}

	batch := f.s.cli(t, dir, "AKIDEXAMPLE", "verifiedpermissions", "batch-is-authorized-with-token", "--policy-store-id", f.ps,
		"--identity-token", f.bob.id, "--requests", cliJSONArg(t, []any{
			map[string]any{"action": map[string]string{"actionType": e2eActionType, "actionId": "read"}, "resource": map[string]string{"entityType": e2eDoc, "entityId": "doc1"}},
		})).json(t)
	results, _ := batch["results"].([]any)
	if len(results) != 1 || results[0].(map[string]any)["decision"] != "DENY" || e2eJSONPrincipal(batch["principal"]) != f.bob.principal() {
		t.Errorf("batch-is-authorized-with-token = %v", batch)
	}
}

// e2eJSONAnswer reads an IsAuthorizedWithToken answer as the CLI or boto3
// printed it.
func e2eJSONAnswer(m map[string]any) e2eAnswer {
	a := e2eAnswer{Determining: []string{}, Principal: e2eJSONPrincipal(m["principal"])}
	a.Decision, _ = m["decision"].(string)
	for _, p := range m["determiningPolicies"].([]any) {
		a.Determining = append(a.Determining, p.(map[string]any)["policyId"].(string))
	}
	errs, _ := m["errors"].([]any)
	a.Errors = len(errs)
	return a
}

func e2eJSONPrincipal(v any) string {
	p, _ := v.(map[string]any)
	if p == nil {
		return ""
	}
	return p["entityType"].(string) + `::"` + p["entityId"].(string) + `"`
}

// TestTokenE2EBoto3 gets decisions through boto3
// (testdata/boto3_tokens.py), and a bad token as boto3's ClientError.
func TestTokenE2EBoto3(t *testing.T) {
	t.Parallel()
	f := newE2EFixture(t)
	var calls []map[string]any
	var want []e2eAnswer
	for _, tc := range f.cases() {
		if !tc.forCLIAndBoto3 {
			continue
		}
		calls = append(calls, map[string]any{"identityToken": tc.id, "accessToken": tc.access, "action": tc.action, "resource": tc.doc})
		want = append(want, tc.want)
	}
	// The last call's identity token is an access token.
	calls = append(calls, map[string]any{"identityToken": f.alice.access, "accessToken": "", "action": "read", "resource": "doc1"})
	spec, _ := json.Marshal(map[string]any{"policyStoreId": f.ps, "calls": calls})
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Fatalf("python3 with boto3 is required for the conformance tests: %v", err)
	}
	cmd := exec.Command(python, "testdata/boto3_tokens.py")
	cmd.Env = append(clientEnv(t.TempDir()), "VPID_ENDPOINT="+f.s.URL)
	cmd.Stdin = strings.NewReader(string(spec))
	raw, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("boto3_tokens.py: %v\n%s", err, stderr)
	}
	var got map[string]any
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatalf("output %q: %v", raw, err)
	}
	answers, _ := got["answers"].([]any)
	if len(answers) != len(calls) {
		t.Fatalf("boto3 answered %d calls of %d: %v", len(answers), len(calls), got)
	}
	for i, w := range want {
		m, _ := answers[i].(map[string]any)
		if diff := cmp.Diff(w, e2eJSONAnswer(m)); diff != "" {
			t.Errorf("boto3 call %d (-want +got):\n%s", i, diff)
		}
	}
	last, _ := answers[len(answers)-1].(map[string]any)
	if last["code"] != "ValidationException" || last["status"] != float64(400) || !strings.Contains(last["message"].(string), "failed the tokenUse check") {
		t.Errorf("boto3 with an access token as identity token: %v", last)
	}
}

// e2eRejected fails unless err is a 400 ValidationException saying which
// check failed (the message the service writes for a token that fails).
func e2eRejected(t *testing.T, name string, err error, check string) {
	t.Helper()
	var ve *types.ValidationException
	if !errors.As(err, &ve) {
		t.Errorf("%s: want a ValidationException naming the %s check, got %v", name, check, err)
		return
	}
	var re *smithyhttp.ResponseError
	if !errors.As(err, &re) || re.HTTPStatusCode() != 400 {
		t.Errorf("%s: HTTP status is not 400: %v", name, err)
	}
	if msg := aws.ToString(ve.Message); !strings.Contains(msg, "failed the "+check+" check") {
		t.Errorf("%s: message %q does not name the %s check", name, msg, check)
	}
}

// e2eClaims decodes a token's payload (unverified: the test's own use).
func e2eClaims(t *testing.T, tok string) map[string]any {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("not a compact JWS: %q", tok)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	d := json.NewDecoder(strings.NewReader(string(b)))
	d.UseNumber()
	if err := d.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

// e2eSign signs claims with key (RS256) under kid.
func e2eSign(t *testing.T, key *rsa.PrivateKey, kid string, claims map[string]any) string {
	t.Helper()
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", kid))
	if err != nil {
		t.Fatal(err)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := s.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	out, err := obj.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// e2eCognitoLocalKey is cognito-local's own signing key, which its npm
// package ships: with it the test makes tokens cognito-local could have
// issued but does not (expired, not yet valid, with reserved claims), and
// whose signature therefore verifies.
func e2eCognitoLocalKey(t *testing.T) (*rsa.PrivateKey, string) {
	t.Helper()
	root, err := emulator.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(root, ".tools", "node_modules", "cognito-local", "lib", "keys", "cognitoLocal.private.json"))
	if err != nil {
		t.Fatalf("cognito-local's key (make tools installs it): %v", err)
	}
	var f struct{ JWK jose.JSONWebKey }
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	k, ok := f.JWK.Key.(*rsa.PrivateKey)
	if !ok {
		t.Fatalf("cognito-local's key is a %T", f.JWK.Key)
	}
	return k, f.JWK.KeyID
}

// with returns a copy of claims with the changes applied (nil deletes).
func e2eWith(claims map[string]any, changes map[string]any) map[string]any {
	out := make(map[string]any, len(claims))
	for k, v := range claims {
		out[k] = v
	}
	for k, v := range changes {
		if v == nil {
			delete(out, k)
		} else {
			out[k] = v
		}
	}
	return out
}

// TestTokenE2EBadTokens fails every token check through the API: each is a
// 400 ValidationException naming the check, never a decision and never a
// server error.
func TestTokenE2EBadTokens(t *testing.T) {
	t.Parallel()
	f := newE2EFixture(t)
	ctx := context.Background()
	idp := emulatortest.Cognito(t)
	clKey, clKid := e2eCognitoLocalKey(t)
	attacker, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	aliceID := e2eClaims(t, f.alice.id)
	now := time.Now()

	// Sanity: cognito-local's key, as loaded, signs tokens vpid accepts.
	resigned := e2eSign(t, clKey, clKid, aliceID)
	if out, err := f.c.IsAuthorizedWithToken(ctx, &vp.IsAuthorizedWithTokenInput{PolicyStoreId: aws.String(f.ps),
		IdentityToken: aws.String(resigned), Action: e2eAction("read"), Resource: e2eResource("doc1")}); err != nil || out.Decision != types.DecisionAllow {
		t.Fatalf("alice's claims signed with cognito-local's key: %+v %v", out, err)
	}

	// A user of another pool, signed in through cognito-local.
	other := e2eSignIn(t, idp, emulatortest.OtherPoolID, emulatortest.OtherClientID, "carol-"+e2eSuffix(t), "", "", true)

	// Alice signed in through the pool's other app client, which the
	// identity source does not accept.
	seedClientID, seedClientAccess := e2eAuth(t, idp, emulatortest.SeedPoolID, emulatortest.SeedClientID, f.alice.name, false)

	// The tampered token: bob's own ID token with his dept changed to eng.
	parts := strings.Split(f.bob.id, ".")
	bobClaims := e2eClaims(t, f.bob.id)
	bobClaims["custom:dept"] = "eng"
	forged, _ := json.Marshal(bobClaims)
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString(forged) + "." + parts[2]

	// An unsigned token (alg none) and one that says HS256.
	noneTok := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + parts[1] + "."
	hsTok := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT","kid":"`+clKid+`"}`)) + "." + parts[1] + "." + parts[2]

	type bad struct {
		name       string
		id, access string
		check      string
	}
	cases := []bad{
		{"malformed: not a JWS", "abc.def.ghi", "", "malformed"},
		{"malformed: payload not JSON", base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"RS256","kid":"CognitoLocal"}`)) + "." +
			base64.RawURLEncoding.EncodeToString([]byte("not json")) + "." + parts[2], "", "malformed"},
		{"algorithm: none", noneTok + "x", "", "algorithm"},
		{"algorithm: HS256", hsTok, "", "algorithm"},
		{"expired", e2eSign(t, clKey, clKid, e2eWith(aliceID, map[string]any{
			"iat": now.Add(-2 * time.Hour).Unix(), "exp": now.Add(-time.Hour).Unix()})), "", "expired"},
		{"notYetValid", e2eSign(t, clKey, clKid, e2eWith(aliceID, map[string]any{"nbf": now.Add(time.Hour).Unix()})), "", "notYetValid"},
		{"signature: tampered payload", tampered, "", "signature"},
		{"signature: another key under cognito-local's kid", e2eSign(t, attacker, clKid, aliceID), "", "signature"},
		{"unknownKey", e2eSign(t, attacker, "rotated-"+e2eSuffix(t), aliceID), "", "unknownKey"},
		{"tokenUse: access token as identityToken", f.alice.access, "", "tokenUse"},
		{"tokenUse: ID token as accessToken", "", f.alice.id, "tokenUse"},
		{"audience: another app client's ID token", seedClientID, "", "audience"},
		{"audience: another app client's access token", "", seedClientAccess, "audience"},
		{"issuer: another pool's ID token", other.id, "", "issuer"},
		{"issuer: another pool's access token", "", other.access, "issuer"},
		{"claims: a reserved claim", e2eSign(t, clKey, clKid, e2eWith(aliceID, map[string]any{"custom": "x"})), "", "claims"},
		{"sameSubject: alice's ID token with bob's access token", f.alice.id, f.bob.access, "sameSubject"},
		{"principal: no sub", e2eSign(t, clKey, clKid, e2eWith(aliceID, map[string]any{"sub": nil})), "", "principal"},
	}
	for _, tc := range cases {
		in := &vp.IsAuthorizedWithTokenInput{PolicyStoreId: aws.String(f.ps), Action: e2eAction("read"), Resource: e2eResource("doc1")}
		if tc.id != "" {
			in.IdentityToken = aws.String(tc.id)
		}
		if tc.access != "" {
			in.AccessToken = aws.String(tc.access)
		}
		out, err := f.c.IsAuthorizedWithToken(ctx, in, apiNoRetry)
		if err == nil {
			t.Errorf("%s: answered %s instead of failing", tc.name, out.Decision)
			continue
		}
		e2eRejected(t, tc.name, err, tc.check)

		// The batch form fails the same way, not per request.
		bin := &vp.BatchIsAuthorizedWithTokenInput{PolicyStoreId: aws.String(f.ps), IdentityToken: in.IdentityToken, AccessToken: in.AccessToken,
			Requests: []types.BatchIsAuthorizedWithTokenInputItem{{Action: e2eAction("read"), Resource: e2eResource("doc1")}}}
		if bout, err := f.c.BatchIsAuthorizedWithToken(ctx, bin, apiNoRetry); err == nil {
			t.Errorf("%s (batch): answered %+v instead of failing", tc.name, bout.Results)
		} else {
			e2eRejected(t, tc.name+" (batch)", err, tc.check)
		}
	}

	// A policy store without an identity source refuses any token.
	bare := apiStore(t, f.c, nil)
	_, err = f.c.IsAuthorizedWithToken(ctx, &vp.IsAuthorizedWithTokenInput{PolicyStoreId: aws.String(bare),
		IdentityToken: aws.String(f.alice.id), Action: e2eAction("read"), Resource: e2eResource("doc1")}, apiNoRetry)
	ve := apiValidation(t, err, "policyStoreId")
	if !strings.Contains(aws.ToString(ve.Message), "has no identity source") {
		t.Errorf("store without identity source: %q", aws.ToString(ve.Message))
	}

	// The very tokens still work: nothing above poisoned a cache.
	out, err := f.c.IsAuthorizedWithToken(ctx, &vp.IsAuthorizedWithTokenInput{PolicyStoreId: aws.String(f.ps),
		IdentityToken: aws.String(f.alice.id), Action: e2eAction("read"), Resource: e2eResource("doc1")})
	if err != nil || out.Decision != types.DecisionAllow {
		t.Errorf("alice after the bad tokens: %+v %v", out, err)
	}
}

// TestTokenE2EIdentitySourceWrites: a decision sees every identity-source
// write acknowledged before it began, with the policy set (and the
// identity source with it) already cached by the decisions before: a new
// principal type, an app client list without the token's client, no
// identity source at all, and a new one.
func TestTokenE2EIdentitySourceWrites(t *testing.T) {
	t.Parallel()
	f := newE2EFixture(t)
	ctx := context.Background()
	decide := func() (*vp.IsAuthorizedWithTokenOutput, error) {
		return f.c.IsAuthorizedWithToken(ctx, &vp.IsAuthorizedWithTokenInput{PolicyStoreId: aws.String(f.ps),
			IdentityToken: aws.String(f.alice.id), Action: e2eAction("read"), Resource: e2eResource("doc1")})
	}
	wantPrincipal := func(step, typ string) {
		t.Helper()
		out, err := decide()
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		if out.Decision != types.DecisionAllow || aws.ToString(out.Principal.EntityType) != typ {
			t.Fatalf("%s: %s for %s, want ALLOW for a %s", step, out.Decision, aws.ToString(out.Principal.EntityType), typ)
		}
	}
	wantPrincipal("before any write", e2eUser)
	list, err := f.c.ListIdentitySources(ctx, &vp.ListIdentitySourcesInput{PolicyStoreId: aws.String(f.ps)})
	if err != nil || len(list.IdentitySources) != 1 {
		t.Fatalf("ListIdentitySources: %v %v", list, err)
	}
	isID := list.IdentitySources[0].IdentitySourceId
	update := func(principalType string, clients ...string) {
		t.Helper()
		if _, err := f.c.UpdateIdentitySource(ctx, &vp.UpdateIdentitySourceInput{
			PolicyStoreId: aws.String(f.ps), IdentitySourceId: isID, PrincipalEntityType: aws.String(principalType),
			UpdateConfiguration: &types.UpdateConfigurationMemberCognitoUserPoolConfiguration{Value: types.UpdateCognitoUserPoolConfiguration{
				UserPoolArn: aws.String(emulatortest.SeedPoolARN), ClientIds: clients,
				GroupConfiguration: &types.UpdateCognitoGroupConfiguration{GroupEntityType: aws.String(e2eGroup)},
			}},
		}); err != nil {
			t.Fatalf("UpdateIdentitySource: %v", err)
		}
	}

	update("MyCorp::Employee", f.client)
	wantPrincipal("after the principal type changed", "MyCorp::Employee")

	update(e2eUser, emulatortest.NewClient(t, emulatortest.SeedPoolID, "e2e-other-"+e2eSuffix(t)))
	_, err = decide()
	e2eRejected(t, "after the token's client left the identity source", err, "audience")

	if _, err := f.c.DeleteIdentitySource(ctx, &vp.DeleteIdentitySourceInput{PolicyStoreId: aws.String(f.ps), IdentitySourceId: isID}); err != nil {
		t.Fatalf("DeleteIdentitySource: %v", err)
	}
	_, err = decide()
	var ve *types.ValidationException
	if !errors.As(err, &ve) || !strings.Contains(aws.ToString(ve.Message), "has no identity source") {
		t.Fatalf("after the identity source was deleted: %v, want a ValidationException saying the store has none", err)
	}

	if _, err := f.c.CreateIdentitySource(ctx, &vp.CreateIdentitySourceInput{
		PolicyStoreId: aws.String(f.ps), PrincipalEntityType: aws.String("MyCorp::Member"),
		Configuration: &types.ConfigurationMemberCognitoUserPoolConfiguration{Value: types.CognitoUserPoolConfiguration{
			UserPoolArn: aws.String(emulatortest.SeedPoolARN), ClientIds: []string{f.client},
			GroupConfiguration: &types.CognitoGroupConfiguration{GroupEntityType: aws.String(e2eGroup)},
		}},
	}); err != nil {
		t.Fatalf("CreateIdentitySource: %v", err)
	}
	wantPrincipal("after a new identity source", "MyCorp::Member")
}
