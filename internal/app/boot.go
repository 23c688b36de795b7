package app

import (
	"context"
	"log"
	"log/slog"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
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
