package app

import (
	"log/slog"

	"github.com/vpid-dev/vpid/internal/avp"
	"github.com/vpid-dev/vpid/internal/awsjson"
	"github.com/vpid-dev/vpid/internal/entry"
)

// NewAPIHandler is the API function's protocol handler over svc: the one
// the Lambda serves and the local server (internal/dev/localapi) wraps.
func NewAPIHandler(svc *avp.Service, logger *slog.Logger, opts ...awsjson.Option) *awsjson.Handler {
	return awsjson.New(entry.NewTable(svc), logger, opts...)
}
