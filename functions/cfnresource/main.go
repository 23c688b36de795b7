// Command cfnresource is the Lambda behind the CloudFormation custom resource
// Custom::VerifiedPermissionsIdentitySource (see internal/cfnresource): a
// stack's ServiceToken names this function, CloudFormation invokes it with
// Create, Update and Delete requests, and it answers on the request's
// pre-signed response URL.
package main

import (
	"log"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/vpid-dev/vpid/internal/app"
	"github.com/vpid-dev/vpid/internal/cfnresource"
	"github.com/vpid-dev/vpid/internal/config"
	"github.com/vpid-dev/vpid/internal/entry"
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
	handler := cfnresource.New(entry.NewTable(app.FromConfig(cfg, awsCfg).Service()), logger,
		cfnresource.WithRegion(awsCfg.Region))
	lambda.Start(handler.Handle)
}
