package oidc

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
)

func TestForbidden(t *testing.T) {
	t.Parallel()
	tests := []struct {
		addr string
		want bool
	}{
		{"127.0.0.1", true},
		{"127.1.2.3", true},
		{"::1", true},
		{"::ffff:127.0.0.1", true},
		{"10.0.0.1", true},
		{"172.16.0.1", true},
		{"172.31.255.255", true},
		{"192.168.1.1", true},
		{"fc00::1", true},
		{"fd12:3456::1", true},
		{"169.254.169.254", true}, // instance metadata
		{"::ffff:169.254.169.254", true},
		{"fe80::1", true},
		{"fe80::1%eth0", true},
		{"fd00:ec2::254", true}, // instance metadata over IPv6
		{"0.0.0.0", true},
		{"0.1.2.3", true},
		{"::", true},
		{"224.0.0.1", true},
		{"239.255.255.250", true},
		{"ff02::1", true},
		{"ff05::2", true},
		{"100.64.0.1", true},
		{"100.127.255.255", true},
		{"255.255.255.255", true},
		{"64:ff9b::a00:1", true},    // NAT64 of 10.0.0.1
		{"64:ff9b::7f00:1", true},   // NAT64 of 127.0.0.1
		{"64:ff9b::808:808", false}, // NAT64 of 8.8.8.8
		{"8.8.8.8", false},
		{"1.1.1.1", false},
		{"100.63.255.255", false},
		{"100.128.0.0", false},
		{"172.15.255.255", false},
		{"172.32.0.0", false},
		{"52.94.76.1", false},
		{"2606:4700:4700::1111", false},
		{"::ffff:8.8.8.8", false},
	}
	for _, tc := range tests {
		if got := forbidden(netip.MustParseAddr(tc.addr)); got != tc.want {
			t.Errorf("forbidden(%s) = %v, want %v", tc.addr, got, tc.want)
		}
	}
	if !forbidden(netip.Addr{}) {
		t.Error("forbidden(zero Addr) = false, want true")
	}
}

func TestGuardControl(t *testing.T) {
	t.Parallel()
	tests := []struct {
		network, address string
		wantErr          bool
	}{
		{"tcp4", "93.184.216.34:443", false},
		{"tcp6", "[2606:2800:220:1::]:443", false},
		{"tcp4", "127.0.0.1:443", true},
		{"tcp6", "[::1]:443", true},
		{"tcp4", "169.254.169.254:80", true},
		{"tcp6", "[fe80::1%eth0]:443", true},
		{"tcp", "not-an-address", true}, // fails closed
	}
	for _, tc := range tests {
		err := guardControl(tc.network, tc.address, nil)
		if got := err != nil; got != tc.wantErr {
			t.Errorf("guardControl(%s, %s) = %v, want error %v", tc.network, tc.address, err, tc.wantErr)
		}
		if err != nil && !errors.Is(err, errForbiddenAddress) {
			t.Errorf("guardControl(%s, %s) = %v, want errForbiddenAddress", tc.network, tc.address, err)
		}
	}
}

func TestClip(t *testing.T) {
	t.Parallel()
	if got := clip("short"); got != "short" {
		t.Errorf("clip(short) = %q", got)
	}
	long := strings.Repeat("é", 300) // 2 bytes each: the cut must not split one
	got := clip(long)
	if !strings.HasSuffix(got, "…") || len(got) > 200+len("…") || !strings.HasPrefix(long, strings.TrimSuffix(got, "…")) {
		t.Errorf("clip(long) = %q", got)
	}
	if strings.ContainsRune(got, '\uFFFD') {
		t.Errorf("clip split a rune: %q", got)
	}
}

func TestByteSize(t *testing.T) {
	t.Parallel()
	for n, want := range map[int64]string{1 << 20: "1 MiB", 3 << 20: "3 MiB", 1024: "1 KiB", 1536: "1536 bytes", 1000: "1000 bytes"} {
		if got := byteSize(n); got != want {
			t.Errorf("byteSize(%d) = %q, want %q", n, got, want)
		}
	}
}
