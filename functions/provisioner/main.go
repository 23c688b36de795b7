// Command provisioner consumes SQS batches of identity-source provisioning
// requests (sent directly or routed from EventBridge) and carries them out
// through the same service as the API; see internal/provision.
package main

import (
	"log"
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
	if err != nil {
		log.Fatal(err) // a configuration problem fails the cold start, not the requests
	}
	trust, err := config.LoadProvisioning(os.Getenv)
	if err != nil {
		log.Fatal(err)
	}
	logger, awsCfg, err := app.Boot(cfg.LogLevel)
	if err != nil {
		log.Fatal(err)
	}
	pub := bus.NewFromConfig(awsCfg, cfg.EventBusName)
	p := provision.New(entry.NewTable(app.FromConfig(cfg, awsCfg).Service()), pub, logger, provision.Trust{
		EventQueueARN:  trust.EventQueueARN,
		EventAccounts:  trust.EventAccounts,
		DirectQueueARN: trust.DirectQueueARN,
		Senders:        trust.Senders,
	})
	lambda.Start(p.Handle)
}
