package cfnresource

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/cfn"
)

func TestStackAccount(t *testing.T) {
	for id, want := range map[string]string{
		"arn:aws:cloudformation:us-west-2:123456789012:stack/orders/5b918d10-cd98-11ee-9c5f-0a1b2c3d4e5f":     "123456789012",
		"arn:aws-cn:cloudformation:cn-north-1:123456789012:stack/orders/5b918d10-cd98-11ee-9c5f-0a1b2c3d4e5f": "123456789012",
		"arn:aws:cloudformation:us-west-2:12345678901:stack/orders/x":                                         "",
		"arn:aws:lambda:us-west-2:123456789012:function:orders":                                               "",
		"arn:aws:cloudformation:us-west-2:123456789012:stackset/orders:x":                                     "",
		"": "",
	} {
		got, ok := stackAccount(id)
		if got != want || ok != (want != "") {
			t.Errorf("stackAccount(%q) = %q, %v; want %q", id, got, ok, want)
		}
	}
}

func TestClientToken(t *testing.T) {
	pattern := regexp.MustCompile(`^[a-zA-Z0-9-]{1,64}$`)
	ev := cfn.Event{StackID: "arn:aws:cloudformation:us-west-2:123456789012:stack/s/1", LogicalResourceID: "R", RequestID: "3f1e7a52-8b0d-4c6e-9a41-2d5f0c7b1e01"}
	a, b := clientToken(ev), clientToken(ev)
	if a != b || !pattern.MatchString(a) {
		t.Errorf("tokens %q, %q: want equal and within AVP's pattern", a, b)
	}
	ev.RequestID = strings.Repeat("ü/+", 100) // whatever CloudFormation sends
	if c := clientToken(ev); c == a || !pattern.MatchString(c) {
		t.Errorf("token %q", c)
	}
}

func TestPlaceholderIsNoIdentitySourceID(t *testing.T) {
	if isIdentitySourceID(failedCreateID("3f1e7a52-8b0d-4c6e-9a41-2d5f0c7b1e01")) {
		t.Error("a failed create's physical id looks like an identity source id")
	}
	if !isIdentitySourceID("C7v5xMplfFH3i3e4Jrzb1a") {
		t.Error("an identity source id was not recognised")
	}
}

func TestEncodeCutsTheReason(t *testing.T) {
	r := Response{Status: StatusFailed, PhysicalResourceID: "p", StackID: "s", RequestID: "r", LogicalResourceID: "l",
		Reason: "ValidationException: " + strings.Repeat("é\"<", 3000)}
	b, err := r.encode()
	if err != nil {
		t.Fatal(err)
	}
	var got Response
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if len(b) > MaxResponseBytes || len(b) < MaxResponseBytes-16 || !utf8.ValidString(got.Reason) ||
		!strings.HasPrefix(got.Reason, "ValidationException: é") || !strings.HasSuffix(got.Reason, "...") {
		t.Errorf("%d bytes, Reason %q...", len(b), got.Reason[:40])
	}

	short := Response{Status: StatusSuccess, PhysicalResourceID: "p", Data: map[string]string{"A": "b"}}
	b, _ = short.encode()
	if string(b) != `{"Status":"SUCCESS","PhysicalResourceId":"p","StackId":"","RequestId":"","LogicalResourceId":"","Data":{"A":"b"}}` {
		t.Errorf("%s", b)
	}
}

func TestParsePropertiesKeepsCloudFormationsOwn(t *testing.T) {
	p, err := parseProperties(map[string]any{
		"ServiceToken":   "arn:aws:lambda:us-west-2:123456789012:function:f",
		"ServiceTimeout": "300",
		"PolicyStoreId":  "policy-store-alias/orders",
	})
	if err != nil || p.PolicyStoreID != "policy-store-alias/orders" || p.Configuration != nil || p.PrincipalEntityType != nil {
		t.Errorf("%+v, %v", p, err)
	}
	if _, err := parseProperties(map[string]any{"PolicyStoreId": []any{"x"}}); err == nil ||
		!strings.Contains(err.Error(), "Value at 'PolicyStoreId' failed to satisfy constraint: Member must be a string") {
		t.Errorf("%v", err)
	}
}
