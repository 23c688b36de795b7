package awsjson

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"

	"github.com/vpid-dev/vpid/internal/avp"
)

// Fuzz targets of the protocol layer. Each has a seed corpus in
// testdata/fuzz/<FuzzName>/ besides its f.Add seeds; `make fuzz` runs each
// for a few seconds.

// fzBodies are bodies at the edges of Decode: not JSON, not one object, not
// UTF-8, wrong types at several depths, unions, deep nesting.
var fzBodies = []string{
	``,
	`   `,
	`{}`,
	`null`,
	`[]`,
	`42`,
	`"x"`,
	`{}{}`,
	`{} x`,
	`{"policyStoreId":`,
	"{\"policyStoreId\":\"\xff\"}",
	`{"policyStoreId":"\ud800"}`,
	`{"policyStoreId":5}`,
	`{"configuration":[]}`,
	`{"configuration":"x"}`,
	`{"configuration":{"cognitoUserPoolConfiguration":{"clientIds":"a"}}}`,
	`{"configuration":{"cognitoUserPoolConfiguration":{"clientIds":[1]}}}`,
	`{"configuration":{"cognitoUserPoolConfiguration":null,"openIdConnectConfiguration":null}}`,
	`{"configuration":{"cognitoUserPoolConfiguration":{},"cognitoUserPoolConfiguration":{}}}`,
	`{"configuration":{"openIdConnectConfiguration":{"tokenSelection":{"accessTokenOnly":{"audiences":[true]}}}}}`,
	`{"validationSettings":{"mode":"STRICT"},"encryptionSettings":{"default":{},"kmsEncryptionSettings":{"key":1}}}`,
	`{"validationSettings":[],"tags":{"a":1}}`,
	`{"tags":{"a":"b","a":"c"},"deletionProtection":true}`,
	`{"maxResults":1e400}`,
	strings.Repeat("[", 10001),
	`{"a":` + strings.Repeat(`{"a":`, 10001),
}

// FuzzDecode: Decode never panics, and every failure is an *avp.Error with a
// protocol or validation code and a message.
func FuzzDecode(f *testing.F) {
	for _, b := range fzBodies {
		f.Add([]byte(b))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, v := range []any{&avp.CreateIdentitySourceInput{}, &avp.CreatePolicyStoreInput{}} {
			err := Decode(body, v)
			if err == nil {
				// A bare null is accepted as {} today, although Decode
				// documents one object; it is let through here until
				// Decode decides (reported).
				trimmed := bytes.TrimSpace(body)
				object := len(trimmed) == 0 || (json.Valid(trimmed) && (trimmed[0] == '{' || string(trimmed) == "null"))
				if len(body) > MaxBodyBytes || !utf8.Valid(body) || !object {
					t.Fatalf("Decode(%q, %T) accepted a body it should refuse", body, v)
				}
				continue
			}
			var e *avp.Error
			if !errors.As(err, &e) {
				t.Fatalf("Decode(%q, %T) = %T %v, want an *avp.Error", body, v, err, err)
			}
			if e.Code != avp.CodeValidation && e.Code != CodeSerialization {
				t.Fatalf("Decode(%q, %T): code %s", body, v, e.Code)
			}
			if e.Message == "" || !utf8.ValidString(e.Message) {
				t.Fatalf("Decode(%q, %T): message %q", body, v, e.Message)
			}
		}
	})
}

// fzHandler serves a few operations from a trivial fake service: creates
// that answer with what they were sent, a get that refuses an empty id, and
// an operation that never decodes its body.
func fzHandler() *Handler {
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	return NewHandler(log, map[string]Operation{
		avp.OpCreateIdentitySource: Op(func(_ context.Context, _ string, in *avp.CreateIdentitySourceInput) (*avp.CreateIdentitySourceOutput, error) {
			return &avp.CreateIdentitySourceOutput{PolicyStoreID: in.PolicyStoreID, IdentitySourceID: "IS1"}, nil
		}),
		avp.OpCreatePolicyStore: Op(func(_ context.Context, account string, in *avp.CreatePolicyStoreInput) (*avp.CreatePolicyStoreOutput, error) {
			return &avp.CreatePolicyStoreOutput{ARN: avp.PolicyStoreARN("aws", account, "PS1"), PolicyStoreID: "PS1"}, nil
		}),
		avp.OpGetPolicyStore: Op(func(_ context.Context, _ string, in *avp.GetPolicyStoreInput) (*avp.GetPolicyStoreOutput, error) {
			if in.PolicyStoreID == "" {
				return nil, avp.Validation(avp.Field{Path: "policyStoreId", Message: "Value null at 'policyStoreId' failed to satisfy constraint: Member must not be null"})
			}
			return nil, avp.NotFound(avp.ResourcePolicyStore, in.PolicyStoreID)
		}),
		"Ping": func(context.Context, string, []byte) (any, error) { return map[string]string{}, nil },
	})
}

// FuzzHandle: whatever the target, content type, body and base64 marking,
// Handle answers an AWS JSON response: 200 or 4xx, never a Go error, a JSON
// body with __type and a message on errors, and the request id and content
// type headers. mode 0 sends the body as is, 1 base64-encoded and marked so,
// 2 marked base64 but sent as is.
func FuzzHandle(f *testing.F) {
	for _, target := range []string{avp.OpCreateIdentitySource, avp.OpCreatePolicyStore, avp.OpGetPolicyStore, "Ping", "", "Nope", "createIdentitySource"} {
		for i, b := range fzBodies {
			if i%3 == len(target)%3 {
				f.Add(target, ContentType, []byte(b), uint8(i%3))
			}
		}
	}
	f.Add(avp.OpGetPolicyStore, "text/plain", []byte(`{"policyStoreId":"PS1"}`), uint8(0))
	f.Add(avp.OpGetPolicyStore, "application/json; charset=utf-8", []byte(`{"policyStoreId":"PS1"}`), uint8(1))
	f.Add(avp.OpGetPolicyStore, "multipart/form-data; boundary=x", []byte("--x\r\n\r\n{}\r\n--x--"), uint8(0))
	f.Add(avp.OpGetPolicyStore, ";;;", []byte(`{}`), uint8(2))
	f.Add(avp.OpGetPolicyStore, "", []byte("e30="), uint8(2))
	f.Add("Ping\x00", "", []byte{}, uint8(0))
	h := fzHandler()
	f.Fuzz(func(t *testing.T, target, contentType string, body []byte, mode uint8) {
		req := events.APIGatewayProxyRequest{
			HTTPMethod: "POST",
			Path:       "/",
			Headers:    map[string]string{"X-Amz-Target": TargetPrefix + target},
			Body:       string(body),
			RequestContext: events.APIGatewayProxyRequestContext{
				RequestID: "fuzz-1",
				Identity:  events.APIGatewayRequestIdentity{AccountID: "123456789012"},
			},
		}
		if contentType != "" {
			req.Headers["Content-Type"] = contentType
		}
		switch mode % 3 {
		case 1:
			req.Body = base64.StdEncoding.EncodeToString(body)
			req.IsBase64Encoded = true
		case 2:
			req.IsBase64Encoded = true
		}
		resp, err := h.Handle(context.Background(), req)
		if err != nil {
			t.Fatalf("Handle returned an error: %v", err)
		}
		if resp.StatusCode != 200 && (resp.StatusCode < 400 || resp.StatusCode > 499) {
			t.Fatalf("status %d: %s", resp.StatusCode, resp.Body)
		}
		if resp.Headers["x-amzn-RequestId"] != "fuzz-1" || resp.Headers["Content-Type"] != ContentType {
			t.Fatalf("headers %v", resp.Headers)
		}
		var out map[string]any
		if err := json.Unmarshal([]byte(resp.Body), &out); err != nil {
			t.Fatalf("body %q is not a JSON object: %v", resp.Body, err)
		}
		if resp.StatusCode == 200 {
			if _, ok := out["__type"]; ok || resp.Headers["X-Amzn-ErrorType"] != "" {
				t.Fatalf("a success carries an error type: %v %s", resp.Headers, resp.Body)
			}
			return
		}
		typ, _ := out["__type"].(string)
		msg, _ := out["message"].(string)
		code := resp.Headers["X-Amzn-ErrorType"]
		if code == "" || !strings.HasSuffix(typ, "#"+code) || msg == "" {
			t.Fatalf("error without __type, X-Amzn-ErrorType or message: %v %s", resp.Headers, resp.Body)
		}
	})
}
