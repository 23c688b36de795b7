package token_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/vpid-dev/vpid/internal/token"
)

func wantCheck(t *testing.T, err error, check string) {
	t.Helper()
	var te *token.Error
	if !errors.As(err, &te) || te.Check != check {
		t.Fatalf("Verify = %v, want a *token.Error with check %q", err, check)
	}
}

func wantHits(t *testing.T, s *keyServer, n int32) {
	t.Helper()
	if got := s.hits.Load(); got != n {
		t.Fatalf("key set fetched %d times, want %d", got, n)
	}
}

// TestKeyRotation: a new kid is fetched, at most once per refetch interval
// however many unknown kids arrive; a key dropped from the set stops
// verifying once the set is fetched again.
func TestKeyRotation(t *testing.T) {
	t.Parallel()
	a, b, _ := keys(t)
	s, c := newCognitoServer(t, a), newClock()
	v := cognitoVerifier(s, c, token.WithRefetchInterval(30*time.Second), token.WithKeyTTL(time.Hour))
	src := cognitoSource()
	verify := func(k signingKey) error {
		_, err := v.Verify(t.Context(), src, k.sign(t, idClaims(c)), "")
		return err
	}

	if err := verify(a); err != nil {
		t.Fatal(err)
	}
	wantHits(t, s, 1)
	if err := verify(a); err != nil { // warm: no fetch
		t.Fatal(err)
	}
	wantHits(t, s, 1)

	s.setKeys(a, b) // the issuer rotates in key-b
	// Right after a fetch, an unknown kid does not fetch again.
	wantCheck(t, verify(b), token.CheckUnknownKey)
	wantHits(t, s, 1)
	c.Advance(30 * time.Second)
	if err := verify(b); err != nil {
		t.Fatalf("new key after the refetch interval: %v", err)
	}
	wantHits(t, s, 2)

	// A flood of made-up kids costs one fetch per interval.
	for i := range 200 {
		wantCheck(t, verify(a.withKid(fmt.Sprintf("bogus-%d", i))), token.CheckUnknownKey)
	}
	wantHits(t, s, 2)
	c.Advance(31 * time.Second)
	for i := range 50 {
		wantCheck(t, verify(a.withKid(fmt.Sprintf("bogus2-%d", i))), token.CheckUnknownKey)
	}
	wantHits(t, s, 3)

	s.setKeys(b) // key-a retired
	if err := verify(a); err != nil {
		t.Fatalf("cached key-a before the TTL: %v", err)
	}
	c.Advance(time.Hour)
	wantCheck(t, verify(a), token.CheckUnknownKey)
	wantHits(t, s, 4)
	if err := verify(b); err != nil {
		t.Fatal(err)
	}
}

// TestKeyFetchFailure: a failed first fetch is a KeysUnavailableError and
// is retried at most once a second; a failed refresh keeps the old keys.
func TestKeyFetchFailure(t *testing.T) {
	t.Parallel()
	a, _, _ := keys(t)
	s, c := newCognitoServer(t, a), newClock()
	s.setStatus(http.StatusInternalServerError)
	v := cognitoVerifier(s, c, token.WithKeyTTL(time.Hour))
	tok := a.sign(t, idClaims(c))
	var ku *token.KeysUnavailableError
	for range 5 {
		if _, err := v.Verify(t.Context(), cognitoSource(), tok, ""); !errors.As(err, &ku) {
			t.Fatalf("Verify = %v, want a *KeysUnavailableError", err)
		}
	}
	wantHits(t, s, 1)
	var te *token.Error
	if errors.As(error(ku), &te) {
		t.Fatal("a KeysUnavailableError is also a *token.Error")
	}

	s.setKeys(a)
	c.Advance(time.Second)
	if _, err := v.Verify(t.Context(), cognitoSource(), tok, ""); err != nil {
		t.Fatalf("after the retry delay: %v", err)
	}
	wantHits(t, s, 2)

	s.setStatus(http.StatusBadGateway)
	c.Advance(time.Hour)
	tok = a.sign(t, idClaims(c))
	for range 3 {
		if _, err := v.Verify(t.Context(), cognitoSource(), tok, ""); err != nil {
			t.Fatalf("stale keys while the issuer fails: %v", err)
		}
	}
	wantHits(t, s, 3)
}

// TestConcurrentVerify runs many verifications at once on a cold cache
// (run with -race): one fetch serves them all and every result is right.
func TestConcurrentVerify(t *testing.T) {
	t.Parallel()
	a, b, _ := keys(t)
	s, c := newCognitoServer(t, a, b), newClock()
	v := cognitoVerifier(s, c)
	toks := []string{a.sign(t, idClaims(c)), b.sign(t, idClaims(c)), a.sign(t, accessClaims(c))}
	bad := a.withKid("nope").sign(t, idClaims(c))
	var wg sync.WaitGroup
	errs := make(chan error, 64*4)
	for g := range 64 {
		wg.Go(func() {
			for i := range 4 {
				id, acc := toks[(g+i)%2], ""
				if i == 3 {
					id, acc = "", toks[2]
				}
				got, err := v.Verify(t.Context(), cognitoSource(), id, acc)
				if err != nil || got.Principal.EntityID != poolID+"|"+userSub {
					errs <- fmt.Errorf("goroutine %d: %+v, %v", g, got.Principal, err)
				}
				if _, err := v.Verify(t.Context(), cognitoSource(), bad, ""); err == nil {
					errs <- errors.New("unknown kid verified")
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	wantHits(t, s, 1)
}

// TestCallerGivesUp: a caller whose context ends while keys are fetched
// gets a KeysUnavailableError at once.
func TestCallerGivesUp(t *testing.T) {
	t.Parallel()
	a, _, _ := keys(t)
	c := newClock()
	release := make(chan struct{})
	slow := newCognitoServer(t, a)
	inner := slow.srv.Config.Handler
	slow.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
		inner.ServeHTTP(w, r)
	})
	defer close(release)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := cognitoVerifier(slow, c).Verify(ctx, cognitoSource(), a.sign(t, idClaims(c)), "")
	var ku *token.KeysUnavailableError
	if !errors.As(err, &ku) || !errors.Is(err, context.Canceled) {
		t.Errorf("Verify = %v, want a *KeysUnavailableError wrapping context.Canceled", err)
	}
}
