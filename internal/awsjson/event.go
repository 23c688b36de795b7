package awsjson

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// decodeEvent decodes a Lambda payload into ev exactly as json.Unmarshal
// would. Most payloads take the fast path: one pass over the bytes that
// reads the members lambdaEvent has and checks the grammar of the rest
// without decoding it, several times cheaper than encoding/json's
// reflection over a whole event (BenchmarkDecodeEvent). Anything the fast
// path does not handle the way json.Unmarshal does, it gives up on, and
// json.Unmarshal decodes the payload: a member name that matches one of
// lambdaEvent's only without regard to case, or that repeats one, a null
// or mistyped member, an escape it does not decode, invalid UTF-8,
// malformed JSON. FuzzDecodeEvent holds every fast answer to
// json.Unmarshal's.
func decodeEvent(payload []byte, ev *lambdaEvent) error {
	var fast lambdaEvent
	if (&eventScanner{b: payload}).event(&fast) {
		*ev = fast
		return nil
	}
	*ev = lambdaEvent{}
	return json.Unmarshal(payload, ev)
}

// eventScanner is the fast path's cursor over a payload. Every method
// reports false when it gives up.
type eventScanner struct {
	b []byte
	i int
}

func (s *eventScanner) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// next skips white space and reports whether the next byte is c, taking
// it if so.
func (s *eventScanner) next(c byte) bool {
	s.space()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// object calls member for each member of an object, with its name decoded
// (in place when it has no escape: member must copy it to keep it) and the
// cursor before the value; member must consume the value.
func (s *eventScanner) object(member func(name []byte) bool) bool {
	if !s.next('{') {
		return false
	}
	if s.next('}') {
		return true
	}
	for {
		name, ok := s.bytes()
		if !ok || !s.next(':') || !member(name) {
			return false
		}
		if s.next('}') {
			return true
		}
		if !s.next(',') {
			return false
		}
	}
}

// fields hands each member of an object that names[i] names to read(i);
// any other member is skipped, unless its name equals one of names without
// regard to case (json.Unmarshal would take it), and a name read twice
// gives up (json.Unmarshal merges or overwrites; the fast path does not).
func (s *eventScanner) fields(names []string, read func(i int) bool) bool {
	var seen uint64
	return s.object(func(name []byte) bool {
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
		return !foldsLikeJSON(name) && s.skip()
	})
}

// foldsLikeJSON reports a name holding the two non-ASCII letters that
// encoding/json's case folding maps onto ASCII ones (the Kelvin sign and
// the long s): with them a name can match a field that EqualFold says it
// does not.
func foldsLikeJSON(name []byte) bool {
	return bytes.ContainsRune(name, '\u212a') || bytes.ContainsRune(name, '\u017f')
}

// str reads a string: plain runs, and the escapes other than \u of a
// surrogate. It gives up on control characters and invalid UTF-8, which
// json.Unmarshal refuses or replaces.
func (s *eventScanner) str() (string, bool) {
	raw, plain, ok := s.plain()
	switch {
	case !ok:
		return "", false
	case plain:
		return string(raw), true
	}
	return s.escaped(raw)
}

// bytes reads a string as str does, but leaves one without escapes in
// place: for names and skipped values, which are compared or dropped.
func (s *eventScanner) bytes() ([]byte, bool) {
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
func (s *eventScanner) plain() (raw []byte, plain, ok bool) {
	if !s.next('"') {
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
func (s *eventScanner) escaped(before []byte) (string, bool) {
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
func (s *eventScanner) rawEnd() int {
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

func (s *eventScanner) hex4() (rune, bool) {
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

// skip checks the grammar of one value of any kind and steps over it.
func (s *eventScanner) skip() bool {
	return s.skipDepth(0)
}

// maxSkipDepth bounds the nesting the fast path walks; deeper values go to
// json.Unmarshal, which has its own bound.
const maxSkipDepth = 64

func (s *eventScanner) skipDepth(depth int) bool {
	if depth > maxSkipDepth {
		return false
	}
	s.space()
	if s.i >= len(s.b) {
		return false
	}
	switch s.b[s.i] {
	case '"':
		_, ok := s.bytes()
		return ok
	case '{':
		return s.object(func([]byte) bool { return s.skipDepth(depth + 1) })
	case '[':
		s.i++
		if s.next(']') {
			return true
		}
		for {
			if !s.skipDepth(depth + 1) {
				return false
			}
			if s.next(']') {
				return true
			}
			if !s.next(',') {
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

func (s *eventScanner) word(w string) bool {
	if !strings.HasPrefix(string(s.b[s.i:min(len(s.b), s.i+len(w))]), w) {
		return false
	}
	s.i += len(w)
	return true
}

// number steps over a JSON number: -?(0|[1-9]d*)(.d+)?([eE][+-]?d+)?
func (s *eventScanner) number() bool {
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

// The members of lambdaEvent, as the fast path looks them up.
var (
	eventNames    = []string{"httpMethod", "body", "headers", "multiValueHeaders", "requestContext", "isBase64Encoded"}
	contextNames  = []string{"requestId", "identity"}
	identityNames = []string{"accountId"}
)

// null takes a null, which json.Unmarshal decodes into any member by
// leaving it as it is.
func (s *eventScanner) null() bool {
	s.space()
	return s.i < len(s.b) && s.b[s.i] == 'n' && s.word("null")
}

// into reads a string, or a null, into dst.
func (s *eventScanner) into(dst *string) bool {
	if s.null() {
		return true
	}
	v, ok := s.str()
	*dst = v
	return ok
}

// event reads a whole payload into ev.
func (s *eventScanner) event(ev *lambdaEvent) bool {
	rc := &ev.RequestContext
	ok := s.fields(eventNames, func(i int) bool {
		switch eventNames[i] {
		case "httpMethod":
			return s.into(&ev.HTTPMethod)
		case "body":
			return s.into(&ev.Body)
		case "headers":
			if s.null() {
				return true
			}
			ev.Headers = map[string]string{}
			return s.object(func(name []byte) bool {
				v, ok := s.str()
				ev.Headers[string(name)] = v // a repeated name: the last, as json.Unmarshal
				return ok
			})
		case "multiValueHeaders":
			s.space()
			start := s.i
			if !s.skip() {
				return false
			}
			ev.MultiValueHeaders = json.RawMessage(s.b[start:s.i])
			return true
		case "requestContext":
			return s.null() || s.fields(contextNames, func(i int) bool {
				if contextNames[i] == "requestId" {
					return s.into(&rc.RequestID)
				}
				return s.null() || s.fields(identityNames, func(int) bool { return s.into(&rc.Identity.AccountID) })
			})
		default: // isBase64Encoded
			switch {
			case s.null():
				return true
			case s.i < len(s.b) && s.b[s.i] == 't':
				ev.IsBase64Encoded = true
				return s.word("true")
			case s.i < len(s.b) && s.b[s.i] == 'f':
				return s.word("false")
			}
			return false
		}
	})
	s.space()
	return ok && s.i == len(s.b)
}
