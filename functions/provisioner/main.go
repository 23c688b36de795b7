// Command provisioner consumes SQS batches of identity-source provisioning
// requests (sent directly or routed from EventBridge) and carries them out
// through the same service as the API; see internal/provision.
package main

import (
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/vpid-dev/vpid/internal/app"
	"github.com/vpid-dev/vpid/internal/bus"
	"github.com/vpid-dev/vpid/internal/config"
	"github.com/vpid-dev/vpid/internal/entry"
	"github.com/vpid-dev/vpid/internal/provision"
)

func main() {
	cfg, err := config.LoadAPI(os.Getenv)
	app.Must(err)
	logger, awsCfg := app.Boot(cfg.LogLevel)
	pub := bus.NewFromConfig(awsCfg, cfg.EventBusName)
	p := provision.New(entry.NewTable(app.FromConfig(cfg, awsCfg).Service()), pub, logger)
	lambda.Start(p.Handle)
}
