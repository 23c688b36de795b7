package drift

import "testing"

func TestTransientIssuerProblem(t *testing.T) {
	for reason, want := range map[string]bool{
		"the discovery document https://a/.well-known/openid-configuration answered HTTP 503":                                                             true,
		"the discovery document https://a/.well-known/openid-configuration answered HTTP 500":                                                             true,
		"the discovery document https://a/.well-known/openid-configuration answered HTTP 429":                                                             true,
		"the discovery document https://a/.well-known/openid-configuration did not answer within 5s":                                                      true,
		"the discovery document https://a/.well-known/openid-configuration could not be reached: connection refused":                                      true,
		"the discovery document https://a/.well-known/openid-configuration could not be reached: connection reset":                                        true,
		"the discovery document https://a/.well-known/openid-configuration could not be reached: the host name could not be resolved: server misbehaving": true,
		"the discovery document https://a/.well-known/openid-configuration answered HTTP 404":                                                             false,
		"the discovery document https://a/.well-known/openid-configuration answered HTTP 4290":                                                            false,
		"the discovery document https://a/.well-known/openid-configuration could not be reached: the host name a does not resolve":                        false,
		"the discovery document https://a/.well-known/openid-configuration could not be reached: its TLS certificate is not valid: x":                     false,
		"the discovery document https://a/.well-known/openid-configuration could not be reached: it does not speak TLS":                                   false,
		"the discovery document https://a/.well-known/openid-configuration answered HTTP 302, a redirect; redirects are not followed":                     false,
		`the discovery document https://a/.well-known/openid-configuration names issuer "https://b" instead of "https://a"`:                               false,
		"the discovery document https://a/.well-known/openid-configuration is not a JSON object":                                                          false,
		"the issuer's host resolves to a private or loopback address, which is not allowed":                                                               false,
	} {
		if got := transientIssuerProblem(reason); got != want {
			t.Errorf("transientIssuerProblem(%q) = %v, want %v", reason, got, want)
		}
	}
}
