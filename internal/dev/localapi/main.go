// Command localapi serves vpid's API handler (the one functions/api runs in
// Lambda) over plain HTTP, for `make run` and the load test. It stands in for
// API Gateway through internal/dev/apigw, which takes the caller's account
// from the SigV4 access key id without verifying the signature: it is
// development tooling and never ships.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/vpid-dev/vpid/internal/app"
	"github.com/vpid-dev/vpid/internal/config"
	"github.com/vpid-dev/vpid/internal/dev/apigw"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address (host:port)")
	flag.Parse()
	if err := run(*addr); err != nil {
		fmt.Fprintln(os.Stderr, "localapi:", err)
		os.Exit(1)
	}
}

func run(addr string) error {
	cfg, err := config.LoadAPI(os.Getenv)
	if err != nil {
		return err
	}
	logger, awsCfg, err := app.Boot(cfg.LogLevel)
	if err != nil {
		return err
	}
	handler := app.NewAPIHandler(localDeps(cfg, awsCfg, os.Getenv).Service(), logger)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return apigw.Serve(ctx, addr, handler.Handle, logger, func(addr string) {
		logger.Info("serving AWS JSON 1.0 over HTTP", "addr", "http://"+addr, "table", cfg.TableName)
	})
}

// localDeps is app.FromConfig adapted to the local emulators:
//
//   - DynamoDB Local answers errors without the x-amz-crc32 header that
//     DynamoDB sends on every response, and the Go SDK then checks the body
//     against a checksum of 0 and logs "failed to close HTTP response body
//     ... response did not match expected checksum" on every 4xx (a
//     cancelled transaction, so every ServiceQuotaExceeded answer). The
//     check is off for the emulator; deployed, it stays on.
//   - Without a KMS endpoint (AWS_ENDPOINT_URL_KMS), policy store keys are
//     resolved the documented local way (avp.LocalKeys), never by AWS's KMS.
func localDeps(cfg config.API, awsCfg aws.Config, getenv func(string) string) app.Deps {
	deps := app.FromConfig(cfg, awsCfg)
	deps.DynamoDB = dynamodb.NewFromConfig(awsCfg, app.DynamoDBOptions(cfg.DynamoDBTimeout), func(o *dynamodb.Options) {
		o.DisableValidateResponseChecksum = true
	})
	if getenv("AWS_ENDPOINT_URL_KMS") == "" {
		deps.Keys = nil
	}
	return deps
}
