package avp

// Operation names: the part of X-Amz-Target after "VerifiedPermissions.",
// exactly as in AWS's API reference. This is the one list of the operations
// vpid serves; the entry layer's operation table and the idempotency
// records name operations with these constants.
const (
	OpCreatePolicyStore = "CreatePolicyStore"
	OpGetPolicyStore    = "GetPolicyStore"
	OpListPolicyStores  = "ListPolicyStores"
	OpUpdatePolicyStore = "UpdatePolicyStore"
	OpDeletePolicyStore = "DeletePolicyStore"

	OpCreatePolicyStoreAlias = "CreatePolicyStoreAlias"
	OpGetPolicyStoreAlias    = "GetPolicyStoreAlias"
	OpListPolicyStoreAliases = "ListPolicyStoreAliases"
	OpDeletePolicyStoreAlias = "DeletePolicyStoreAlias"

	OpCreateIdentitySource = "CreateIdentitySource"
	OpGetIdentitySource    = "GetIdentitySource"
	OpListIdentitySources  = "ListIdentitySources"
	OpUpdateIdentitySource = "UpdateIdentitySource"
	OpDeleteIdentitySource = "DeleteIdentitySource"

	OpCreatePolicy   = "CreatePolicy"
	OpGetPolicy      = "GetPolicy"
	OpListPolicies   = "ListPolicies"
	OpUpdatePolicy   = "UpdatePolicy"
	OpDeletePolicy   = "DeletePolicy"
	OpBatchGetPolicy = "BatchGetPolicy"

	OpCreatePolicyTemplate = "CreatePolicyTemplate"
	OpGetPolicyTemplate    = "GetPolicyTemplate"
	OpListPolicyTemplates  = "ListPolicyTemplates"
	OpUpdatePolicyTemplate = "UpdatePolicyTemplate"
	OpDeletePolicyTemplate = "DeletePolicyTemplate"

	OpPutSchema = "PutSchema"
	OpGetSchema = "GetSchema"

	OpTagResource         = "TagResource"
	OpUntagResource       = "UntagResource"
	OpListTagsForResource = "ListTagsForResource"

	OpIsAuthorized               = "IsAuthorized"
	OpBatchIsAuthorized          = "BatchIsAuthorized"
	OpIsAuthorizedWithToken      = "IsAuthorizedWithToken"
	OpBatchIsAuthorizedWithToken = "BatchIsAuthorizedWithToken"
)
