package avp

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const (
	okARN    = "arn:aws:cognito-idp:us-west-2:123456789012:userpool/us-west-2_1a2b3c4d5"
	cognitoP = "configuration.cognitoUserPoolConfiguration"
)

func cognitoBody(extra string) string {
	return `{"policyStoreId":"PSEXAMPLEabcdefg111111","configuration":{"cognitoUserPoolConfiguration":{"userPoolArn":"` + okARN + `"` + extra + `}}}`
}

func quoted(n int, f func(i int) string) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = `"` + f(i) + `"`
	}
	return strings.Join(parts, ",")
}

func TestCreateIdentitySourceValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
		want []string // paths of the fieldList, in order
	}{
		{"minimal cognito", cognitoBody(""), nil},
		{"full cognito", `{"clientToken":"a-1","principalEntityType":"MyCorp::User","policyStoreId":"policy-store-alias/my_store","configuration":{"cognitoUserPoolConfiguration":{"userPoolArn":"` + okARN + `","clientIds":["abc","def"],"groupConfiguration":{"groupEntityType":"MyCorp::Group"}}}}`, nil},
		{"null members count as absent", `{"policyStoreId":"p","principalEntityType":"U","configuration":{"openIdConnectConfiguration":null,"cognitoUserPoolConfiguration":{"userPoolArn":"` + okARN + `"}}}`, nil},
		{"empty body", `{}`, []string{"policyStoreId", "configuration"}},
		{"policyStoreId bad char", `{"policyStoreId":"ps!","configuration":{"cognitoUserPoolConfiguration":{"userPoolArn":"` + okARN + `"}}}`, []string{"policyStoreId"}},
		{"policyStoreId too long", `{"policyStoreId":"` + strings.Repeat("a", 201) + `","configuration":{"cognitoUserPoolConfiguration":{"userPoolArn":"` + okARN + `"}}}`, []string{"policyStoreId"}},
		{"clientToken too long", strings.Replace(cognitoBody(""), `{`, `{"clientToken":"`+strings.Repeat("a", 65)+`",`, 1), []string{"clientToken"}},
		{"clientToken bad char", strings.Replace(cognitoBody(""), `{`, `{"clientToken":"a_b",`, 1), []string{"clientToken"}},
		{"clientToken empty", strings.Replace(cognitoBody(""), `{`, `{"clientToken":"",`, 1), []string{"clientToken"}},
		{"principalEntityType too long", strings.Replace(cognitoBody(""), `{`, `{"principalEntityType":"`+strings.Repeat("U", 201)+`",`, 1), []string{"principalEntityType"}},
		{"principalEntityType newline", strings.Replace(cognitoBody(""), `{`, `{"principalEntityType":"User\n",`, 1), []string{"principalEntityType"}},
		{"union with no member", `{"policyStoreId":"p","configuration":{}}`, []string{"configuration"}},
		{"union with two members", `{"policyStoreId":"p","principalEntityType":"U","configuration":{"cognitoUserPoolConfiguration":{"userPoolArn":"` + okARN + `"},"openIdConnectConfiguration":{"issuer":"https://x","tokenSelection":{"accessTokenOnly":{}}}}}`, []string{"configuration"}},
		{"union member twice", `{"policyStoreId":"p","configuration":{"cognitoUserPoolConfiguration":{"userPoolArn":"` + okARN + `"},"cognitoUserPoolConfiguration":{"userPoolArn":"` + okARN + `"}}}`, []string{"configuration"}},
		{"unknown union member", `{"policyStoreId":"p","configuration":{"samlConfiguration":{}}}`, []string{"configuration.samlConfiguration"}},
		{"userPoolArn missing", `{"policyStoreId":"p","configuration":{"cognitoUserPoolConfiguration":{}}}`, []string{cognitoP + ".userPoolArn"}},
		{"userPoolArn short account", cognitoBody("")[:0] + `{"policyStoreId":"p","configuration":{"cognitoUserPoolConfiguration":{"userPoolArn":"arn:aws:cognito-idp:us-west-2:12345678901:userpool/us-west-2_1a2b3c4d5"}}}`, []string{cognitoP + ".userPoolArn"}},
		{"userPoolArn other service", `{"policyStoreId":"p","configuration":{"cognitoUserPoolConfiguration":{"userPoolArn":"arn:aws:iam::123456789012:userpool/us-west-2_1a2b3c4d5"}}}`, []string{cognitoP + ".userPoolArn"}},
		{"userPoolArn unicode digit", `{"policyStoreId":"p","configuration":{"cognitoUserPoolConfiguration":{"userPoolArn":"arn:aws:cognito-idp:us-west-2:12345678901\u0663:userpool/us-west-2_1a2b3c4d5"}}}`, []string{cognitoP + ".userPoolArn"}},
		{"clientIds at the limit", cognitoBody(`,"clientIds":[` + quoted(MaxClientIDs, func(i int) string { return fmt.Sprintf("c%d", i) }) + `]`), nil},
		{"clientIds over the limit", cognitoBody(`,"clientIds":[` + quoted(MaxClientIDs+1, func(i int) string { return fmt.Sprintf("c%d", i) }) + `]`), []string{cognitoP + ".clientIds"}},
		{"clientIds empty item", cognitoBody(`,"clientIds":["a","b","c",""]`), []string{cognitoP + ".clientIds[3]"}},
		{"clientIds too long item", cognitoBody(`,"clientIds":["` + strings.Repeat("c", 256) + `"]`), []string{cognitoP + ".clientIds[0]"}},
		{"clientIds duplicate", cognitoBody(`,"clientIds":["a","b","a"]`), []string{cognitoP + ".clientIds[2]"}},
		{"groupEntityType missing", cognitoBody(`,"groupConfiguration":{}`), []string{cognitoP + ".groupConfiguration.groupEntityType"}},
		{"groupEntityType not a type path", cognitoBody(`,"groupConfiguration":{"groupEntityType":"My Corp::Group"}`), []string{cognitoP + ".groupConfiguration.groupEntityType"}},
		{"every violation collected", `{"clientToken":"x y","policyStoreId":"","configuration":{"cognitoUserPoolConfiguration":{"userPoolArn":"nope","clientIds":[""],"groupConfiguration":{"groupEntityType":"1x"}}}}`,
			[]string{"clientToken", "policyStoreId", cognitoP + ".userPoolArn", cognitoP + ".clientIds[0]", cognitoP + ".groupConfiguration.groupEntityType"}},
		{"oidc minimal", `{"policyStoreId":"p","principalEntityType":"U","configuration":{"openIdConnectConfiguration":{"issuer":"https://auth.example.com","tokenSelection":{"identityTokenOnly":{"clientIds":["x"]}}}}}`, nil},
		{"oidc without principal type", `{"policyStoreId":"p","configuration":{"openIdConnectConfiguration":{"issuer":"https://a","tokenSelection":{"accessTokenOnly":{}}}}}`, nil},
		{"oidc http issuer", `{"policyStoreId":"p","principalEntityType":"U","configuration":{"openIdConnectConfiguration":{"issuer":"http://auth.example.com","tokenSelection":{"accessTokenOnly":{}}}}}`, []string{"configuration.openIdConnectConfiguration.issuer"}},
		{"oidc token selection missing", `{"policyStoreId":"p","principalEntityType":"U","configuration":{"openIdConnectConfiguration":{"issuer":"https://a"}}}`, []string{"configuration.openIdConnectConfiguration.tokenSelection"}},
		{"oidc token selection two members", `{"policyStoreId":"p","principalEntityType":"U","configuration":{"openIdConnectConfiguration":{"issuer":"https://a","tokenSelection":{"accessTokenOnly":{},"identityTokenOnly":{}}}}}`, []string{"configuration.openIdConnectConfiguration.tokenSelection"}},
		{"oidc empty audiences", `{"policyStoreId":"p","principalEntityType":"U","configuration":{"openIdConnectConfiguration":{"issuer":"https://a","tokenSelection":{"accessTokenOnly":{"audiences":[]}}}}}`, []string{"configuration.openIdConnectConfiguration.tokenSelection.accessTokenOnly.audiences"}},
		{"oidc group claim missing", `{"policyStoreId":"p","principalEntityType":"U","configuration":{"openIdConnectConfiguration":{"issuer":"https://a","groupConfiguration":{"groupEntityType":"G"},"tokenSelection":{"accessTokenOnly":{}}}}}`, []string{"configuration.openIdConnectConfiguration.groupConfiguration.groupClaim"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var in CreateIdentitySourceInput
			if err := json.Unmarshal([]byte(tc.body), &in); err != nil {
				t.Fatalf("decode: %v", err)
			}
			_, err := in.validate()
			var got []string
			if err != nil {
				if err.Code != CodeValidation {
					t.Fatalf("code = %s, want %s", err.Code, CodeValidation)
				}
				for _, f := range err.FieldList {
					got = append(got, f.Path)
					if !strings.Contains(err.Message, f.Message) {
						t.Errorf("message %q lacks field message %q", err.Message, f.Message)
					}
				}
				if !strings.HasPrefix(err.Message, fmt.Sprintf("%d validation error", len(err.FieldList))) {
					t.Errorf("message %q does not count %d errors", err.Message, len(err.FieldList))
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("fieldList paths (-want +got):\n%s\nmessage: %v", diff, err)
			}
		})
	}
}

func TestValidationHidesSensitiveValues(t *testing.T) {
	t.Parallel()
	var in CreateIdentitySourceInput
	body := cognitoBody(`,"clientIds":["` + strings.Repeat("s", 300) + `"]`)
	if err := json.Unmarshal([]byte(body), &in); err != nil {
		t.Fatal(err)
	}
	_, err := in.validate()
	if err == nil || strings.Contains(err.Message, "sss") {
		t.Fatalf("want a violation that does not echo the client id, got %v", err)
	}
}

func TestValidationTruncatesLongValues(t *testing.T) {
	t.Parallel()
	in := GetIdentitySourceInput{PolicyStoreID: strings.Repeat("p", 5000), IdentitySourceID: "x"}
	err := in.validate()
	if err == nil || len(err.Message) > 400 {
		t.Fatalf("want a short message, got %d bytes: %v", len(err.Message), err)
	}
}

func TestCreatePolicyStoreValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
		want []string
	}{
		{"minimal", `{"validationSettings":{"mode":"OFF"}}`, nil},
		{"full", `{"clientToken":"t","validationSettings":{"mode":"STRICT"},"description":"d","deletionProtection":"ENABLED","encryptionSettings":{"kmsEncryptionSettings":{"key":"arn:aws:kms:us-east-1:123456789012:key/abc"}},"tags":{"k":"v"}}`, nil},
		{"default encryption", `{"validationSettings":{"mode":"OFF"},"encryptionSettings":{"default":{}}}`, nil},
		{"missing settings", `{}`, []string{"validationSettings"}},
		{"missing mode", `{"validationSettings":{}}`, []string{"validationSettings.mode"}},
		{"bad mode", `{"validationSettings":{"mode":"off"}}`, []string{"validationSettings.mode"}},
		{"bad deletion protection", `{"validationSettings":{"mode":"OFF"},"deletionProtection":"YES"}`, []string{"deletionProtection"}},
		{"description too long", `{"validationSettings":{"mode":"OFF"},"description":"` + strings.Repeat("d", 151) + `"}`, []string{"description"}},
		{"encryption two members", `{"validationSettings":{"mode":"OFF"},"encryptionSettings":{"default":{},"kmsEncryptionSettings":{"key":"k"}}}`, []string{"encryptionSettings"}},
		{"kms key missing", `{"validationSettings":{"mode":"OFF"},"encryptionSettings":{"kmsEncryptionSettings":{}}}`, []string{"encryptionSettings.kmsEncryptionSettings.key"}},
		{"reserved tag", `{"validationSettings":{"mode":"OFF"},"tags":{"aws:x":"v"}}`, []string{`tags["aws:x"].key`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var in CreatePolicyStoreInput
			if err := json.Unmarshal([]byte(tc.body), &in); err != nil {
				t.Fatalf("decode: %v", err)
			}
			var got []string
			if err := in.validate(); err != nil {
				for _, f := range err.FieldList {
					got = append(got, f.Path)
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("fieldList paths (-want +got):\n%s", diff)
			}
		})
	}
}

func TestUnionTypeErrorsCarryPaths(t *testing.T) {
	t.Parallel()
	var in CreateIdentitySourceInput
	err := json.Unmarshal([]byte(`{"configuration":{"cognitoUserPoolConfiguration":{"userPoolArn":"a","clientIds":"abc"}}}`), &in)
	var te *json.UnmarshalTypeError
	if !asTypeError(err, &te) || te.Field != "configuration.cognitoUserPoolConfiguration.clientIds" {
		t.Fatalf("want a type error at configuration.cognitoUserPoolConfiguration.clientIds, got %#v", err)
	}
	err = json.Unmarshal([]byte(`{"configuration":{"openIdConnectConfiguration":{"tokenSelection":{"accessTokenOnly":{"audiences":[1]}}}}}`), &in)
	if !asTypeError(err, &te) || te.Field != "configuration.openIdConnectConfiguration.tokenSelection.accessTokenOnly.audiences" {
		t.Fatalf("want a nested path, got %#v", err)
	}
	err = json.Unmarshal([]byte(`{"configuration":"x"}`), &in)
	if !asTypeError(err, &te) || te.Field != "configuration" {
		t.Fatalf("want a type error at configuration, got %#v", err)
	}
}

func asTypeError(err error, te **json.UnmarshalTypeError) bool {
	e, ok := err.(*json.UnmarshalTypeError)
	if ok {
		*te = e
	}
	return ok
}

func TestParseUserPoolARN(t *testing.T) {
	t.Parallel()
	a, ok := ParseUserPoolARN(okARN)
	if !ok {
		t.Fatal("not parsed")
	}
	if diff := cmp.Diff(UserPoolARN{"aws", "us-west-2", "123456789012", "us-west-2_1a2b3c4d5"}, a); diff != "" {
		t.Fatal(diff)
	}
	if a.String() != okARN {
		t.Errorf("String() = %s", a)
	}
	if got, want := a.Issuer(), "https://cognito-idp.us-west-2.amazonaws.com/us-west-2_1a2b3c4d5"; got != want {
		t.Errorf("Issuer() = %s, want %s", got, want)
	}
	cn, _ := ParseUserPoolARN("arn:aws-cn:cognito-idp:cn-north-1:123456789012:userpool/cn-north-1_abc")
	if got, want := cn.Issuer(), "https://cognito-idp.cn-north-1.amazonaws.com.cn/cn-north-1_abc"; got != want {
		t.Errorf("Issuer() = %s, want %s", got, want)
	}
	if _, ok := ParseUserPoolARN("arn:aws:cognito-idp:us-west-2:123456789012:userpool/"); ok {
		t.Error("parsed an ARN without a pool id")
	}
}

func TestNewID(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 1000 {
		id := NewID()
		if len(id) != IDLength || !reIdentitySourceID.MatchString(id) || strings.ContainsAny(id, "-") {
			t.Fatalf("bad id %q", id)
		}
		if seen[id] {
			t.Fatalf("repeated id %q", id)
		}
		seen[id] = true
	}
}

func TestTimestampKeepsSixDigits(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		at   time.Time
		want string
	}{
		{time.Date(2026, 11, 25, 18, 29, 41, 654430000, time.UTC), `"2026-11-25T18:29:41.654430Z"`},
		{time.Date(2026, 11, 25, 18, 29, 41, 0, time.UTC), `"2026-11-25T18:29:41.000000Z"`},
		{time.Date(2026, 11, 25, 19, 29, 41, 123456789, time.FixedZone("x", 3600)), `"2026-11-25T18:29:41.123456Z"`},
	} {
		b, err := json.Marshal(struct{ T Timestamp }{NewTimestamp(tc.at)})
		if err != nil || string(b) != `{"T":`+tc.want+`}` {
			t.Errorf("%v: %s %v", tc.at, b, err)
		}
		var back struct{ T Timestamp }
		if err := json.Unmarshal(b, &back); err != nil || !back.T.Equal(NewTimestamp(tc.at).Time) {
			t.Errorf("round trip of %s: %v %v", b, back.T, err)
		}
	}
}

// TestLimitsBeyondTheModel: members the model leaves unbounded have vpid's
// bounds (avp.Limits), refused as ValidationExceptions on their paths.
func TestLimitsBeyondTheModel(t *testing.T) {
	claim := strings.Repeat("c", MaxClaimLength)
	long := claim + "c"
	oidc := func(c string) *CreateIdentitySourceInput {
		return &CreateIdentitySourceInput{PolicyStoreID: "PS", Configuration: &ConfigurationUnion{OpenIDConnectConfiguration: &OpenIDConnectConfiguration{
			Issuer: "https://auth.example.com", TokenSelection: &TokenSelection{IdentityTokenOnly: &IdentityTokenConfiguration{PrincipalIDClaim: &c}}}}}
	}
	if _, err := oidc(claim).validate(); err != nil {
		t.Errorf("a claim of %d characters: %v", MaxClaimLength, err)
	}
	if _, err := oidc(long).validate(); err == nil || err.FieldList[0].Path != "configuration.openIdConnectConfiguration.tokenSelection.identityTokenOnly.principalIdClaim" {
		t.Errorf("a claim of %d characters: %v", MaxClaimLength+1, err)
	}
	ps := func(ctx map[string]string) *Error {
		return (&CreatePolicyStoreInput{ValidationSettings: &ValidationSettings{Mode: "OFF"}, EncryptionSettings: &EncryptionSettings{
			KMSEncryptionSettings: &KMSEncryptionSettings{Key: "alias/k", EncryptionContext: ctx}}}).validate()
	}
	const p = "encryptionSettings.kmsEncryptionSettings.encryptionContext"
	for _, c := range []struct {
		ctx  map[string]string
		path string
	}{
		{map[string]string{strings.Repeat("k", 128): strings.Repeat("v", 256)}, ""},
		{map[string]string{"": "v"}, p + `[""].key`},
		{map[string]string{"k": ""}, p + `["k"].value`},
		{map[string]string{strings.Repeat("k", 129): "v"}, p + `["` + strings.Repeat("k", 129) + `"].key`},
		{map[string]string{"k": strings.Repeat("v", 257)}, p + `["k"].value`},
	} {
		err := ps(c.ctx)
		switch {
		case c.path == "" && err != nil:
			t.Errorf("%v: %v", c.ctx, err)
		case c.path != "" && (err == nil || err.FieldList[0].Path != c.path):
			t.Errorf("got %v, want a violation at %s", err, c.path)
		}
	}
	many := map[string]string{}
	for i := range MaxEncryptionContextPairs + 1 {
		many[fmt.Sprint(i)] = "v"
	}
	if err := ps(many); err == nil || err.FieldList[0].Path != p {
		t.Errorf("%d pairs: %v", len(many), err)
	}
}

// TestAcceptsAgreeWithPatterns: a fast acceptance is never wrong (every
// string one accepts, its pattern matches), over strings made of each
// pattern's own characters and of those that break it; and each takes the
// inputs real requests carry, so that the engine is rarely run.
func TestAcceptsAgreeWithPatterns(t *testing.T) {
	alphabet := []string{"a", "Z", "0", "9", "-", "_", "=", "/", ".", ":", "::", "Action", "\n", " ", "é", "\xff", "+"}
	rng := rand.New(rand.NewPCG(1, 2))
	var corpus []string
	for range 20000 {
		var b strings.Builder
		for range rng.IntN(12) {
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		corpus = append(corpus, b.String())
	}
	typical := map[*pattern]string{
		rePolicyStoreID:    "PSEXAMPLEabcdefg111111",
		reIdentitySourceID: "ISEXAMPLEabcdefg111111",
		reClientToken:      "a1b2c3d4-e5f6-7890-abcd-ef1234567890",
		reAnyLine:          "MyCorp::User with spaces and é",
		reActionTyp:        "MyCorp::Action",
		reToken:            "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1In0.c2lnbmF0dXJl-_w==",
	}
	for re, accept := range accepts {
		if !accept(typical[re]) || !re.MatchString(typical[re]) {
			t.Errorf("%s: the typical %q is not accepted fast", re, typical[re])
		}
		n := 0
		for _, s := range corpus {
			if accept(s) {
				n++
				if !re.MatchString(s) {
					t.Errorf("%s: accepts %q, which the pattern does not match", re, s)
				}
			}
		}
		if n == 0 {
			t.Errorf("%s: accepts none of the corpus", re)
		}
	}
}

// TestPatternsCompile compiles every pattern, which the service does only
// on first use, and checks the text errors quote: the model's, with no
// anchor of ours and nothing of the model's cut off.
func TestPatternsCompile(t *testing.T) {
	if len(patterns) < 15 {
		t.Fatalf("%d patterns registered, want every one of the package's", len(patterns))
	}
	for _, p := range patterns {
		if _, err := regexp.Compile(p.String()); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
	for p, want := range map[*pattern]string{
		rePolicyStoreID: `[a-zA-Z0-9-/_]*`,
		reAnyLine:       `.*`,
		reActionTyp:     `Action$|^.+::Action`,
	} {
		if got := patternText(p); got != want {
			t.Errorf("patternText(%s) = %q, want %q", p, got, want)
		}
	}
	var v validator
	s := "MyCorp::Verb"
	v.str("action.actionType", &s, ruleActionType)
	if err := v.err(); err == nil || !strings.Contains(err.Error(), "Member must satisfy regular expression pattern: Action$|^.+::Action") {
		t.Errorf("a bad action type: %v", err)
	}
}
