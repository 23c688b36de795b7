package oidc

import (
	"errors"
	"fmt"
	"net/netip"
	"syscall"
)

// errForbiddenAddress is returned by the dialer's Control function when a
// connection would reach an address that is not globally routable.
var errForbiddenAddress = errors.New("oidc: connection to a non-public address refused")

// Ranges refused beyond those the netip predicates in forbidden cover.
var forbiddenPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),      // "this network" (RFC 791); reaches the local host on Linux
	netip.MustParsePrefix("100.64.0.0/10"),  // shared address space, CGNAT (RFC 6598)
	netip.MustParsePrefix("192.0.0.0/24"),   // IETF protocol assignments (RFC 6890)
	netip.MustParsePrefix("198.18.0.0/15"),  // benchmarking (RFC 2544)
	netip.MustParsePrefix("240.0.0.0/4"),    // reserved, including the limited broadcast address
	netip.MustParsePrefix("fec0::/10"),      // deprecated site-local
	netip.MustParsePrefix("64:ff9b:1::/48"), // local-use NAT64 (RFC 8215)
}

// nat64 is the well-known NAT64 prefix (RFC 6052); its last 32 bits are an
// IPv4 address a NAT64 gateway would connect to.
var nat64 = netip.MustParsePrefix("64:ff9b::/96")

// forbidden reports whether a connection to a may reach something other than
// the public internet.
func forbidden(a netip.Addr) bool {
	if !a.IsValid() {
		return true
	}
	a = a.WithZone("").Unmap()
	if nat64.Contains(a) {
		b := a.As16()
		a = netip.AddrFrom4([4]byte(b[12:]))
	}
	if a.IsLoopback() || a.IsPrivate() || a.IsUnspecified() ||
		a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsInterfaceLocalMulticast() || a.IsMulticast() {
		return true
	}
	for _, p := range forbiddenPrefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// guardControl is a net.Dialer Control function: it runs after the address is
// resolved and before the socket connects, so it sees the address actually
// used. An address it cannot parse is refused.
func guardControl(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: %s %q", errForbiddenAddress, network, address)
	}
	if forbidden(ap.Addr()) {
		return fmt.Errorf("%w: %s", errForbiddenAddress, ap.Addr())
	}
	return nil
}
