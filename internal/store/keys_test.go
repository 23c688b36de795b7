package store

import "testing"

func TestKeys(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ got, want string }{
		{storePK("123456789012", "PS1"), "A#123456789012#PS#PS1"},
		{storesGSI1PK("123456789012"), "A#123456789012#PS"},
		{storesGSI1SK("2026-01-01T00:00:00.000000Z", "PS1"), "2026-01-01T00:00:00.000000Z#PS1"},
		{identitySourceSK("IS1"), "IS#IS1"},
		{tokenPK("123456789012", "CreateIdentitySource", "t-1"), "A#123456789012#TOKEN#CreateIdentitySource#t-1"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %s, want %s", tc.got, tc.want)
		}
	}
}
