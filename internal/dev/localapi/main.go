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
	logger, awsCfg := app.Boot(cfg.LogLevel)
	deps := app.FromConfig(cfg, awsCfg)
	if os.Getenv("AWS_ENDPOINT_URL_KMS") == "" {
		// No KMS here: resolve policy store keys the documented local way
		// (avp.LocalKeys) instead of calling AWS's KMS.
		deps.Keys = nil
	}
	handler := app.NewAPIHandler(logger, deps.Service())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return apigw.Serve(ctx, addr, handler.Handle, logger, func(addr string) {
		logger.Info("serving AWS JSON 1.0 over HTTP", "addr", "http://"+addr, "table", cfg.TableName)
	})
}
