package token

import (
	"slices"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// DefaultTokenCacheSize is how many verified tokens a Verifier remembers.
const DefaultTokenCacheSize = 1024

// maxCachedTokenBytes bounds the total length of the tokens remembered, so
// that an issuer minting huge tokens cannot fill the function's memory
// (parsed, a token takes a few times its length).
const maxCachedTokenBytes = 4 << 20

// sigCache remembers tokens whose signature verified: their parsed form and
// the key object that verified them. A client sends the same token with
// every request until it expires, so a hit skips parsing and the public-key
// operation (most of the cost). It saves nothing else: every claim is
// checked again on every call, and a hit counts only while the very key
// object that verified the token is still in the source's current key set,
// so a key dropped by the issuer (seen at the next fetch) ends its tokens'
// hits at once. A token whose signature fails is never remembered.
type sigCache struct {
	mu    sync.Mutex
	m     map[string]sigEntry
	max   int
	bytes int // total length of the keys of m
}

// sigEntry is a verified token. t is shared by every hit and never changed.
type sigEntry struct {
	t   *jwt
	key any // the public key that verified t
	exp time.Time
}

// get returns a copy of the cached token raw, for param, if its algorithm is
// one of algs.
func (c *sigCache) get(raw, param string, algs []jose.SignatureAlgorithm) (*jwt, bool) {
	if c.max <= 0 {
		return nil, false
	}
	c.mu.Lock()
	e, ok := c.m[raw]
	c.mu.Unlock()
	if !ok || !slices.Contains(algs, jose.SignatureAlgorithm(e.t.alg)) {
		return nil, false
	}
	t := *e.t
	t.param, t.verifiedWith = param, e.key
	return &t, true
}

// put remembers t, verified with key. When full, it drops the tokens that
// have expired, and if none has, one other.
func (c *sigCache) put(t *jwt, key any, now time.Time) {
	if c.max <= 0 {
		return
	}
	exp, _, _ := t.claims.time("exp")
	e := *t
	e.param, e.verifiedWith = "", nil
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[t.raw]; ok {
		c.drop(t.raw)
	}
	full := func() bool { return len(c.m) >= c.max || c.bytes+len(t.raw) > maxCachedTokenBytes }
	if full() {
		for k, old := range c.m {
			if !old.exp.After(now) {
				c.drop(k)
			}
		}
		for k := range c.m {
			if !full() {
				break
			}
			c.drop(k)
		}
	}
	if len(t.raw) > maxCachedTokenBytes {
		return
	}
	c.m[t.raw] = sigEntry{t: &e, key: key, exp: exp}
	c.bytes += len(t.raw)
}

func (c *sigCache) drop(raw string) {
	delete(c.m, raw)
	c.bytes -= len(raw)
}

// WithTokenCacheSize sets how many verified tokens are remembered
// (DefaultTokenCacheSize); 0 turns the cache off.
func WithTokenCacheSize(n int) Option { return func(v *Verifier) { v.sigs.max = n } }
