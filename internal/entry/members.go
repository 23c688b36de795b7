package entry

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"github.com/vpid-dev/vpid/internal/avp"
	"github.com/vpid-dev/vpid/internal/jsonscan"
)

// checkMembers walks a body that is valid JSON along the Go type t (a
// pointer to the input struct) and refuses, at any depth, in known and
// unknown members alike:
//
//   - a member name that appears twice in one object: a ValidationException
//     naming its path. JSON leaves duplicate names undefined and decoders
//     disagree (Go's keeps the last, others the first), so a request such as
//     {"policyStoreId":"a","policyStoreId":"b"} has no one meaning;
//   - a member that differs from a known member only by case: encoding/json
//     matches names case-insensitively, so {"POLICYSTOREID": …} would fill
//     policyStoreId, while AWS's JSON protocols are case-sensitive. It is a
//     SerializationException naming the member probably meant.
//
// The walk reads the bytes in place: it allocates nothing per scalar or
// array element, and per object only the set of names seen (none for
// objects of up to eight members), so its cost is a small multiple of the
// body whatever the body holds.
func checkMembers(body []byte, t reflect.Type) error {
	w := walker{b: body}
	return w.value(t)
}

type walker struct {
	b    []byte
	i    int
	path []segment // where the walk is, rendered only for an error
}

// segment is one step of a path: an object member (in a struct or a map)
// or a list index.
type segment struct {
	key   []byte
	index int
	inMap bool
	list  bool
}

var unmarshaler = reflect.TypeFor[json.Unmarshaler]()

func (w *walker) ws() { w.i = jsonscan.SkipSpace(w.b, w.i) }

// str consumes a string at w.i and returns its raw content (between the
// quotes) and whether it holds escapes.
func (w *walker) str() (raw []byte, escaped bool) {
	w.i++ // the opening quote
	start := w.i
	for w.i < len(w.b) {
		switch w.b[w.i] {
		case '\\':
			escaped = true
			w.i += 2
			continue
		case '"':
			raw = w.b[start:w.i]
			w.i++
			return raw, escaped
		}
		w.i++
	}
	return w.b[start:], escaped
}

// key decodes a member name; only a name with escapes allocates.
func key(raw []byte, escaped bool) string {
	if !escaped {
		return string(raw)
	}
	var s string
	if err := json.Unmarshal(append(append([]byte{'"'}, raw...), '"'), &s); err != nil {
		return string(raw)
	}
	return s
}

func deref(t reflect.Type) reflect.Type {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// value consumes one JSON value, checking its objects against t (nil: an
// unknown member, whose own members are still checked for duplicates).
func (w *walker) value(t reflect.Type) error {
	t = deref(t)
	w.ws()
	if w.i >= len(w.b) {
		return nil
	}
	switch w.b[w.i] {
	case '{':
		return w.object(t)
	case '[':
		var elem reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			elem = t.Elem()
		}
		w.i++
		for n := 0; ; n++ {
			w.ws()
			if w.i >= len(w.b) || w.b[w.i] == ']' {
				w.i++
				return nil
			}
			if w.b[w.i] == ',' {
				w.i++
			}
			w.path = append(w.path, segment{index: n, list: true})
			if err := w.value(elem); err != nil {
				return err
			}
			w.path = w.path[:len(w.path)-1]
		}
	case '"':
		w.str()
	default: // a number, true, false or null
		for w.i < len(w.b) {
			switch w.b[w.i] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				return nil
			}
			w.i++
		}
	}
	return nil
}

func (w *walker) object(t reflect.Type) error {
	fields := jsonFields(t)
	isMap := t != nil && t.Kind() == reflect.Map
	// A union decodes its members itself, by exact name, and reports an
	// unknown one (in any case) as a ValidationException with its path.
	union := t != nil && reflect.PointerTo(t).Implements(unmarshaler)
	var small [8][]byte // the names seen, while there are few
	var seen map[string]struct{}
	n := 0
	w.i++
	for {
		w.ws()
		if w.i >= len(w.b) || w.b[w.i] == '}' {
			w.i++
			return nil
		}
		if w.b[w.i] == ',' {
			w.i++
			w.ws()
		}
		raw, escaped := w.str()
		if escaped {
			raw = []byte(key(raw, true))
		}
		dup := false
		switch {
		case n < len(small):
			for _, s := range small[:n] {
				dup = dup || string(s) == string(raw)
			}
			small[n] = raw
		default:
			if seen == nil {
				seen = make(map[string]struct{}, 2*len(small))
				for _, s := range small {
					seen[string(s)] = struct{}{}
				}
			}
			_, dup = seen[string(raw)]
			seen[string(raw)] = struct{}{}
		}
		n++
		if dup {
			w.path = append(w.path, segment{key: raw, inMap: isMap})
			p := w.render()
			return avp.Validation(avp.Field{Path: p, Message: fmt.Sprintf(
				"Value at '%s' failed to satisfy constraint: Member must appear at most once in its JSON object, but appears more than once", p)})
		}
		var next reflect.Type
		switch {
		case isMap:
			next = t.Elem()
		case fields != nil:
			if f, ok := fields[string(raw)]; ok {
				next = f
			} else if want := caseMatch(fields, raw); want != "" && !union {
				w.path = append(w.path, segment{key: raw})
				got := w.render()
				w.path[len(w.path)-1].key = []byte(want)
				return protocolError(CodeSerialization, fmt.Sprintf(
					"Member '%s' is not known: member names are case-sensitive; did you mean '%s'?", got, w.render()))
			}
		}
		w.ws()
		w.i++ // the colon
		w.path = append(w.path, segment{key: raw, inMap: isMap})
		if err := w.value(next); err != nil {
			return err
		}
		w.path = w.path[:len(w.path)-1]
	}
}

// maxPath bounds a rendered path: names are the caller's and may be long,
// and objects may nest ten thousand deep.
const maxPath = 1000

// render is the current path in the form ValidationException paths take:
// members joined by dots, list indexes and map keys in brackets.
func (w *walker) render() string {
	var b strings.Builder
	for _, s := range w.path {
		switch {
		case s.list:
			b.WriteString("[" + strconv.Itoa(s.index) + "]")
		case s.inMap:
			b.WriteString("[" + strconv.Quote(cut(string(s.key), 100)) + "]")
		default:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(cut(string(s.key), 100))
		}
		if b.Len() > maxPath {
			return cut(b.String(), maxPath)
		}
	}
	return b.String()
}

// cut shortens s to at most n bytes, at a character boundary, marking the cut.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "..."
}

// structFields holds jsonFields' answers: the input types are few and
// fixed, so each is looked at once per process rather than per request.
var structFields sync.Map // reflect.Type -> map[string]reflect.Type

// jsonFields maps a struct's JSON member names to their types; nil for a
// type that is not a struct. The map is shared: read it only.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	if t == nil || t.Kind() != reflect.Struct {
		return nil
	}
	if f, ok := structFields.Load(t); ok {
		return f.(map[string]reflect.Type)
	}
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	structFields.Store(t, out)
	return out
}

func caseMatch(fields map[string]reflect.Type, key []byte) string {
	for name := range fields {
		if len(name) == len(key) && strings.EqualFold(name, string(key)) {
			return name
		}
	}
	return ""
}
