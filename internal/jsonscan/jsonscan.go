// Package jsonscan reads JSON in one pass, without reflection, for the fast
// paths that decode the few shapes most requests have (the Lambda proxy
// event, the usual decision request). It decodes exactly as json.Unmarshal
// does where it answers, and gives up (a method reports false) wherever it
// would not: control characters, invalid UTF-8, an escaped surrogate,
// malformed JSON, nesting deeper than 64. A caller that gets false decodes
// the input the general way; fuzz tests of the callers hold the two to the
// same answers.
package jsonscan

import (
	"bytes"
	"strings"
	"unicode/utf8"
)

// New returns a Scanner at the start of b.
func New(b []byte) *Scanner { return &Scanner{b: b} }

// Scanner is a cursor over JSON. Every method reports false when it gives
// up, having consumed an unspecified part of the input.
type Scanner struct {
	b []byte
	i int
}

// Space skips white space.
func (s *Scanner) Space() { s.i = SkipSpace(s.b, s.i) }

// SkipSpace returns the index of the first byte of b at or after i that
// is not JSON white space, or len(b).
func SkipSpace(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// Next skips white space and reports whether the next byte is c, taking
// it if so.
func (s *Scanner) Next(c byte) bool {
	s.Space()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// Object calls member for each member of an object, with its name decoded
// (in place when it has no escape: member must copy it to keep it) and the
// cursor before the value; member must consume the value.
func (s *Scanner) Object(member func(name []byte) bool) bool {
	if !s.Next('{') {
		return false
	}
	if s.Next('}') {
		return true
	}
	for {
		name, ok := s.Bytes()
		if !ok || !s.Next(':') || !member(name) {
			return false
		}
		if s.Next('}') {
			return true
		}
		if !s.Next(',') {
			return false
		}
	}
}

// Fields hands each member of an object that names[i] names to read(i);
// any other member is skipped, unless its name equals one of names without
// regard to case (json.Unmarshal would take it), and a name read twice
// gives up (json.Unmarshal merges or overwrites; the fast path does not).
func (s *Scanner) Fields(names []string, read func(i int) bool) bool {
	var seen uint64
	return s.Object(func(name []byte) bool {
		for i, k := range names {
			if string(name) == k {
				if seen&(1<<i) != 0 {
					return false
				}
				seen |= 1 << i
				return read(i)
			}
		}
		for _, k := range names {
			if bytes.EqualFold([]byte(k), name) {
				return false
			}
		}
		return !foldsLikeJSON(name) && s.Skip()
	})
}

// foldsLikeJSON reports a name holding the two non-ASCII letters that
// encoding/json's case folding maps onto ASCII ones (the Kelvin sign and
// the long s): with them a name can match a field that EqualFold says it
// does not.
func foldsLikeJSON(name []byte) bool {
	return bytes.ContainsRune(name, '\u212a') || bytes.ContainsRune(name, '\u017f')
}

// Str reads a string: plain runs, and the escapes other than \u of a
// surrogate. It gives up on control characters and invalid UTF-8, which
// json.Unmarshal refuses or replaces.
func (s *Scanner) Str() (string, bool) {
	raw, plain, ok := s.plain()
	switch {
	case !ok:
		return "", false
	case plain:
		return string(raw), true
	}
	return s.escaped(raw)
}

// Bytes reads a string as Str does, but leaves one without escapes in
// place: for names and skipped values, which are compared or dropped.
func (s *Scanner) Bytes() ([]byte, bool) {
	raw, plain, ok := s.plain()
	switch {
	case !ok:
		return nil, false
	case plain:
		return raw, true
	}
	v, ok := s.escaped(raw)
	return []byte(v), ok
}

// plain reads a string up to its closing quote when it has no escape
// (plain, the contents in place), or up to its first escape (not plain:
// the cursor on the backslash, raw the run before it, for escaped).
func (s *Scanner) plain() (raw []byte, plain, ok bool) {
	if !s.Next('"') {
		return nil, false, false
	}
	start := s.i
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			raw := s.b[start:s.i]
			s.i++
			return raw, true, utf8.Valid(raw)
		case c == '\\':
			return s.b[start:s.i], false, true
		case c < 0x20:
			return nil, false, false
		default:
			s.i++
		}
	}
	return nil, false, false
}

// escaped finishes a string that has escapes: before is the run ahead of
// the first, on which the cursor is.
func (s *Scanner) escaped(before []byte) (string, bool) {
	var out strings.Builder
	out.Grow(len(before) + s.rawEnd() - s.i) // the unescaped string is no longer
	out.Write(before)
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			r := out.String()
			if !utf8.ValidString(r) {
				return "", false
			}
			return r, true
		case c < 0x20:
			return "", false
		case c != '\\':
			run := s.i + 1
			for run < len(s.b) && s.b[run] >= 0x20 && s.b[run] != '"' && s.b[run] != '\\' {
				run++
			}
			out.Write(s.b[s.i:run])
			s.i = run
			continue
		}
		if s.i+1 >= len(s.b) {
			return "", false
		}
		s.i += 2
		switch e := s.b[s.i-1]; e {
		case '"', '\\', '/':
			out.WriteByte(e)
		case 'b':
			out.WriteByte('\b')
		case 'f':
			out.WriteByte('\f')
		case 'n':
			out.WriteByte('\n')
		case 'r':
			out.WriteByte('\r')
		case 't':
			out.WriteByte('\t')
		case 'u':
			r, ok := s.hex4()
			if !ok || r >= 0xd800 && r < 0xe000 {
				return "", false // surrogates: json.Unmarshal pairs or replaces them
			}
			out.WriteRune(r)
		default:
			return "", false
		}
	}
	return "", false
}

// rawEnd is where the string being read ends: the index of its closing
// quote (one not escaped by an odd run of backslashes), or the input's end.
func (s *Scanner) rawEnd() int {
	for j := s.i; ; {
		k := bytes.IndexByte(s.b[j:], '"')
		if k < 0 {
			return len(s.b)
		}
		end := j + k
		n := 0
		for end-1-n >= s.i && s.b[end-1-n] == '\\' {
			n++
		}
		if n%2 == 0 {
			return end
		}
		j = end + 1
	}
}

func (s *Scanner) hex4() (rune, bool) {
	if s.i+4 > len(s.b) {
		return 0, false
	}
	var r rune
	for _, c := range s.b[s.i : s.i+4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	s.i += 4
	return r, true
}

// Skip checks the grammar of one value of any kind and steps over it.
func (s *Scanner) Skip() bool {
	return s.skipDepth(0)
}

// maxSkipDepth bounds the nesting the fast path walks; deeper values go to
// json.Unmarshal, which has its own bound.
const maxSkipDepth = 64

func (s *Scanner) skipDepth(depth int) bool {
	if depth > maxSkipDepth {
		return false
	}
	s.Space()
	if s.i >= len(s.b) {
		return false
	}
	switch s.b[s.i] {
	case '"':
		_, ok := s.Bytes()
		return ok
	case '{':
		return s.Object(func([]byte) bool { return s.skipDepth(depth + 1) })
	case '[':
		s.i++
		if s.Next(']') {
			return true
		}
		for {
			if !s.skipDepth(depth + 1) {
				return false
			}
			if s.Next(']') {
				return true
			}
			if !s.Next(',') {
				return false
			}
		}
	case 't':
		return s.word("true")
	case 'f':
		return s.word("false")
	case 'n':
		return s.word("null")
	default:
		return s.number()
	}
}

func (s *Scanner) word(w string) bool {
	if !bytes.HasPrefix(s.b[s.i:], []byte(w)) {
		return false
	}
	s.i += len(w)
	return true
}

// number steps over a JSON number: -?(0|[1-9]d*)(.d+)?([eE][+-]?d+)?
func (s *Scanner) number() bool {
	digits := func() int {
		n := 0
		for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
			s.i++
			n++
		}
		return n
	}
	if s.i < len(s.b) && s.b[s.i] == '-' {
		s.i++
	}
	switch {
	case s.i < len(s.b) && s.b[s.i] == '0':
		s.i++
	case digits() == 0:
		return false
	}
	if s.i < len(s.b) && s.b[s.i] == '.' {
		s.i++
		if digits() == 0 {
			return false
		}
	}
	if s.i < len(s.b) && (s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		s.i++
		if s.i < len(s.b) && (s.b[s.i] == '+' || s.b[s.i] == '-') {
			s.i++
		}
		if digits() == 0 {
			return false
		}
	}
	return true
}

// Null takes a null, which json.Unmarshal decodes into any member by
// leaving it as it is.
func (s *Scanner) Null() bool {
	s.Space()
	return s.i < len(s.b) && s.b[s.i] == 'n' && s.word("null")
}

// Into reads a string, or a null, into dst.
func (s *Scanner) Into(dst *string) bool {
	if s.Null() {
		return true
	}
	v, ok := s.Str()
	*dst = v
	return ok
}

// End skips white space and reports whether the input is over.
func (s *Scanner) End() bool {
	s.Space()
	return s.i == len(s.b)
}

// Raw steps over one value, as Skip does, and returns its bytes.
func (s *Scanner) Raw() ([]byte, bool) {
	s.Space()
	start := s.i
	if !s.Skip() {
		return nil, false
	}
	return s.b[start:s.i], true
}

// Bool reads true or false, or a null (set false: json.Unmarshal leaves
// the member as it is, which for a new value is false).
func (s *Scanner) Bool() (v, ok bool) {
	s.Space()
	switch {
	case s.Null():
		return false, true
	case s.i < len(s.b) && s.b[s.i] == 't':
		return true, s.word("true")
	case s.i < len(s.b) && s.b[s.i] == 'f':
		return false, s.word("false")
	}
	return false, false
}
