package loadtest

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/vpid-dev/vpid/internal/avp"
	"github.com/vpid-dev/vpid/internal/store"
)

// Table invariants, checked by Check on a scan of the whole table. The key
// layout is internal/store's; store.CheckItem checks an item against it.
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

// storeKey names a policy store of an account.
type storeKey struct{ account, id string }

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
	stores := map[storeKey]*storeItem{}    // by account and id
	sources := map[storeKey][]sourceItem{} // by their store
	storeAccount := map[string][]string{}  // store id → accounts holding it
	var aliases []aliasEntry
	var tokens []tokenEntry

	p := dynamodb.NewScanPaginator(api, &dynamodb.ScanInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("loadtest: scan %s: %w", table, err)
		}
		for _, raw := range page.Items {
			kind, _ := store.KindOf(raw)
			rep.Items[string(kind)]++
			it, err := store.CheckItem(raw)
			switch {
			case errors.Is(err, store.ErrMalformed):
				inv.fail(InvItemLayout, fmt.Sprintf("%s item %s: %v", kind, store.DescribeKey(raw), err))
				continue
			case err != nil:
				inv.fail(InvAccountKeys, err.Error())
			default:
				inv.pass(InvAccountKeys)
			}
			if it.Kind != store.KindPageKey && !reAccount.MatchString(it.Account) {
				inv.fail(InvItemLayout, fmt.Sprintf("%s item %s: account %q", kind, store.DescribeKey(raw), it.Account))
				continue
			}
			inv.pass(InvItemLayout)
			acct := it.Account
			switch it.Kind {
			case store.KindPolicyStore:
				ps := it.PolicyStore
				id := ps.PolicyStoreID
				inv.check(InvAccountKeys, ps.ARN == psARN(acct, id), func() string {
					return fmt.Sprintf("store %s of %s: arn %q", id, acct, ps.ARN)
				})
				stores[storeKey{acct, id}] = &storeItem{account: acct, id: id, slot: ps.IdentitySourceID, aliases: it.Aliases}
				storeAccount[id] = append(storeAccount[id], acct)
			case store.KindIdentitySource:
				is := it.IdentitySource
				sk := storeKey{acct, is.PolicyStoreID}
				sources[sk] = append(sources[sk], sourceItem{account: acct, storeID: is.PolicyStoreID, id: is.IdentitySourceID})
				if c, ok := is.Configuration.(*avp.CognitoUserPoolConfiguration); ok {
					inv.check(InvPoolAccount, arnAccount(c.UserPoolARN) == acct, func() string {
						return fmt.Sprintf("identity source %s of %s (store %s) uses pool %s", is.IdentitySourceID, acct, is.PolicyStoreID, c.UserPoolARN)
					})
				}
			case store.KindAlias:
				a := it.Alias
				inv.check(InvAccountKeys, arnAccount(a.ARN) == acct, func() string {
					return fmt.Sprintf("alias %s of %s: arn %q", a.AliasName, acct, a.ARN)
				})
				if !a.PendingUntil.IsZero() {
					continue // soft-deleted: no longer its store's, it expires by itself
				}
				aliases = append(aliases, aliasEntry{account: acct, name: a.AliasName, storeID: a.PolicyStoreID})
			case store.KindToken:
				tokens = append(tokens, tokenEntry{account: acct, op: it.Token.Operation, response: string(it.Token.Response)})
			}
		}
	}

	keys := slices.SortedFunc(maps.Keys(stores), func(a, b storeKey) int {
		return cmp.Or(strings.Compare(a.account, b.account), strings.Compare(a.id, b.id))
	})
	for _, key := range keys {
		s := stores[key]
		src := sources[key]
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
	for key, src := range sources {
		_, ok := stores[key]
		for _, x := range src {
			inv.check(InvOrphanSource, ok, func() string {
				return fmt.Sprintf("identity source %s of %s: store %s is missing", x.id, x.account, x.storeID)
			})
		}
	}
	for _, a := range aliases {
		s := stores[storeKey{a.account, a.storeID}]
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
