// Command provisioner consumes SQS batches of identity-source provisioning
// requests (sent directly or routed from EventBridge) and carries them out
// through the same service as the API; see internal/provision.
package main

import (
	"context"
	"log"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"

	"github.com/vpid-dev/vpid/internal/app"
	"github.com/vpid-dev/vpid/internal/bus"
	"github.com/vpid-dev/vpid/internal/config"
	"github.com/vpid-dev/vpid/internal/provision"
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
	pub := bus.New(eventbridge.NewFromConfig(awsCfg), cfg.EventBusName)
	p := provision.New(app.FromConfig(cfg, awsCfg).Service(), pub, logger)
	lambda.Start(p.Handle)
}
