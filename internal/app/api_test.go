package app

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/vpid-dev/vpid/internal/avp"
)

// TestAPILogsTheCauseOfA500 points the API at a DynamoDB endpoint that
// refuses connections: the caller gets the fixed InternalServerException,
// and the request's log line names the request and the refused connection.
func TestAPILogsTheCauseOfA500(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + l.Addr().String()
	l.Close() // nothing listens there now: connections are refused

	ddb := dynamodb.New(dynamodb.Options{
		Region:       "us-west-2",
		BaseEndpoint: aws.String(dead),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
	}, DynamoDBOptions(time.Second))
	var logs bytes.Buffer
	h := NewAPIHandler(Deps{Table: "vpid", DynamoDB: ddb}.Service(), slog.New(slog.NewJSONHandler(&logs, nil)))

	for _, op := range []string{avp.OpListPolicyStores, avp.OpGetPolicyStore} {
		t.Run(op, func(t *testing.T) {
			logs.Reset()
			resp, err := h.Handle(context.Background(), events.APIGatewayProxyRequest{
				HTTPMethod: "POST",
				Headers:    map[string]string{"X-Amz-Target": "VerifiedPermissions." + op, "Content-Type": "application/x-amz-json-1.0"},
				Body:       `{"policyStoreId":"PSEXAMPLEabcdefg111111"}`,
				RequestContext: events.APIGatewayProxyRequestContext{
					RequestID: "req-dead-ddb",
					Identity:  events.APIGatewayRequestIdentity{AccountID: "123456789012"},
				},
			})
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != 500 || resp.Headers["X-Amzn-ErrorType"] != avp.CodeInternalServer {
				t.Fatalf("got %d %s, want a 500 InternalServerException", resp.StatusCode, resp.Body)
			}
			if strings.Contains(resp.Body, "refused") || strings.Contains(resp.Body, "127.0.0.1") {
				t.Errorf("the answer leaks the cause: %s", resp.Body)
			}
			var line map[string]any
			if err := json.Unmarshal(logs.Bytes(), &line); err != nil {
				t.Fatalf("want one JSON log line: %v\n%s", err, logs.String())
			}
			cause, _ := line["error"].(string)
			if line["requestId"] != "req-dead-ddb" || line["status"] != float64(500) || !strings.Contains(cause, "connection refused") {
				t.Errorf("the log line lacks the request id or the cause: %s", logs.String())
			}
		})
	}
}
