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
	return answerOf(used.Record, op, *token, hash, out, resources)
}

// answerOf is what a request with token and parameters hashed to hash gets
// from the live record rec of its token: the original response in out, or a
// ConflictException when the parameters differ.
func answerOf[O any](rec IdempotencyRecord, op, token, hash string, out *O, resources func(stored *O) []ResourceRef) error {
	if rec.ParamsHash != hash {
		prev := new(O)
		_ = json.Unmarshal(rec.Response, prev)
		return Conflict(fmt.Sprintf("clientToken %s was already used for a %s request with different parameters; use a new clientToken for a new request", token, op), resources(prev)...)
	}
	if err := json.Unmarshal(rec.Response, out); err != nil {
		return fmt.Errorf("decode stored response of %s token: %w", op, err)
	}
	return nil
}

// recorded answers a request that is about to fail from the live record of
// its token, as the write would have (see answerOf); ok is false when there
// is no token or no live record, or the record cannot be read: the request
// then fails as it was going to.
func recorded[O any](ctx context.Context, s *Service, account, op string, token *string, params any, out *O,
	resources func(stored *O) []ResourceRef) (ok bool, err error) {
	if token == nil {
		return false, nil
	}
	rec, err := s.idempotency.GetIdempotencyRecord(ctx, account, op, *token)
	if err != nil || !rec.Live(s.now()) {
		return false, nil
	}
	hash, _, err := hashAndEncode(params, nil)
	if err != nil {
		return false, nil
	}
	return true, answerOf(rec, op, *token, hash, out, resources)
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
