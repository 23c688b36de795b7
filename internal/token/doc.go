// Package token verifies the identity and access tokens of
// IsAuthorizedWithToken and BatchIsAuthorizedWithToken against a policy
// store's identity source and maps their claims to the Cedar principal AVP
// builds: the principal entity (attributes from the ID token, parents from
// the groups claim), one entity per group, and the access token's claims as
// the request context's "token" record.
//
// A [Verifier] holds one JSON Web Key Set cache per key source (a Cognito
// user pool, an OpenID Connect issuer) and is safe for concurrent use. A key
// set is fetched on first use, refreshed when it is older than the key TTL,
// and fetched again early when a token names a key (kid) the cached set
// lacks, at most once per refetch interval per source, so that a key
// rotation is picked up at once and a flood of made-up kids cannot hammer the
// issuer. A token whose signature verified is remembered with the key
// object that verified it, so the same token sent again skips the
// public-key operation while that key is in the current set; its claims are
// checked again on every call. Signatures are checked by github.com/go-jose/go-jose/v4 with an
// algorithm allow-list fixed per source kind (RS256 for Cognito; RS, PS and
// ES with 256, 384 and 512 bits for OpenID Connect; never none or HS*).
//
// A token that fails a check is a [*Error] naming the check; a failure to
// obtain the issuer's keys is a [*KeysUnavailableError]. Neither message
// repeats a token or any key material.
//
// OpenID Connect discovery documents and key sets are fetched through
// [github.com/vpid-dev/vpid/internal/oidc]'s guarded HTTP client (no proxy,
// no redirects, no connections to private or loopback addresses). The
// package has no wire protocol and no storage: it imports nothing else of
// vpid but internal/avp (the identity source types) and internal/oidc (the
// guarded client and discovery), besides cedar-go's types and go-jose.
package token
