package apigw

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

func TestAccountOf(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ header, want string }{
		{"AWS4-HMAC-SHA256 Credential=111111111111/20261125/us-west-2/verifiedpermissions/aws4_request, SignedHeaders=host, Signature=abc", "111111111111"},
		{"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261125/us-west-2/verifiedpermissions/aws4_request, SignedHeaders=host, Signature=abc", DefaultAccount},
		{"AWS4-HMAC-SHA256 Credential=1111111111112/20261125/x/y/aws4_request", DefaultAccount},
		{"AWS4-HMAC-SHA256 Credential=١١١١١١١١١١١١/20261125/x/y/aws4_request", DefaultAccount},
		{"", DefaultAccount},
		{"Bearer token", DefaultAccount},
	} {
		if got := AccountOf(tc.header); got != tc.want {
			t.Errorf("AccountOf(%q) = %s, want %s", tc.header, got, tc.want)
		}
	}
}

func TestHandlerBuildsTheProxyEvent(t *testing.T) {
	t.Parallel()
	var got events.APIGatewayProxyRequest
	fn := func(_ context.Context, ev events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		got = ev
		return events.APIGatewayProxyResponse{StatusCode: 418, Headers: map[string]string{"X-Test": "1"}, Body: `{"ok":true}`}, nil
	}
	srv := httptest.NewServer(Handler(fn, slog.New(slog.NewTextHandler(io.Discard, nil))))
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/", strings.NewReader(`{"a":1}`))
	req.Header.Set("X-Amz-Target", "VerifiedPermissions.GetPolicyStore")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=222222222222/20261125/us-west-2/verifiedpermissions/aws4_request")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 418 || resp.Header.Get("X-Test") != "1" || string(body) != `{"ok":true}` {
		t.Errorf("response %d %v %s", resp.StatusCode, resp.Header, body)
	}
	if got.HTTPMethod != "POST" || got.Body != `{"a":1}` || got.IsBase64Encoded || got.Headers["X-Amz-Target"] != "VerifiedPermissions.GetPolicyStore" {
		t.Errorf("event %+v", got)
	}
	if got.RequestContext.Identity.AccountID != "222222222222" || len(got.RequestContext.RequestID) != 36 {
		t.Errorf("request context %+v", got.RequestContext)
	}
}

func TestHandlerBinaryBodyAndLimits(t *testing.T) {
	t.Parallel()
	var got events.APIGatewayProxyRequest
	fn := func(_ context.Context, ev events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		got = ev
		return events.APIGatewayProxyResponse{StatusCode: 200}, nil
	}
	h := Handler(fn, slog.New(slog.NewTextHandler(io.Discard, nil)))

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/", bytes.NewReader([]byte{0xff, 0xfe})))
	if !got.IsBase64Encoded || got.Body != "//4=" {
		t.Errorf("invalid UTF-8 should travel base64-encoded: %+v", got)
	}

	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(make([]byte, MaxBodyBytes+1))))
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized body: %d", rec.Code)
	}
}

func TestHandlerFunctionError(t *testing.T) {
	t.Parallel()
	fn := func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		return events.APIGatewayProxyResponse{}, io.ErrUnexpectedEOF
	}
	rec := httptest.NewRecorder()
	Handler(fn, slog.New(slog.NewTextHandler(io.Discard, nil))).ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/", nil))
	if rec.Code != http.StatusBadGateway || strings.Contains(rec.Body.String(), "EOF") {
		t.Errorf("function error: %d %s", rec.Code, rec.Body)
	}
}
