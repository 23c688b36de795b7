package conformance

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/vpid-dev/vpid/internal/awsjson"
	"github.com/vpid-dev/vpid/internal/dev/bench"
	"github.com/vpid-dev/vpid/internal/dev/emulator/emulatortest"
	loadstack "github.com/vpid-dev/vpid/internal/dev/loadtest/stack"
)

// apiMemoryBudget is the most resident memory the API may reach under the
// hostile streams below (BENCHMARKS.md reports what it does reach).
const apiMemoryBudget = 64 << 20

// TestAPIMemoryUnderHostileStreams runs the API binary (as `make run`
// builds it) behind counting proxies and reads its peak resident memory
// (VmHWM) after two streams, each sent to a fresh process: the rows of the
// hostile-request table, and 20,000 CreateIdentitySource requests that each
// name a user pool in another made-up Region. The second stream must not
// reach DynamoDB or Cognito at all.
func TestAPIMemoryUnderHostileStreams(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ddbURL, cogURL := emulatortest.Endpoints(t)
	st, err := loadstack.Start(ctx, loadstack.Options{DynamoDBEndpoint: ddbURL, CognitoEndpoint: cogURL})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	bin, err := st.BuildAPI(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ddbProxy, err := bench.NewCountingProxy(ddbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ddbProxy.Close() })
	cogProxy, err := bench.NewCountingProxy(cogURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cogProxy.Close() })
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}

	// post sends one request and reads the whole answer.
	post := func(api *loadstack.API, method, target, contentType, body string) (int, string) {
		req, err := http.NewRequestWithContext(ctx, method, api.URL+"/", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if target != "" {
			req.Header.Set("X-Amz-Target", target)
		}
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, string(b)
	}
	peak := func(api *loadstack.API, what string) {
		t.Helper()
		mem, err := api.Memory()
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: peak RSS %.1f MiB (VmHWM), RSS at the end %.1f MiB", what, float64(mem.HWM)/(1<<20), float64(mem.RSS)/(1<<20))
		if mem.HWM > apiMemoryBudget {
			t.Errorf("%s: peak RSS %d bytes, over the %d MiB budget", what, mem.HWM, apiMemoryBudget>>20)
		}
	}

	t.Run("hostile table", func(t *testing.T) {
		api, err := st.StartAPI(ctx, bin, loadstack.APIOptions{Name: "api-hostile", DynamoDBEndpoint: ddbProxy.URL, CognitoEndpoint: cogProxy.URL})
		if err != nil {
			t.Fatal(err)
		}
		defer api.Stop()
		base, err := api.Memory()
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("API at rest: %.1f MiB", float64(base.HWM)/(1<<20))
		rows := hostileRows("page.token")
		for _, r := range rows {
			ev := r.event(0)
			status, _ := post(api, ev.HTTPMethod, ev.Headers["X-Amz-Target"], ev.Headers["Content-Type"], r.body)
			if status >= 500 {
				t.Errorf("%s: status %d", r.name, status)
			}
		}
		peak(api, fmt.Sprintf("after the %d rows of the hostile-request table", len(rows)))
	})

	t.Run("made-up Regions", func(t *testing.T) {
		api, err := st.StartAPI(ctx, bin, loadstack.APIOptions{Name: "api-regions", DynamoDBEndpoint: ddbProxy.URL, CognitoEndpoint: cogProxy.URL})
		if err != nil {
			t.Fatal(err)
		}
		defer api.Stop()
		ddbProxy.Reset()
		cogProxy.Reset()
		const n, workers = 20_000, 8
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				for i := w; i < n; i += workers {
					region := fmt.Sprintf("xx-madeup%d-1", i)
					body := hostileARN("arn:aws:cognito-idp:" + region + ":" + emulatortest.SeedAccount + ":userpool/" + region + "_abc")
					status, answer := post(api, http.MethodPost, awsjson.TargetPrefix+"CreateIdentitySource", awsjson.ContentType, body)
					if status != http.StatusBadRequest || !strings.Contains(answer, "Region "+region+",") {
						t.Errorf("request %d: %d %s", i, status, answer)
						return
					}
				}
			})
		}
		wg.Wait()
		if d, c := ddbProxy.Snapshot(), cogProxy.Snapshot(); d.Total != 0 || c.Total != 0 {
			t.Errorf("made-up Regions reached DynamoDB %v and Cognito %v", d.ByOp, c.ByOp)
		}
		peak(api, fmt.Sprintf("after %d requests naming made-up Regions", n))
	})
}
