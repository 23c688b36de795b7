package conformance

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"

	"github.com/vpid-dev/vpid/internal/avp"
	"github.com/vpid-dev/vpid/internal/awsjson"
	"github.com/vpid-dev/vpid/internal/dev/emulator/emulatortest"
	"github.com/vpid-dev/vpid/internal/entry"
	"github.com/vpid-dev/vpid/internal/store/storetest"
)

// TestHostileRequests plays malformed and malicious requests through the
// Lambda handler over DynamoDB Local and cognito-local. Each must answer a
// 4xx whose message says what is wrong, never a 5xx or a Go error, and none
// may write: the table is the same, item for item, before and after.

// hostileRow is one request. The zero values of method, target and
// contentType mean POST, VerifiedPermissions.CreateIdentitySource and
// application/x-amz-json-1.0.
type hostileRow struct {
	name        string
	method      string
	target      string // an operation name, or a whole header value with rawTarget
	rawTarget   bool
	contentType string // "-" sends none
	body        string
	base64      bool
	account     string // the caller; "" is emulatortest.SeedAccount, "-" is none

	status int
	code   string
	phrase string // a part of the message
	path   string // a fieldList path the answer must name, if any
	// wholeBody: the answer's one fieldList entry is about the whole body
	// and has an empty path (the size limit does so today).
	wholeBody bool
}

const (
	hostileCognito = "configuration.cognitoUserPoolConfiguration"
	hostileOIDC    = "configuration.openIdConnectConfiguration"
	hostilePattern = "failed to satisfy constraint: Member must satisfy regular expression pattern"
)

// hostileCreate is a CreateIdentitySource body for the seed store with the
// given configuration and extra top-level members.
func hostileCreate(configuration, extra string) string {
	return `{"policyStoreId":"` + SeedPolicyStoreID + `","configuration":` + configuration + extra + `}`
}

// hostileCognitoConf is a Cognito configuration of the seed pool with extra
// members.
func hostileCognitoConf(extra string) string {
	return `{"cognitoUserPoolConfiguration":{"userPoolArn":"` + emulatortest.SeedPoolARN + `"` + extra + `}}`
}

func hostileARN(arn string) string {
	return hostileCreate(`{"cognitoUserPoolConfiguration":{"userPoolArn":"`+arn+`"}}`, "")
}

func hostileClientIDs(n int) string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf(`"client%04d"`, i)
	}
	return "[" + strings.Join(ids, ",") + "]"
}

// hostileUnknowns is an object of 90,000 distinct unknown members (about
// 1 MB), each of which is a violation where a union holds it.
func hostileUnknowns() string {
	var b strings.Builder
	b.WriteByte('{')
	for i := range 90_000 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"k%05d":0`, i)
	}
	b.WriteByte('}')
	return b.String()
}

func hostileRows(pageToken string) []hostileRow {
	const (
		bad   = 400
		vErr  = avp.CodeValidation
		sErr  = entry.CodeSerialization
		opErr = entry.CodeUnknownOperation
	)
	oidc := func(tokenSelection string) string {
		return `{"openIdConnectConfiguration":{"issuer":"https://auth.example.com","tokenSelection":` + tokenSelection + `}}`
	}
	const b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	last := pageToken[len(pageToken)-1]
	// The same bytes in another spelling when the last character has unused
	// bits (most token lengths), one bit changed otherwise.
	lowBits := pageToken[:len(pageToken)-1] + string(b64[strings.IndexByte(b64, last)^1])
	listStores := func(token string) string { return `{"maxResults":1,"nextToken":"` + token + `"}` }
	megabyte := strings.Repeat("U", 1_000_000)

	return []hostileRow{
		// Size and shape of the body.
		{name: "body over 1 MiB", body: hostileCreate(hostileCognitoConf(""), `,"padding":"`+strings.Repeat("x", entry.MaxBodyBytes)+`"`),
			status: bad, code: vErr, phrase: "the limit is 1048576 bytes (1 MiB)", wholeBody: true},
		{name: "100k nested arrays", body: `{"policyStoreId":` + strings.Repeat("[", 100_000),
			status: bad, code: sErr, phrase: "exceeded max depth"},
		{name: "100k nested objects in an unknown member", body: `{"x":` + strings.Repeat(`{"x":`, 100_000) + "1" + strings.Repeat("}", 100_001),
			status: bad, code: sErr, phrase: "exceeded max depth"},
		{name: "deep nesting inside the union", body: hostileCreate(`{"cognitoUserPoolConfiguration":{"clientIds":`+strings.Repeat("[", 20_000)+strings.Repeat("]", 20_000)+`}}`, ""),
			status: bad, code: sErr, phrase: "exceeded max depth"},
		{name: "invalid UTF-8", body: "{\"policyStoreId\":\"PS\xff\"}", status: bad, code: sErr, phrase: "not valid UTF-8"},
		{name: "overlong UTF-8 slash", body: "{\"policyStoreId\":\"..\xc0\xafetc\"}", status: bad, code: sErr, phrase: "not valid UTF-8"},
		{name: "UTF-8 encoded surrogate", body: "{\"policyStoreId\":\"\xed\xa0\x80\"}", status: bad, code: sErr, phrase: "not valid UTF-8"},
		{name: "invalid UTF-8 behind base64", body: base64.StdEncoding.EncodeToString([]byte("{\"policyStoreId\":\"\xfe\"}")), base64: true,
			status: bad, code: sErr, phrase: "not valid UTF-8"},
		{name: "base64 flag on a plain body", body: hostileCreate(hostileCognitoConf(""), ""), base64: true,
			status: bad, code: sErr, phrase: "marked base64 but is not valid base64"},
		{name: "byte order mark", body: "\xef\xbb\xbf{}", status: bad, code: sErr, phrase: "not valid JSON"},
		{name: "truncated JSON", body: `{"policyStoreId":"` + SeedPolicyStoreID, status: bad, code: sErr, phrase: "not valid JSON"},
		{name: "two objects", body: `{}{"policyStoreId":"x"}`, status: bad, code: sErr, phrase: "one JSON object and nothing after it"},
		{name: "empty body", body: "", status: bad, code: vErr, phrase: "Value null at 'policyStoreId' failed to satisfy constraint: Member must not be null", path: "configuration"},
		{name: "blank body", body: " \r\n\t", status: bad, code: vErr, phrase: "Value null at 'configuration' failed to satisfy constraint: Member must not be null", path: "policyStoreId"},
		{name: "JSON array body", body: `[{"policyStoreId":"` + SeedPolicyStoreID + `"}]`, status: bad, code: sErr, phrase: "must be a JSON object, not a list"},
		{name: "number body", body: `42`, status: bad, code: sErr, phrase: "must be a JSON object, not a number"},
		{name: "string body", body: `"CreateIdentitySource"`, status: bad, code: sErr, phrase: "must be a JSON object, not a string"},
		{name: "boolean body", body: `true`, status: bad, code: sErr, phrase: "must be a JSON object, not a boolean"},

		// Members of the wrong JSON type, at several depths.
		{name: "policyStoreId a number", body: `{"policyStoreId":5}`, status: bad, code: sErr, phrase: "Value at 'policyStoreId' must be a string, not a number"},
		{name: "configuration a list", body: hostileCreate(`[]`, ""), status: bad, code: sErr, phrase: "Value at 'configuration' must be an object, not a list"},
		{name: "configuration a string", body: hostileCreate(`"cognitoUserPoolConfiguration"`, ""), status: bad, code: sErr, phrase: "Value at 'configuration' must be an object, not a string"},
		{name: "clientIds a string", body: hostileCreate(hostileCognitoConf(`,"clientIds":"`+emulatortest.SeedClientID+`"`), ""),
			status: bad, code: sErr, phrase: "Value at '" + hostileCognito + ".clientIds' must be a list, not a string"},
		{name: "clientIds of numbers", body: hostileCreate(hostileCognitoConf(`,"clientIds":[1]`), ""),
			status: bad, code: sErr, phrase: "Value at '" + hostileCognito + ".clientIds' must be a string, not a number"},
		{name: "userPoolArn a boolean", body: hostileCreate(`{"cognitoUserPoolConfiguration":{"userPoolArn":true}}`, ""),
			status: bad, code: sErr, phrase: "Value at '" + hostileCognito + ".userPoolArn' must be a string, not a boolean"},
		{name: "principalEntityType an object", body: hostileCreate(hostileCognitoConf(""), `,"principalEntityType":{}`),
			status: bad, code: sErr, phrase: "Value at 'principalEntityType' must be a string, not an object"},
		{name: "tokenSelection a number", body: hostileCreate(oidc(`1`), `,"principalEntityType":"User"`),
			status: bad, code: sErr, phrase: "Value at '" + hostileOIDC + ".tokenSelection' must be an object, not a number"},
		{name: "audiences of objects", body: hostileCreate(oidc(`{"accessTokenOnly":{"audiences":[{}]}}`), `,"principalEntityType":"User"`),
			status: bad, code: sErr, phrase: "Value at '" + hostileOIDC + ".tokenSelection.accessTokenOnly.audiences' must be a string, not an object"},
		{name: "tags a string", target: avp.OpGetPolicyStore, body: `{"policyStoreId":"` + SeedPolicyStoreID + `","tags":"yes"}`,
			status: bad, code: sErr, phrase: "Value at 'tags' must be a boolean, not a string"},
		{name: "maxResults a string", target: avp.OpListIdentitySources, body: `{"policyStoreId":"` + SeedPolicyStoreID + `","maxResults":"10"}`,
			status: bad, code: sErr, phrase: "Value at 'maxResults' must be an integer, not a string"},
		{name: "maxResults a fraction", target: avp.OpListIdentitySources, body: `{"policyStoreId":"` + SeedPolicyStoreID + `","maxResults":1.5}`,
			status: bad, code: sErr, phrase: "Value at 'maxResults' must be an integer, not a number 1.5"},
		{name: "maxResults out of range of any integer", target: avp.OpListIdentitySources, body: `{"policyStoreId":"` + SeedPolicyStoreID + `","maxResults":1e400}`,
			status: bad, code: sErr, phrase: "Value at 'maxResults' must be an integer"},
		{name: "filters an object", target: avp.OpListIdentitySources, body: `{"policyStoreId":"` + SeedPolicyStoreID + `","filters":{"principalEntityType":"User"}}`,
			status: bad, code: sErr, phrase: "Value at 'filters' must be a list, not an object"},
		{name: "encryptionSettings a list", target: avp.OpCreatePolicyStore, body: `{"validationSettings":{"mode":"OFF"},"encryptionSettings":[]}`,
			status: bad, code: sErr, phrase: "Value at 'encryptionSettings' must be an object, not a list"},
		{name: "tag value a number", target: avp.OpCreatePolicyStore, body: `{"validationSettings":{"mode":"OFF"},"tags":{"team":7}}`,
			status: bad, code: sErr, phrase: "must be a string, not a number"},

		// Unions.
		{name: "configuration null", body: hostileCreate(`null`, ""), status: bad, code: vErr, path: "configuration",
			phrase: "Value null at 'configuration' failed to satisfy constraint: Member must not be null"},
		{name: "null union member", body: hostileCreate(`{"cognitoUserPoolConfiguration":null}`, ""), status: bad, code: vErr, path: "configuration",
			phrase: "Member must have exactly one member set, but has none"},
		{name: "every union member null", body: hostileCreate(`{"cognitoUserPoolConfiguration":null,"openIdConnectConfiguration":null}`, ""), status: bad, code: vErr, path: "configuration",
			phrase: "Member must have exactly one member set, but has none"},
		{name: "every token selection member null", body: hostileCreate(oidc(`{"accessTokenOnly":null,"identityTokenOnly":null}`), `,"principalEntityType":"User"`),
			status: bad, code: vErr, path: hostileOIDC + ".tokenSelection", phrase: "Member must have exactly one member set, but has none"},
		{name: "every encryption member null", target: avp.OpCreatePolicyStore, body: `{"validationSettings":{"mode":"OFF"},"encryptionSettings":{"default":null,"kmsEncryptionSettings":null}}`,
			status: bad, code: vErr, path: "encryptionSettings", phrase: "Member must have exactly one member set, but has none"},
		{name: "union member twice", body: hostileCreate(`{"cognitoUserPoolConfiguration":{"userPoolArn":"`+emulatortest.SeedPoolARN+`"},"cognitoUserPoolConfiguration":{"userPoolArn":"`+emulatortest.OtherPoolARN+`"}}`, ""),
			status: bad, code: vErr, path: "configuration.cognitoUserPoolConfiguration", phrase: "Member must appear at most once in its JSON object"},
		{name: "two members and a null duplicate", body: hostileCreate(`{"cognitoUserPoolConfiguration":{"userPoolArn":"`+emulatortest.SeedPoolARN+`"},"cognitoUserPoolConfiguration":null,"openIdConnectConfiguration":{"issuer":"https://auth.example.com"}}`, ""),
			status: bad, code: vErr, path: "configuration.cognitoUserPoolConfiguration", phrase: "Member must appear at most once in its JSON object"},
		{name: "token selection member twice", body: hostileCreate(oidc(`{"accessTokenOnly":{},"accessTokenOnly":{}}`), `,"principalEntityType":"User"`),
			status: bad, code: vErr, path: hostileOIDC + ".tokenSelection.accessTokenOnly", phrase: "Member must appear at most once in its JSON object"},
		{name: "encryption member twice", target: avp.OpCreatePolicyStore, body: `{"validationSettings":{"mode":"OFF"},"encryptionSettings":{"default":{},"default":{}}}`,
			status: bad, code: vErr, path: "encryptionSettings.default", phrase: "Member must appear at most once in its JSON object"},
		{name: "policyStoreId twice", body: `{"policyStoreId":"PSnope","policyStoreId":"` + SeedPolicyStoreID + `","configuration":` + hostileCognitoConf("") + `}`,
			status: bad, code: vErr, path: "policyStoreId", phrase: "Member must appear at most once in its JSON object"},
		{name: "tag key twice", target: avp.OpCreatePolicyStore, body: `{"validationSettings":{"mode":"OFF"},"tags":{"a":"1","a":"2"}}`,
			status: bad, code: vErr, path: `tags["a"]`, phrase: "Member must appear at most once in its JSON object"},
		{name: "90,000 unknown configuration members", body: hostileCreate(hostileUnknowns(), ""), status: bad, code: vErr,
			path: "configuration.k00000", phrase: "90001 validation errors detected"}, // and the union has more than one member
		{name: "90,000 unknown tokenSelection members", body: hostileCreate(oidc(hostileUnknowns()), `,"principalEntityType":"User"`), status: bad, code: vErr,
			path: hostileOIDC + ".tokenSelection.k00000", phrase: "more, not listed"},
		{name: "90,000 unknown encryptionSettings members", target: avp.OpCreatePolicyStore, body: `{"validationSettings":{"mode":"OFF"},"encryptionSettings":` + hostileUnknowns() + `}`,
			status: bad, code: vErr, path: "encryptionSettings.k00000", phrase: "more, not listed"},
		{name: "unknown union member", body: hostileCreate(`{"samlConfiguration":{"metadata":"x"}}`, ""), status: bad, code: vErr,
			path: "configuration.samlConfiguration", phrase: `"samlConfiguration" is not a member of this union; set exactly one of: cognitoUserPoolConfiguration, openIdConnectConfiguration`},
		{name: "union member in another case", body: hostileCreate(`{"CognitoUserPoolConfiguration":{"userPoolArn":"`+emulatortest.SeedPoolARN+`"}}`, ""), status: bad, code: vErr,
			path: "configuration.CognitoUserPoolConfiguration", phrase: `"CognitoUserPoolConfiguration" is not a member of this union`},
		{name: "member name in another case", body: `{"POLICYSTOREID":"` + SeedPolicyStoreID + `","configuration":{"cognitoUserPoolConfiguration":{"userPoolArn":"` + emulatortest.SeedPoolARN + `"}}}`,
			status: bad, code: sErr, phrase: "did you mean 'policyStoreId'"},
		{name: "nested member name in another case", body: hostileCreate(`{"cognitoUserPoolConfiguration":{"UserPoolArn":"`+emulatortest.SeedPoolARN+`"}}`, ""),
			status: bad, code: sErr, phrase: "case-sensitive"},
		{name: "unknown beside a known member", body: hostileCreate(`{"cognitoUserPoolConfiguration":{"userPoolArn":"`+emulatortest.SeedPoolARN+`"},"__proto__":{}}`, ""), status: bad, code: vErr,
			path: "configuration.__proto__", phrase: "but has 2 (cognitoUserPoolConfiguration, __proto__)"},

		// Limits and huge values.
		{name: "1,001 client ids", body: hostileCreate(hostileCognitoConf(`,"clientIds":`+hostileClientIDs(1001)), ""), status: bad, code: vErr,
			path: hostileCognito + ".clientIds", phrase: "Member must have length less than or equal to 1000, but has 1001 items"},
		{name: "1 MB principalEntityType", body: hostileCreate(hostileCognitoConf(""), `,"principalEntityType":"`+megabyte+`"`), status: bad, code: vErr,
			path: "principalEntityType", phrase: "Value at 'principalEntityType' failed to satisfy constraint: Member must have length less than or equal to 200"},
		{name: "1 MB client id", body: hostileCreate(hostileCognitoConf(`,"clientIds":["`+megabyte+`"]`), ""), status: bad, code: vErr,
			path: hostileCognito + ".clientIds[0]", phrase: "Member must have length less than or equal to 255"},
		{name: "1 MB userPoolArn", body: hostileARN(megabyte), status: bad, code: vErr,
			path: hostileCognito + ".userPoolArn", phrase: "Member must have length less than or equal to 255"},
		{name: "300-char policyStoreId", target: avp.OpGetPolicyStore, body: `{"policyStoreId":"` + strings.Repeat("P", 300) + `"}`, status: bad, code: vErr,
			path: "policyStoreId", phrase: "Value '" + strings.Repeat("P", 100) + "...' at 'policyStoreId' failed to satisfy constraint: Member must have length less than or equal to 200"},
		{name: "300-char identitySourceId", target: avp.OpGetIdentitySource, body: `{"policyStoreId":"` + SeedPolicyStoreID + `","identitySourceId":"` + strings.Repeat("I", 300) + `"}`,
			status: bad, code: vErr, path: "identitySourceId", phrase: "Member must have length less than or equal to 200"},
		{name: "300-char clientToken", body: hostileCreate(hostileCognitoConf(""), `,"clientToken":"`+strings.Repeat("t", 300)+`"`), status: bad, code: vErr,
			path: "clientToken", phrase: "Member must have length less than or equal to 64"},
		{name: "300-char client id", body: hostileCreate(hostileCognitoConf(`,"clientIds":["`+strings.Repeat("c", 300)+`"]`), ""), status: bad, code: vErr,
			path: hostileCognito + ".clientIds[0]", phrase: "Member must have length less than or equal to 255"},
		{name: "duplicate client ids", body: hostileCreate(hostileCognitoConf(`,"clientIds":["`+emulatortest.SeedClientID+`","`+emulatortest.SeedClientID+`"]`), ""), status: bad, code: vErr,
			path: hostileCognito + ".clientIds[1]", phrase: "Member must be unique, but repeats " + hostileCognito + ".clientIds[0]"},
		{name: "maxResults over 50", target: avp.OpListIdentitySources, body: `{"policyStoreId":"` + SeedPolicyStoreID + `","maxResults":51}`, status: bad, code: vErr,
			path: "maxResults", phrase: "Value 51 at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 50"},

		// Look-alike characters: ASCII patterns never pass them.
		{name: "Cyrillic a in policyStoreId", target: avp.OpGetPolicyStore, body: `{"policyStoreId":"PSEXAMPLE\u0430bcdefg111111"}`, status: bad, code: vErr,
			path: "policyStoreId", phrase: "Value 'PSEXAMPLE\u0430bcdefg111111' at 'policyStoreId' " + hostilePattern},
		{name: "fullwidth letters in identitySourceId", target: avp.OpGetIdentitySource, body: `{"policyStoreId":"` + SeedPolicyStoreID + `","identitySourceId":"\uff29\uff33EXAMPLE"}`, status: bad, code: vErr,
			path: "identitySourceId", phrase: hostilePattern},
		{name: "Cyrillic in an alias name", target: avp.OpGetPolicyStore, body: `{"policyStoreId":"policy-store-alias/m\u0443-store"}`, status: bad, code: vErr,
			path: "policyStoreId", phrase: hostilePattern},
		{name: "Cyrillic a in the ARN's arn", body: hostileARN("\u0430rn:aws:cognito-idp:us-west-2:123456789012:userpool/us-west-2_1a2b3c4d5"), status: bad, code: vErr,
			path: hostileCognito + ".userPoolArn", phrase: hostilePattern},
		{name: "Cyrillic o in the ARN's service", body: hostileARN("arn:aws:c\u043egnito-idp:us-west-2:123456789012:userpool/us-west-2_1a2b3c4d5"), status: bad, code: vErr,
			path: hostileCognito + ".userPoolArn", phrase: hostilePattern},
		{name: "Cyrillic e in the ARN's region", body: hostileARN("arn:aws:cognito-idp:us-w\u0435st-2:123456789012:userpool/us-west-2_1a2b3c4d5"), status: bad, code: vErr,
			path: hostileCognito + ".userPoolArn", phrase: hostilePattern},
		{name: "fullwidth digits in the ARN's account", body: hostileARN("arn:aws:cognito-idp:us-west-2:\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18\uff19\uff10\uff11\uff12:userpool/us-west-2_1a2b3c4d5"), status: bad, code: vErr,
			path: hostileCognito + ".userPoolArn", phrase: hostilePattern},
		{name: "Arabic-Indic digits in the ARN's account", body: hostileARN("arn:aws:cognito-idp:us-west-2:\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669\u0660\u0661\u0662:userpool/us-west-2_1a2b3c4d5"), status: bad, code: vErr,
			path: hostileCognito + ".userPoolArn", phrase: hostilePattern},
		{name: "one Devanagari digit in the ARN's account", body: hostileARN("arn:aws:cognito-idp:us-west-2:12345678901\u0968:userpool/us-west-2_1a2b3c4d5"), status: bad, code: vErr,
			path: hostileCognito + ".userPoolArn", phrase: hostilePattern},
		{name: "Cyrillic in the ARN's pool id", body: hostileARN("arn:aws:cognito-idp:us-west-2:123456789012:userpool/us-west-2_1\u04302b3c4d5"), status: bad, code: vErr,
			path: hostileCognito + ".userPoolArn", phrase: hostilePattern},
		{name: "Cyrillic a in a client id (asks Cognito)", body: hostileCreate(hostileCognitoConf(`,"clientIds":["`+strings.Replace(emulatortest.SeedClientID, "a", "\u0430", 1)+`"]`), ""), status: bad, code: vErr,
			path: hostileCognito + ".clientIds[0]", phrase: "does not exist in user pool " + emulatortest.SeedPoolID},
		{name: "Cyrillic in groupEntityType", body: hostileCreate(hostileCognitoConf(`,"groupConfiguration":{"groupEntityType":"MyCorp::Gr\u043eup"}`), ""), status: bad, code: vErr,
			path: hostileCognito + ".groupConfiguration.groupEntityType", phrase: "Value at '" + hostileCognito + ".groupConfiguration.groupEntityType' " + hostilePattern},

		// Targets and methods.
		{name: "unknown operation", target: "VerifiedPermissions.DescribeEverything", rawTarget: true, status: bad, code: opErr, phrase: `Operation "VerifiedPermissions.DescribeEverything" is not supported`},
		{name: "lowercase prefix", target: "verifiedpermissions.CreateIdentitySource", rawTarget: true, status: bad, code: opErr, phrase: `"verifiedpermissions.CreateIdentitySource" is not supported`},
		{name: "lowercase operation", target: "VerifiedPermissions.createIdentitySource", rawTarget: true, status: bad, code: opErr, phrase: `"VerifiedPermissions.createIdentitySource" is not supported`},
		{name: "target without prefix", target: "CreateIdentitySource", rawTarget: true, status: bad, code: opErr, phrase: `"CreateIdentitySource" is not supported`},
		{name: "target of another service", target: "DynamoDB_20120810.DeleteTable", rawTarget: true, status: bad, code: opErr, phrase: `"DynamoDB_20120810.DeleteTable" is not supported`},
		{name: "target with a trailing space", target: "VerifiedPermissions.CreateIdentitySource ", rawTarget: true, status: bad, code: opErr, phrase: "is not supported"},
		{name: "prefix only", target: "VerifiedPermissions.", rawTarget: true, status: bad, code: opErr, phrase: `"VerifiedPermissions." is not supported`},
		{name: "no target", target: "", rawTarget: true, status: bad, code: opErr, phrase: "The X-Amz-Target header is missing"},
		{name: "GET", method: "GET", body: hostileCreate(hostileCognitoConf(""), ""), status: bad, code: opErr, phrase: "GET is not supported; AWS JSON requests are POST"},
		{name: "PUT", method: "PUT", body: hostileCreate(hostileCognitoConf(""), ""), status: bad, code: opErr, phrase: "PUT is not supported; AWS JSON requests are POST"},
		{name: "DELETE", method: "DELETE", target: avp.OpDeletePolicyStore, body: `{"policyStoreId":"` + SeedPolicyStoreID + `"}`, status: bad, code: opErr, phrase: "DELETE is not supported"},

		// Content types.
		{name: "text/plain", contentType: "text/plain", body: hostileCreate(hostileCognitoConf(""), ""), status: bad, code: sErr, phrase: `Content-Type "text/plain" is not supported; send application/x-amz-json-1.0`},
		{name: "application/xml", contentType: "application/xml", body: `<CreateIdentitySource/>`, status: bad, code: sErr, phrase: `Content-Type "application/xml" is not supported`},
		{name: "multipart", contentType: "multipart/form-data; boundary=vpid", body: "--vpid\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n{}\r\n--vpid--", status: bad, code: sErr, phrase: `Content-Type "multipart/form-data; boundary=vpid" is not supported`},
		{name: "form encoding", contentType: "application/x-www-form-urlencoded", body: "policyStoreId=" + SeedPolicyStoreID, status: bad, code: sErr, phrase: "is not supported"},
		{name: "unparsable content type", contentType: ";;;", body: `{}`, status: bad, code: sErr, phrase: `Content-Type ";;;" is not supported`},

		// Values that try to escape their place.
		{name: "clientToken with spaces", body: hostileCreate(hostileCognitoConf(""), `,"clientToken":"a b c"`), status: bad, code: vErr,
			path: "clientToken", phrase: "Value 'a b c' at 'clientToken' " + hostilePattern + ": [a-zA-Z0-9-]*"},
		{name: "clientToken with a NUL", body: hostileCreate(hostileCognitoConf(""), `,"clientToken":"a\u0000b"`), status: bad, code: vErr,
			path: "clientToken", phrase: hostilePattern},
		{name: "policyStoreId with ../", target: avp.OpGetPolicyStore, body: `{"policyStoreId":"../../` + SeedPolicyStoreID + `"}`, status: bad, code: vErr,
			path: "policyStoreId", phrase: "Value '../../" + SeedPolicyStoreID + "' at 'policyStoreId' " + hostilePattern + ": [a-zA-Z0-9-/_]*"},
		{name: "alias with ../", body: `{"policyStoreId":"policy-store-alias/../x","configuration":` + hostileCognitoConf("") + `}`, status: bad, code: vErr,
			path: "policyStoreId", phrase: hostilePattern},
		{name: "identitySourceId with ../", target: avp.OpDeleteIdentitySource, body: `{"policyStoreId":"` + SeedPolicyStoreID + `","identitySourceId":"../` + SeedPolicyStoreID + `"}`, status: bad, code: vErr,
			path: "identitySourceId", phrase: hostilePattern},
		{name: "policyStoreId of a key prefix", target: avp.OpGetPolicyStore, body: `{"policyStoreId":"` + storetest.PartitionOf(storetest.PolicyStoreKey("123456789012", "x")) + `"}`, status: bad, code: vErr,
			path: "policyStoreId", phrase: hostilePattern},
		{name: "escaped lone surrogate in policyStoreId", target: avp.OpGetPolicyStore, body: `{"policyStoreId":"PS\ud800"}`, status: bad, code: vErr,
			path: "policyStoreId", phrase: hostilePattern},

		// Page tokens: forged, respelled, or of another request.
		{name: "nextToken not base64", target: avp.OpListPolicyStores, body: listStores("!!"), status: bad, code: vErr,
			path: "nextToken", phrase: hostilePattern},
		{name: "nextToken forged", target: avp.OpListPolicyStores, body: listStores("eyJwayI6IkEjMTIzNDU2Nzg5MDEyIn0.AAAA"), status: bad, code: vErr,
			path: "nextToken", phrase: "must be the nextToken of the previous page of this same request, unchanged"},
		{name: "nextToken respelled in unused bits", target: avp.OpListPolicyStores, body: listStores(lowBits), status: bad, code: vErr,
			path: "nextToken", phrase: "must be the nextToken of the previous page of this same request, unchanged"},
		{name: "nextToken of another operation", target: avp.OpListPolicyStoreAliases, body: listStores(pageToken), status: bad, code: vErr,
			path: "nextToken", phrase: "must be the nextToken of the previous page of this same request, unchanged"},
		{name: "nextToken of another account", target: avp.OpListPolicyStores, account: emulatortest.AcctOneAccount, body: listStores(pageToken), status: bad, code: vErr,
			path: "nextToken", phrase: "must be the nextToken of the previous page of this same request, unchanged"},

		// Callers.
		{name: "no caller identity", account: "-", body: hostileCreate(hostileCognitoConf(""), ""), status: 403, code: avp.CodeAccessDenied, phrase: "The request carries no caller identity"},
		{name: "pool of another account", body: hostileARN(emulatortest.AcctOnePoolARN), status: bad, code: vErr,
			path: hostileCognito + ".userPoolArn", phrase: "is in account " + emulatortest.AcctOneAccount},
	}
}

func hostileOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func (r hostileRow) event(i int) events.APIGatewayProxyRequest {
	ev := events.APIGatewayProxyRequest{
		HTTPMethod: hostileOr(r.method, "POST"),
		Resource:   "/",
		Path:       "/",
		Headers:    map[string]string{},
		Body:       r.body,
		RequestContext: events.APIGatewayProxyRequestContext{
			RequestID: fmt.Sprintf("hostile-%03d", i),
			Identity:  events.APIGatewayRequestIdentity{AccountID: emulatortest.SeedAccount},
		},
		IsBase64Encoded: r.base64,
	}
	switch {
	case !r.rawTarget:
		ev.Headers["X-Amz-Target"] = awsjson.TargetPrefix + hostileOr(r.target, avp.OpCreateIdentitySource)
	case r.target != "":
		ev.Headers["X-Amz-Target"] = r.target
	}
	switch r.contentType {
	case "":
		ev.Headers["Content-Type"] = awsjson.ContentType
	case "-":
	default:
		ev.Headers["Content-Type"] = r.contentType
	}
	switch r.account {
	case "":
	case "-":
		ev.RequestContext.Identity.AccountID = ""
	default:
		ev.RequestContext.Identity.AccountID = r.account
	}
	return ev
}

// hostileItems reads the whole table, strongly consistent, sorted by key.
func hostileItems(t *testing.T, s *stack) []map[string]any {
	t.Helper()
	return scanTable(t, s.DDB, s.Table)
}

func TestHostileRequests(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	ctx := context.Background()

	// A second store and a real page token of ListPolicyStores, made before
	// the snapshot: that first page also creates the page token key, which
	// any deployment that has served a page has.
	call := func(target, body string) (int, map[string]any) {
		t.Helper()
		ev := hostileRow{target: target, body: body}.event(999)
		resp, err := s.Handler.Handle(ctx, ev)
		if err != nil {
			t.Fatal(err)
		}
		var out map[string]any
		if err := json.Unmarshal([]byte(resp.Body), &out); err != nil {
			t.Fatalf("%s: %v", target, err)
		}
		return resp.StatusCode, out
	}
	if status, out := call(avp.OpCreatePolicyStore, `{"validationSettings":{"mode":"OFF"}}`); status != 200 {
		t.Fatalf("CreatePolicyStore: %d %v", status, out)
	}
	status, out := call(avp.OpListPolicyStores, `{"maxResults":1}`)
	pageToken, _ := out["nextToken"].(string)
	if status != 200 || pageToken == "" {
		t.Fatalf("ListPolicyStores: %d %v: want a first page with a nextToken", status, out)
	}
	if status, out := call(avp.OpListPolicyStores, `{"maxResults":1,"nextToken":"`+pageToken+`"}`); status != 200 {
		t.Fatalf("the real nextToken does not work: %d %v", status, out)
	}

	before := hostileItems(t, s)
	rows := hostileRows(pageToken)
	t.Run("rows", func(t *testing.T) {
		names := map[string]bool{}
		for i, r := range rows {
			if names[r.name] {
				t.Fatalf("two rows named %q", r.name)
			}
			names[r.name] = true
			t.Run(r.name, func(t *testing.T) {
				t.Parallel()
				ev := r.event(i)
				resp, err := s.Handler.Handle(ctx, ev)
				if err != nil {
					t.Fatalf("Handle returned an error, which API Gateway would turn into a 502: %v", err)
				}
				if resp.StatusCode >= 500 {
					t.Fatalf("status %d: %s", resp.StatusCode, resp.Body)
				}
				if len(resp.Body) > 16<<10 {
					t.Errorf("the answer is %d bytes: it repeats the input", len(resp.Body))
				}
				if resp.Headers["x-amzn-RequestId"] != ev.RequestContext.RequestID || resp.Headers["Content-Type"] != awsjson.ContentType {
					t.Errorf("headers %v", resp.Headers)
				}
				var body struct {
					Type      string      `json:"__type"`
					Message   string      `json:"message"`
					FieldList []avp.Field `json:"fieldList"`
				}
				if err := json.Unmarshal([]byte(resp.Body), &body); err != nil {
					t.Fatalf("body is not JSON: %v\n%.2000s", err, resp.Body)
				}
				if resp.StatusCode != r.status || resp.Headers["X-Amzn-ErrorType"] != r.code || !strings.HasSuffix(body.Type, "#"+r.code) {
					t.Fatalf("got %d %s (%s), want %d %s\n%.2000s", resp.StatusCode, resp.Headers["X-Amzn-ErrorType"], body.Type, r.status, r.code, resp.Body)
				}
				if !strings.Contains(body.Message, r.phrase) {
					t.Errorf("message %.2000q lacks %q", body.Message, r.phrase)
				}
				if r.path != "" && !slices.ContainsFunc(body.FieldList, func(f avp.Field) bool { return f.Path == r.path }) {
					t.Errorf("fieldList %v does not name %s", body.FieldList, r.path)
				}
				for _, f := range body.FieldList {
					if (f.Path == "" && !r.wholeBody) || f.Message == "" {
						t.Errorf("fieldList entry %+v", f)
					}
				}
			})
		}
	})

	after := hostileItems(t, s)
	if len(after) != len(before) {
		t.Errorf("the table held %d items before the hostile requests and %d after", len(before), len(after))
	}
	if diff := cmp.Diff(before, after); diff != "" {
		t.Errorf("hostile requests changed the table (-before +after):\n%s", diff)
	}
}
