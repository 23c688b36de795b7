package awsjson_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"

	"github.com/vpid-dev/vpid/internal/avp"
	"github.com/vpid-dev/vpid/internal/awsjson"
	"github.com/vpid-dev/vpid/internal/entry"
)

// greetInput and greetOutput are the shapes of a tiny operation.
type greetInput struct {
	Name string `json:"name"`
}

type greetOutput struct {
	Greeting string `json:"greeting"`
	Account  string `json:"account"`
}

// The Handler turns an API Gateway REST proxy event into an AWS JSON 1.0
// response. Here it serves one tiny in-memory operation, Greet; vpid's API
// serves entry.NewTable over its avp.Service.
func ExampleHandler_Handle() {
	ops := entry.Table{
		"Greet": entry.Op(func(_ context.Context, account string, in *greetInput) (*greetOutput, error) {
			if in.Name == "" {
				return nil, avp.Validation(avp.Field{Path: "name", Message: "Value null at 'name' failed to satisfy constraint: Member must not be null"})
			}
			return &greetOutput{Greeting: "Hello, " + in.Name, Account: account}, nil
		}),
	}
	h := awsjson.New(ops, slog.New(slog.NewJSONHandler(io.Discard, nil)))

	call := func(target, body string) {
		resp, _ := h.Handle(context.Background(), events.APIGatewayProxyRequest{
			HTTPMethod: "POST",
			Path:       "/",
			Headers:    map[string]string{"X-Amz-Target": target, "Content-Type": awsjson.ContentType},
			Body:       body,
			RequestContext: events.APIGatewayProxyRequestContext{
				RequestID: "req-1",
				Identity:  events.APIGatewayRequestIdentity{AccountID: "123456789012"},
			},
		})
		fmt.Println(resp.StatusCode, resp.Headers["x-amzn-RequestId"], resp.Body)
	}
	call(awsjson.TargetPrefix+"Greet", `{"name":"Ada"}`)
	call(awsjson.TargetPrefix+"Greet", `{}`)
	call(awsjson.TargetPrefix+"Greet", `{"name":1}`)
	call(awsjson.TargetPrefix+"Wave", `{}`)
	// Output:
	// 200 req-1 {"greeting":"Hello, Ada","account":"123456789012"}
	// 400 req-1 {"__type":"com.amazonaws.verifiedpermissions#ValidationException","message":"1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null","fieldList":[{"path":"name","message":"Value null at 'name' failed to satisfy constraint: Member must not be null"}]}
	// 400 req-1 {"__type":"com.amazon.coral.service#SerializationException","message":"Value at 'name' must be a string, not a number"}
	// 400 req-1 {"__type":"com.amazon.coral.service#UnknownOperationException","message":"Operation \"VerifiedPermissions.Wave\" is not supported by this service"}
}
