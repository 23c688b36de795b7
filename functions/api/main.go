// Command api is vpid's API function: Amazon Verified Permissions'
// operations over AWS JSON 1.0, served from API Gateway REST proxy events.
// It only serves Lambda: local runs use internal/dev/localapi, which wraps
// the same handler in an HTTP server.
package main

import (
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/vpid-dev/vpid/internal/app"
	"github.com/vpid-dev/vpid/internal/config"
)

func main() {
	cfg, err := config.LoadAPI(os.Getenv)
	app.Must(err)
	logger, awsCfg := app.Boot(cfg.LogLevel)
	lambda.Start(app.NewAPIHandler(logger, app.FromConfig(cfg, awsCfg).Service()).Handle)
}
