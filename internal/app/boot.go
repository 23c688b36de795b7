package app

import (
	"context"
	"log"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"

	"github.com/vpid-dev/vpid/internal/bus"
)

// Must ends a function's init with err's message when err is not nil: a
// configuration problem must fail the cold start loudly, not the requests.
func Must(err error) {
	if err != nil {
		log.Fatal(err)
	}
}

// Boot returns what every function's main starts from: a JSON logger (on
// stdout, as Lambda collects it) at level, and the AWS SDK's configuration.
func Boot(level slog.Level) (*slog.Logger, aws.Config) {
	logger := slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: level}))
	awsCfg, err := awsconfig.LoadDefaultConfig(context.Background())
	if err != nil {
		log.Fatalf("load AWS configuration: %v", err)
	}
	return logger, awsCfg
}

// putEventsTimeout bounds each attempt of a PutEvents call, so that a hung
// call fails (and is retried) long before a Lambda timeout.
const putEventsTimeout = 5 * time.Second

// Events returns a Publisher to the named event bus.
func Events(awsCfg aws.Config, busName string) *bus.Publisher {
	eb := eventbridge.NewFromConfig(awsCfg, func(o *eventbridge.Options) {
		o.HTTPClient = httpClient(putEventsTimeout)
	})
	return bus.New(eb, busName)
}
