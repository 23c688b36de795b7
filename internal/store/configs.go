package store

import (
	"sync"

	"github.com/vpid-dev/vpid/internal/avp"
)

// Bounds of the decoded-configuration cache: entries, and the total
// length of their stored JSON.
const (
	maxCachedConfigs     = 512
	maxCachedConfigBytes = 1 << 20
)

// configs remembers the configurations of the identity sources this
// process read lately, by their stored JSON. Decoding one (the union's
// checks, the user pool ARN's pattern) cost more than the rest of a
// GetIdentitySource's own work, and a warm function reads the same few
// again and again. The decoding is a pure function of the text, so a hit
// is the same value a decode would give; decoded configurations are
// shared, and nothing changes one after it is decoded.
var configs = &configCache{m: map[string]avp.Configuration{}}

type configCache struct {
	mu    sync.Mutex
	m     map[string]avp.Configuration
	bytes int
}

// decode returns the configuration the stored JSON text holds.
func (c *configCache) decode(text string) (avp.Configuration, error) {
	c.mu.Lock()
	cfg, ok := c.m[text]
	c.mu.Unlock()
	if ok {
		return cfg, nil
	}
	var u avp.ConfigurationUnion
	// The union's own decoder, not json.Unmarshal: that would scan the
	// whole text once more before handing it over (the decoder checks it).
	if err := u.UnmarshalJSON([]byte(text)); err != nil {
		return nil, err
	}
	cfg = u.Configuration()
	if len(text) > maxCachedConfigBytes/64 {
		return cfg, nil // a large one is decoded each time: it would crowd out the rest
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= maxCachedConfigs || c.bytes+len(text) > maxCachedConfigBytes {
		clear(c.m) // start over: the working set of a warm function is small
		c.bytes = 0
	}
	if _, dup := c.m[text]; !dup {
		c.m[text] = cfg
		c.bytes += len(text)
	}
	return cfg, nil
}
