// Command publisher is vpid's publisher function: it consumes the table's
// DynamoDB stream (NEW_AND_OLD_IMAGES) and publishes a change event to
// EventBridge for every identity source and policy store created, updated
// or deleted (see internal/changes). It reports partial batch failures, so
// its event source mapping must set ReportBatchItemFailures.
package main

import (
	"context"
	"log"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"

	"github.com/vpid-dev/vpid/internal/bus"
	"github.com/vpid-dev/vpid/internal/changes"
	"github.com/vpid-dev/vpid/internal/config"
)

// putEventsTimeout bounds each attempt of a PutEvents call, so that a hung
// call fails (and the batch is retried) long before the Lambda timeout.
const putEventsTimeout = 5 * time.Second

func main() {
	cfg, err := config.LoadPublisher(os.Getenv)
	if err != nil {
		log.Fatal(err)
	}
	logger := slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: cfg.LogLevel}))
	awsCfg, err := awsconfig.LoadDefaultConfig(context.Background())
	if err != nil {
		log.Fatalf("load AWS configuration: %v", err)
	}
	eb := eventbridge.NewFromConfig(awsCfg, func(o *eventbridge.Options) {
		o.HTTPClient = awshttp.NewBuildableClient().WithTimeout(putEventsTimeout)
	})
	lambda.Start(changes.NewHandler(bus.New(eb, cfg.EventBusName), logger).Handle)
}
