package awsjson

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/vpid-dev/vpid/internal/avp"
	"github.com/vpid-dev/vpid/internal/entry"
	"github.com/vpid-dev/vpid/internal/entry/entrytest"
)

// Fuzz target of the protocol layer. It has a seed corpus in
// testdata/fuzz/FuzzHandle/ besides its f.Add seeds; `make fuzz` runs it
// for a few seconds. The decoder's own target, FuzzDecode, is in
// internal/entry.

// fzHandler serves a few operations from a trivial fake service: creates
// that answer with what they were sent, a get that refuses an empty id, and
// an operation whose input has no members.
func fzHandler() *Handler {
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	return New(entry.Table{
		avp.OpCreateIdentitySource: entry.Op(func(_ context.Context, _ string, in *avp.CreateIdentitySourceInput) (*avp.CreateIdentitySourceOutput, error) {
			return &avp.CreateIdentitySourceOutput{PolicyStoreID: in.PolicyStoreID, IdentitySourceID: "IS1"}, nil
		}),
		avp.OpCreatePolicyStore: entry.Op(func(_ context.Context, account string, in *avp.CreatePolicyStoreInput) (*avp.CreatePolicyStoreOutput, error) {
			return &avp.CreatePolicyStoreOutput{ARN: avp.PolicyStoreARN("aws", account, "PS1"), PolicyStoreID: "PS1"}, nil
		}),
		avp.OpGetPolicyStore: entry.Op(func(_ context.Context, _ string, in *avp.GetPolicyStoreInput) (*avp.GetPolicyStoreOutput, error) {
			if in.PolicyStoreID == "" {
				return nil, avp.Validation(avp.Field{Path: "policyStoreId", Message: "Value null at 'policyStoreId' failed to satisfy constraint: Member must not be null"})
			}
			return nil, avp.NotFound(avp.ResourcePolicyStore, in.PolicyStoreID)
		}),
		"Ping": entry.Op(func(context.Context, string, *struct{}) (*map[string]string, error) { return &map[string]string{}, nil }),
	}, log)
}

// FuzzHandle: whatever the target, content type, body and base64 marking,
// Handle answers an AWS JSON response: 200 or 4xx, never a Go error, a JSON
// body with __type and a message on errors, and the request id and content
// type headers. mode 0 sends the body as is, 1 base64-encoded and marked so,
// 2 marked base64 but sent as is.
func FuzzHandle(f *testing.F) {
	for _, target := range []string{avp.OpCreateIdentitySource, avp.OpCreatePolicyStore, avp.OpGetPolicyStore, "Ping", "", "Nope", "createIdentitySource"} {
		for i, b := range entrytest.EdgeBodies {
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
