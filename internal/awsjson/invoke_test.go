package awsjson

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

// TestInvokeAnswersAsHandle checks that Invoke, which decodes only the
// members of the proxy event Handle reads, answers every kind of event with
// the very bytes aws-lambda-go produces from Handle over the whole event.
func TestInvokeAnswersAsHandle(t *testing.T) {
	t.Parallel()
	h, _ := testHandler(t)
	viaHandle := lambda.NewHandler(h.Handle)
	full := func(ev events.APIGatewayProxyRequest) events.APIGatewayProxyRequest {
		// Members a real event carries and Handle does not read.
		ev.Resource, ev.Path = "/", "/"
		ev.QueryStringParameters = map[string]string{"a": "b"}
		ev.PathParameters = map[string]string{"proxy": "x"}
		ev.StageVariables = map[string]string{"s": "v"}
		ev.RequestContext.Stage, ev.RequestContext.DomainName = "prod", "example.com"
		ev.RequestContext.Identity.SourceIP, ev.RequestContext.Identity.UserAgent = "192.0.2.1", "aws-sdk-go-v2"
		ev.RequestContext.Authorizer = map[string]any{"principalId": "p"}
		return ev
	}
	with := func(f func(*events.APIGatewayProxyRequest)) events.APIGatewayProxyRequest {
		ev := full(event("VerifiedPermissions.Echo", `{"name":"x"}`))
		f(&ev)
		return ev
	}
	cases := map[string]events.APIGatewayProxyRequest{
		"success":           full(event("VerifiedPermissions.Echo", `{"name":"<a & b>"}`)),
		"validation":        full(event("VerifiedPermissions.Echo", `{"name":1}`)),
		"internal":          full(event("VerifiedPermissions.Fail", `{}`)),
		"panic":             full(event("VerifiedPermissions.Panic", `{}`)),
		"dependency":        full(event("VerifiedPermissions.Dependency", `{}`)),
		"conflict":          full(event("VerifiedPermissions.Conflict", `{}`)),
		"unknown operation": full(event("VerifiedPermissions.Nope", `{}`)),
		"no target":         with(func(ev *events.APIGatewayProxyRequest) { delete(ev.Headers, "x-amz-target") }),
		"GET":               with(func(ev *events.APIGatewayProxyRequest) { ev.HTTPMethod = "GET" }),
		"no account":        with(func(ev *events.APIGatewayProxyRequest) { ev.RequestContext.Identity.AccountID = "" }),
		"bad content type":  with(func(ev *events.APIGatewayProxyRequest) { ev.Headers["Content-Type"] = "text/plain" }),
		"base64 body": with(func(ev *events.APIGatewayProxyRequest) {
			ev.Body, ev.IsBase64Encoded = base64.StdEncoding.EncodeToString([]byte(`{"name":"y"}`)), true
		}),
		"bad base64": with(func(ev *events.APIGatewayProxyRequest) { ev.Body, ev.IsBase64Encoded = "%%%", true }),
		"Content-Type only among the multi-value headers": with(func(ev *events.APIGatewayProxyRequest) {
			delete(ev.Headers, "Content-Type")
			ev.MultiValueHeaders = map[string][]string{"content-type": {"text/plain"}}
		}),
		"no Content-Type at all": with(func(ev *events.APIGatewayProxyRequest) { delete(ev.Headers, "Content-Type") }),
		"both header maps": with(func(ev *events.APIGatewayProxyRequest) {
			ev.MultiValueHeaders = map[string][]string{"X-Amz-Target": {"VerifiedPermissions.Fail"}, "Content-Type": {"text/plain"}}
		}),
		"multi-value headers only": with(func(ev *events.APIGatewayProxyRequest) {
			ev.MultiValueHeaders = map[string][]string{"X-Amz-Target": {"VerifiedPermissions.Echo"}}
			ev.Headers = nil
		}),
	}
	for name, ev := range cases {
		payload, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		want, err := viaHandle.Invoke(context.Background(), payload)
		if err != nil {
			t.Fatalf("%s: through Handle: %v", name, err)
		}
		got, err := h.Invoke(context.Background(), payload)
		if err != nil {
			t.Fatalf("%s: Invoke: %v", name, err)
		}
		if string(got) != string(want) {
			t.Errorf("%s: Invoke answered\n%s\nHandle through aws-lambda-go\n%s", name, got, want)
		}
	}
	if _, err := h.Invoke(context.Background(), []byte(`{"httpMethod":`)); err == nil {
		t.Error("Invoke accepted a payload that is not JSON")
	}
}
