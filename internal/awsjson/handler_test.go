package awsjson

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"

	"github.com/vpid-dev/vpid/internal/avp"
	"github.com/vpid-dev/vpid/internal/entry"
)

type echoIn struct {
	Name  string   `json:"name"`
	Items []string `json:"items"`
	Max   *int     `json:"maxResults"`
}

type echoOut struct {
	Account string `json:"account"`
	Name    string `json:"name"`
}

func testHandler(t *testing.T) (*Handler, *bytes.Buffer) {
	t.Helper()
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	return New(entry.Table{
		"Echo": entry.Op(func(_ context.Context, account string, in *echoIn) (*echoOut, error) {
			return &echoOut{Account: account, Name: in.Name}, nil
		}),
		"Nested": entry.Op(func(context.Context, string, *struct {
			Inner *echoIn `json:"inner"`
		}) (*echoOut, error) {
			return &echoOut{}, nil
		}),
		"Fail": entry.Op(func(context.Context, string, *echoIn) (*echoOut, error) {
			return nil, errors.New("dynamodb: secret-table-name exploded")
		}),
		"Panic": entry.Op(func(context.Context, string, *echoIn) (*echoOut, error) {
			panic("boom")
		}),
		"Dependency": entry.Op(func(context.Context, string, *echoIn) (*echoOut, error) {
			e := avp.Unavailable("reading the policy store")
			e.Cause = errors.New("dial tcp 127.0.0.1:1: connect: connection refused")
			return nil, e
		}),
		"NotFound": entry.Op(func(context.Context, string, *echoIn) (*echoOut, error) {
			return nil, avp.NotFound(avp.ResourcePolicyStore, "PS1")
		}),
		"Conflict": entry.Op(func(context.Context, string, *echoIn) (*echoOut, error) {
			return nil, avp.Conflict("token reused", avp.ResourceRef{ResourceID: "IS1", ResourceType: avp.ResourceIdentitySource})
		}),
	}, log), &logs
}

func event(target, body string) events.APIGatewayProxyRequest {
	return events.APIGatewayProxyRequest{
		HTTPMethod: "POST",
		Path:       "/",
		Headers:    map[string]string{"x-amz-target": target, "Content-Type": ContentType},
		Body:       body,
		RequestContext: events.APIGatewayProxyRequestContext{
			RequestID: "req-1",
			Identity:  events.APIGatewayRequestIdentity{AccountID: "123456789012"},
		},
	}
}

func decodeBody(t *testing.T, resp events.APIGatewayProxyResponse) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(resp.Body), &m); err != nil {
		t.Fatalf("response body %q: %v", resp.Body, err)
	}
	return m
}

func TestHandleSuccess(t *testing.T) {
	t.Parallel()
	h, _ := testHandler(t)
	resp, err := h.Handle(context.Background(), event("VerifiedPermissions.Echo", `{"name":"x","unknownMember":1}`))
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.Headers["Content-Type"] != ContentType || resp.Headers["x-amzn-RequestId"] != "req-1" {
		t.Fatalf("got %+v", resp)
	}
	if _, ok := resp.Headers["X-Amzn-ErrorType"]; ok {
		t.Error("success carries an error type")
	}
	if diff := cmp.Diff(map[string]any{"account": "123456789012", "name": "x"}, decodeBody(t, resp)); diff != "" {
		t.Error(diff)
	}
}

func TestHandleErrors(t *testing.T) {
	t.Parallel()
	huge := `{"name":"` + strings.Repeat("a", entry.MaxBodyBytes) + `"}`
	tests := []struct {
		name    string
		ev      func() events.APIGatewayProxyRequest
		status  int
		code    string
		message string // a part of the message
	}{
		{"missing target", func() events.APIGatewayProxyRequest { return event("", "{}") }, 400, entry.CodeUnknownOperation, "X-Amz-Target header is missing"},
		{"unknown target", func() events.APIGatewayProxyRequest { return event("VerifiedPermissions.Nope", "{}") }, 400, entry.CodeUnknownOperation, `"VerifiedPermissions.Nope" is not supported`},
		{"other service", func() events.APIGatewayProxyRequest { return event("DynamoDB_20120810.Echo", "{}") }, 400, entry.CodeUnknownOperation, "not supported"},
		{"GET", func() events.APIGatewayProxyRequest {
			e := event("VerifiedPermissions.Echo", "")
			e.HTTPMethod = "GET"
			return e
		}, 400, entry.CodeUnknownOperation, "POST"},
		{"not JSON", func() events.APIGatewayProxyRequest { return event("VerifiedPermissions.Echo", `{"name":`) }, 400, entry.CodeSerialization, "not valid JSON"},
		{"garbage", func() events.APIGatewayProxyRequest { return event("VerifiedPermissions.Echo", `hello`) }, 400, entry.CodeSerialization, "not valid JSON"},
		{"null body", func() events.APIGatewayProxyRequest { return event("VerifiedPermissions.Echo", `null`) }, 400, entry.CodeSerialization, "not null"},
		{"member name case", func() events.APIGatewayProxyRequest { return event("VerifiedPermissions.Echo", `{"NAME":"x"}`) }, 400, entry.CodeSerialization, "did you mean 'name'"},
		{"nested member case", func() events.APIGatewayProxyRequest {
			return event("VerifiedPermissions.Nested", `{"inner":{"items":[],"Items":["a"]}}`)
		}, 400, entry.CodeSerialization, "'inner.Items' is not known"},
		{"array body", func() events.APIGatewayProxyRequest { return event("VerifiedPermissions.Echo", `[]`) }, 400, entry.CodeSerialization, "must be a JSON object, not a list"},
		{"two objects", func() events.APIGatewayProxyRequest { return event("VerifiedPermissions.Echo", `{}{}`) }, 400, entry.CodeSerialization, "nothing after it"},
		{"wrong type", func() events.APIGatewayProxyRequest { return event("VerifiedPermissions.Echo", `{"items":"a"}`) }, 400, entry.CodeSerialization, "Value at 'items' must be a list, not a string"},
		{"wrong number", func() events.APIGatewayProxyRequest { return event("VerifiedPermissions.Echo", `{"maxResults":1.5}`) }, 400, entry.CodeSerialization, "'maxResults' must be an integer"},
		{"invalid UTF-8", func() events.APIGatewayProxyRequest { return event("VerifiedPermissions.Echo", "{\"name\":\"\xff\"}") }, 400, entry.CodeSerialization, "UTF-8"},
		{"bad base64", func() events.APIGatewayProxyRequest {
			e := event("VerifiedPermissions.Echo", "!!!")
			e.IsBase64Encoded = true
			return e
		}, 400, entry.CodeSerialization, "base64"},
		{"too large", func() events.APIGatewayProxyRequest { return event("VerifiedPermissions.Echo", huge) }, 400, avp.CodeValidation, "limit is 1048576 bytes"},
		{"content type", func() events.APIGatewayProxyRequest {
			e := event("VerifiedPermissions.Echo", "{}")
			e.Headers["Content-Type"] = "text/xml"
			return e
		}, 400, entry.CodeSerialization, "Content-Type"},
		{"no caller", func() events.APIGatewayProxyRequest {
			e := event("VerifiedPermissions.Echo", "{}")
			e.RequestContext.Identity.AccountID = ""
			return e
		}, 403, avp.CodeAccessDenied, "Signature Version 4"},
		{"internal", func() events.APIGatewayProxyRequest { return event("VerifiedPermissions.Fail", "{}") }, 500, avp.CodeInternalServer, "internal error"},
		{"panic", func() events.APIGatewayProxyRequest { return event("VerifiedPermissions.Panic", "{}") }, 500, avp.CodeInternalServer, "internal error"},
		{"not found", func() events.APIGatewayProxyRequest { return event("VerifiedPermissions.NotFound", "{}") }, 404, avp.CodeResourceNotFound, "PS1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h, _ := testHandler(t)
			resp, err := h.Handle(context.Background(), tc.ev())
			if err != nil {
				t.Fatal(err)
			}
			body := decodeBody(t, resp)
			if resp.StatusCode != tc.status || resp.Headers["X-Amzn-ErrorType"] != tc.code || !strings.HasSuffix(body["__type"].(string), "#"+tc.code) {
				t.Fatalf("got %d %s %v, want %d %s", resp.StatusCode, resp.Headers["X-Amzn-ErrorType"], body, tc.status, tc.code)
			}
			if msg, _ := body["message"].(string); !strings.Contains(msg, tc.message) {
				t.Errorf("message %q lacks %q", msg, tc.message)
			}
			if resp.Headers["x-amzn-RequestId"] == "" || resp.Headers["Content-Type"] != ContentType {
				t.Errorf("headers %v", resp.Headers)
			}
		})
	}
}

func TestInternalErrorsAreLoggedNotShown(t *testing.T) {
	t.Parallel()
	for op, cause := range map[string]string{
		"Fail":       "dynamodb: secret-table-name exploded",
		"Panic":      "panic: boom",
		"Dependency": "connect: connection refused",
	} {
		t.Run(op, func(t *testing.T) {
			t.Parallel()
			h, logs := testHandler(t)
			resp, _ := h.Handle(context.Background(), event("VerifiedPermissions."+op, "{}"))
			if resp.StatusCode != 500 || strings.Contains(resp.Body, cause) {
				t.Errorf("answer %d leaks the cause or is not a 500: %s", resp.StatusCode, resp.Body)
			}
			// One line names the request, its outcome and the cause.
			var line map[string]any
			if err := json.Unmarshal(logs.Bytes(), &line); err != nil {
				t.Fatalf("want one JSON log line: %v\n%s", err, logs.String())
			}
			msg, _ := line["error"].(string)
			if line["requestId"] != "req-1" || line["status"] != float64(500) || line["errorType"] != avp.CodeInternalServer || !strings.Contains(msg, cause) {
				t.Errorf("log line lacks the request id, the status or the cause %q: %v", cause, line)
			}
		})
	}
}

func TestClientErrorsLogNoCause(t *testing.T) {
	t.Parallel()
	h, logs := testHandler(t)
	h.Handle(context.Background(), event("VerifiedPermissions.NotFound", "{}"))
	if strings.Contains(logs.String(), `"error"`) || !strings.Contains(logs.String(), `"level":"INFO"`) {
		t.Errorf("a client error logs as one: %s", logs.String())
	}
}

func TestModeledMembers(t *testing.T) {
	t.Parallel()
	h, _ := testHandler(t)
	resp, _ := h.Handle(context.Background(), event("VerifiedPermissions.NotFound", "{}"))
	want := map[string]any{
		"__type": "com.amazonaws.verifiedpermissions#ResourceNotFoundException", "message": "Policy store PS1 was not found",
		"resourceId": "PS1", "resourceType": "POLICY_STORE",
	}
	if diff := cmp.Diff(want, decodeBody(t, resp)); diff != "" {
		t.Error(diff)
	}
	resp, _ = h.Handle(context.Background(), event("VerifiedPermissions.Conflict", "{}"))
	want = map[string]any{
		"__type": "com.amazonaws.verifiedpermissions#ConflictException", "message": "token reused",
		"resources": []any{map[string]any{"resourceId": "IS1", "resourceType": "IDENTITY_SOURCE"}},
	}
	if diff := cmp.Diff(want, decodeBody(t, resp)); diff != "" {
		t.Error(diff)
	}
}

func TestHeadersAnyCase(t *testing.T) {
	t.Parallel()
	h, _ := testHandler(t)
	e := event("", `{"name":"m"}`)
	e.Headers = nil
	e.MultiValueHeaders = map[string][]string{"X-AMZ-TARGET": {"VerifiedPermissions.Echo"}}
	resp, _ := h.Handle(context.Background(), e)
	if resp.StatusCode != 200 {
		t.Fatalf("got %d %s", resp.StatusCode, resp.Body)
	}
	e = event("VerifiedPermissions.Echo", "eyJuYW1lIjoiYiJ9") // {"name":"b"}
	e.IsBase64Encoded = true
	resp, _ = h.Handle(context.Background(), e)
	if resp.StatusCode != 200 || !strings.Contains(resp.Body, `"name":"b"`) {
		t.Fatalf("base64 body: %d %s", resp.StatusCode, resp.Body)
	}
}
