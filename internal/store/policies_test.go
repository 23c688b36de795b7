package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/vpid-dev/vpid/internal/avp"
	"github.com/vpid-dev/vpid/internal/store"
)

var t0 = avp.NewTimestamp(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))

func staticPolicy(psID, id, name string, resource *avp.EntityIdentifier) avp.Policy {
	return avp.Policy{
		PolicyStoreID: psID, PolicyID: id, Name: name, PolicyType: avp.PolicyTypeStatic, Effect: "Permit",
		Resource: resource, Actions: []avp.ActionIdentifier{{ActionType: "Action", ActionID: "view"}},
		Statement: `permit(principal, action == Action::"view", resource);`, CreatedDate: t0, LastUpdatedDate: t0,
	}
}

func template(psID, id, name, action string) avp.PolicyTemplate {
	return avp.PolicyTemplate{
		PolicyStoreID: psID, PolicyTemplateID: id, Name: name, Effect: "Permit",
		Actions:     []avp.ActionIdentifier{{ActionType: "Action", ActionID: action}},
		Statement:   `permit(principal == ?principal, action == Action::"` + action + `", resource in ?resource);`,
		CreatedDate: t0, LastUpdatedDate: t0,
	}
}

func version(t *testing.T, st *store.Store, psID string) int64 {
	t.Helper()
	v, err := st.CedarVersion(context.Background(), acct, psID)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func notFoundOf(err error) string {
	var e *avp.Error
	if errors.As(err, &e) && e.Code == avp.CodeResourceNotFound {
		return e.ResourceType
	}
	return fmt.Sprint(err)
}

func TestPoliciesTemplatesAndVersions(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	psID := f.policyStore(t, acct)
	st := f.store
	if v := version(t, st, psID); v != 0 {
		t.Fatalf("version of a new store = %d", v)
	}
	doc := &avp.EntityIdentifier{EntityType: "Doc", EntityID: "1"}
	if err := st.CreatePolicy(ctx, acct, staticPolicy(psID, "P1", "name/one", doc), nil); err != nil {
		t.Fatal(err)
	}
	if v := version(t, st, psID); v != 1 {
		t.Fatalf("version after one write = %d", v)
	}
	if err := st.CreatePolicy(ctx, acct, staticPolicy(psID, "P2", "name/one", nil), nil); !errors.Is(err, avp.ErrNameTaken) {
		t.Fatalf("second name/one: %v", err)
	}
	if err := st.CreatePolicy(ctx, acct, staticPolicy("nope", "P3", "", nil), nil); notFoundOf(err) != avp.ResourcePolicyStore {
		t.Fatalf("missing store: %v", err)
	}
	byName, err := st.GetPolicy(ctx, acct, psID, "name/one")
	if err != nil || byName.PolicyID != "P1" || *byName.Resource != *doc {
		t.Fatalf("by name: %+v %v", byName, err)
	}

	// A linked policy needs its template, and shows what the template says.
	link := avp.Policy{PolicyStoreID: psID, PolicyID: "L1", PolicyType: avp.PolicyTypeTemplateLinked, PolicyTemplateID: "T1",
		LinkPrincipal: &avp.EntityIdentifier{EntityType: "User", EntityID: "alice"}, LinkResource: doc, CreatedDate: t0, LastUpdatedDate: t0}
	if err := st.CreatePolicy(ctx, acct, link, nil); notFoundOf(err) != avp.ResourcePolicyTemplate {
		t.Fatalf("link to a missing template: %v", err)
	}
	if err := st.CreatePolicyTemplate(ctx, acct, template(psID, "T1", "name/t", "edit"), 2, nil); err != nil {
		t.Fatal(err)
	}
	if err := st.CreatePolicy(ctx, acct, link, nil); err != nil {
		t.Fatal(err)
	}
	upd := template(psID, "T1", "name/t2", "share")
	if err := st.UpdatePolicyTemplate(ctx, acct, upd, "name/t"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.GetPolicyTemplate(ctx, acct, psID, "name/t"); !errors.Is(err, avp.ErrNotFound) {
		t.Fatalf("old template name still resolves: %v", err)
	}
	snap, err := st.ReadCedar(ctx, acct, psID)
	if err != nil {
		t.Fatal(err)
	}
	if snap.Version != 4 || len(snap.Policies) != 2 || len(snap.Templates) != 1 || snap.Schema != nil || snap.ValidationMode != "OFF" {
		t.Fatalf("snapshot: %+v", snap)
	}
	if l := snap.Policies[0]; l.PolicyID != "L1" || l.Actions[0].ActionID != "share" || l.Principal.EntityID != "alice" {
		t.Fatalf("linked policy does not follow its template: %+v", l)
	}
	if snap.IdentitySource != nil {
		t.Fatalf("snapshot of a store without identity source: %+v", snap.IdentitySource)
	}
	// The snapshot carries the identity source, written at a version of
	// its own.
	isID := f.identitySource(t, psID)
	if snap, err = st.ReadCedar(ctx, acct, psID); err != nil {
		t.Fatal(err)
	}
	if snap.Version != 5 || snap.IdentitySource == nil || snap.IdentitySource.IdentitySourceID != isID || snap.IdentitySource.Configuration == nil {
		t.Fatalf("snapshot after an identity source: version %d, %+v", snap.Version, snap.IdentitySource)
	}

	// Template quota (2 here), freed by a deletion.
	if err := st.CreatePolicyTemplate(ctx, acct, template(psID, "T2", "", "a"), 2, nil); err != nil {
		t.Fatal(err)
	}
	if err := st.CreatePolicyTemplate(ctx, acct, template(psID, "T3", "", "a"), 2, nil); !errors.Is(err, avp.ErrQuotaExceeded) {
		t.Fatalf("third template: %v", err)
	}

	// Deleting the template deletes its linked policies, not the others.
	if err := st.DeletePolicyTemplate(ctx, acct, psID, "T1"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.GetPolicy(ctx, acct, psID, "L1"); !errors.Is(err, avp.ErrNotFound) {
		t.Fatalf("linked policy survived: %v", err)
	}
	if err := st.CreatePolicyTemplate(ctx, acct, template(psID, "T3", "name/t2", "a"), 2, nil); err != nil {
		t.Fatalf("after a deletion the quota and the name are free again: %v", err)
	}
	if err := st.DeletePolicyTemplate(ctx, acct, psID, "T1"); !errors.Is(err, avp.ErrNotFound) {
		t.Fatalf("second deletion: %v", err)
	}

	// Schema: put twice keeps createdDate.
	sc := avp.Schema{PolicyStoreID: psID, Schema: `{"A":{"entityTypes":{},"actions":{}}}`, Namespaces: []string{"A"}, CreatedDate: t0, LastUpdatedDate: t0}
	if _, err := st.PutSchema(ctx, acct, sc); err != nil {
		t.Fatal(err)
	}
	later := avp.NewTimestamp(t0.Add(time.Hour))
	sc.Schema, sc.CreatedDate, sc.LastUpdatedDate = `{}`, later, later
	got, err := st.PutSchema(ctx, acct, sc)
	if err != nil || got.CreatedDate != t0 || got.LastUpdatedDate != later || got.Schema != `{}` {
		t.Fatalf("second put: %+v %v", got, err)
	}

	// Every item the store wrote follows the documented layout.
	for _, raw := range scanRaw(t, f) {
		if _, err := store.CheckItem(raw); err != nil {
			t.Errorf("CheckItem: %v", err)
		}
	}
}

func scanRaw(t *testing.T, f *fixture) []map[string]types.AttributeValue {
	t.Helper()
	var out []map[string]types.AttributeValue
	p := dynamodb.NewScanPaginator(f.ddb, &dynamodb.ScanInput{TableName: aws.String(f.table), ConsistentRead: aws.Bool(true)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, page.Items...)
	}
	return out
}

func TestListPoliciesPagesAndFilters(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	psID := f.policyStore(t, acct)
	for i := range 7 {
		var res *avp.EntityIdentifier
		if i%2 == 0 {
			res = &avp.EntityIdentifier{EntityType: "Doc", EntityID: "even"}
		}
		if err := f.store.CreatePolicy(ctx, acct, staticPolicy(psID, fmt.Sprintf("P%d", i), "", res), nil); err != nil {
			t.Fatal(err)
		}
	}
	even := func(p avp.Policy) bool { return p.Resource != nil }
	var ids []string
	var cursor []byte
	for pages := 0; ; pages++ {
		ps, next, err := f.store.ListPolicies(ctx, acct, psID, nil, 2, cursor, even)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range ps {
			ids = append(ids, p.PolicyID)
		}
		if next == nil {
			break
		}
		if pages > 5 {
			t.Fatal("too many pages")
		}
		cursor = next
	}
	if got := strings.Join(ids, ","); got != "P0,P2,P4,P6" {
		t.Fatalf("ids = %s", got)
	}
	if _, _, err := f.store.ListPolicies(ctx, acct, "missing", nil, 2, nil, even); notFoundOf(err) != avp.ResourcePolicyStore {
		t.Fatalf("missing store: %v", err)
	}
}

// failingAfter lets n TransactWriteItems through, then fails them all.
type failingAfter struct {
	store.API
	n atomic.Int64
}

func (f *failingAfter) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	if f.n.Add(-1) < 0 {
		return nil, errors.New("injected failure")
	}
	return f.API.TransactWriteItems(ctx, in, o...)
}

// TestDeleteLargePolicyStore deletes a store of more than a thousand
// policies (more than ten transactions' worth), first interrupted half way,
// then retried: in between the store reads as missing and takes no writes;
// afterwards no item of its partition is left.
func TestDeleteLargePolicyStore(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	psID := f.policyStore(t, acct)
	other := f.policyStore(t, acct)
	const n = 1100
	if err := f.store.CreatePolicyTemplate(ctx, acct, template(psID, "T", "name/t", "a"), 40, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.PutSchema(ctx, acct, avp.Schema{PolicyStoreID: psID, Schema: "{}", CreatedDate: t0, LastUpdatedDate: t0}); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		p := staticPolicy(psID, fmt.Sprintf("P%04d", i), "", nil)
		if i%10 == 0 {
			p.Name = fmt.Sprintf("name/p%d", i)
		}
		if err := f.store.CreatePolicy(ctx, acct, p, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.store.CreatePolicy(ctx, acct, staticPolicy(other, "KEEP", "name/keep", nil), nil); err != nil {
		t.Fatal(err)
	}
	broken := &failingAfter{API: f.ddb}
	broken.n.Store(5)
	if err := store.New(broken, f.table).DeletePolicyStore(ctx, acct, psID); err == nil {
		t.Fatal("the interrupted deletion succeeded")
	}
	if _, err := f.store.GetPolicyStore(ctx, acct, psID); !errors.Is(err, avp.ErrNotFound) {
		t.Fatalf("a store being deleted reads as %v", err)
	}
	if err := f.store.CreatePolicy(ctx, acct, staticPolicy(psID, "LATE", "", nil), nil); notFoundOf(err) != avp.ResourcePolicyStore {
		t.Fatalf("a write to a store being deleted: %v", err)
	}
	if _, err := f.store.ReadCedar(ctx, acct, psID); !errors.Is(err, avp.ErrNotFound) {
		t.Fatalf("ReadCedar of a store being deleted: %v", err)
	}
	if err := f.store.DeletePolicyStore(ctx, acct, psID); err != nil {
		t.Fatalf("retry: %v", err)
	}
	left := 0
	for _, raw := range scanRaw(t, f) {
		it, err := store.CheckItem(raw)
		if err != nil {
			t.Errorf("CheckItem: %v", err)
		}
		if strings.Contains(store.DescribeKey(raw), psID) {
			left++
		}
		_ = it
	}
	if left != 0 {
		t.Fatalf("%d items of the deleted store are left", left)
	}
	if _, err := f.store.GetPolicy(ctx, acct, other, "name/keep"); err != nil {
		t.Fatalf("the other store lost its policy: %v", err)
	}
}

func TestTags(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	psID := f.policyStore(t, acct)
	if err := f.store.TagPolicyStore(ctx, acct, psID, map[string]string{"a": "1", "b": "2"}, nil, 3); err != nil {
		t.Fatal(err)
	}
	if err := f.store.TagPolicyStore(ctx, acct, psID, map[string]string{"c": "3", "d": "4"}, nil, 3); !errors.Is(err, avp.ErrQuotaExceeded) {
		t.Fatalf("over the limit: %v", err)
	}
	if err := f.store.TagPolicyStore(ctx, acct, psID, map[string]string{"a": "9", "c": "3"}, []string{"b", "zz"}, 3); err != nil {
		t.Fatal(err)
	}
	ps, err := f.store.GetPolicyStore(ctx, acct, psID)
	if err != nil || len(ps.Tags) != 2 || ps.Tags["a"] != "9" || ps.Tags["c"] != "3" {
		t.Fatalf("tags = %v %v", ps.Tags, err)
	}
	if err := f.store.TagPolicyStore(ctx, acct, psID, nil, []string{"a", "c"}, 3); err != nil {
		t.Fatal(err)
	}
	if ps, _ := f.store.GetPolicyStore(ctx, acct, psID); len(ps.Tags) != 0 {
		t.Fatalf("tags left: %v", ps.Tags)
	}
	if err := f.store.TagPolicyStore(ctx, acct, "missing", map[string]string{"a": "1"}, nil, 3); !errors.Is(err, avp.ErrNotFound) {
		t.Fatalf("missing store: %v", err)
	}
}

// TestPolicyBytesPerResource fills one resource's quota with 10,000-byte
// policies; updates, deletes, template deletions and other resources move
// the total as they should.
func TestPolicyBytesPerResource(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	psID := f.policyStore(t, acct)
	doc := &avp.EntityIdentifier{EntityType: "Doc", EntityID: "big"}
	big := func(id string, n int) avp.Policy {
		p := staticPolicy(psID, id, "", doc)
		p.Statement += strings.Repeat(" ", n-len(p.Statement))
		return p
	}
	per := avp.MaxPolicyBytesPerResource / 20 // 10,000
	for i := range 20 {
		if err := f.store.CreatePolicy(ctx, acct, big(fmt.Sprintf("B%02d", i), per), nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.store.CreatePolicy(ctx, acct, big("OVER", 1+len(staticPolicy("", "", "", nil).Statement)), nil); !errors.Is(err, avp.ErrQuotaExceeded) {
		t.Fatalf("one byte over: %v", err)
	}
	if err := f.store.CreatePolicy(ctx, acct, staticPolicy(psID, "OTHER", "", nil), nil); err != nil {
		t.Fatalf("another resource (unspecified) has its own total: %v", err)
	}
	old, err := f.store.GetPolicy(ctx, acct, psID, "B00")
	if err != nil {
		t.Fatal(err)
	}
	smaller := big("B00", per-100)
	smaller.LastUpdatedDate = avp.NewTimestamp(t0.Add(time.Second))
	if err := f.store.UpdatePolicy(ctx, acct, smaller, old); err != nil {
		t.Fatalf("shrinking: %v", err)
	}
	grown := big("B00", per+1)
	if err := f.store.UpdatePolicy(ctx, acct, grown, smaller); !errors.Is(err, avp.ErrQuotaExceeded) {
		t.Fatalf("growing past the total: %v", err)
	}
	if err := f.store.UpdatePolicy(ctx, acct, big("B00", per-50), old); !errors.Is(err, avp.ErrConflict) {
		t.Fatalf("an update from a stale read: %v", err)
	}
	fits := staticPolicy(psID, "FITS", "", doc)
	fits.Statement += strings.Repeat(" ", 100-len(fits.Statement))
	if err := f.store.CreatePolicy(ctx, acct, fits, nil); err != nil {
		t.Fatalf("the 100 bytes freed: %v", err)
	}
	if err := f.store.DeletePolicy(ctx, acct, psID, "B01"); err != nil {
		t.Fatal(err)
	}
	// Linked policies count their entities, and leave with their template.
	if err := f.store.CreatePolicyTemplate(ctx, acct, template(psID, "T", "", "view"), 40, nil); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		l := avp.Policy{PolicyStoreID: psID, PolicyID: fmt.Sprintf("L%d", i), PolicyType: avp.PolicyTypeTemplateLinked, PolicyTemplateID: "T",
			LinkPrincipal: &avp.EntityIdentifier{EntityType: "User", EntityID: "u"}, LinkResource: doc, Resource: doc, CreatedDate: t0, LastUpdatedDate: t0}
		if err := f.store.CreatePolicy(ctx, acct, l, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.store.DeletePolicyTemplate(ctx, acct, psID, "T"); err != nil {
		t.Fatal(err)
	}
	if err := f.store.CreatePolicy(ctx, acct, big("AGAIN", per), nil); err != nil {
		t.Fatalf("after the deletes, 10,000 bytes fit again: %v", err)
	}
	if err := f.store.CreatePolicy(ctx, acct, big("NOPE", 101), nil); !errors.Is(err, avp.ErrQuotaExceeded) {
		t.Fatalf("the total is exact again: %v", err)
	}
	for _, raw := range scanRaw(t, f) {
		if _, err := store.CheckItem(raw); err != nil {
			t.Errorf("CheckItem: %v", err)
		}
	}
}
