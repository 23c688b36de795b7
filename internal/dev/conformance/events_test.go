package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"

	"github.com/vpid-dev/vpid/internal/avp"
	"github.com/vpid-dev/vpid/internal/dev/emulator/emulatortest"
)

// The sample events in events/api are API Gateway REST proxy events, one
// per outcome of each operation. TestEvents plays them through the Lambda
// handler and compares each response with testdata/<name>.golden.json;
// `go test ./internal/dev/conformance/ -run TestEvents -update` rewrites the goldens.

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json from the handler's responses")

// eventsDir holds the sample events, relative to this package.
const eventsDir = "../../../events/api"

// eventOrder is every sample event, in the order TestEvents plays them on
// one stack: later events depend on what earlier ones created or deleted
// (the replay, Get, conflict and quota events need create-identity-source's
// source; the alias events need create-policy-store-alias's alias; the
// delete events leave the seeded store gone, and create-identity-source-oidc
// needs create-policy-store's store, which has no identity source).
var eventOrder = []string{
	"create-policy-store",
	"get-policy-store",
	"get-policy-store-missing",
	"create-identity-source",
	"create-identity-source-replay",
	"get-identity-source",
	"create-identity-source-token-conflict",
	"create-identity-source-quota",
	"create-identity-source-bad-arn",
	"create-identity-source-missing-client",
	"create-identity-source-client-of-other-pool",
	"create-identity-source-missing-pool",
	"create-identity-source-missing-store",
	"create-identity-source-union-empty",
	"create-identity-source-union-two-members",
	"create-identity-source-wrong-type",
	"create-identity-source-not-json",
	"get-identity-source-missing",
	"unknown-target",
	"missing-target",
	"no-caller-identity",
	"get-method",

	// Identity sources: list, update (Cognito, then OpenID Connect).
	"list-identity-sources",
	"list-identity-sources-filter-no-match",
	"list-identity-sources-max-results-too-large",
	"list-identity-sources-bad-token",
	"update-identity-source",
	"update-identity-source-missing",

	// Aliases, and the identity-source operations reached through one.
	"create-policy-store-alias",
	"create-policy-store-alias-duplicate",
	"create-policy-store-alias-bad-name",
	"get-policy-store-alias",
	"get-policy-store-alias-missing",
	"get-identity-source-by-alias",
	"list-policy-store-aliases",
	"update-identity-source-to-oidc",
	"get-identity-source-oidc",
	"update-identity-source-oidc-missing-discovery",

	// Policy stores: list, protect, and delete everything of the seeded one.
	"list-policy-stores",
	"update-policy-store",
	"delete-policy-store-protected",
	"update-policy-store-unprotect",
	"delete-policy-store-by-alias",
	"delete-policy-store-alias",
	"delete-policy-store-alias-missing",
	"delete-identity-source",
	"delete-identity-source-again",
	"delete-policy-store",
	"delete-policy-store-missing",
	"get-policy-store-deleted",

	// An OpenID Connect identity source on create-policy-store's store.
	"create-identity-source-oidc",
	"list-identity-sources-oidc",
	"create-identity-source-oidc-no-principal",
}

// eventClock is the service's fixed clock while the events play: the
// instant of the AWS CLI reference's example output.
var eventClock = time.Date(2023, time.May, 19, 20, 30, 28, 214829000, time.UTC)

// eventIDs are the ids the service issues while an event plays, in order:
// the policy store of create-policy-store and the identity sources of the
// creates that succeed. Any other id drawn (by a create that then fails, or
// a replay) is an unusedID value, which no response should ever show. Keying
// them by event keeps each id with its event, however many ids the events
// before it drew.
var eventIDs = map[string][]string{
	"create-policy-store":         {"C7v5xMplfFH3i3e4Jrzb1a"},
	"create-identity-source":      {"ISEXAMPLEabcdefg111111"},
	"create-identity-source-oidc": {"ISEXAMPLEabcdefg222222"},
}

const unusedPrefix = "UNUSEDabcdefghijkl"

func unusedID(n int) string { return fmt.Sprintf("%s%04d", unusedPrefix, n) }

// eventIDSource hands out the ids of the event playing (see eventIDs), then
// unusedID values.
type eventIDSource struct {
	mu      sync.Mutex
	pending []string
	n       int
}

// play sets the ids of the next event, dropping any the last one left.
func (s *eventIDSource) play(ids []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pending = slices.Clone(ids)
}

func (s *eventIDSource) next() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n++
	if len(s.pending) > 0 {
		id := s.pending[0]
		s.pending = s.pending[1:]
		return id
	}
	return unusedID(s.n)
}

// issuerPlaceholder stands, in event bodies and goldens, for the URL of the
// test OpenID Connect issuer (issuer.URL("")), whose port is chosen when the
// tests run: TestEvents puts the URL in the request body and the placeholder
// back in the response body.
const issuerPlaceholder = "{{ISSUER}}"

// goldenResponse is what a golden file holds: the proxy response with its
// body parsed, so that goldens read as JSON and compare as JSON.
type goldenResponse struct {
	StatusCode int               `json:"statusCode"`
	Headers    map[string]string `json:"headers"`
	Body       any               `json:"body"`
}

func TestEvents(t *testing.T) {
	t.Parallel()
	var ids eventIDSource
	// The clock stands at eventClock up to create-identity-source (which so
	// gets the reference's example time) and moves one second per event
	// after it, so that updates show lastUpdatedDate moving.
	var now atomic.Int64
	now.Store(eventClock.UnixNano())
	s := newStackSeededAt(t, eventClock,
		avp.WithClock(func() time.Time { return time.Unix(0, now.Load()).UTC() }),
		avp.WithIDs(ids.next))
	issuerURL := issuer.URL("")

	ticking := false
	for _, name := range eventOrder {
		if ticking {
			now.Add(int64(time.Second))
		}
		ticking = ticking || name == "create-identity-source"
		t.Run(name, func(t *testing.T) {
			ev := readEvent(t, name)
			ev.Body = strings.ReplaceAll(ev.Body, issuerPlaceholder, issuerURL)
			ids.play(eventIDs[name])
			resp, err := s.Handler.Handle(context.Background(), ev)
			if err != nil {
				t.Fatalf("Handle returned an error, which API Gateway would turn into a 502: %v", err)
			}
			if id := headerValue(resp.Headers, "x-amzn-RequestId"); id != ev.RequestContext.RequestID {
				t.Errorf("x-amzn-RequestId = %q, want the event's requestContext.requestId %q", id, ev.RequestContext.RequestID)
			}
			if resp.IsBase64Encoded || len(resp.MultiValueHeaders) > 0 {
				t.Errorf("isBase64Encoded %v, multiValueHeaders %v: want a plain body and single-value headers", resp.IsBase64Encoded, resp.MultiValueHeaders)
			}
			resp.Body = strings.ReplaceAll(resp.Body, issuerURL, issuerPlaceholder)
			got := goldenResponse{StatusCode: resp.StatusCode, Headers: resp.Headers}
			if err := json.Unmarshal([]byte(resp.Body), &got.Body); err != nil {
				t.Fatalf("response body is not JSON: %v\n%s", err, resp.Body)
			}
			if strings.Contains(resp.Body, unusedPrefix) {
				t.Errorf("response shows an id of a create that did not happen:\n%s", resp.Body)
			}

			path := filepath.Join("testdata", name+".golden.json")
			if *update {
				writeGolden(t, path, got)
				return
			}
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			var want any
			if err := json.Unmarshal(raw, &want); err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			if diff := cmp.Diff(want, asJSON(t, got)); diff != "" {
				t.Errorf("response differs from %s (-want +got):\n%s", path, diff)
			}
		})
	}
}

// TestEventFiles checks that every sample event is played by TestEvents and
// has a golden, and that no golden is left without its event.
func TestEventFiles(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join(eventsDir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	var onDisk []string
	for _, f := range files {
		onDisk = append(onDisk, strings.TrimSuffix(filepath.Base(f), ".json"))
	}
	listed := slices.Clone(eventOrder)
	slices.Sort(listed)
	for i := 1; i < len(listed); i++ {
		if listed[i] == listed[i-1] {
			t.Errorf("eventOrder lists %s twice", listed[i])
		}
	}
	for _, name := range onDisk {
		if !slices.Contains(eventOrder, name) {
			t.Errorf("%s/%s.json is not in eventOrder, so no test plays it", eventsDir, name)
		}
	}
	for _, name := range eventOrder {
		if !slices.Contains(onDisk, name) {
			t.Errorf("eventOrder lists %s, but %s/%s.json does not exist", name, eventsDir, name)
		}
	}
	for name := range eventIDs {
		if !slices.Contains(eventOrder, name) {
			t.Errorf("eventIDs has ids for %s, which eventOrder does not list", name)
		}
	}

	goldens, err := filepath.Glob(filepath.Join("testdata", "*.golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range goldens {
		if name := strings.TrimSuffix(filepath.Base(g), ".golden.json"); !slices.Contains(eventOrder, name) {
			t.Errorf("%s has no event in %s", g, eventsDir)
		}
	}
	if *update {
		return // TestEvents is writing them
	}
	for _, name := range eventOrder {
		if _, err := os.Stat(filepath.Join("testdata", name+".golden.json")); err != nil {
			t.Errorf("event %s has no golden: %v (run with -update)", name, err)
		}
	}
}

// TestEventShapes checks that every sample event decodes strictly (no
// member the Lambda event type lacks) and is shaped as API Gateway sends a
// REST proxy event for an IAM-authorized POST / of the deployed stage.
func TestEventShapes(t *testing.T) {
	t.Parallel()
	requestIDs := map[string]string{}
	for _, name := range eventOrder {
		ev := readEvent(t, name)
		errorf := func(format string, args ...any) {
			t.Helper()
			t.Errorf("%s: %s", name, fmt.Sprintf(format, args...))
		}
		rc := ev.RequestContext
		if ev.Resource != "/" || ev.Path != "/" || rc.ResourcePath != "/" {
			errorf("resource %q, path %q, requestContext.resourcePath %q: want /", ev.Resource, ev.Path, rc.ResourcePath)
		}
		if rc.HTTPMethod != ev.HTTPMethod {
			errorf("requestContext.httpMethod %q != httpMethod %q", rc.HTTPMethod, ev.HTTPMethod)
		}
		if rc.Stage == "" || rc.Path != "/"+rc.Stage+"/" {
			errorf("stage %q, requestContext.path %q: want /<stage>/", rc.Stage, rc.Path)
		}
		if rc.AccountID != emulatortest.SeedAccount || rc.APIID == "" || rc.RequestTimeEpoch == 0 {
			errorf("requestContext accountId %q, apiId %q, requestTimeEpoch %d", rc.AccountID, rc.APIID, rc.RequestTimeEpoch)
		}
		if prev, dup := requestIDs[rc.RequestID]; dup || rc.RequestID == "" {
			errorf("requestContext.requestId %q is empty or also %s's", rc.RequestID, prev)
		}
		requestIDs[rc.RequestID] = name
		if h := headerValue(ev.Headers, "Host"); h != rc.DomainName || h == "" {
			errorf("Host %q != requestContext.domainName %q", h, rc.DomainName)
		}
		for k, v := range ev.Headers {
			if mv := ev.MultiValueHeaders[k]; len(mv) != 1 || mv[0] != v {
				errorf("multiValueHeaders[%s] = %q, headers[%s] = %q", k, mv, k, v)
			}
		}
		if len(ev.MultiValueHeaders) != len(ev.Headers) {
			errorf("%d headers but %d multiValueHeaders", len(ev.Headers), len(ev.MultiValueHeaders))
		}

		id := rc.Identity
		if name == "no-caller-identity" {
			if id.AccountID != "" || headerValue(ev.Headers, "Authorization") != "" {
				errorf("want an unsigned request without identity.accountId")
			}
		} else {
			auth := headerValue(ev.Headers, "Authorization")
			if id.AccountID != emulatortest.SeedAccount || id.Caller == "" || id.UserArn == "" || id.AccessKey == "" {
				errorf("identity %+v: want the caller of account %s", id, emulatortest.SeedAccount)
			}
			if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential="+id.AccessKey+"/") {
				errorf("Authorization %q is not SigV4 with identity.accessKey", auth)
			}
		}

		if ev.HTTPMethod == "POST" {
			if ct := headerValue(ev.Headers, "Content-Type"); ct != "application/x-amz-json-1.0" {
				errorf("Content-Type %q", ct)
			}
			if name != "create-identity-source-not-json" && !json.Valid([]byte(ev.Body)) {
				errorf("body is not JSON: %s", ev.Body)
			}
		}
	}
}

// readEvent decodes events/api/<name>.json strictly: an unknown member (a
// misspelling, or one the Lambda event type does not have) fails the test.
func readEvent(t *testing.T, name string) events.APIGatewayProxyRequest {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(eventsDir, name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var ev events.APIGatewayProxyRequest
	if err := dec.Decode(&ev); err != nil {
		t.Fatalf("%s.json: %v", name, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		t.Fatalf("%s.json: data after the event", name)
	}
	return ev
}

func headerValue(h map[string]string, name string) string {
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// asJSON turns v into what encoding/json decodes its JSON into, to compare
// with a golden file's content.
func asJSON(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func writeGolden(t *testing.T, path string, g goldenResponse) {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(asJSON(t, g)); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}
