package conformance

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestBoto3Paginators walks ListPolicyStores, ListIdentitySources and
// ListPolicyStoreAliases with boto3's paginators
// (testdata/boto3_paginators.py) and checks the typed errors boto3 raises for
// InvalidStateException and ConflictException. The script records; this
// test decides.
func TestBoto3Paginators(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	got := runBoto3(t, s, "testdata/boto3_paginators.py")

	stores, _ := got["createdStores"].([]any)
	if len(stores) != 7 {
		t.Fatalf("created stores: %v", got["createdStores"])
	}
	source := got["createdIdentitySource"]
	// walked checks a paginator walk: every id once, in order, and no page
	// over the page size (the service may return fewer, DESIGN.md).
	walked := func(key string, pageSize int, ids []any) {
		t.Helper()
		w, _ := got[key].(map[string]any)
		delete(got, key)
		if ids == nil {
			ids = []any{}
		}
		if diff := cmp.Diff(ids, w["ids"]); diff != "" {
			t.Errorf("%s: ids (-want +got):\n%s", key, diff)
		}
		sizes, _ := w["pageSizes"].([]any)
		if len(sizes) == 0 {
			t.Errorf("%s: no pages", key)
		}
		for _, n := range sizes {
			if n.(float64) > float64(pageSize) {
				t.Errorf("%s: page sizes %v over %d", key, sizes, pageSize)
			}
		}
	}
	// Seven stores two a page: every store once, oldest first.
	walked("storesByTwo", 2, stores)
	walked("storesDefault", 10, stores)
	// A store holds at most one identity source.
	walked("identitySources", 1, []any{source})
	walked("identitySourcesFiltered", 10, []any{source})
	walked("identitySourcesNoMatch", 10, nil)
	walked("identitySourcesEmpty", 10, nil)
	walked("aliases", 2, []any{"policy-store-alias/a", "policy-store-alias/b", "policy-store-alias/c"})

	errorOf := func(code string, status int, resources any) map[string]any {
		return map[string]any{"code": code, "status": float64(status), "modeledClass": true, "hasMessage": true, "resources": resources}
	}
	want := map[string]any{
		"createdStores":         stores,
		"createdIdentitySource": source,
		"tokenStore":            got["tokenStore"],
		"storesResumed":         map[string]any{"first": stores[:3], "hasNextToken": true, "rest": stores[3:]},
		"errors": map[string]any{
			"deleteProtected": errorOf("InvalidStateException", 406, nil),
			"duplicateAlias": errorOf("ConflictException", 409, []any{
				map[string]any{"resourceId": "policy-store-alias/a", "resourceType": "POLICY_STORE_ALIAS"}}),
			"tokenReuse": errorOf("ConflictException", 409, []any{
				map[string]any{"resourceId": got["tokenStore"], "resourceType": "POLICY_STORE"}}),
		},
		"protectedStillThere": true,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("boto3 saw (-want +got):\n%s", diff)
	}
}
