package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
)

// Boot returns what every function's main starts from: a logger and the AWS
// SDK's configuration. It returns an error rather than ending the process:
// each main decides how to fail its cold start.
//
// The logger writes JSON on stdout, where Lambda collects it. In Lambda with
// the JSON log format (infra deploys every function so), it is
// aws-lambda-go's lambdacontext.NewLogger: Lambda's field names (timestamp,
// message), Lambda's application log level (which infra sets from the same
// setting as LOG_LEVEL), and the invocation's requestId on every record
// logged with the request's context. Anywhere else it is a plain JSON
// logger at level.
func Boot(level slog.Level) (*slog.Logger, aws.Config, error) {
	logger := slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: level}))
	if os.Getenv("AWS_LAMBDA_LOG_FORMAT") == "JSON" {
		logger = lambdacontext.NewLogger()
	}
	// Packages that log for the operator without being given a logger (the
	// OpenID Connect verifier: why an issuer could not be reached) use the
	// default one.
	slog.SetDefault(logger)
	awsCfg, err := awsconfig.LoadDefaultConfig(context.Background())
	if err != nil {
		return nil, aws.Config{}, fmt.Errorf("load AWS configuration: %w", err)
	}
	return logger, awsCfg, nil
}
