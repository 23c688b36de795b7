package cfnresource_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/cfn"

	"github.com/vpid-dev/vpid/internal/app"
	"github.com/vpid-dev/vpid/internal/avp"
	"github.com/vpid-dev/vpid/internal/cfnresource"
	"github.com/vpid-dev/vpid/internal/cognito"
	"github.com/vpid-dev/vpid/internal/dev/emulator/emulatortest"
	"github.com/vpid-dev/vpid/internal/dev/localtable"
	"github.com/vpid-dev/vpid/internal/entry"
)

func TestMain(m *testing.M) { emulatortest.Main(m) }

// The policy stores seeded into every test table, in the stack's account.
const (
	storeA  = "PSEXAMPLEabcdefg111111"
	storeB  = "PSEXAMPLEabcdefg222222"
	account = emulatortest.SeedAccount
	// signature stands for the credential in a pre-signed URL; it must
	// never be logged.
	signature = "X-Amz-Signature=feedfacefeedfacefeedface"
)

// put is one request the stand-in for the pre-signed ResponseURL received.
type put struct {
	Method           string
	ContentType      []string // every Content-Type header value sent
	ContentLength    int64
	TransferEncoding []string
	Body             []byte
	Resp             cfnresource.Response
}

// harness is the custom resource's handler over the real Service on
// DynamoDB Local and cognito-local, with an HTTP server recording the
// responses PUT to ResponseURL.
type harness struct {
	t       *testing.T
	svc     *avp.Service
	h       *cfnresource.Handler
	srv     *httptest.Server
	logs    *syncBuffer
	mu      sync.Mutex
	puts    []put
	failing int // the next failing PUTs are answered 500
}

// logStream is the log stream the harness's handler names in Reasons.
const logStream = "2099/11/25/[$LATEST]0123456789abcdef0123456789abcdef"

// newHarness builds the stack; wrap, if not nil, stands between the handler
// and the operation table over the Service; opts change the handler's test
// settings.
func newHarness(t *testing.T, wrap func(entry.Table) entry.Table, opts ...cfnresource.Option) *harness {
	t.Helper()
	ddb := emulatortest.DynamoDB(t)
	table := emulatortest.NewTable(t, ddb)
	for _, ps := range []string{storeA, storeB} {
		if err := localtable.SeedPolicyStore(context.Background(), ddb, table, account, ps, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	idp := emulatortest.Cognito(t)
	deps := app.Deps{Table: table, DynamoDB: ddb, Cognito: func(string) cognito.API { return idp }}
	svc := deps.Service()
	ops := entry.NewTable(svc)
	if wrap != nil {
		ops = wrap(ops)
	}
	hs := &harness{t: t, svc: svc, logs: &syncBuffer{}}
	hs.srv = httptest.NewServer(http.HandlerFunc(hs.record))
	t.Cleanup(hs.srv.Close)
	client := hs.srv.Client()
	client.Timeout = 5 * time.Second
	hs.h = cfnresource.New(ops, slog.New(slog.NewJSONHandler(hs.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		append([]cfnresource.Option{
			cfnresource.WithHTTPClient(client),
			cfnresource.WithTestResponseOrigin(hs.srv.URL),
			cfnresource.WithLogStream(logStream),
			cfnresource.WithBackoff(time.Millisecond, 5*time.Millisecond),
			cfnresource.WithSendBackoff(time.Millisecond),
		}, opts...)...)
	t.Cleanup(func() {
		if strings.Contains(hs.logs.String(), signature) {
			t.Errorf("the logs hold the pre-signed URL's signature:\n%s", hs.logs.String())
		}
	})
	return hs
}

func (hs *harness) record(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	p := put{
		Method:           r.Method,
		ContentType:      r.Header.Values("Content-Type"),
		ContentLength:    r.ContentLength,
		TransferEncoding: r.TransferEncoding,
		Body:             body,
	}
	if err := json.Unmarshal(body, &p.Resp); err != nil {
		hs.t.Errorf("the response body is not JSON: %v\n%s", err, body)
	}
	hs.mu.Lock()
	hs.puts = append(hs.puts, p)
	fail := hs.failing > 0
	if fail {
		hs.failing--
	}
	hs.mu.Unlock()
	if fail {
		http.Error(w, "<Error><Code>InternalError</Code></Error>", http.StatusInternalServerError)
	}
}

func (hs *harness) putCount() int {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	return len(hs.puts)
}

// event loads a sample event of events/cfn and points its ResponseURL at the
// recorder.
func (hs *harness) event(name string) cfn.Event {
	hs.t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "events", "cfn", name+".json"))
	if err != nil {
		hs.t.Fatal(err)
	}
	var ev cfn.Event
	if err := json.Unmarshal(b, &ev); err != nil {
		hs.t.Fatalf("%s: %v", name, err)
	}
	if ev.ResourceType != cfnresource.ResourceType {
		hs.t.Fatalf("%s: ResourceType %q", name, ev.ResourceType)
	}
	ev.ResponseURL = hs.srv.URL + "/" + ev.RequestID + "?X-Amz-Expires=7200&" + signature
	return ev
}

// invoke runs the handler on ev, which must deliver exactly one response,
// and returns it after checking how it was sent.
func (hs *harness) invoke(ctx context.Context, ev cfn.Event) cfnresource.Response {
	hs.t.Helper()
	before := hs.putCount()
	if err := hs.h.Handle(ctx, ev); err != nil {
		hs.t.Fatalf("Handle: %v", err)
	}
	hs.mu.Lock()
	defer hs.mu.Unlock()
	if n := len(hs.puts) - before; n != 1 {
		hs.t.Fatalf("%d responses sent, want 1", n)
	}
	p := hs.puts[len(hs.puts)-1]
	hs.checkPut(p, ev)
	return p.Resp
}

// checkPut asserts what S3 needs of a PUT to a pre-signed URL and what
// CloudFormation needs of a response.
func (hs *harness) checkPut(p put, ev cfn.Event) {
	hs.t.Helper()
	if p.Method != http.MethodPut {
		hs.t.Errorf("method %s, want PUT", p.Method)
	}
	// The URL signs no Content-Type: send none, or an empty one as AWS's
	// cfn-response modules do.
	if len(p.ContentType) > 1 || (len(p.ContentType) == 1 && p.ContentType[0] != "") {
		hs.t.Errorf("Content-Type %q, want none or empty", p.ContentType)
	}
	if p.ContentLength != int64(len(p.Body)) || len(p.TransferEncoding) > 0 {
		hs.t.Errorf("Content-Length %d, Transfer-Encoding %q for a %d-byte body; S3 needs the length", p.ContentLength, p.TransferEncoding, len(p.Body))
	}
	if len(p.Body) > cfnresource.MaxResponseBytes {
		hs.t.Errorf("response of %d bytes, over CloudFormation's %d", len(p.Body), cfnresource.MaxResponseBytes)
	}
	r := p.Resp
	if r.StackID != ev.StackID || r.RequestID != ev.RequestID || r.LogicalResourceID != ev.LogicalResourceID {
		hs.t.Errorf("response names %q %q %q, want the request's %q %q %q",
			r.StackID, r.RequestID, r.LogicalResourceID, ev.StackID, ev.RequestID, ev.LogicalResourceID)
	}
	if r.PhysicalResourceID == "" || len(r.PhysicalResourceID) > 1024 {
		hs.t.Errorf("PhysicalResourceId %q: CloudFormation needs 1 to 1024 bytes", r.PhysicalResourceID)
	}
	switch r.Status {
	case cfnresource.StatusSuccess:
	case cfnresource.StatusFailed:
		if r.Reason == "" {
			hs.t.Error("FAILED without a Reason")
		}
	default:
		hs.t.Errorf("Status %q", r.Status)
	}
}

// get reads an identity source through the Service.
func (hs *harness) get(policyStoreID, id string) (*avp.GetIdentitySourceOutput, error) {
	return hs.svc.GetIdentitySource(context.Background(), account, &avp.GetIdentitySourceInput{PolicyStoreID: policyStoreID, IdentitySourceID: id})
}

// mustGet fails the test unless the identity source exists.
func (hs *harness) mustGet(policyStoreID, id string) *avp.GetIdentitySourceOutput {
	hs.t.Helper()
	out, err := hs.get(policyStoreID, id)
	if err != nil {
		hs.t.Fatalf("GetIdentitySource(%s, %s): %v", policyStoreID, id, err)
	}
	return out
}

// mustBeGone fails the test unless the identity source is not found.
func (hs *harness) mustBeGone(policyStoreID, id string) {
	hs.t.Helper()
	_, err := hs.get(policyStoreID, id)
	if e, ok := err.(*avp.Error); !ok || e.Code != avp.CodeResourceNotFound {
		hs.t.Fatalf("GetIdentitySource(%s, %s) = %v, want ResourceNotFoundException", policyStoreID, id, err)
	}
}

// list returns the ids of a store's identity sources.
func (hs *harness) list(policyStoreID string) []string {
	hs.t.Helper()
	out, err := hs.svc.ListIdentitySources(context.Background(), account, &avp.ListIdentitySourcesInput{PolicyStoreID: policyStoreID})
	if err != nil {
		hs.t.Fatal(err)
	}
	var ids []string
	for _, is := range out.IdentitySources {
		ids = append(ids, is.IdentitySourceID)
	}
	return ids
}

// syncBuffer is a bytes.Buffer safe for the logger and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// cognitoConfig returns the Cognito configuration map of ev's properties,
// for tests to change.
func cognitoConfig(t *testing.T, ev cfn.Event) map[string]any {
	t.Helper()
	c, ok := ev.ResourceProperties[cfnresource.PropConfiguration].(map[string]any)[avp.MemberCognito].(map[string]any)
	if !ok {
		t.Fatal("the event has no Cognito configuration")
	}
	return c
}
