package bench

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	vp "github.com/aws/aws-sdk-go-v2/service/verifiedpermissions"
	"github.com/aws/aws-sdk-go-v2/service/verifiedpermissions/types"

	"github.com/vpid-dev/vpid/internal/app"
	"github.com/vpid-dev/vpid/internal/avp"
	"github.com/vpid-dev/vpid/internal/dev/cognitouser"
	"github.com/vpid-dev/vpid/internal/dev/emulator/emulatortest"
	"github.com/vpid-dev/vpid/internal/dev/loadtest"
	"github.com/vpid-dev/vpid/internal/dev/loadtest/stack"
	"github.com/vpid-dev/vpid/internal/store"
	"github.com/vpid-dev/vpid/internal/token"
)

var (
	flagTokenPairs    = flag.Int("token-pairs", 1000, "IsAuthorizedWithToken: timed rounds of handler, service and floor (after 20 untimed)")
	flagTokenPolicies = flag.Int("token-policies", 100, "IsAuthorizedWithToken: policies in the store (the Decision mix, and the permit the token's group gets)")
	flagBatches       = flag.Int("batches", 40, "BatchIsAuthorizedWithToken: timed batch/singles pairs (after 3 untimed)")
	flagVerifies      = flag.Int("verifies", 2000, "TokenVerify: timed verifications of each kind (after 100 untimed)")
)

// tokenData is what the decision benchmarks share: an API process (whose
// token verifier reads cognito-local's key sets, the Cognito endpoint it is
// configured with, as the local API's always does), a policy
// store of the seed account with -token-policies policies and a Cognito
// identity source of the seed pool, and the tokens of a user of that pool
// in a group the store permits.
type tokenData struct {
	api      *stack.API
	c        *vp.Client
	store    string
	src      avp.IdentitySource
	idToken  string
	accToken string
}

var (
	tokenOnce sync.Once
	tokens    *tokenData
	tokenErr  error
)

func (e *env) tokenData(b *testing.B) *tokenData {
	b.Helper()
	tokenOnce.Do(func() { tokens, tokenErr = e.newTokenData(b) })
	if tokenErr != nil {
		b.Fatal(tokenErr)
	}
	return tokens
}

func (e *env) newTokenData(b *testing.B) (*tokenData, error) {
	ctx := context.Background()
	api, err := e.st.StartAPI(ctx, e.bin, stack.APIOptions{Name: "api-tokens", Env: apiEnv()})
	if err != nil {
		return nil, err
	}
	d := &tokenData{api: api, c: e.client(api.URL, emulatortest.SeedAccount)}
	pool := emulatortest.SeedPoolID
	suffix := fmt.Sprintf("%d", time.Now().UnixNano())
	group := "readers-" + suffix
	cl, err := e.cog.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{
		UserPoolId: aws.String(pool), ClientName: aws.String("bench-tokens-" + suffix),
		ExplicitAuthFlows: []ciptypes.ExplicitAuthFlowsType{ciptypes.ExplicitAuthFlowsTypeAllowUserPasswordAuth},
	})
	if err != nil {
		return nil, fmt.Errorf("create app client: %w", err)
	}
	client := aws.ToString(cl.UserPoolClient.ClientId)
	if _, err := e.cog.CreateGroup(ctx, &cip.CreateGroupInput{UserPoolId: aws.String(pool), GroupName: aws.String(group)}); err != nil {
		return nil, fmt.Errorf("create group: %w", err)
	}
	user := cognitouser.User{Pool: pool, Name: "bench-" + suffix, Password: "Passw0rd!" + suffix,
		Attributes: map[string]string{"email": "bench-" + suffix + "@example.com"}, Groups: []string{group}}
	if _, err := cognitouser.Create(ctx, e.cog, user); err != nil {
		return nil, err
	}
	tok, err := cognitouser.SignIn(ctx, e.cog, user, client, false)
	if err != nil {
		return nil, err
	}
	d.idToken, d.accToken = tok.ID, tok.Access

	d.store = createStores(b, d.c, 1)[0]
	texts := append(decisionMix(*flagTokenPolicies-1),
		fmt.Sprintf(`permit(principal in UserGroup::"%s|%s", action in [Action::"act0", Action::"act1"], resource is Doc);`, pool, group))
	sem := make(chan struct{}, 8)
	errs := make([]error, len(texts))
	var wg sync.WaitGroup
	for i, t := range texts {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			_, errs[i] = d.c.CreatePolicy(ctx, &vp.CreatePolicyInput{PolicyStoreId: aws.String(d.store),
				Definition: &types.PolicyDefinitionMemberStatic{Value: types.StaticPolicyDefinition{Statement: aws.String(t)}}})
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("create policy: %w", err)
		}
	}
	is, err := d.c.CreateIdentitySource(ctx, &vp.CreateIdentitySourceInput{
		PolicyStoreId: aws.String(d.store), PrincipalEntityType: aws.String("User"),
		Configuration: &types.ConfigurationMemberCognitoUserPoolConfiguration{Value: types.CognitoUserPoolConfiguration{
			UserPoolArn: aws.String(emulatortest.SeedPoolARN), ClientIds: []string{client},
			GroupConfiguration: &types.CognitoGroupConfiguration{GroupEntityType: aws.String("UserGroup")},
		}},
	})
	if err != nil {
		return nil, fmt.Errorf("create identity source: %w", err)
	}
	d.src = avp.IdentitySource{
		PolicyStoreID: d.store, IdentitySourceID: aws.ToString(is.IdentitySourceId), PrincipalEntityType: "User",
		Configuration: &avp.CognitoUserPoolConfiguration{UserPoolARN: emulatortest.SeedPoolARN, ClientIDs: []string{client},
			GroupConfiguration: &avp.CognitoGroupConfiguration{GroupEntityType: "UserGroup"}},
	}
	return d, nil
}

// decide is one IsAuthorizedWithToken of the user's identity token on
// resource Doc::<resource> with action act<k>; it must be an ALLOW.
func (d *tokenData) decide(ctx context.Context, k int, resource string) error {
	out, err := d.c.IsAuthorizedWithToken(ctx, &vp.IsAuthorizedWithTokenInput{
		PolicyStoreId: aws.String(d.store), IdentityToken: aws.String(d.idToken),
		Action:   &types.ActionIdentifier{ActionType: aws.String("Action"), ActionId: aws.String(fmt.Sprintf("act%d", k))},
		Resource: &types.EntityIdentifier{EntityType: aws.String("Doc"), EntityId: aws.String(resource)},
	})
	if err == nil && out.Decision != types.DecisionAllow {
		err = fmt.Errorf("decision %s, want ALLOW", out.Decision)
	}
	return err
}

// BenchmarkIsAuthorizedWithToken times IsAuthorizedWithToken (the user's
// cognito-local ID token; a store of -token-policies policies whose
// compiled set, identity source included, the service keeps) against the
// storage reads it makes: with a warm, current cache only the freshness
// check, one GetItem of the store's Cedar version, made here directly
// through internal/store ("floor"). The service is timed at two ends:
// "handler", the API's Lambda handler in this process (the proxy event
// decoded, the request validated, the token verified, the freshness
// checked, the decision made, the response encoded and the log line
// written, through aws-lambda-go's lambda.NewHandler as in
// BenchmarkLeanPath): the service's own end to end, which the floor is
// measured against; and "service", through the API process over HTTP with
// the SDK, which adds the client's hop to the API (the floor has no such
// hop; BenchmarkCreateIdentitySource's hop-p50-ms measures one alone). One
// of each per iteration, in rotating order.
func BenchmarkIsAuthorizedWithToken(b *testing.B) {
	e := getEnv(b)
	d := e.tokenData(b)
	st := store.New(e.leanClient(), e.st.Table)
	ctx := context.Background()
	deps := app.Deps{Table: e.st.Table, DynamoDB: e.leanClient(), CognitoEndpoint: e.st.CognitoEndpoint}
	logger := slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))
	h := lambda.NewHandler(app.NewAPIHandler(deps.Service(), logger))
	events := make([][]byte, 64)
	for i := range events {
		events[i] = proxyEvent(b, "IsAuthorizedWithToken", emulatortest.SeedAccount, fmt.Sprintf(
			`{"policyStoreId":%q,"identityToken":%q,"action":{"actionType":"Action","actionId":"act%d"},"resource":{"entityType":"Doc","entityId":"d%d"}}`,
			d.store, d.idToken, i%2, i))
	}
	handler := func(i int) error {
		out, err := h.Invoke(ctx, events[i%len(events)])
		if err == nil && (!strings.Contains(string(out), `"statusCode":200`) || !strings.Contains(string(out), `ALLOW`)) {
			err = fmt.Errorf("handler answered %s", out)
		}
		return err
	}
	floor := func() error {
		_, err := st.CedarVersion(ctx, emulatortest.SeedAccount, d.store)
		return err
	}
	kinds := []func(i int) error{
		handler,
		func(i int) error { return d.decide(ctx, i%2, fmt.Sprintf("d%d", i)) },
		func(int) error { return floor() },
	}
	const warm = 20
	times := make([][]time.Duration, len(kinds))
	b.ResetTimer()
	for i := range warm + *flagTokenPairs {
		for j := range kinds {
			k := (i + j) % len(kinds)
			start := time.Now()
			if err := kinds[k](i); err != nil {
				b.Fatalf("kind %d: %v", k, err)
			}
			if i >= warm {
				times[k] = append(times[k], time.Since(start))
			}
		}
	}
	b.StopTimer()
	hd, s, f := loadtest.Summarize(times[0]), loadtest.Summarize(times[1]), loadtest.Summarize(times[2])
	b.ReportMetric(float64(s.N), "pairs")
	b.ReportMetric(float64(*flagTokenPolicies), "policies")
	b.ReportMetric(ms(hd.P50), "handler-p50-ms")
	b.ReportMetric(ms(s.P50), "service-p50-ms")
	b.ReportMetric(ms(f.P50), "floor-p50-ms")
	b.ReportMetric(ms(hd.P50)/ms(f.P50), "p50-ratio")
	b.ReportMetric(ms(s.P50)/ms(f.P50), "api-p50-ratio")
	b.ReportMetric(ms(hd.P99), "handler-p99-ms")
	b.ReportMetric(ms(s.P99), "service-p99-ms")
	b.ReportMetric(ms(f.P99), "floor-p99-ms")
}

// BenchmarkBatchIsAuthorizedWithToken times one BatchIsAuthorizedWithToken
// of 30 requests against the same 30 requests as single
// IsAuthorizedWithToken calls one after the other, through the same API, in
// alternating order.
func BenchmarkBatchIsAuthorizedWithToken(b *testing.B) {
	e := getEnv(b)
	d := e.tokenData(b)
	ctx := context.Background()
	const n = avp.MaxBatchRequests
	reqs := make([]types.BatchIsAuthorizedWithTokenInputItem, n)
	for i := range reqs {
		reqs[i] = types.BatchIsAuthorizedWithTokenInputItem{
			Action:   &types.ActionIdentifier{ActionType: aws.String("Action"), ActionId: aws.String(fmt.Sprintf("act%d", i%2))},
			Resource: &types.EntityIdentifier{EntityType: aws.String("Doc"), EntityId: aws.String(fmt.Sprintf("d%d", i))},
		}
	}
	batch := func() error {
		out, err := d.c.BatchIsAuthorizedWithToken(ctx, &vp.BatchIsAuthorizedWithTokenInput{
			PolicyStoreId: aws.String(d.store), IdentityToken: aws.String(d.idToken), Requests: reqs,
		})
		if err != nil {
			return err
		}
		if len(out.Results) != n {
			return fmt.Errorf("%d results", len(out.Results))
		}
		for _, r := range out.Results {
			if r.Decision != types.DecisionAllow {
				return fmt.Errorf("decision %s, want ALLOW", r.Decision)
			}
		}
		return nil
	}
	singles := func() error {
		for i := range n {
			if err := d.decide(ctx, i%2, fmt.Sprintf("d%d", i)); err != nil {
				return err
			}
		}
		return nil
	}
	const warm = 3
	var tb, ts []time.Duration
	b.ResetTimer()
	for i := range warm + *flagBatches {
		for j := range 2 {
			start := time.Now()
			var err error
			isBatch := (i+j)%2 == 0
			if isBatch {
				err = batch()
			} else {
				err = singles()
			}
			if err != nil {
				b.Fatalf("batch %v: %v", isBatch, err)
			}
			if i < warm {
				continue
			}
			if isBatch {
				tb = append(tb, time.Since(start))
			} else {
				ts = append(ts, time.Since(start))
			}
		}
	}
	b.StopTimer()
	pb, ps := ms(median(tb)), ms(median(ts))
	b.ReportMetric(n, "requests")
	b.ReportMetric(pb, "batch-p50-ms")
	b.ReportMetric(ps, "singles-p50-ms")
	b.ReportMetric(pb/ps, "batch-vs-singles-ratio")
	b.ReportMetric(pb*1000/n, "batch-us-per-decision")
}

// BenchmarkTokenVerify times token.Verifier.Verify in this process with a
// warm key set (cognito-local's, fetched once) on the user's real tokens:
// "repeat" is the same tokens again (the verified-token cache answers the
// signature), "first" has that cache off (every call parses and checks the
// RS256 signature).
func BenchmarkTokenVerify(b *testing.B) {
	e := getEnv(b)
	d := e.tokenData(b)
	ctx := context.Background()
	for _, mode := range []struct {
		name string
		opts []token.Option
	}{
		{"repeat", nil},
		{"first", []token.Option{token.WithTokenCacheSize(0)}},
	} {
		v := token.NewVerifier(append([]token.Option{token.WithCognitoEndpoint(e.st.CognitoEndpoint, nil)}, mode.opts...)...)
		for _, tc := range []struct{ name, id, acc string }{
			{"identityToken", d.idToken, ""},
			{"accessToken", "", d.accToken},
		} {
			b.Run(mode.name+"/"+tc.name, func(b *testing.B) {
				const warm = 100
				var ts []time.Duration
				for i := range warm + *flagVerifies {
					start := time.Now()
					if _, err := v.Verify(ctx, d.src, tc.id, tc.acc); err != nil {
						b.Fatal(err)
					}
					if i >= warm {
						ts = append(ts, time.Since(start))
					}
				}
				us := func(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
				b.ReportMetric(us(median(ts)), "p50-us")
				b.ReportMetric(us(percentile(ts, 0.99)), "p99-us")
			})
		}
	}
}
