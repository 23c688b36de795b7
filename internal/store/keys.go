package store

// Key builders. Every partition key starts with the owning account (see the
// package doc for the layout).

const (
	skStore  = "STORE"
	skToken  = "TOKEN"
	skAlias  = "ALIAS"
	prefixIS = "IS#"

	// The Cedar half of a policy store lives in the store's partition.
	prefixPolicy       = "POLICY#"
	prefixTemplate     = "TEMPLATE#"
	prefixPolicyName   = "POLICYNAME#"
	prefixTemplateName = "TEMPLATENAME#"
	skSchema           = "SCHEMA"
	prefixResourceSize = "RESOURCESIZE#"

	// pkPageKey holds the secret that signs list page tokens (not an
	// account's item).
	pkPageKey = "SYSTEM#PAGE_TOKEN_KEY"
	skPageKey = "KEY"
)

// prefixAccount starts every key of an account's items.
const prefixAccount = "A#"

func accountPrefix(account string) string { return prefixAccount + account + "#" }

// storePK is the partition of a policy store and its identity sources.
func storePK(account, policyStoreID string) string {
	return accountPrefix(account) + "PS#" + policyStoreID
}

// storesGSI1PK is the gsi1 partition listing an account's policy stores.
func storesGSI1PK(account string) string { return accountPrefix(account) + "PS" }

func storesGSI1SK(created, policyStoreID string) string { return created + "#" + policyStoreID }

func identitySourceSK(identitySourceID string) string { return prefixIS + identitySourceID }

func tokenPK(account, operation, token string) string {
	return accountPrefix(account) + "TOKEN#" + operation + "#" + token
}

func aliasPK(account, aliasName string) string { return accountPrefix(account) + "ALIAS#" + aliasName }

// aliasesGSI1PK is the gsi1 partition listing an account's aliases by name.
func aliasesGSI1PK(account string) string { return accountPrefix(account) + "ALIAS" }

func policySK(policyID string) string     { return prefixPolicy + policyID }
func templateSK(templateID string) string { return prefixTemplate + templateID }
func policyNameSK(name string) string     { return prefixPolicyName + name }
func templateNameSK(name string) string   { return prefixTemplateName + name }

func resourceSizeSK(resource string) string { return prefixResourceSize + resource }
