package bench

import (
	"context"
	"flag"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	vp "github.com/aws/aws-sdk-go-v2/service/verifiedpermissions"
	vptypes "github.com/aws/aws-sdk-go-v2/service/verifiedpermissions/types"
	"github.com/cedar-policy/cedar-go"
	"github.com/cedar-policy/cedar-go/types"

	"github.com/vpid-dev/vpid/internal/authz"
	"github.com/vpid-dev/vpid/internal/dev/emulator/emulatortest"
	"github.com/vpid-dev/vpid/internal/dev/loadtest"
)

var flagDecisions = flag.Int("decisions", 3000, "Decision: timed decisions of each kind per store size (after 200 untimed)")

// decisionMix is a store of n policies in the mix of four the reference
// measured cedar-go with, each block of four naming its own group, folder,
// user and one of ten actions: a group permit (principal in a group,
// resource in a folder), an attribute permit (owner and e-mail domain), a
// forbid of one user, and an access-token permit (a scope in
// context.token).
func decisionMix(n int) []string {
	texts := make([]string, 0, n)
	for k := 0; len(texts) < n; k++ {
		act := fmt.Sprintf(`Action::"act%d"`, k%10)
		for _, t := range []string{
			fmt.Sprintf(`permit(principal in Group::"g%d", action, resource in Folder::"f%d");`, k, k),
			fmt.Sprintf(`permit(principal, action == %s, resource is Doc) when { resource.owner == principal && principal has email && principal.email like "*@example.com" };`, act),
			fmt.Sprintf(`forbid(principal == User::"u%d", action, resource);`, k+1),
			fmt.Sprintf(`permit(principal, action == %s, resource) when { context has token && context.token.scope.contains("api/write") };`, act),
		} {
			if len(texts) < n {
				texts = append(texts, t)
			}
		}
	}
	return texts
}

// decisionRequest is the request of the benchmark: User::"u0" in two
// groups reads a document in folder f1 that it owns, with an access token.
func decisionRequest() (types.EntityMap, authz.Request) {
	user := types.NewEntityUID("User", "u0")
	doc := types.NewEntityUID("Doc", "d")
	entities := types.EntityMap{
		user: {UID: user, Parents: types.NewEntityUIDSet(types.NewEntityUID("Group", "g0"), types.NewEntityUID("Group", "g1")),
			Attributes: types.NewRecord(types.RecordMap{"email": types.String("u0@example.com")})},
		doc: {UID: doc, Parents: types.NewEntityUIDSet(types.NewEntityUID("Folder", "f1")),
			Attributes: types.NewRecord(types.RecordMap{"owner": user})},
	}
	ctx := types.NewRecord(types.RecordMap{"token": types.NewRecord(types.RecordMap{
		"client_id": types.String("app"), "scope": types.NewSet(types.String("api/read"), types.String("api/write"))})})
	return entities, authz.Request{Principal: user, Action: types.NewEntityUID("Action", "act0"), Resource: doc, Context: ctx}
}

func decisionSet(b *testing.B, n int) *authz.Set {
	b.Helper()
	list, err := cedar.NewPolicyListFromBytes("", []byte(strings.Join(decisionMix(n), "\n")))
	if err != nil {
		b.Fatal(err)
	}
	entries := make([]authz.Entry, len(list))
	for i, p := range list {
		entries[i] = authz.Entry{ID: fmt.Sprintf("policy%d", i), Policy: p}
	}
	return authz.NewSet(entries)
}

// BenchmarkDecision times one decision of the engine (authz.Set; no
// storage, no wire conversion) in stores of 10, 100 and 1,000 policies,
// evaluating every policy and through the scope index, interleaved, and
// reports the median and 99th percentile of each, in microseconds. Both
// must give the same answer.
func BenchmarkDecision(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		b.Run(fmt.Sprintf("policies=%d", n), func(b *testing.B) {
			s := decisionSet(b, n)
			entities, req := decisionRequest()
			all, idx := s.AuthorizeAll(entities, req), s.AuthorizeIndexed(entities, req)
			if fmt.Sprint(all) != fmt.Sprint(idx) {
				b.Fatalf("indexed %+v, all %+v", idx, all)
			}
			if all.Decision != authz.Allow {
				b.Fatalf("decision %+v, want an ALLOW", all)
			}
			const warm = 200
			var tAll, tIdx []time.Duration
			for i := range warm + *flagDecisions {
				t0 := time.Now()
				s.AuthorizeAll(entities, req)
				t1 := time.Now()
				s.AuthorizeIndexed(entities, req)
				t2 := time.Now()
				if i >= warm {
					tAll = append(tAll, t1.Sub(t0))
					tIdx = append(tIdx, t2.Sub(t1))
				}
			}
			us := func(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
			pa, pi := median(tAll), median(tIdx)
			b.ReportMetric(us(pa), "all-p50-us")
			b.ReportMetric(us(pi), "indexed-p50-us")
			b.ReportMetric(us(percentile(tAll, 0.99)), "all-p99-us")
			b.ReportMetric(us(percentile(tIdx, 0.99)), "indexed-p99-us")
			b.ReportMetric(us(pa)/us(pi), "index-speedup")
		})
	}
}

// decisionStore creates, through the API, a policy store of the seed
// account holding the first n policies of decisionMix, and returns its id.
func decisionStore(b *testing.B, e *env, n int) string {
	b.Helper()
	c := e.client(e.api.URL, emulatortest.SeedAccount)
	id := createStores(b, c, 1)[0]
	for _, t := range decisionMix(n) {
		if _, err := c.CreatePolicy(context.Background(), &vp.CreatePolicyInput{PolicyStoreId: aws.String(id),
			Definition: &vptypes.PolicyDefinitionMemberStatic{Value: vptypes.StaticPolicyDefinition{Statement: aws.String(t)}}}); err != nil {
			b.Fatal(err)
		}
	}
	return id
}

func percentile(ds []time.Duration, q float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return loadtest.Percentile(s, q)
}
