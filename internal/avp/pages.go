package avp

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"regexp"
	"strings"
)

// List page tokens are "<cursor>.<mac>": the store's cursor and an
// HMAC-SHA256 over the cursor and the request's scope (operation, account,
// policy store, filters), both base64url. A token changed in any bit, or
// replayed in another account, for another store, another operation or other
// filters, fails the MAC and is rejected: it can never reach another
// account's data, nor make the store read an arbitrary key.

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

func (s *Service) pageMAC(ctx context.Context, scope string, cursor []byte) ([]byte, error) {
	key, err := s.store.PageTokenKey(ctx)
	if err != nil {
		return nil, err
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte("vpid-page-v1\x00"))
	m.Write([]byte(scope))
	m.Write([]byte{0})
	m.Write(cursor)
	return m.Sum(nil), nil
}

// encodePage signs a store cursor into a nextToken; nil stays nil.
func (s *Service) encodePage(ctx context.Context, scope string, cursor []byte) (*string, error) {
	if cursor == nil {
		return nil, nil
	}
	mac, err := s.pageMAC(ctx, scope, cursor)
	if err != nil {
		return nil, s.storeError(err, "signing the page token", "", "")
	}
	tok := base64.RawURLEncoding.EncodeToString(cursor) + "." + base64.RawURLEncoding.EncodeToString(mac)
	return &tok, nil
}

// decodePage verifies a nextToken and returns its cursor (nil for none).
func (s *Service) decodePage(ctx context.Context, scope string, token *string) ([]byte, error) {
	if token == nil {
		return nil, nil
	}
	invalid := Validation(Field{Path: "nextToken", Message: "The nextToken is not valid for this request; pass the nextToken of the previous page of the same request unchanged"})
	c, m, ok := strings.Cut(*token, ".")
	if !ok {
		return nil, invalid
	}
	cursor, err1 := base64.RawURLEncoding.DecodeString(c)
	mac, err2 := base64.RawURLEncoding.DecodeString(m)
	if err1 != nil || err2 != nil || len(cursor) == 0 {
		return nil, invalid
	}
	want, err := s.pageMAC(ctx, scope, cursor)
	if err != nil {
		return nil, s.storeError(err, "checking the page token", "", "")
	}
	if !hmac.Equal(mac, want) {
		return nil, invalid
	}
	return cursor, nil
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
