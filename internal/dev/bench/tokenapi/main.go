// Command tokenapi is the local API server (internal/dev/localapi: the
// API's handler over plain HTTP, DynamoDB Local's checksums off, local
// keys) whose token verifier takes Cognito key sets from the Cognito
// endpoint it is configured with (AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER,
// cognito-local), as a deployed API takes them from Cognito. The decision
// benchmarks run it with tokens cognito-local signs. It is benchmark
// tooling and never ships.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/vpid-dev/vpid/internal/app"
	"github.com/vpid-dev/vpid/internal/config"
	"github.com/vpid-dev/vpid/internal/dev/apigw"
	"github.com/vpid-dev/vpid/internal/oidc"
	"github.com/vpid-dev/vpid/internal/token"
)

// EnvCognitoEndpoint names the local Cognito whose key sets verify tokens.
const EnvCognitoEndpoint = "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER"

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address (host:port)")
	flag.Parse()
	if err := run(*addr); err != nil {
		fmt.Fprintln(os.Stderr, "tokenapi:", err)
		os.Exit(1)
	}
}

func run(addr string) error {
	cfg, err := config.LoadAPI(os.Getenv)
	if err != nil {
		return err
	}
	endpoint := os.Getenv(EnvCognitoEndpoint)
	if endpoint == "" {
		return fmt.Errorf("%s is not set", EnvCognitoEndpoint)
	}
	logger, awsCfg, err := app.Boot(cfg.LogLevel)
	if err != nil {
		return err
	}
	deps := app.FromConfig(cfg, awsCfg)
	deps.DynamoDB = dynamodb.NewFromConfig(awsCfg, app.DynamoDBOptions(cfg.DynamoDBTimeout), func(o *dynamodb.Options) {
		o.DisableValidateResponseChecksum = true
	})
	deps.Keys = nil
	topts := []token.Option{token.WithCognitoEndpoint(endpoint, nil)}
	if o, ok := deps.Issuers.(*oidc.Verifier); ok {
		topts = append(topts, token.WithOIDC(o))
	}
	deps.Tokens = token.NewVerifier(topts...)
	handler := app.NewAPIHandler(deps.Service(), logger)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return apigw.Serve(ctx, addr, handler.Handle, logger, func(addr string) {
		logger.Info("serving AWS JSON 1.0 over HTTP, tokens against the local Cognito", "addr", "http://"+addr, "cognito", endpoint)
	})
}
