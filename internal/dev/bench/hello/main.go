// Command hello is the smallest aws-lambda-go function that answers an API
// Gateway proxy event: the baseline of the cold-start benchmark, built
// exactly as functions/api's bootstrap is.
package main

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(context.Context, json.RawMessage) (events.APIGatewayProxyResponse, error) {
		return events.APIGatewayProxyResponse{StatusCode: 200, Headers: map[string]string{"Content-Type": "application/json"}, Body: "{}"}, nil
	})
}
