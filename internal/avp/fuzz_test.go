package avp

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// Fuzz targets of the request validation and of page tokens. Each has a seed
// corpus in testdata/fuzz/<FuzzName>/ besides its f.Add seeds; `make fuzz`
// runs each for a few seconds.

// fzBodies are request bodies that reach the corners of the validation:
// unions with zero, two, duplicate, unknown and null members, wrong types,
// look-alike characters, limits.
var fzBodies = []string{
	`{}`,
	// Duplicate members, unknown members by the thousand, members at vpid's
	// bounds and one over them.
	`{"policyStoreId":"p","configuration":{"cognitoUserPoolConfiguration":{"userPoolArn":"a"},"cognitoUserPoolConfiguration":{"userPoolArn":"b"}}}`,
	`{"policyStoreId":"p","configuration":` + fzUnknowns(3000) + `}`,
	`{"policyStoreId":"p","configuration":{"openIdConnectConfiguration":{"issuer":"https://a","tokenSelection":` + fzUnknowns(3000) + `}}}`,
	`{"policyStoreId":"p","configuration":{"openIdConnectConfiguration":{"issuer":"https://a","tokenSelection":{"identityTokenOnly":{"principalIdClaim":"` + strings.Repeat("c", MaxClaimLength) + `"}},"groupConfiguration":{"groupClaim":"` + strings.Repeat("g", MaxClaimLength+1) + `","groupEntityType":"G"}}}}`,
	cognitoBody(`,"clientIds":[` + strings.TrimSuffix(strings.Repeat(`"`+strings.Repeat("<", 255)+`",`, 80), ",") + `]`),
	cognitoBody(""),
	cognitoBody(`,"clientIds":["a","b","a"],"groupConfiguration":{"groupEntityType":"MyCorp::Group"}`),
	`{"policyStoreId":"p","configuration":null}`,
	`{"policyStoreId":"p","configuration":{}}`,
	`{"policyStoreId":"p","configuration":{"cognitoUserPoolConfiguration":null,"openIdConnectConfiguration":null}}`,
	`{"policyStoreId":"p","configuration":{"cognitoUserPoolConfiguration":{"userPoolArn":"` + okARN + `"},"cognitoUserPoolConfiguration":{"userPoolArn":"` + okARN + `"}}}`,
	`{"policyStoreId":"p","configuration":{"samlConfiguration":{},"cognitoUserPoolConfiguration":{"userPoolArn":"` + okARN + `"}}}`,
	`{"policyStoreId":"p","configuration":{"openIdConnectConfiguration":{"issuer":"https://a","tokenSelection":{"accessTokenOnly":{"audiences":["x"]},"identityTokenOnly":null}}}}`,
	`{"policyStoreId":"p","configuration":{"openIdConnectConfiguration":{"issuer":"https://a","entityIdPrefix":"","groupConfiguration":{"groupClaim":"","groupEntityType":"1"},"tokenSelection":{"identityTokenOnly":{"clientIds":[""],"principalIdClaim":""}}}}}`,
	`{"policyStoreId":"p","configuration":{"openIdConnectConfiguration":{"issuer":"https://a","tokenSelection":{"accessTokenOnly":{},"accessTokenOnly":{}}}}}`,
	`{"clientToken":"a b","policyStoreId":"../x","principalEntityType":"U\n","configuration":{"cognitoUserPoolConfiguration":{"userPoolArn":"arn:aws:cognito-idp:us-west-2:１２３456789012:userpool/us-west-2_a"}}}`,
	`{"policyStoreId":"PSEXAMPLE\u0430bcdefg111111","configuration":{"cognitoUserPoolConfiguration":{"userPoolArn":"arn:aws:cognito-idp:us-west-2:\u0661\u0662\u0663456789012:userpool/us-west-2_a"}}}`,
	`{"policyStoreId":"p","updateConfiguration":{"cognitoUserPoolConfiguration":{"userPoolArn":"` + okARN + `"}},"identitySourceId":"i"}`,
	`{"policyStoreId":"policy-store-alias/x","identitySourceId":"i-1","updateConfiguration":{"openIdConnectConfiguration":{"issuer":"https://a","tokenSelection":{"identityTokenOnly":{}}}}}`,
}

// fzUnknowns is an object of n unknown members.
func fzUnknowns(n int) string {
	var b strings.Builder
	b.WriteByte('{')
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"k%d":0`, i)
	}
	return b.String() + "}"
}

func fzCheckValidation(t *testing.T, err *Error) {
	t.Helper()
	if len(err.FieldList) > MaxFieldList || len(err.Message) > 16<<10 {
		t.Fatalf("an unbounded answer: %d fieldList entries, %d-byte message", len(err.FieldList), len(err.Message))
	}
	if err.Code != CodeValidation {
		t.Fatalf("code %s, want %s", err.Code, CodeValidation)
	}
	if len(err.FieldList) == 0 {
		t.Fatalf("a ValidationException without fieldList: %q", err.Message)
	}
	for i, f := range err.FieldList {
		if f.Path == "" || f.Message == "" {
			t.Fatalf("fieldList[%d] = %+v: empty path or message", i, f)
		}
		if !utf8.ValidString(f.Path) || !utf8.ValidString(f.Message) {
			t.Fatalf("fieldList[%d] = %+v: not UTF-8", i, f)
		}
	}
	// All counted, at most MaxFieldList listed, and the rest said.
	var total int
	if _, e := fmt.Sscanf(err.Message, "%d validation error", &total); e != nil || total < len(err.FieldList) {
		t.Fatalf("message %q does not count %d violations or more", err.Message, len(err.FieldList))
	}
	if (total > len(err.FieldList)) != strings.Contains(err.Message, fmt.Sprintf("and %d more, not listed", total-len(err.FieldList))) {
		t.Fatalf("message %q of %d violations listing %d", err.Message, total, len(err.FieldList))
	}
}

// fzCheckOneMember fails unless the configuration, as decoded, held exactly
// one known union member (and its token selection, for OpenID Connect).
func fzCheckOneMember(t *testing.T, c *ConfigurationUnion) {
	t.Helper()
	if (c.CognitoUserPoolConfiguration != nil) == (c.OpenIDConnectConfiguration != nil) {
		t.Fatalf("validated a configuration with cognito %v, oidc %v", c.CognitoUserPoolConfiguration != nil, c.OpenIDConnectConfiguration != nil)
	}
	if len(c.union.members) != 1 || len(c.union.unknown) != 0 {
		t.Fatalf("validated a configuration whose wire members were %q (unknown %q)", c.union.members, c.union.unknown)
	}
	if oc := c.OpenIDConnectConfiguration; oc != nil {
		ts := oc.TokenSelection
		if ts == nil || (ts.AccessTokenOnly != nil) == (ts.IdentityTokenOnly != nil) || len(ts.union.members) != 1 {
			t.Fatalf("validated a token selection %+v", ts)
		}
	}
}

func FuzzValidateCreateIdentitySource(f *testing.F) {
	for _, b := range fzBodies {
		f.Add([]byte(b))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var in CreateIdentitySourceInput
		if json.Unmarshal(body, &in) != nil {
			return
		}
		cfg, err := in.validate()
		if err != nil {
			fzCheckValidation(t, err)
			return
		}
		if in.Configuration == nil {
			t.Fatal("validated without a configuration")
		}
		fzCheckOneMember(t, in.Configuration)
		if b, _ := json.Marshal(WireConfiguration(cfg)); len(b) > MaxConfigurationBytes {
			t.Fatalf("validated a configuration of %d bytes", len(b))
		}
		if cfg == nil || cfg != in.Configuration.Configuration() && !isCognito(cfg) {
			t.Fatalf("validated configuration %#v is not the one decoded", cfg)
		}
		if in.PolicyStoreID == "" {
			t.Fatal("validated without a policyStoreId")
		}
	})
}

// fzStore keeps no aliases and no identity sources: it answers every call
// as "not found" and records that the Service got past input validation to
// call it. UpdateIdentitySource calls only GetAlias and UpdateIdentitySource.
type fzStore struct {
	reached *bool
}

var (
	_ Aliases         = fzStore{}
	_ IdentitySources = fzStore{}
)

func (s fzStore) notFound() error {
	*s.reached = true
	return ErrNotFound
}

func (s fzStore) CreateAlias(context.Context, string, PolicyStoreAlias) error { return s.notFound() }

func (s fzStore) ListAliases(context.Context, string, string, int, []byte) ([]PolicyStoreAlias, []byte, error) {
	return nil, nil, s.notFound()
}

func (s fzStore) DeleteAlias(context.Context, string, string, time.Time) error { return s.notFound() }

func (s fzStore) CreateIdentitySource(context.Context, string, IdentitySource, *IdempotencyRecord) error {
	return s.notFound()
}

func (s fzStore) GetIdentitySource(context.Context, string, string, string) (IdentitySource, error) {
	return IdentitySource{}, s.notFound()
}

func (s fzStore) ListIdentitySources(context.Context, string, string) ([]IdentitySource, error) {
	return nil, s.notFound()
}

func (s fzStore) DeleteIdentitySource(context.Context, string, string, string) error {
	return s.notFound()
}

func (s fzStore) GetAlias(context.Context, string, string) (PolicyStoreAlias, error) {
	*s.reached = true
	return PolicyStoreAlias{}, ErrNotFound
}

func (s fzStore) UpdateIdentitySource(context.Context, string, IdentitySourceUpdate) error {
	*s.reached = true
	return ErrNotFound
}

// fzVerifier confirms every pool and issuer, recording the call.
type fzVerifier struct{ reached *bool }

func (v fzVerifier) VerifyIssuer(context.Context, string) error {
	*v.reached = true
	return nil
}

func (v fzVerifier) VerifyUserPool(context.Context, UserPoolARN, []string) (UserPoolFindings, error) {
	*v.reached = true
	return UserPoolFindings{}, nil
}

// FuzzUpdateIdentitySourceValidation runs UpdateIdentitySource, whose
// validation is inline, over a store and verifiers that record being
// reached: a request that reaches them passed validation.
func FuzzUpdateIdentitySourceValidation(f *testing.F) {
	for _, b := range fzBodies {
		f.Add([]byte(strings.Replace(b, `"configuration"`, `"updateConfiguration"`, 1)))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var in UpdateIdentitySourceInput
		if json.Unmarshal(body, &in) != nil {
			return
		}
		// The caller owns the pool, so that the account check after
		// validation never answers for it.
		account := acct
		if c := in.UpdateConfiguration; c != nil && c.CognitoUserPoolConfiguration != nil {
			if arn, ok := ParseUserPoolARN(c.CognitoUserPoolConfiguration.UserPoolARN); ok {
				account = arn.Account
			}
		}
		var reached bool
		svc := NewService(Deps{Aliases: fzStore{&reached}, IdentitySources: fzStore{&reached}, UserPools: fzVerifier{&reached}, Issuers: fzVerifier{&reached}})
		_, err := svc.UpdateIdentitySource(context.Background(), account, &in)
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("error %v is not an *Error", err)
		}
		if !reached {
			fzCheckValidation(t, e)
			return
		}
		if e.Code != CodeResourceNotFound {
			t.Fatalf("past validation: %v, want the stub's not found", e)
		}
		if in.UpdateConfiguration == nil || in.PolicyStoreID == "" || in.IdentitySourceID == "" {
			t.Fatalf("validated %+v", in)
		}
		fzCheckOneMember(t, in.UpdateConfiguration)
	})
}

// fzPageKeys seal and open the tokens of the page tests: key 7 current,
// key 6 the one it replaced.
var fzPageKeys = PageKeyRing{
	Current:  PageKey{ID: 7, Secret: bytes.Repeat([]byte{0x5a}, 32)},
	Previous: &PageKey{ID: 6, Secret: bytes.Repeat([]byte{0x6b}, 32)},
}

// fzOpen opens a token as decodePage does, with ring's keys.
func fzOpen(ring PageKeyRing, scope, token string) ([]byte, bool) {
	raw, id, ok := parsePage(token)
	if !ok {
		return nil, false
	}
	secret, ok := ring.key(id)
	if !ok {
		return nil, false
	}
	return openPage(secret, scope, raw)
}

func fzSeal(tb testing.TB, key PageKey, scope string, cursor []byte) string {
	tb.Helper()
	tok, err := sealPage(key, scope, cursor)
	if err != nil {
		tb.Fatal(err)
	}
	return tok
}

// FuzzOpenPage checks that a token opens only as sealed: in its scope, under
// a key of the ring, unchanged. Arbitrary tokens, tokens with one byte
// changed and tokens of other scopes never open; a token that does open
// (a corpus entry sealed with fzPageKeys) opens in no other scope.
func FuzzOpenPage(f *testing.F) {
	scope := pageScope(OpListIdentitySources, acct, "PSEXAMPLEabcdefg111111", "")
	f.Add(fzSeal(f, fzPageKeys.Current, scope, []byte("IS1")), scope, "", []byte("IS1"), 0, byte(1))
	f.Add(fzSeal(f, *fzPageKeys.Previous, scope, []byte("a")), scope, pageScope(OpListPolicyStores, acct), []byte("a"), 42, byte(1))
	f.Add("YQ.", scope, scope+"x", []byte("ab"), 3, byte(0x80))
	f.Add("AwAAAAc\nAAAA", "", "\x00", []byte{0}, 1, byte(3))
	f.Add("..", pageScope("a", "b"), pageScope("a\x00b"), []byte("\x00\xff"), -1, byte(0xff))
	f.Fuzz(func(t *testing.T, token, scope, other string, cursor []byte, at int, xor byte) {
		// Arbitrary tokens: one that opens is bound to its scope.
		if c, ok := fzOpen(fzPageKeys, scope, token); ok && other != scope {
			if _, ok := fzOpen(fzPageKeys, other, token); ok {
				t.Fatalf("token %q (cursor %q) opened in scope %q and in %q", token, c, scope, other)
			}
		}
		if len(cursor) == 0 {
			return
		}
		// Round trip under either key, and never in another scope.
		for _, key := range []PageKey{fzPageKeys.Current, *fzPageKeys.Previous} {
			tok := fzSeal(t, key, scope, cursor)
			if c, ok := fzOpen(fzPageKeys, scope, tok); !ok || !bytes.Equal(c, cursor) {
				t.Fatalf("sealPage(%d, %q, %q) = %q opens as %q, %v", key.ID, scope, cursor, tok, c, ok)
			}
			if strings.Contains(tok, base64.RawURLEncoding.EncodeToString(cursor)) && len(cursor) > 3 {
				t.Fatalf("token %q shows its cursor %q", tok, cursor)
			}
			if other != scope {
				if c, ok := fzOpen(fzPageKeys, other, tok); ok {
					t.Fatalf("token of scope %q opened in scope %q as %q", scope, other, c)
				}
			}
			// One byte changed: never opens.
			if xor == 0 {
				continue
			}
			b := []byte(tok)
			i := at % len(b)
			if i < 0 {
				i += len(b)
			}
			b[i] ^= xor
			if c, ok := fzOpen(fzPageKeys, scope, string(b)); ok {
				t.Fatalf("token %q with byte %d changed (%q) opened as %q", tok, i, b, c)
			}
		}
	})
}

// TestOpenPageRejectsEveryChange changes each character of valid tokens to
// every other byte, drops it and doubles it: none opens. The cursors' lengths
// cover every base64 remainder, so unused trailing bits are covered.
func TestOpenPageRejectsEveryChange(t *testing.T) {
	t.Parallel()
	scope := pageScope(OpListPolicyStores, acct)
	for _, cursor := range []string{"a", "ab", "abc", "PSEXAMPLEabcdefg111111", "\x00\xff\xfe"} {
		tok := fzSeal(t, fzPageKeys.Current, scope, []byte(cursor))
		if c, ok := fzOpen(fzPageKeys, scope, tok); !ok || string(c) != cursor {
			t.Fatalf("%q: the valid token %q does not open (%q, %v)", cursor, tok, c, ok)
		}
		var tried []string
		for i := range len(tok) {
			for b := range 256 {
				if byte(b) == tok[i] {
					continue
				}
				tried = append(tried, tok[:i]+string([]byte{byte(b)})+tok[i+1:])
				if b >= utf8.RuneSelf {
					tried = append(tried, tok[:i]+string(rune(b))+tok[i+1:])
				}
			}
			tried = append(tried, tok[:i]+tok[i+1:], tok[:i]+tok[i:i+1]+tok[i:])
		}
		tried = append(tried, tok+"\n", tok+"=", "\n"+tok, tok[:10]+"\r\n"+tok[10:], tok+"."+tok, tok+tok)
		for _, m := range tried {
			if c, ok := fzOpen(fzPageKeys, scope, m); ok {
				t.Errorf("%q: changed token %q (valid %q) opened as %q", cursor, m, tok, c)
			}
		}
		for _, other := range []string{"", scope + "\x00", pageScope(OpListPolicyStores, "210987654321"), pageScope(OpListPolicyStoreAliases, acct)} {
			if _, ok := fzOpen(fzPageKeys, other, tok); ok {
				t.Errorf("%q: token of scope %q opened in scope %q", cursor, scope, other)
			}
		}
		// Under a ring without its key (rotated out twice), or a key of the
		// same id but another secret: refused.
		if _, ok := fzOpen(PageKeyRing{Current: PageKey{ID: 9, Secret: fzPageKeys.Current.Secret}, Previous: &PageKey{ID: 8, Secret: fzPageKeys.Current.Secret}}, scope, tok); ok {
			t.Errorf("%q: token opened after its key was rotated out", cursor)
		}
		if _, ok := fzOpen(PageKeyRing{Current: PageKey{ID: 7, Secret: bytes.Repeat([]byte{0xa5}, 32)}}, scope, tok); ok {
			t.Errorf("%q: token opened under another key", cursor)
		}
	}
}

// TestSealPageIsOpaque: a token shows neither its cursor nor the layout of
// the keys it came from, and two tokens of one cursor differ.
func TestSealPageIsOpaque(t *testing.T) {
	t.Parallel()
	scope := pageScope(OpListPolicyStores, acct)
	cursor := []byte(`{"gsi1pk":"A#123456789012#PS","gsi1sk":"2026-11-25T18:29:41.654438Z#PSEXAMPLEabcdefg111111","pk":"A#123456789012#PS#PSEXAMPLEabcdefg111111","sk":"STORE"}`)
	a, b := fzSeal(t, fzPageKeys.Current, scope, cursor), fzSeal(t, fzPageKeys.Current, scope, cursor)
	if a == b {
		t.Errorf("two tokens of one cursor are equal: %q", a)
	}
	raw, _ := base64.RawURLEncoding.DecodeString(a)
	for _, part := range []string{"gsi1", "123456789012", "PSEXAMPLE", "STORE", "A#"} {
		if bytes.Contains(raw, []byte(part)) || strings.Contains(a, part) {
			t.Errorf("token %q shows %q", a, part)
		}
	}
}

// TestOpenPageNonCanonical: base64 without padding has unused low bits in
// its last character, and the decoder skips line breaks. A lenient decoder
// opens these spellings of a valid token; parsePage must not.
func TestOpenPageNonCanonical(t *testing.T) {
	t.Parallel()
	scope := pageScope(OpListPolicyStores, acct)
	var tok string
	for { // a token whose last character has unused bits
		if tok = fzSeal(t, fzPageKeys.Current, scope, []byte("a")); len(tok)%4 != 0 {
			break
		}
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	last := strings.IndexByte(alphabet, tok[len(tok)-1])
	for _, variant := range []string{
		tok[:len(tok)-1] + string(alphabet[last^1]),
		tok[:7] + "\n" + tok[7:],
		tok[:10] + "\r" + tok[10:],
	} {
		if variant == tok {
			t.Fatalf("variant %q is the token", variant)
		}
		lenient, err := base64.RawURLEncoding.DecodeString(variant)
		if want, _ := base64.RawURLEncoding.DecodeString(tok); err != nil || !bytes.Equal(lenient, want) {
			t.Fatalf("variant %q does not decode to the token's bytes; the test is wrong", variant)
		}
		if got, ok := fzOpen(fzPageKeys, scope, variant); ok {
			t.Errorf("non-canonical token %q (valid %q) opened as %q", variant, tok, got)
		}
	}
}

func isCognito(c Configuration) bool {
	_, ok := c.(*CognitoUserPoolConfiguration)
	return ok
}
