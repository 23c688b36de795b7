package token

import (
	"bytes"
	"encoding/json"
	"math"
	"math/big"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cedar-policy/cedar-go/types"
)

// claims is a token's payload, decoded with json.Number for numbers so that
// integers stay exact.
type claims map[string]any

// decodeClaims decodes a JWT payload, which must be one JSON object.
func decodeClaims(payload []byte) (claims, bool) {
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	var c claims
	if err := dec.Decode(&c); err != nil || c == nil || dec.More() {
		return nil, false
	}
	return c, true
}

// str returns a string claim; ok is false when the claim is absent or not a
// string.
func (c claims) str(name string) (string, bool) {
	s, ok := c[name].(string)
	return s, ok
}

// strings returns a claim that is a string or an array of strings (as aud
// may be); other members of an array are skipped.
func (c claims) strings(name string) []string {
	switch v := c[name].(type) {
	case string:
		return []string{v}
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// time returns a NumericDate claim (RFC 7519 §2: seconds since the epoch,
// possibly fractional). present is false when the claim is absent; ok is
// false when it is present but not a number in range.
func (c claims) time(name string) (t time.Time, present, ok bool) {
	v, present := c[name]
	if !present {
		return time.Time{}, false, false
	}
	n, isNum := v.(json.Number)
	if !isNum {
		return time.Time{}, true, false
	}
	f, err := n.Float64()
	if err != nil || math.IsNaN(f) || f < 0 || f > 1<<40 {
		return time.Time{}, true, false
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)), true, true
}

// groupNames reads a groups claim in every form AVP accepts: an array of
// strings, or one string holding one group or several separated by spaces.
func groupNames(v any) []string {
	switch v := v.(type) {
	case string:
		return strings.Fields(v)
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			if s, ok := e.(string); ok && s != "" {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// cedarValue maps a JSON value to Cedar: strings, booleans, integers (Long),
// other numbers exactly representable with four decimal places (decimal),
// arrays (Set) and objects (Record). ok is false for values Cedar cannot
// hold: null, and numbers out of range or too precise; such members of
// arrays and objects are left out.
func cedarValue(v any) (types.Value, bool) {
	switch v := v.(type) {
	case string:
		return types.String(v), true
	case bool:
		return types.Boolean(v), true
	case json.Number:
		return cedarNumber(v)
	case []any:
		vals := make([]types.Value, 0, len(v))
		for _, e := range v {
			if cv, ok := cedarValue(e); ok {
				vals = append(vals, cv)
			}
		}
		return types.NewSet(vals...), true
	case map[string]any:
		m := make(types.RecordMap, len(v))
		for k, e := range v {
			if cv, ok := cedarValue(e); ok {
				m[types.String(k)] = cv
			}
		}
		return types.NewRecord(m), true
	}
	return nil, false
}

var tenThousand = big.NewRat(10000, 1)

func cedarNumber(n json.Number) (types.Value, bool) {
	if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
		return types.Long(i), true
	}
	r, ok := new(big.Rat).SetString(string(n))
	if !ok {
		return nil, false
	}
	if r.IsInt() {
		if !r.Num().IsInt64() {
			return nil, false
		}
		return types.Long(r.Num().Int64()), true
	}
	r.Mul(r, tenThousand)
	if !r.IsInt() || !r.Num().IsInt64() {
		return nil, false
	}
	d, err := types.NewDecimal(r.Num().Int64(), -4)
	if err != nil {
		return nil, false
	}
	return d, true
}

// recordMemo keeps the Cedar record last made of a token's claims, with
// what it was made with: a client sends the same token with each request,
// and a verified token's claims never change, so a token from the
// verified-token cache costs its record once (as much memory again as its
// claims, within the cache's bound of token bytes). Cedar values are
// immutable, so the record is shared as is.
type recordMemo struct {
	mu  sync.Mutex
	key recordKey
	rec *types.Record
}

type recordKey struct {
	skip             string
	splitScope, nest bool
}

// record is t.claims.record, through t's memo.
func (t *jwt) record(skip string, splitScope, nest bool) types.Record {
	if t.memo == nil {
		return t.claims.record(skip, splitScope, nest)
	}
	k := recordKey{skip, splitScope, nest}
	t.memo.mu.Lock()
	if t.memo.rec != nil && t.memo.key == k {
		r := *t.memo.rec
		t.memo.mu.Unlock()
		return r
	}
	t.memo.mu.Unlock()
	r := t.claims.record(skip, splitScope, nest)
	t.memo.mu.Lock()
	t.memo.key, t.memo.rec = k, &r
	t.memo.mu.Unlock()
	return r
}

// record maps claims to a Cedar record, leaving out skip (the groups claim)
// and values Cedar cannot hold. With splitScope, the scope claim (a string
// of space-separated scopes, RFC 8693 §4.2) becomes a Set of strings. With
// nest, every claim named prefix:name whose prefix is a Cedar identifier
// (and that is not a URL such as https://...) is also reachable as prefix.name: a record per prefix (Cognito's
// cognito:username is principal.cognito.username). A prefix that is also a
// claim of its own keeps that claim.
func (c claims) record(skip string, splitScope, nest bool) types.Record {
	m := make(types.RecordMap, len(c)+2)
	var nested map[string]types.RecordMap
	for k, v := range c {
		if k == skip {
			continue
		}
		var cv types.Value
		if s, isStr := v.(string); splitScope && k == "scope" && isStr {
			scopes := strings.Fields(s)
			vals := make([]types.Value, len(scopes))
			for i, sc := range scopes {
				vals[i] = types.String(sc)
			}
			cv = types.NewSet(vals...)
		} else {
			var ok bool
			if cv, ok = cedarValue(v); !ok {
				continue
			}
		}
		m[types.String(k)] = cv
		if !nest {
			continue
		}
		if prefix, name, found := strings.Cut(k, ":"); found && isIdent(prefix) && name != "" && name[0] != '/' {
			if _, clash := c[prefix]; clash {
				continue
			}
			if nested == nil {
				nested = map[string]types.RecordMap{}
			}
			if nested[prefix] == nil {
				nested[prefix] = types.RecordMap{}
			}
			nested[prefix][types.String(name)] = cv
		}
	}
	for prefix, rm := range nested {
		m[types.String(prefix)] = types.NewRecord(rm)
	}
	return types.NewRecord(m)
}

// isIdent reports whether s is a Cedar identifier ([_a-zA-Z][_a-zA-Z0-9]*),
// so that principal.<s> can be written.
func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_', 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z':
		case i > 0 && '0' <= r && r <= '9':
		default:
			return false
		}
	}
	return true
}
