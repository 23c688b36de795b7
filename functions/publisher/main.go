// Command publisher is vpid's publisher function: it consumes the table's
// DynamoDB stream (NEW_AND_OLD_IMAGES) and publishes a change event to
// EventBridge for every identity source and policy store created, updated
// or deleted (see internal/changes). It reports partial batch failures, so
// its event source mapping must set ReportBatchItemFailures.
package main

import (
	"log"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/vpid-dev/vpid/internal/app"
	"github.com/vpid-dev/vpid/internal/bus"
	"github.com/vpid-dev/vpid/internal/changes"
	"github.com/vpid-dev/vpid/internal/config"
)

func main() {
	cfg, err := config.LoadPublisher(os.Getenv)
	if err != nil {
		log.Fatal(err) // a configuration problem fails the cold start, not the requests
	}
	logger, awsCfg, err := app.Boot(cfg.LogLevel)
	if err != nil {
		log.Fatal(err)
	}
	lambda.Start(changes.New(bus.NewFromConfig(awsCfg, cfg.EventBusName), logger).Handle)
}
