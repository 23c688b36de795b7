// Command drift is vpid's scheduled drift check: it re-verifies every
// identity source's user pool and app clients (or OpenID Connect issuer),
// publishes an "IdentitySource Drifted" event for each that no longer
// checks out, and writes CloudWatch metrics as an embedded-metric-format
// log line. It never changes an identity source (internal/drift).
//
// In Lambda it handles the scheduled EventBridge event and returns the run's
// summary. Started anywhere else it runs once and prints the summary.
package main

import (
	"context"
	"encoding/json"
	"log"
	"os"
	"os/signal"
	"syscall"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/vpid-dev/vpid/internal/app"
	"github.com/vpid-dev/vpid/internal/bus"
	"github.com/vpid-dev/vpid/internal/config"
	"github.com/vpid-dev/vpid/internal/drift"
)

func main() {
	cfg, err := config.LoadAPI(os.Getenv)
	if err != nil {
		log.Fatal(err) // a configuration problem fails the cold start, not the requests
	}
	logger, awsCfg, err := app.Boot(cfg.LogLevel)
	if err != nil {
		log.Fatal(err)
	}
	driftCfg := drift.ConfigFor(app.FromConfig(cfg, awsCfg))
	driftCfg.Events = bus.NewFromConfig(awsCfg, cfg.EventBusName)
	driftCfg.Metrics = os.Stdout
	driftCfg.Logger = logger
	checker, err := drift.New(driftCfg)
	if err != nil {
		log.Fatal(err)
	}

	if cfg.InLambda {
		lambda.Start(func(ctx context.Context, ev events.EventBridgeEvent) (drift.Summary, error) {
			return checker.Run(ctx, drift.Rotation(ev.Time, drift.DefaultSegments))
		})
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	sum, err := checker.Run(ctx, 0)
	out, _ := json.MarshalIndent(sum, "", "  ")
	if _, werr := os.Stdout.Write(append(out, '\n')); werr != nil && err == nil {
		err = werr
	}
	if err != nil {
		stop()
		log.Fatal(err) //nolint:gocritic // stop() has just run; Fatal ends the process
	}
}
