// Command api is vpid's API function: Amazon Verified Permissions'
// identity-source operations over AWS JSON 1.0. In Lambda it serves API
// Gateway REST proxy events; started anywhere else it serves the same
// events over HTTP on HOST:PORT (default 127.0.0.1:8080).
package main

import (
	"context"
	"log"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/vpid-dev/vpid/internal/apigw"
	"github.com/vpid-dev/vpid/internal/app"
	"github.com/vpid-dev/vpid/internal/config"
)

func main() {
	cfg, err := config.LoadAPI(os.Getenv)
	app.Must(err)
	logger, awsCfg := app.Boot(cfg.LogLevel)
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
