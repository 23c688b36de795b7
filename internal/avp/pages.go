package avp

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"regexp"
	"strings"
)

// Page size limits of the list operations.
const (
	DefaultPageSize      = 10
	DefaultAliasPageSize = 5
	MaxPageSize          = 50
)

var (
	reNextToken   = regexp.MustCompile(`^[A-Za-z0-9-_=+/\.]*$`)
	ruleNextToken = strRule{min: 1, max: 8000, pattern: reNextToken}
)

func (v *validator) pageSize(maxResults *int) {
	if maxResults == nil {
		return
	}
	switch n := *maxResults; {
	case n < 1:
		v.add("maxResults", "Value %d at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1", n)
	case n > MaxPageSize:
		v.add("maxResults", "Value %d at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to %d", n, MaxPageSize)
	}
}

func pageLimit(maxResults *int, def int) int {
	if maxResults == nil {
		return def
	}
	return *maxResults
}

func pageScope(parts ...string) string { return strings.Join(parts, "\x00") }

// pageMAC is the HMAC-SHA256 of a cursor in a scope under key.
func pageMAC(key []byte, scope string, cursor []byte) []byte {
	// Length-prefixed, so that no (scope, cursor) pair reads as another.
	m := hmac.New(sha256.New, key)
	m.Write([]byte("vpid-page-v2"))
	m.Write(binary.BigEndian.AppendUint64(nil, uint64(len(scope))))
	m.Write([]byte(scope))
	m.Write(cursor)
	return m.Sum(nil)
}

// signPage signs a store cursor into a nextToken for scope.
func signPage(key []byte, scope string, cursor []byte) string {
	return base64.RawURLEncoding.EncodeToString(cursor) + "." + base64.RawURLEncoding.EncodeToString(pageMAC(key, scope, cursor))
}

// parsePage returns the cursor a nextToken carries, without checking its
// MAC; ok is false for a token that is not "<cursor>.<mac>" in base64url
// with a non-empty cursor.
func parsePage(token string) (cursor []byte, ok bool) {
	c, m, ok := strings.Cut(token, ".")
	if !ok {
		return nil, false
	}
	cursor, err1 := base64.RawURLEncoding.DecodeString(c)
	_, err2 := base64.RawURLEncoding.DecodeString(m)
	if err1 != nil || err2 != nil || len(cursor) == 0 {
		return nil, false
	}
	return cursor, true
}

// openPage verifies a nextToken for scope and returns its cursor. Only the
// exact token signPage made for that cursor and scope opens: the whole token
// is compared, so no other spelling of the same bytes (base64's unused
// trailing bits, line breaks the decoder skips) is accepted.
func openPage(key []byte, scope, token string) ([]byte, bool) {
	cursor, ok := parsePage(token)
	if !ok || !hmac.Equal([]byte(token), []byte(signPage(key, scope, cursor))) {
		return nil, false
	}
	return cursor, true
}

// encodePage signs a store cursor into a nextToken; nil stays nil.
func (s *Service) encodePage(ctx context.Context, scope string, cursor []byte) (*string, error) {
	if cursor == nil {
		return nil, nil
	}
	key, err := s.pageKeys.PageTokenKey(ctx)
	if err != nil {
		return nil, s.storeError(err, "signing the page token", "", "")
	}
	tok := signPage(key, scope, cursor)
	return &tok, nil
}

// decodePage verifies a nextToken and returns its cursor (nil for none). A
// token that is malformed is refused before the key is fetched.
func (s *Service) decodePage(ctx context.Context, scope string, token *string) ([]byte, error) {
	if token == nil {
		return nil, nil
	}
	invalid := Validation(Field{Path: "nextToken", Message: "Value at 'nextToken' failed to satisfy constraint: Member must be the nextToken of the previous page of this same request, unchanged"})
	if _, ok := parsePage(*token); !ok {
		return nil, invalid
	}
	key, err := s.pageKeys.PageTokenKey(ctx)
	if err != nil {
		return nil, s.storeError(err, "checking the page token", "", "")
	}
	cursor, ok := openPage(key, scope, *token)
	if !ok {
		return nil, invalid
	}
	return cursor, nil
}

// PageKeys gives the key that signs list page tokens.
type PageKeys interface {
	// PageTokenKey returns the deployment's secret for signing nextToken
	// values, creating it on first use.
	PageTokenKey(ctx context.Context) ([]byte, error)
}

func filterScope(f []IdentitySourceFilter) string {
	var b strings.Builder
	for _, x := range f {
		if x.PrincipalEntityType == nil {
			b.WriteString("-\x00")
			continue
		}
		fmt.Fprintf(&b, "%q\x00", *x.PrincipalEntityType)
	}
	return b.String()
}
