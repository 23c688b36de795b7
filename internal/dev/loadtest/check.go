package loadtest

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Table invariants, checked by Check on a scan of the whole table. The key
// layout is the one documented in internal/store.
const (
	InvItemLayout   = "every item has a known type and the documented key layout"
	InvAccountKeys  = "no cross-account item (each key's account prefix equals the item's account attribute and gsi1pk)"
	InvOneSource    = "at most one identity source per policy store"
	InvSlot         = "each store's identitySourceId slot names exactly the identity source present"
	InvOrphanSource = "no orphan identity source (its policy store exists)"
	InvOrphanAlias  = "no orphan alias (its store exists in its account and lists it; every alias a store lists exists and names it)"
	InvPoolAccount  = "each identity source's user pool is in its owner's account"
	InvTokens       = "each idempotency record answers with a resource of its own account"
)

// ScanAPI is what Check needs of a DynamoDB client.
type ScanAPI interface {
	Scan(context.Context, *dynamodb.ScanInput, ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error)
}

// TableReport is the verdict of Check.
type TableReport struct {
	// Items counts the items by their type attribute.
	Items  map[string]int
	Checks []*CheckResult
}

// OK tells whether every invariant held.
func (r *TableReport) OK() bool {
	for _, c := range r.Checks {
		if !c.OK() {
			return false
		}
	}
	return true
}

var reAccount = regexp.MustCompile(`^[0-9]{12}$`)

type av map[string]types.AttributeValue

func (m av) s(name string) string {
	if v, ok := m[name].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

func (m av) ss(name string) []string {
	if v, ok := m[name].(*types.AttributeValueMemberSS); ok {
		return v.Value
	}
	return nil
}

type storeItem struct {
	account, id, slot string
	aliases           []string
}

type sourceItem struct {
	account, storeID, id string
}

type aliasEntry struct {
	account, name, storeID string
}

type tokenEntry struct {
	account, op, response string
}

// Check scans table (strongly consistent) and verifies the storage
// invariants. Run it when no writer is active.
func Check(ctx context.Context, api ScanAPI, table string) (*TableReport, error) {
	inv := newInvariants(InvItemLayout, InvAccountKeys, InvOneSource, InvSlot, InvOrphanSource, InvOrphanAlias, InvPoolAccount, InvTokens)
	rep := &TableReport{Items: map[string]int{}}
	stores := map[string]*storeItem{}     // by pk
	sources := map[string][]sourceItem{}  // by store pk
	storeAccount := map[string][]string{} // store id → accounts holding it
	var aliases []aliasEntry
	var tokens []tokenEntry

	p := dynamodb.NewScanPaginator(api, &dynamodb.ScanInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("loadtest: scan %s: %w", table, err)
		}
		for _, raw := range page.Items {
			it := av(raw)
			pk, sk, typ := it.s("pk"), it.s("sk"), it.s("type")
			rep.Items[typ]++
			bad := func(why string) { inv.fail(InvItemLayout, fmt.Sprintf("%s item pk=%q sk=%q: %s", typ, pk, sk, why)) }
			if pk == "SYSTEM#PAGE_TOKEN_KEY" {
				inv.check(InvItemLayout, sk == "KEY" && typ == "PageTokenKey", func() string { return "page token key item: sk " + sk + " type " + typ })
				continue
			}
			rest, ok := strings.CutPrefix(pk, "A#")
			acct, rest, ok2 := strings.Cut(rest, "#")
			if !ok || !ok2 || !reAccount.MatchString(acct) {
				bad("the key does not start with A#<account>#")
				continue
			}
			// Every item but an idempotency record carries its account.
			if typ != "IdempotencyToken" {
				got := it.s("account")
				inv.check(InvAccountKeys, got == acct, func() string {
					return fmt.Sprintf("%s item pk=%q has account %q", typ, pk, got)
				})
			}
			switch typ {
			case "PolicyStore":
				id, ok := strings.CutPrefix(rest, "PS#")
				if !ok || sk != "STORE" || it.s("policyStoreId") != id {
					bad("not PS#<id>/STORE with a matching policyStoreId")
					continue
				}
				inv.pass(InvItemLayout)
				inv.check(InvAccountKeys, it.s("gsi1pk") == "A#"+acct+"#PS" && it.s("arn") == psARN(acct, id), func() string {
					return fmt.Sprintf("store %s of %s: gsi1pk %q arn %q", id, acct, it.s("gsi1pk"), it.s("arn"))
				})
				stores[pk] = &storeItem{account: acct, id: id, slot: it.s("identitySourceId"), aliases: it.ss("aliases")}
				storeAccount[id] = append(storeAccount[id], acct)
			case "IdentitySource":
				psID, ok := strings.CutPrefix(rest, "PS#")
				id, ok2 := strings.CutPrefix(sk, "IS#")
				if !ok || !ok2 || it.s("policyStoreId") != psID || it.s("identitySourceId") != id {
					bad("not PS#<store>/IS#<id> with matching attributes")
					continue
				}
				inv.pass(InvItemLayout)
				sources[pk] = append(sources[pk], sourceItem{account: acct, storeID: psID, id: id})
				var cfg struct {
					Cognito *struct {
						UserPoolARN string `json:"userPoolArn"`
					} `json:"cognitoUserPoolConfiguration"`
				}
				if err := json.Unmarshal([]byte(it.s("configuration")), &cfg); err != nil {
					bad("configuration is not JSON: " + err.Error())
					continue
				}
				if cfg.Cognito != nil {
					inv.check(InvPoolAccount, arnAccount(cfg.Cognito.UserPoolARN) == acct, func() string {
						return fmt.Sprintf("identity source %s of %s (store %s) uses pool %s", id, acct, psID, cfg.Cognito.UserPoolARN)
					})
				}
			case "PolicyStoreAlias":
				name, ok := strings.CutPrefix(rest, "ALIAS#")
				if !ok || sk != "ALIAS" || it.s("aliasName") != name {
					bad("not ALIAS#<name>/ALIAS with a matching aliasName")
					continue
				}
				inv.pass(InvItemLayout)
				inv.check(InvAccountKeys, it.s("gsi1pk") == "A#"+acct+"#ALIAS" && arnAccount(it.s("arn")) == acct, func() string {
					return fmt.Sprintf("alias %s of %s: gsi1pk %q arn %q", name, acct, it.s("gsi1pk"), it.s("arn"))
				})
				if it.s("state") == "PendingDeletion" {
					continue // soft-deleted: no longer its store's, it expires by itself
				}
				aliases = append(aliases, aliasEntry{account: acct, name: name, storeID: it.s("policyStoreId")})
			case "IdempotencyToken":
				tail, ok := strings.CutPrefix(rest, "TOKEN#")
				op, token, ok2 := strings.Cut(tail, "#")
				if !ok || !ok2 || sk != "TOKEN" || it.s("operation") != op || it.s("token") != token {
					bad("not TOKEN#<operation>#<token>/TOKEN with matching attributes")
					continue
				}
				inv.pass(InvItemLayout)
				tokens = append(tokens, tokenEntry{account: acct, op: op, response: it.s("response")})
			default:
				bad("unknown type")
			}
		}
	}

	storePK := func(acct, id string) string { return "A#" + acct + "#PS#" + id }
	pks := make([]string, 0, len(stores))
	for pk := range stores {
		pks = append(pks, pk)
	}
	sort.Strings(pks)
	for _, pk := range pks {
		s := stores[pk]
		src := sources[pk]
		inv.check(InvOneSource, len(src) <= 1, func() string {
			return fmt.Sprintf("store %s of %s has %d identity sources", s.id, s.account, len(src))
		})
		var present []string
		for _, x := range src {
			present = append(present, x.id)
		}
		inv.check(InvSlot, (s.slot == "" && len(src) == 0) || (len(src) == 1 && src[0].id == s.slot), func() string {
			return fmt.Sprintf("store %s of %s: slot %q, identity sources present %v", s.id, s.account, s.slot, present)
		})
		for _, name := range s.aliases {
			ok := slices.ContainsFunc(aliases, func(a aliasEntry) bool { return a.account == s.account && a.name == name && a.storeID == s.id })
			inv.check(InvOrphanAlias, ok, func() string {
				return fmt.Sprintf("store %s of %s lists alias %s, which is missing or names another store", s.id, s.account, name)
			})
		}
	}
	for pk, src := range sources {
		_, ok := stores[pk]
		for _, x := range src {
			inv.check(InvOrphanSource, ok, func() string {
				return fmt.Sprintf("identity source %s of %s: store %s is missing", x.id, x.account, x.storeID)
			})
		}
	}
	for _, a := range aliases {
		s := stores[storePK(a.account, a.storeID)]
		inv.check(InvOrphanAlias, s != nil && slices.Contains(s.aliases, a.name), func() string {
			if s == nil {
				return fmt.Sprintf("alias %s of %s names store %s, which %s has not (stores of that id: %v)", a.name, a.account, a.storeID, a.account, storeAccount[a.storeID])
			}
			return fmt.Sprintf("alias %s of %s: store %s does not list it (%v)", a.name, a.account, a.storeID, s.aliases)
		})
	}
	for _, t := range tokens {
		var resp struct {
			ARN           string `json:"arn"`
			PolicyStoreID string `json:"policyStoreId"`
		}
		if err := json.Unmarshal([]byte(t.response), &resp); err != nil {
			inv.fail(InvTokens, fmt.Sprintf("%s record of %s: response is not JSON: %v", t.op, t.account, err))
			continue
		}
		ok := true
		if resp.ARN != "" && arnAccount(resp.ARN) != t.account {
			ok = false
		}
		for _, other := range storeAccount[resp.PolicyStoreID] {
			if other != t.account {
				ok = false
			}
		}
		inv.check(InvTokens, ok && resp.PolicyStoreID != "", func() string {
			return fmt.Sprintf("%s record of %s answers store %s (arn %q), held by %v", t.op, t.account, resp.PolicyStoreID, resp.ARN, storeAccount[resp.PolicyStoreID])
		})
	}
	rep.Checks = inv.results()
	return rep, nil
}
