package token

import (
	"fmt"
)

// Checks a token can fail, as [Error.Check] names them.
const (
	// CheckMissingToken: neither an identity token nor an access token.
	CheckMissingToken = "missingToken"
	// CheckMalformed: not a compact JWS whose payload is a JSON object.
	CheckMalformed = "malformed"
	// CheckAlgorithm: the header's alg is not allowed for the source.
	CheckAlgorithm = "algorithm"
	// CheckUnknownKey: the key set has no key the token names (kid).
	CheckUnknownKey = "unknownKey"
	// CheckSignature: the signature does not verify with the named key.
	CheckSignature = "signature"
	// CheckIssuer: iss is not the identity source's user pool or issuer.
	CheckIssuer = "issuer"
	// CheckExpired: exp is missing or has passed (beyond the leeway).
	CheckExpired = "expired"
	// CheckNotYetValid: nbf is in the future (beyond the leeway).
	CheckNotYetValid = "notYetValid"
	// CheckTokenUse: token_use does not match the parameter the token came in.
	CheckTokenUse = "tokenUse"
	// CheckTokenSelection: an OpenID Connect source accepts only the other
	// kind of token.
	CheckTokenSelection = "tokenSelection"
	// CheckAudience: aud, client_id or cid is not one the source accepts.
	CheckAudience = "audience"
	// CheckPrincipal: the claim naming the principal is missing or not a
	// string.
	CheckPrincipal = "principal"
	// CheckSameSubject: the identity and access tokens name different
	// principals.
	CheckSameSubject = "sameSubject"
	// CheckClaims: a claim AVP reserves is present (Cognito's cognito,
	// custom and dev).
	CheckClaims = "claims"
	// CheckIdentitySource: the identity source cannot verify tokens (no
	// configuration, or a user pool ARN that does not parse).
	CheckIdentitySource = "identitySource"
)

// Parameter names a token arrives in, as Error.Token carries them.
const (
	ParamIdentityToken = "identityToken"
	ParamAccessToken   = "accessToken"
)

// Error is a token that fails a check: the caller's fault. Check names the
// failed check (one of the Check constants), Token the parameter the token
// came in ("" when the failure concerns both or neither), and Message says
// what failed in words fit for the caller; it never holds the token or key
// material.
type Error struct {
	Check   string
	Token   string
	Message string
}

func (e *Error) Error() string { return e.Message }

// fail returns an *Error for the token in param.
func fail(check, param, format string, args ...any) *Error {
	msg := fmt.Sprintf(format, args...)
	if param != "" {
		msg = "the " + param + " " + msg
	}
	return &Error{Check: check, Token: param, Message: msg}
}

// KeysUnavailableError is a failure to obtain the keys a token must be
// checked with: the issuer's discovery document or key set could not be
// fetched or used. It says nothing about the token; the service answers it
// differently from a bad token. URL is the address that failed.
type KeysUnavailableError struct {
	URL    string
	Reason string
	Err    error
}

func (e *KeysUnavailableError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("token: keys from %s unavailable: %s: %v", e.URL, e.Reason, e.Err)
	}
	return fmt.Sprintf("token: keys from %s unavailable: %s", e.URL, e.Reason)
}

func (e *KeysUnavailableError) Unwrap() error { return e.Err }
