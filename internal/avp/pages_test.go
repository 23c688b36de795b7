package avp

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// pagedAliases lists aliases as the store does, limit at a time from the
// position its cursor names.
type pagedAliases struct {
	Aliases
	all []PolicyStoreAlias
}

func (p *pagedAliases) ListAliases(_ context.Context, _, _ string, limit int, cursor []byte) ([]PolicyStoreAlias, []byte, error) {
	from := 0
	if cursor != nil {
		from, _ = strconv.Atoi(string(cursor))
	}
	to := min(from+limit, len(p.all))
	var next []byte
	if to < len(p.all) {
		next = []byte(strconv.Itoa(to))
	}
	return p.all[from:to], next, nil
}

type fixedPageKeys struct{ ring PageKeyRing }

func (f fixedPageKeys) PageTokenKeys(context.Context, bool) (PageKeyRing, error) { return f.ring, nil }

func TestListPolicyStoreAliasesReplacesExpired(t *testing.T) {
	t.Parallel()
	var all []PolicyStoreAlias
	for i := range 12 {
		a := PolicyStoreAlias{AliasName: fmt.Sprintf("policy-store-alias/a%02d", i), PolicyStoreID: "PS1"}
		switch i {
		case 1, 2, 5: // past their pending period, not yet removed by TTL
			a.PendingUntil = fixedNow.Add(-time.Hour)
		case 3: // pending, still listed
			a.PendingUntil = fixedNow.Add(time.Hour)
		}
		all = append(all, a)
	}
	src := &pagedAliases{all: all}
	svc := NewService(Deps{Aliases: src, PageKeys: fixedPageKeys{fzPageKeys}}, WithClock(func() time.Time { return fixedNow }))
	three := 3
	var pages [][]string
	var token *string
	for len(pages) < 10 {
		out, err := svc.ListPolicyStoreAliases(context.Background(), acct, &ListPolicyStoreAliasesInput{MaxResults: &three, NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, a := range out.PolicyStoreAliases {
			names = append(names, a.AliasName[len(AliasPrefix):])
		}
		pages = append(pages, names)
		if token = out.NextToken; token == nil {
			break
		}
	}
	want := [][]string{{"a00", "a03", "a04"}, {"a06", "a07", "a08"}, {"a09", "a10", "a11"}}
	if diff := cmp.Diff(want, pages); diff != "" {
		t.Errorf("pages (-want +got):\n%s", diff)
	}
}

// BenchmarkPageToken seals a ListPolicyStores cursor into a token and opens
// it, as one page and the request for the next do.
func BenchmarkPageToken(b *testing.B) {
	scope := pageScope(OpListPolicyStores, acct)
	cursor := []byte(`{"gsi1pk":"A#123456789012#PS","gsi1sk":"2026-11-25T18:29:41.654438Z#PSEXAMPLEabcdefg111111","pk":"A#123456789012#PS#PSEXAMPLEabcdefg111111","sk":"STORE"}`)
	for b.Loop() {
		tok, err := sealPage(fzPageKeys.Current, scope, cursor)
		if err != nil {
			b.Fatal(err)
		}
		if _, ok := fzOpen(fzPageKeys, scope, tok); !ok {
			b.Fatal("does not open")
		}
	}
}
