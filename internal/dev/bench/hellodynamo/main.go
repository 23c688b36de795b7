// Command hellodynamo is hello (../hello) plus the one DynamoDB read the
// API's GetPolicyStore makes: the AWS SDK's default configuration, a
// DynamoDB client and one consistent GetItem per invoke (table TABLE_NAME,
// key HELLO_KEY: a JSON object of the key's string attributes). It is the cold-start floor of a function that
// must read DynamoDB before it answers.
package main

import (
	"context"
	"encoding/json"
	"log"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

func main() {
	cfg, err := awsconfig.LoadDefaultConfig(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	ddb := dynamodb.NewFromConfig(cfg)
	var attrs map[string]string
	if err := json.Unmarshal([]byte(os.Getenv("HELLO_KEY")), &attrs); err != nil {
		log.Fatalf("HELLO_KEY: %v", err)
	}
	key := map[string]types.AttributeValue{}
	for name, v := range attrs {
		key[name] = &types.AttributeValueMemberS{Value: v}
	}
	in := &dynamodb.GetItemInput{
		TableName:      aws.String(os.Getenv("TABLE_NAME")),
		ConsistentRead: aws.Bool(true),
		Key:            key,
	}
	lambda.Start(func(ctx context.Context, _ json.RawMessage) (events.APIGatewayProxyResponse, error) {
		out, err := ddb.GetItem(ctx, in)
		if err != nil {
			return events.APIGatewayProxyResponse{}, err
		}
		status := 200
		if out.Item == nil {
			status = 404
		}
		return events.APIGatewayProxyResponse{StatusCode: status, Headers: map[string]string{"Content-Type": "application/json"}, Body: "{}"}, nil
	})
}
