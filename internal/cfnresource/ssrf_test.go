package cfnresource_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/vpid-dev/vpid/internal/cfnresource"
)

// TestResponseURLOfAnotherHostIsRefused reproduces the server-side request
// forgery: whoever may invoke the function names a ResponseURL of their
// choice (an internal address, a server of theirs). The function must
// neither carry out the request nor PUT anything there.
func TestResponseURLOfAnotherHostIsRefused(t *testing.T) {
	var hits atomic.Int32
	victim := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { hits.Add(1) }))
	defer victim.Close()

	hs := newHarness(t, nil)
	for _, u := range []string{
		victim.URL + "/latest/meta-data/?" + signature,
		strings.Replace(victim.URL, "http://", "https://", 1) + "/x?" + signature,
		"https://attacker-bucket.s3.us-west-2.amazonaws.com/x?" + signature,
	} {
		ev := hs.event("create")
		ev.ResponseURL = u
		if err := hs.h.Handle(ctx, ev); err == nil {
			t.Errorf("a ResponseURL on another host is accepted")
		}
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the function sent %d requests to a host that is not CloudFormation's", n)
	}
	if n := hs.putCount(); n != 0 {
		t.Errorf("%d responses PUT", n)
	}
	if ids := hs.list(storeA); len(ids) != 0 {
		t.Errorf("identity sources %v were created for a refused request", ids)
	}
	if !strings.Contains(hs.logs.String(), "response URL is not CloudFormation") {
		t.Errorf("the refusal is not logged:\n%s", hs.logs.String())
	}
}

// TestRedirectsAreNotFollowed: an accepted URL that answers a redirect does
// not lead the function anywhere else; the response counts as not
// delivered.
func TestRedirectsAreNotFollowed(t *testing.T) {
	var hits atomic.Int32
	victim := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { hits.Add(1) }))
	defer victim.Close()
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, victim.URL+"/internal", http.StatusTemporaryRedirect)
	}))
	defer redirector.Close()

	// The redirector stands in for the pre-signed URL's host.
	hs := newHarness(t, nil, cfnresource.WithTestResponseOrigin(redirector.URL))
	ev := hs.event("delete")
	ev.ResponseURL = redirector.URL + "/x?" + signature
	if err := hs.h.Handle(ctx, ev); err == nil || !strings.Contains(err.Error(), "307") {
		t.Errorf("Handle = %v, want the redirect as an undelivered response", err)
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the redirect was followed %d times", n)
	}
}
