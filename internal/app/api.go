package app

import (
	"log/slog"

	"github.com/vpid-dev/vpid/internal/avp"
	"github.com/vpid-dev/vpid/internal/awsjson"
)

// NewAPIHandler is the API function's protocol handler over svc: the one
// the Lambda serves and the local server (internal/dev/localapi) wraps.
func NewAPIHandler(logger *slog.Logger, svc *avp.Service, opts ...awsjson.HandlerOption) *awsjson.Handler {
	return awsjson.NewHandler(logger, Operations(svc), opts...)
}

// Operations is the X-Amz-Target table: every operation the API serves.
func Operations(svc *avp.Service) map[string]awsjson.Operation {
	return map[string]awsjson.Operation{
		avp.OpCreatePolicyStore:    awsjson.Op(svc.CreatePolicyStore),
		avp.OpGetPolicyStore:       awsjson.Op(svc.GetPolicyStore),
		avp.OpListPolicyStores:     awsjson.Op(svc.ListPolicyStores),
		avp.OpUpdatePolicyStore:    awsjson.Op(svc.UpdatePolicyStore),
		avp.OpDeletePolicyStore:    awsjson.Op(svc.DeletePolicyStore),
		avp.OpCreateIdentitySource: awsjson.Op(svc.CreateIdentitySource),
		avp.OpGetIdentitySource:    awsjson.Op(svc.GetIdentitySource),
		avp.OpListIdentitySources:  awsjson.Op(svc.ListIdentitySources),
		avp.OpUpdateIdentitySource: awsjson.Op(svc.UpdateIdentitySource),
		avp.OpDeleteIdentitySource: awsjson.Op(svc.DeleteIdentitySource),

		avp.OpCreatePolicyStoreAlias: awsjson.Op(svc.CreatePolicyStoreAlias),
		avp.OpGetPolicyStoreAlias:    awsjson.Op(svc.GetPolicyStoreAlias),
		avp.OpListPolicyStoreAliases: awsjson.Op(svc.ListPolicyStoreAliases),
		avp.OpDeletePolicyStoreAlias: awsjson.Op(svc.DeletePolicyStoreAlias),
	}
}
