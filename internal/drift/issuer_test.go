package drift_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vpid-dev/vpid/internal/drift"
	"github.com/vpid-dev/vpid/internal/oidc"
)

// issuerServer serves discovery documents under paths that each behave in
// one way; issuer(name) is the issuer of the path.
type issuerServer struct {
	srv      *httptest.Server
	goneHits atomic.Int32
}

func newIssuerServer(t *testing.T) *issuerServer {
	t.Helper()
	s := &issuerServer{}
	s.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, ok := strings.CutSuffix(r.URL.Path, "/.well-known/openid-configuration")
		if !ok {
			http.NotFound(w, r)
			return
		}
		doc := map[string]string{"issuer": s.srv.URL + name, "jwks_uri": s.srv.URL + name + "/jwks"}
		switch name {
		case "/down":
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		case "/busy":
			http.Error(w, "slow down", http.StatusTooManyRequests)
			return
		case "/gone":
			s.goneHits.Add(1)
			http.NotFound(w, r)
			return
		case "/moved":
			http.Redirect(w, r, "https://elsewhere.example.com/.well-known/openid-configuration", http.StatusFound)
			return
		case "/slow":
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
			return
		case "/other":
			doc["issuer"] = "https://elsewhere.example.com"
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(doc)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *issuerServer) issuer(name string) string { return s.srv.URL + "/" + name }

// The issuer check as the API makes it (internal/oidc) decides; a server
// error, a throttle, a timeout or a refused connection is unknown, a
// missing or wrong document is drift.
func TestIssuerVerdicts(t *testing.T) {
	t.Parallel()
	s := newIssuerServer(t)
	closed := httptest.NewTLSServer(http.NotFoundHandler())
	refused := closed.URL + "/refused"
	closed.Close()

	h := newHarness()
	h.cfg.Issuers = oidc.New(oidc.Config{HTTPClient: s.srv.Client(), Timeout: 300 * time.Millisecond})
	for _, name := range []string{"ok", "down", "busy", "gone", "moved", "slow", "other"} {
		h.src.add(oidcSource(name, s.issuer(name)))
	}
	h.src.add(oidcSource("gone-again", s.issuer("gone")), oidcSource("refused", refused))
	sum := h.run(t, context.Background())

	got := h.events.details(t)
	wantDrift := map[string]string{"ISgone": "HTTP 404", "ISgone-again": "HTTP 404", "ISmoved": "redirect", "ISother": "names issuer"}
	for id, phrase := range wantDrift {
		d, ok := got[id]
		if !ok {
			t.Errorf("no event for %s", id)
			continue
		}
		if len(d.Findings) != 1 || d.Findings[0].Path != "configuration.openIdConnectConfiguration.issuer" || !strings.Contains(d.Findings[0].ProblemError, phrase) {
			t.Errorf("%s: findings %+v", id, d.Findings)
		}
	}
	if len(got) != len(wantDrift) {
		t.Errorf("%d events, want %d: %v", len(got), len(wantDrift), got)
	}
	want := drift.Summary{Checked: 9, Drifted: 4, Unknown: 4, IssuerChecks: 8}
	if sum.Checked != want.Checked || sum.Drifted != want.Drifted || sum.Unknown != want.Unknown || sum.IssuerChecks != want.IssuerChecks {
		t.Errorf("summary %+v, want counts %+v", sum, want)
	}
	if n := s.goneHits.Load(); n != 1 {
		t.Errorf("an issuer named twice was fetched %d times", n)
	}
	for _, name := range []string{"down", "busy", "slow", "refused"} {
		if !strings.Contains(h.logs.String(), `"identitySourceId":"IS`+name+`"`) {
			t.Errorf("unknown %s not logged", name)
		}
	}
}
