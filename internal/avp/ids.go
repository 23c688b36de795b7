package avp

import (
	"crypto/rand"
	"encoding/json"
	"time"
)

const idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// IDLength is the length of the ids vpid issues, as AVP's.
const IDLength = 22

// NewID returns a random id of 22 alphanumerics, like AVP's
// (for example C7v5xMplfFH3i3e4Jrzb1a).
func NewID() string {
	var b [IDLength]byte
	// 62 does not divide 256: draw bytes below 248 (4*62) so every letter is
	// equally likely.
	var buf [64]byte
	n := 0
	for n < IDLength {
		rand.Read(buf[:]) // never returns an error (crypto/rand, Go 1.24+)
		for _, c := range buf {
			if c < 248 && n < IDLength {
				b[n] = idAlphabet[c%62]
				n++
			}
		}
	}
	return string(b[:])
}

// TimeFormat is how vpid writes timestamps: RFC 3339, UTC, microseconds.
const TimeFormat = "2006-01-02T15:04:05.000000Z"

// Timestamp is a time that encodes on the wire in TimeFormat.
type Timestamp struct{ time.Time }

// NewTimestamp truncates t to microseconds in UTC, the precision AVP shows.
func NewTimestamp(t time.Time) Timestamp {
	return Timestamp{t.UTC().Truncate(time.Microsecond)}
}

// String formats the timestamp in TimeFormat.
func (t Timestamp) String() string { return t.UTC().Format(TimeFormat) }

// MarshalJSON writes the timestamp as a JSON string in TimeFormat. It must
// be defined here: the embedded time.Time's own MarshalJSON (RFC 3339 with
// trailing zeros trimmed) would otherwise be promoted and win over
// MarshalText.
func (t Timestamp) MarshalJSON() ([]byte, error) { return []byte(`"` + t.String() + `"`), nil }

// UnmarshalJSON reads a JSON string in any RFC 3339 form.
func (t *Timestamp) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	return t.UnmarshalText([]byte(s))
}

// MarshalText implements encoding.TextMarshaler.
func (t Timestamp) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler; it accepts any RFC 3339 time.
func (t *Timestamp) UnmarshalText(b []byte) error {
	v, err := time.Parse(time.RFC3339Nano, string(b))
	if err != nil {
		return err
	}
	*t = NewTimestamp(v)
	return nil
}
