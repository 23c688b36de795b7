package avp

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"strings"
)

// Page size limits of the list operations.
const (
	DefaultPageSize      = 10
	DefaultAliasPageSize = 5
	MaxPageSize          = 50
)

var (
	reNextToken   = newPattern(`^[A-Za-z0-9-_=+/\.]*$`)
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

// A nextToken is base64url (no padding) of
//
//	version (1 byte, pageVersion) | key id (4 bytes, big-endian) |
//	nonce (12 bytes) | AES-256-GCM ciphertext of the store cursor | tag (16 bytes)
//
// sealed with the page key of that id, with the version, the key id and the
// request's scope as additional data: the cursor is hidden, and a token
// changed in any bit, or presented in another scope, does not open.
const (
	pageVersion   = 3
	pageHeaderLen = 1 + 4
	pageNonceLen  = 12
	pageTagLen    = 16
)

// PageKey is one key of page tokens: its id, named in every token it
// sealed, and its 32-byte secret.
type PageKey struct {
	ID     uint32
	Secret []byte
}

// PageKeyRing is the keys that open page tokens: Current seals new ones;
// Previous, the key Current replaced (nil before the first rotation), still
// opens the tokens it sealed.
type PageKeyRing struct {
	Current  PageKey
	Previous *PageKey
}

func (r PageKeyRing) key(id uint32) ([]byte, bool) {
	switch {
	case r.Current.ID == id:
		return r.Current.Secret, true
	case r.Previous != nil && r.Previous.ID == id:
		return r.Previous.Secret, true
	}
	return nil, false
}

// PageKeys gives the keys of list page tokens.
type PageKeys interface {
	// PageTokenKeys returns the deployment's page token keys, creating the
	// first on first use and rotating them when Current is old. With
	// refresh, the caller met a token of a key id newer than the Current
	// it was given (another instance rotated): the implementation reads the
	// keys again, at a bounded rate, instead of answering from a cache.
	PageTokenKeys(ctx context.Context, refresh bool) (PageKeyRing, error)
}

func pageAEAD(secret []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(secret)
	if err != nil {
		return nil, fmt.Errorf("page token key: %w", err)
	}
	return cipher.NewGCM(b)
}

// pageAAD binds a token to its header and its scope; the scope is
// length-prefixed so that no (scope, header) pair reads as another.
func pageAAD(header []byte, scope string) []byte {
	aad := append([]byte("vpid-page-v3"), header...)
	aad = binary.BigEndian.AppendUint64(aad, uint64(len(scope)))
	return append(aad, scope...)
}

// sealPage seals a store cursor into a nextToken for scope under key.
func sealPage(key PageKey, scope string, cursor []byte) (string, error) {
	aead, err := pageAEAD(key.Secret)
	if err != nil {
		return "", err
	}
	buf := make([]byte, pageHeaderLen+pageNonceLen, pageHeaderLen+pageNonceLen+len(cursor)+pageTagLen)
	buf[0] = pageVersion
	binary.BigEndian.PutUint32(buf[1:pageHeaderLen], key.ID)
	nonce := buf[pageHeaderLen:]
	rand.Read(nonce)
	out := aead.Seal(buf, nonce, cursor, pageAAD(buf[:pageHeaderLen], scope))
	return base64.RawURLEncoding.EncodeToString(out), nil
}

// parsePage reads a nextToken's raw bytes and key id, without opening it;
// ok is false for a token that is not one sealPage could have made: not
// canonical base64url, another version, or too short to hold a cursor.
func parsePage(token string) (raw []byte, keyID uint32, ok bool) {
	raw, err := base64.RawURLEncoding.Strict().DecodeString(token)
	// The decoder skips line breaks: only the canonical spelling counts.
	if err != nil || len(raw) < pageHeaderLen+pageNonceLen+1+pageTagLen || raw[0] != pageVersion ||
		base64.RawURLEncoding.EncodeToString(raw) != token {
		return nil, 0, false
	}
	return raw, binary.BigEndian.Uint32(raw[1:pageHeaderLen]), true
}

// openPage opens a token's raw bytes (from parsePage) for scope under secret.
func openPage(secret []byte, scope string, raw []byte) ([]byte, bool) {
	aead, err := pageAEAD(secret)
	if err != nil {
		return nil, false
	}
	header, nonce, sealed := raw[:pageHeaderLen], raw[pageHeaderLen:pageHeaderLen+pageNonceLen], raw[pageHeaderLen+pageNonceLen:]
	cursor, err := aead.Open(nil, nonce, sealed, pageAAD(header, scope))
	if err != nil || len(cursor) == 0 {
		return nil, false
	}
	return cursor, true
}

// encodePage seals a store cursor into a nextToken; nil stays nil.
func (s *Service) encodePage(ctx context.Context, scope string, cursor []byte) (*string, error) {
	if cursor == nil {
		return nil, nil
	}
	ring, err := s.pageKeys.PageTokenKeys(ctx, false)
	if err != nil {
		return nil, s.storeError(err, "sealing the page token", "", "")
	}
	tok, err := sealPage(ring.Current, scope, cursor)
	if err != nil {
		return nil, err
	}
	return &tok, nil
}

// decodePage opens a nextToken and returns its cursor (nil for none). A
// token that is malformed is refused before the keys are fetched; one of a
// key newer than this instance knows has the keys read again.
func (s *Service) decodePage(ctx context.Context, scope string, token *string) ([]byte, error) {
	if token == nil {
		return nil, nil
	}
	invalid := Validation(Field{Path: "nextToken", Message: "Value at 'nextToken' failed to satisfy constraint: Member must be the nextToken of the previous page of this same request, unchanged"})
	raw, id, ok := parsePage(*token)
	if !ok {
		return nil, invalid
	}
	ring, err := s.pageKeys.PageTokenKeys(ctx, false)
	if err == nil && id > ring.Current.ID {
		ring, err = s.pageKeys.PageTokenKeys(ctx, true)
	}
	if err != nil {
		return nil, s.storeError(err, "checking the page token", "", "")
	}
	secret, ok := ring.key(id)
	if !ok {
		return nil, invalid // a key rotated out, or none that ever was
	}
	cursor, ok := openPage(secret, scope, raw)
	if !ok {
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
