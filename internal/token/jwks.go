package token

import (
	"context"
	"crypto/ecdsa"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// maxKeySetBytes bounds a key set document; real ones are a few KiB.
const maxKeySetBytes = 256 << 10

// maxKeys bounds the keys kept of one key set (real ones hold two to four),
// so that a cache of many sources stays small.
const maxKeys = 20

// failedFetchRetry is how soon a key set whose last fetch failed may be
// fetched again: a source whose issuer is down gets at most one request a
// second from one Verifier, however many tokens arrive.
const failedFetchRetry = time.Second

// keySet is the cached key set of one source. Its fields are guarded by mu;
// flight is non-nil while a fetch runs and is closed when it ends.
type keySet struct {
	mu        sync.Mutex
	keys      []jose.JSONWebKey
	url       string    // where the keys came from (for errors)
	fetched   time.Time // last successful fetch; zero if none
	attempted time.Time // start of the last fetch, successful or not
	lastErr   error     // error of the last fetch, nil if it succeeded
	flight    chan struct{}
}

// fetchFunc downloads a source's key set and says where from.
type fetchFunc func(ctx context.Context) (keys []jose.JSONWebKey, url string, err error)

// keyCache maps a source's cache key to its keySet.
type keyCache struct {
	mu   sync.Mutex
	sets map[string]*keySet
	max  int
}

func (c *keyCache) get(id string) *keySet {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ks, ok := c.sets[id]; ok {
		return ks
	}
	if len(c.sets) >= c.max {
		// Forget one other source: a Verifier serves few sources, so this
		// only bounds memory if sources are created without end.
		for k := range c.sets {
			delete(c.sets, k)
			break
		}
	}
	ks := &keySet{}
	c.sets[id] = ks
	return ks
}

// candidates returns the keys a token with kid and alg may be verified
// with. A token without a kid may use the one key fit for alg, if there is
// exactly one.
func candidates(keys []jose.JSONWebKey, kid, alg string) []jose.JSONWebKey {
	var out []jose.JSONWebKey
	for _, k := range keys {
		if (kid == "" || k.KeyID == kid) && fits(k, alg) {
			out = append(out, k)
		}
	}
	if kid == "" && len(out) != 1 {
		return nil
	}
	return out
}

// fits reports whether key k may verify a signature made with alg: its own
// alg, if it names one, must be alg, and its type must be the one alg uses.
func fits(k jose.JSONWebKey, alg string) bool {
	if k.Algorithm != "" && k.Algorithm != alg {
		return false
	}
	switch k.Key.(type) {
	case *rsa.PublicKey:
		return alg[:2] == "RS" || alg[:2] == "PS"
	case *ecdsa.PublicKey:
		return alg[:2] == "ES"
	}
	return false
}

// lookup returns the keys of the source that fit kid and alg, fetching the
// key set when it was never fetched, is older than the key TTL, or lacks kid
// and was last fetched at least the refetch interval ago. Concurrent callers
// share one fetch. A nil result with a nil error means the key is unknown.
func (v *Verifier) lookup(ctx context.Context, id string, fetch fetchFunc, kid, alg string) ([]jose.JSONWebKey, error) {
	ks := v.cache.get(id)
	waited := false
	for {
		ks.mu.Lock()
		now := v.now()
		loaded := !ks.fetched.IsZero()
		stale := loaded && now.Sub(ks.fetched) >= v.keyTTL
		var found []jose.JSONWebKey
		if loaded {
			found = candidates(ks.keys, kid, alg)
		}
		if len(found) > 0 && !stale {
			ks.mu.Unlock()
			return found, nil
		}
		if !waited {
			ch := ks.flight
			if ch == nil && v.shouldFetch(ks, now, loaded, stale, len(found) > 0) {
				ch = make(chan struct{})
				ks.flight, ks.attempted = ch, now
				go v.runFetch(ctx, ks, fetch, ch)
			}
			if ch != nil {
				url := ks.url
				ks.mu.Unlock()
				select {
				case <-ch:
					waited = true // one fetch per call at most
					continue
				case <-ctx.Done():
					return nil, &KeysUnavailableError{URL: url, Reason: "the request ended while the key set was fetched", Err: context.Cause(ctx)}
				}
			}
		}
		defer ks.mu.Unlock()
		switch {
		case len(found) > 0:
			// Stale keys still verify while the issuer cannot be reached;
			// a rotation that removed them is seen at the next fetch that
			// succeeds.
			return found, nil
		case !loaded && ks.lastErr != nil:
			return nil, ks.lastErr
		case !loaded:
			return nil, &KeysUnavailableError{URL: ks.url, Reason: "the key set could not be fetched"}
		}
		return nil, nil
	}
}

// shouldFetch decides, with ks locked, whether a call must fetch the key set.
func (v *Verifier) shouldFetch(ks *keySet, now time.Time, loaded, stale, found bool) bool {
	switch {
	case ks.lastErr != nil && now.Sub(ks.attempted) < failedFetchRetry:
		return false
	case !loaded || stale:
		return true
	case !found:
		return now.Sub(ks.attempted) >= v.refetch
	}
	return false
}

// runFetch fetches a key set for everyone waiting on ch. It outlives the
// request that started it (bounded by the fetch timeout), so that one
// caller giving up does not fail the others.
func (v *Verifier) runFetch(ctx context.Context, ks *keySet, fetch fetchFunc, ch chan struct{}) {
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), v.fetchTimeout)
	defer cancel()
	keys, url, err := fetch(fctx)
	ks.mu.Lock()
	defer ks.mu.Unlock()
	if url != "" {
		ks.url = url
	}
	if err != nil {
		ks.lastErr = err
	} else {
		ks.keys, ks.fetched, ks.lastErr = keys, v.now(), nil
	}
	ks.flight = nil
	close(ch)
}

// getKeySet downloads and parses a JWK Set (RFC 7517 §5) from url with
// client. Keys that cannot be used to verify signatures (private or
// symmetric keys, keys for encryption, unknown key types) are skipped.
func getKeySet(ctx context.Context, client *http.Client, url string) ([]jose.JSONWebKey, error) {
	unavailable := func(reason string, err error) error {
		return &KeysUnavailableError{URL: url, Reason: reason, Err: err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, unavailable("not a valid URL", nil)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return nil, unavailable("the request failed", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, unavailable(fmt.Sprintf("it answered HTTP %d", resp.StatusCode), nil)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxKeySetBytes+1))
	if err != nil {
		return nil, unavailable("reading the answer failed", err)
	}
	if len(body) > maxKeySetBytes {
		return nil, unavailable(fmt.Sprintf("the key set is larger than %d bytes", maxKeySetBytes), nil)
	}
	keys, err := parseKeySet(body)
	if err != nil {
		return nil, unavailable(err.Error(), nil)
	}
	return keys, nil
}

var errNoKeys = errors.New("the key set holds no usable signing key")

// parseKeySet decodes each key on its own, so that one key of a type
// go-jose does not know does not hide the others.
func parseKeySet(body []byte) ([]jose.JSONWebKey, error) {
	var doc struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, errors.New("the key set is not a JSON object with a keys array")
	}
	var keys []jose.JSONWebKey
	for _, raw := range doc.Keys {
		var k jose.JSONWebKey
		if err := k.UnmarshalJSON(raw); err != nil || !k.Valid() {
			continue
		}
		if k.Use != "" && k.Use != "sig" {
			continue
		}
		switch k.Key.(type) {
		case *rsa.PublicKey, *ecdsa.PublicKey:
		case *rsa.PrivateKey, *ecdsa.PrivateKey:
			k = k.Public() // a published private key: use only its public half
		default:
			continue
		}
		keys = append(keys, k)
		if len(keys) == maxKeys {
			break
		}
	}
	if len(keys) == 0 {
		return nil, errNoKeys
	}
	return keys, nil
}
