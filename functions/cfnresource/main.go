// Command cfnresource is the Lambda behind the CloudFormation custom resource
// Custom::VerifiedPermissionsIdentitySource (see internal/cfnresource): a
// stack's ServiceToken names this function, CloudFormation invokes it with
// Create, Update and Delete requests, and it answers on the request's
// pre-signed response URL.
package main

import (
	"context"
	"log"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"

	"github.com/vpid-dev/vpid/internal/app"
	"github.com/vpid-dev/vpid/internal/cfnresource"
	"github.com/vpid-dev/vpid/internal/config"
)

func main() {
	cfg, err := config.LoadAPI(os.Getenv)
	if err != nil {
		log.Fatal(err)
	}
	logger := slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: cfg.LogLevel}))
	awsCfg, err := awsconfig.LoadDefaultConfig(context.Background())
	if err != nil {
		log.Fatalf("load AWS configuration: %v", err)
	}
	handler := cfnresource.New(app.FromConfig(cfg, awsCfg).Service(), logger)
	lambda.Start(handler.Handle)
}
