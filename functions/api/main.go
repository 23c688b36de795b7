// Command api is vpid's API function: Amazon Verified Permissions'
// identity-source operations over AWS JSON 1.0. In Lambda it serves API
// Gateway REST proxy events; started anywhere else it serves the same
// events over HTTP on HOST:PORT (default 127.0.0.1:8080).
package main

import (
	"context"
	"log"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	"github.com/aws/aws-lambda-go/lambda"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"

	"github.com/vpid-dev/vpid/internal/apigw"
	"github.com/vpid-dev/vpid/internal/app"
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
	handler := newHandler(logger, app.FromConfig(cfg, awsCfg).Service())
	if cfg.InLambda {
		lambda.Start(handler.Handle)
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	addr := net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port))
	err = apigw.Serve(ctx, addr, handler.Handle, logger, func(addr string) {
		logger.Info("serving AWS JSON 1.0 over HTTP", "addr", "http://"+addr, "table", cfg.TableName)
	})
	if err != nil {
		log.Fatal(err)
	}
}
