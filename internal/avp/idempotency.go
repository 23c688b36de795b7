package avp

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// IdempotencyTTL is how long a clientToken is remembered.
const IdempotencyTTL = 8 * time.Hour

// replayReserve is the part of a request's deadline that identity-provider
// checks leave for reading an idempotency record when they fail.
const replayReserve = time.Second

// IdempotencyRecord remembers a create made with a clientToken: a hash of its
// parameters and the response it got, until ExpiresAt.
type IdempotencyRecord struct {
	Operation  string
	Token      string
	ParamsHash string
	Response   []byte // the JSON response of the original request
	IssuedAt   time.Time
	ExpiresAt  time.Time
}

// Live reports whether the record still holds its token at now.
func (r IdempotencyRecord) Live(now time.Time) bool { return now.Before(r.ExpiresAt) }

// TokenUsedError is returned by a Store write whose clientToken already has
// an unexpired record; Record is that record.
type TokenUsedError struct{ Record IdempotencyRecord }

func (e *TokenUsedError) Error() string {
	return fmt.Sprintf("client token already used by %s", e.Record.Operation)
}

// IdempotencyRecords reads idempotency records.
type IdempotencyRecords interface {
	// GetIdempotencyRecord returns the record of a token, expired or not
	// (TTL deletion lags), or ErrNotFound.
	GetIdempotencyRecord(ctx context.Context, account, operation, token string) (IdempotencyRecord, error)
}

// idempotent runs write with an idempotency record for token (none when
// token is nil). out holds the response to remember; when the token was used
// before with the same parameters, out is overwritten with the original
// response and no write happens.
func idempotent[O any](s *Service, account, op string, token *string, params any, out *O,
	resources func(stored *O) []ResourceRef, write func(rec *IdempotencyRecord) error) error {
	if token == nil {
		return write(nil)
	}
	hash, resp, err := hashAndEncode(params, out)
	if err != nil {
		return err
	}
	now := s.now()
	rec := &IdempotencyRecord{Operation: op, Token: *token, ParamsHash: hash, Response: resp, IssuedAt: now, ExpiresAt: now.Add(IdempotencyTTL)}
	err = write(rec)
	var used *TokenUsedError
	if !errors.As(err, &used) {
		return err
	}
	if used.Record.ParamsHash != hash {
		prev := new(O)
		_ = json.Unmarshal(used.Record.Response, prev)
		return Conflict(fmt.Sprintf("clientToken %s was already used for a %s request with different parameters; use a new clientToken for a new request", *token, op), resources(prev)...)
	}
	if err := json.Unmarshal(used.Record.Response, out); err != nil {
		return fmt.Errorf("decode stored response of %s token: %w", op, err)
	}
	return nil
}

// replay returns the stored response of token if it was used for the same
// parameters; it is only consulted on failure paths.
func (s *Service) replay(ctx context.Context, account, op string, token *string, params any) ([]byte, bool) {
	if token == nil {
		return nil, false
	}
	rec, err := s.idempotency.GetIdempotencyRecord(ctx, account, op, *token)
	if err != nil || !rec.Live(s.now()) {
		return nil, false
	}
	hash, _, err := hashAndEncode(params, nil)
	if err != nil || rec.ParamsHash != hash {
		return nil, false
	}
	return rec.Response, true
}

// hashAndEncode hashes the canonical JSON of params (encoding/json writes
// struct fields in declaration order and map keys sorted) and encodes out.
func hashAndEncode(params, out any) (string, []byte, error) {
	p, err := json.Marshal(params)
	if err != nil {
		return "", nil, fmt.Errorf("encode parameters: %w", err)
	}
	sum := sha256.Sum256(p)
	var resp []byte
	if out != nil {
		if resp, err = json.Marshal(out); err != nil {
			return "", nil, fmt.Errorf("encode response: %w", err)
		}
	}
	return hex.EncodeToString(sum[:]), resp, nil
}
