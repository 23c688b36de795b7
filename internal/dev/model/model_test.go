package model

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/vpid-dev/vpid/internal/avp"
	"github.com/vpid-dev/vpid/internal/entry"
)

// shape is a shape of the botocore service model, as much as the checks use.
type shape struct {
	Type     string         `json:"type"`
	Required []string       `json:"required"`
	Members  map[string]ref `json:"members"`
	Member   *ref           `json:"member"`
	Key      *ref           `json:"key"`
	Value    *ref           `json:"value"`
	Min      *int           `json:"min"`
	Max      *int           `json:"max"`
	Pattern  string         `json:"pattern"`
	Enum     []string       `json:"enum"`
	Union    bool           `json:"union"`
}

type ref struct {
	Shape string `json:"shape"`
}

type serviceModel struct {
	Operations map[string]struct {
		Input ref `json:"input"`
	} `json:"operations"`
	Shapes map[string]shape `json:"shapes"`
}

// loadModel reads AVP's model from the installed botocore. It fails, never
// skips, when botocore is absent: the conformance tests need it too.
func loadModel(t *testing.T) serviceModel {
	t.Helper()
	out, err := exec.Command("python3", "-c", "import botocore,os;print(os.path.dirname(botocore.__file__))").Output()
	if err != nil {
		t.Fatalf("locating botocore (pip install boto3): %v", err)
	}
	path := filepath.Join(strings.TrimSpace(string(out)), "data", "verifiedpermissions", "2021-12-01", "service-2.json.gz")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var m serviceModel
	if err := json.NewDecoder(z).Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

// samples are valid values of shapes whose meaning vpid checks beyond the
// model (a Cognito ARN of the caller's account, an alias's prefix). Values
// of other shapes are made from their pattern. A value is padded at its end
// to reach a length.
var samples = map[string]string{
	"UserPoolArn":      "arn:aws:cognito-idp:us-west-2:123456789012:userpool/us-west-2_a",
	"Alias":            "policy-store-alias/a",
	"Issuer":           "https://a",
	"KmsKey":           "alias/a",
	"PolicyStoreId":    "PSa",
	"IdentitySourceId": "ISa",
	"NextToken":        "a",
	"GroupEntityType":  "a",
	// The policy operations: a name is name/ and more; a statement and a
	// schema are parsed.
	"PolicyName":         "name/a",
	"PolicyTemplateName": "name/a",
	"PolicyStatement":    "permit(principal, action, resource);",
	"SchemaJson":         "{}",
	// The tag operations take the ARN of a policy store of the caller.
	"AmazonResourceName": "arn:aws:verifiedpermissions::" + account + ":policy-store/PSa",
	// A token is three dot-separated segments.
	"Token": "a.a.a",
	// An ipaddr is parsed: the longest one Cedar takes.
	"IpAddr": "1111:2222:3333:4444:5555:6666:7777:8888/128",
}

// memberSamples are valid values of a shape under one member of one
// structure ("Structure.member"), where what is valid depends on the
// member: a context's cedarJson is a Cedar JSON record, the entities' one
// an array of entities.
var memberSamples = map[string]string{
	"ContextDefinition.cedarJson":  "{}",
	"EntitiesDefinition.cedarJson": "[]",
}

// longest is the longest valid value of a shape whose model bound no valid
// value reaches; the value at the bound is then checked at this length. An
// ipaddr is at most 43 characters (IPv6 with a prefix length: Cedar refuses
// IPv4 embedded in IPv6, the only way to reach the model's 44).
var longest = map[string]int{"IpAddr": 43}

// documents are the shapes whose values are documents (JSON, Cedar): a
// sample of one is padded with spaces, which keep it valid.
var documents = map[string]bool{"CedarJson": true, "SchemaJson": true, "PolicyStatement": true}

// together are members of an input AVP requires though its model marks them
// optional: a request with tokens needs one of them (identityToken,
// accessToken or both). The smallest valid request carries them.
var together = map[string][]string{
	"IsAuthorizedWithTokenInput":      {"identityToken"},
	"BatchIsAuthorizedWithTokenInput": {"identityToken"},
}

const account = "123456789012"

type checker struct {
	t     *testing.T
	m     serviceModel
	table entry.Table
	vpid  map[string]avp.Limit
}

// reMatch is the model's pattern as a whole-string Go regexp (Java's and
// RE2's syntax agree on the model's patterns; \w and \d are ASCII in both).
func reMatch(pattern string) *regexp.Regexp {
	if pattern == "" {
		return nil
	}
	return regexp.MustCompile(`^(?:` + pattern + `)$`)
}

// sample is the valid value of shape name under member at
// ("Structure.member"; "" when not known).
func sample(at, name string) (string, bool) {
	if v, ok := memberSamples[at]; ok {
		return v, true
	}
	v, ok := samples[name]
	return v, ok
}

// pad makes a value of shape s of n characters, or reports it cannot.
func pad(at, name string, s shape, n int) (string, bool) {
	re := reMatch(s.Pattern)
	base, _ := sample(at, name)
	if documents[name] {
		if utf8.RuneCountInString(base) > n {
			return "", false
		}
		return base + strings.Repeat(" ", n-utf8.RuneCountInString(base)), true
	}
	if utf8.RuneCountInString(base) > n {
		r := []rune(base)[:n]
		base = string(r)
	}
	for _, c := range []string{"a", "0", "_"} {
		v := base + strings.Repeat(c, n-utf8.RuneCountInString(base))
		if re == nil || re.MatchString(v) {
			return v, true
		}
	}
	return "", false
}

// validOf is the smallest valid value of a shape that also passes vpid's
// own checks; focus, when not empty, is the path of members to include
// (a union then takes that member); at is the member holding it
// ("Structure.member", or "").
func (c *checker) validOf(at, name string, focus []string, depth int) any {
	s := c.m.Shapes[name]
	switch s.Type {
	case "string":
		if len(s.Enum) > 0 {
			return s.Enum[0]
		}
		n := 1
		if s.Min != nil && *s.Min > 1 {
			n = *s.Min
		}
		if v, ok := sample(at, name); ok {
			return v
		}
		v, _ := pad(at, name, s, n)
		return v
	case "integer", "long":
		if s.Min != nil {
			return *s.Min
		}
		return 1
	case "boolean":
		return true
	// A list or map is built only where it is required or focused: a
	// required one the model lets be empty is empty, not null (null is a
	// required member left out).
	case "list":
		if len(focus) > 0 || (s.Min != nil && *s.Min > 0) {
			return []any{c.validOf("", s.Member.Shape, tail(focus), depth+1)}
		}
		return []any{}
	case "map":
		if len(focus) > 0 || (s.Min != nil && *s.Min > 0) {
			k := c.validOf("", s.Key.Shape, nil, depth+1)
			return map[string]any{fmt.Sprint(k): c.validOf("", s.Value.Shape, tail(focus), depth+1)}
		}
		return map[string]any{}
	case "structure":
		out := map[string]any{}
		if depth > 8 {
			return out
		}
		want := ""
		if len(focus) > 0 {
			want = focus[0]
		}
		if s.Union {
			pick := want
			if pick == "" {
				names := slices.Sorted(func(yield func(string) bool) {
					for k := range s.Members {
						if !yield(k) {
							return
						}
					}
				})
				// A member with members of its own, so its checks run.
				pick = names[0]
				for _, n := range names {
					if c.m.Shapes[s.Members[n].Shape].Type == "structure" && len(c.m.Shapes[s.Members[n].Shape].Members) > 0 {
						pick = n
						break
					}
				}
			}
			var f []string
			if pick == want {
				f = tail(focus)
			}
			out[pick] = c.validOf(name+"."+pick, s.Members[pick].Shape, f, depth+1)
			return out
		}
		for _, r := range append(slices.Clone(s.Required), together[name]...) {
			var f []string
			if r == want {
				f = tail(focus)
			}
			out[r] = c.validOf(name+"."+r, s.Members[r].Shape, f, depth+1)
		}
		if want != "" {
			if _, ok := out[want]; !ok {
				out[want] = c.validOf(name+"."+want, s.Members[want].Shape, tail(focus), depth+1)
			}
		}
		return out
	}
	return nil
}

func tail(p []string) []string {
	if len(p) == 0 {
		return nil
	}
	return p[1:]
}

// set replaces the value at focus (member names; "[]" steps into the one
// element of a list, "{}" into the one value of a map) in req.
func set(req any, focus []string, v any, remove bool) {
	cur := req
	for i, f := range focus {
		last := i == len(focus)-1
		switch node := cur.(type) {
		case map[string]any:
			if f == "{}" {
				for k := range node {
					if last {
						node[k] = v
					}
					cur = node[k]
				}
				continue
			}
			if last {
				if remove {
					delete(node, f)
				} else {
					node[f] = v
				}
				return
			}
			cur = node[f]
		case []any:
			if last {
				node[0] = v
				return
			}
			cur = node[0]
		}
	}
}

// pathOf renders a focus as vpid's fieldList paths do.
func pathOf(focus []string, mapKey string) string {
	var b strings.Builder
	for _, f := range focus {
		switch f {
		case "[]":
			b.WriteString("[0]")
		case "{}":
			fmt.Fprintf(&b, "[%q].value", mapKey)
		default:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(f)
		}
	}
	return b.String()
}

// call runs op on req and returns its error (a panic, from a dependency
// the bare Service lacks, means the request passed validation).
func (c *checker) call(op string, req any) (err error) {
	body, _ := json.Marshal(req)
	defer func() {
		if r := recover(); r != nil {
			err = nil
		}
	}()
	_, err = c.table.Call(context.Background(), op, account, body)
	return err
}

func names(err error) []string {
	var e *avp.Error
	if !errors.As(err, &e) || (e.Code != avp.CodeValidation && e.Code != entry.CodeSerialization) {
		return nil
	}
	var out []string
	for _, f := range e.FieldList {
		// Only the service makes page tokens: one of the right length and
		// alphabet is still not a token, which is not a bound's refusal.
		if strings.Contains(f.Message, "must be the nextToken of the previous page") {
			continue
		}
		out = append(out, f.Path)
	}
	return out
}

// refuse asserts req is refused with path named.
func (c *checker) refuse(op, what string, req any, path string) {
	c.t.Helper()
	err := c.call(op, req)
	if !slices.Contains(names(err), path) {
		c.t.Errorf("%s %s: %s was not refused (got %v)", op, path, what, err)
	}
}

// accept asserts req is not refused for path.
func (c *checker) accept(op, what string, req any, path string) {
	c.t.Helper()
	err := c.call(op, req)
	if slices.ContainsFunc(names(err), func(p string) bool {
		return p == path || strings.HasPrefix(p, path+".") || strings.HasPrefix(p, path+"[")
	}) {
		c.t.Errorf("%s %s: %s was refused: %v", op, path, what, err)
	}
}

// bound is the upper bound vpid enforces on a shape: the model's, or the
// one avp.Limits sets.
func (c *checker) bound(name string, s shape) (int, bool) {
	if l, ok := c.vpid[name]; ok {
		return l.VPID, true
	}
	if s.Max != nil {
		return *s.Max, true
	}
	return 0, false
}

// walk checks every constraint under the shape name at focus.
func (c *checker) walk(op, name string, focus []string, stack []string) {
	if slices.Contains(stack, name) {
		return // a recursive shape: checked where first met
	}
	// The member holding this shape, for member samples.
	at := ""
	if len(stack) > 0 && len(focus) > 0 {
		at = stack[len(stack)-1] + "." + focus[len(focus)-1]
	}
	stack = append(stack, name)
	s := c.m.Shapes[name]
	base := func() any { return c.validOf("", c.m.Operations[op].Input.Shape, focus, 0) }
	path := pathOf(focus, "a")
	if len(focus) > 0 {
		switch s.Type {
		case "string":
			mx, bounded := c.bound(name, s)
			if !bounded && len(s.Enum) == 0 {
				c.t.Errorf("%s %s: shape %s has no upper bound in the model nor in avp.Limits", op, path, name)
			}
			switch {
			case len(s.Enum) > 0:
				req := base()
				set(req, focus, "NOT_A_VALUE", false)
				c.refuse(op, "a value outside the enum", req, path)
			default:
				if s.Min != nil && *s.Min == 1 {
					req := base()
					set(req, focus, "", false)
					c.refuse(op, "the empty string", req, path)
				}
				if bounded {
					if v, ok := pad(at, name, s, mx+1); ok {
						req := base()
						set(req, focus, v, false)
						c.refuse(op, fmt.Sprintf("%d characters", mx+1), req, path)
					}
					top := mx
					if l, ok := longest[name]; ok && l < mx {
						top = l
					}
					if v, ok := pad(at, name, s, top); ok {
						req := base()
						set(req, focus, v, false)
						c.accept(op, fmt.Sprintf("%d characters", top), req, path)
					}
				}
				if re := reMatch(s.Pattern); re != nil {
					v, _ := pad(at, name, s, 2)
					for _, bad := range []string{v + "\n", v + " ", "\u0430" + v} {
						if !re.MatchString(bad) {
							req := base()
							set(req, focus, bad, false)
							c.refuse(op, fmt.Sprintf("%q against pattern %s", bad, s.Pattern), req, path)
							break
						}
					}
				}
			}
		case "integer", "long":
			if s.Min != nil {
				req := base()
				set(req, focus, *s.Min-1, false)
				c.refuse(op, fmt.Sprint(*s.Min-1), req, path)
			}
			if mx, ok := c.bound(name, s); ok {
				req := base()
				set(req, focus, mx+1, false)
				c.refuse(op, fmt.Sprint(mx+1), req, path)
			}
		case "list", "map":
			mx, bounded := c.bound(name, s)
			if !bounded {
				c.t.Errorf("%s %s: shape %s has no upper bound in the model nor in avp.Limits", op, path, name)
			} else if mx <= 2000 {
				elem := s.Member
				if s.Type == "map" {
					elem = s.Value
				}
				var v any
				if s.Type == "list" {
					items := make([]any, mx+1)
					for i := range items {
						items[i] = c.validOf("", elem.Shape, nil, 0)
						if str, ok := items[i].(string); ok {
							items[i] = fmt.Sprintf("%s%d", str, i)
						}
					}
					v = items
				} else {
					entries := map[string]any{}
					for i := range mx + 1 {
						entries[fmt.Sprintf("k%d", i)] = c.validOf("", elem.Shape, nil, 0)
					}
					v = entries
				}
				req := base()
				set(req, focus, v, false)
				c.refuse(op, fmt.Sprintf("%d entries", mx+1), req, path)
			}
			if s.Min != nil && *s.Min > 0 {
				req := base()
				if s.Type == "list" {
					set(req, focus, []any{}, false)
				} else {
					set(req, focus, map[string]any{}, false)
				}
				c.refuse(op, "no entries", req, path)
			}
		}
	}
	switch s.Type {
	case "structure":
		for _, r := range s.Required {
			if s.Union {
				break
			}
			req := base()
			f := append(slices.Clone(focus), r)
			set(req, f, nil, true)
			c.refuse(op, "absent", req, pathOf(f, "a"))
		}
		for m, r := range s.Members {
			c.walk(op, r.Shape, append(slices.Clone(focus), m), stack)
		}
	case "list":
		c.walk(op, s.Member.Shape, append(slices.Clone(focus), "[]"), stack)
	case "map":
		keyFocus := append(slices.Clone(focus), "{}")
		// The key: a value under the key is what the map's path names.
		ks := c.m.Shapes[s.Key.Shape]
		if mx, ok := c.bound(s.Key.Shape, ks); ok {
			long, _ := pad("", s.Key.Shape, ks, mx+1)
			req := base()
			set(req, focus, map[string]any{long: c.validOf("", s.Value.Shape, nil, 0)}, false)
			c.refuse(op, "a key too long", req, pathOf(focus, "a")+fmt.Sprintf("[%q].key", long))
		} else {
			c.t.Errorf("%s %s: map key shape %s has no upper bound in the model nor in avp.Limits", op, path, s.Key.Shape)
		}
		c.walk(op, s.Value.Shape, keyFocus, stack)
	}
}

// TestEveryConstraintOfTheModel walks the input of every operation of the
// entry table and checks each constraint of AVP's model, and each bound
// avp.Limits adds, on its own: a request that breaks it is refused with
// that member's path; a value at the bound is not refused for it.
// Operations added to the table are covered as they appear.
func TestEveryConstraintOfTheModel(t *testing.T) {
	m := loadModel(t)
	c := &checker{t: t, m: m, table: entry.NewTable(avp.NewService(avp.Deps{})), vpid: map[string]avp.Limit{}}
	for _, l := range avp.Limits() {
		c.vpid[l.Shape] = l
	}
	ops := 0
	for op := range c.table {
		if _, ok := c.table.Lookup(op); !ok {
			continue
		}
		mop, ok := m.Operations[op]
		if !ok {
			t.Errorf("%s is in the entry table but not in AVP's model", op)
			continue
		}
		ops++
		t.Run(op, func(t *testing.T) {
			c := *c
			c.t = t
			// The smallest valid request passes validation.
			req := c.validOf("", mop.Input.Shape, nil, 0)
			if n := names(c.call(op, req)); len(n) > 0 {
				t.Errorf("the smallest valid request was refused at %v", n)
			}
			c.walk(op, mop.Input.Shape, nil, nil)
		})
	}
	if ops < 14 {
		t.Errorf("only %d operations were checked", ops)
	}
}

// TestLimitsTableIsDocumented: DESIGN.md's Limits table has a row for every
// bound of avp.Limits, with its value.
func TestLimitsTableIsDocumented(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "DESIGN.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, _ := strings.Cut(string(b), "\n## Limits\n")
	section, _, _ = strings.Cut(section, "\n## ")
	for _, l := range avp.Limits() {
		found := false
		for line := range strings.SplitSeq(section, "\n") {
			if strings.HasPrefix(line, "|") && strings.Contains(line, "("+l.Shape+")") && strings.Contains(line, fmt.Sprintf("| %d ", l.VPID)) {
				found = true
			}
		}
		if !found {
			t.Errorf("DESIGN.md's Limits table has no row for %s with the bound %d", l.Shape, l.VPID)
		}
	}
}
