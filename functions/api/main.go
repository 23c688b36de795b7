// Command api is vpid's API function: Amazon Verified Permissions'
// operations over AWS JSON 1.0, served from API Gateway REST proxy events.
// It only serves Lambda: local runs use internal/dev/localapi, which wraps
// the same handler in an HTTP server.
package main

import (
	"log"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/vpid-dev/vpid/internal/app"
	"github.com/vpid-dev/vpid/internal/config"
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
	// The handler is a lambda.Handler: it decodes only the members of the
	// proxy event it reads (awsjson.Handler.Invoke).
	lambda.Start(app.NewAPIHandler(app.FromConfig(cfg, awsCfg).Service(), logger))
}
