package avp

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"
)

// Patterns of AVP's model, anchored because the model's are full-string
// matches. RE2's \w and \d are ASCII-only, like Java's defaults, so Unicode
// look-alikes never pass.
var (
	rePolicyStoreID    = newPattern(`^[a-zA-Z0-9-/_]*$`)
	reIdentitySourceID = newPattern(`^[a-zA-Z0-9-]*$`)
	reClientToken      = newPattern(`^[a-zA-Z0-9-]*$`)
	reUserPoolARN      = newPattern(`^arn:[a-zA-Z0-9-]+:cognito-idp:(([a-zA-Z0-9-]+:\d{12}:userpool/[\w-]+_[0-9a-zA-Z]+))$`)
	reEntityType       = newPattern(`^([_a-zA-Z][_a-zA-Z0-9]*::)*[_a-zA-Z][_a-zA-Z0-9]*$`)
	reHTTPS            = newPattern(`^https://.*$`)
	reAnyLine          = newPattern(`^.*$`)
)

// maxShownValue bounds how much of a bad value an error message repeats.
const maxShownValue = 100

// validator collects the violations of a request, so that one
// ValidationException reports them: it counts every one but keeps (and
// formats) only the first MaxFieldList, so a request with a hundred thousand
// bad members costs no more to answer than one with ten.
type validator struct {
	fields []Field
	total  int
}

func (v *validator) add(path, format string, args ...any) {
	v.total++
	if len(v.fields) >= MaxFieldList {
		return
	}
	v.fields = append(v.fields, Field{Path: path, Message: fmt.Sprintf(format, args...)})
}

// full reports whether further violations would only be counted.
func (v *validator) full() bool { return len(v.fields) >= MaxFieldList }

// violation records AWS's "Value 'x' at 'path' failed to satisfy constraint"
// form. Sensitive members (AVP marks client ids, entity types, claims and
// prefixes so) are reported without their value.
func (v *validator) violation(path, value string, sensitive bool, constraint string, args ...any) {
	if v.full() {
		v.total++
		return
	}
	shown := "Value"
	if !sensitive {
		if utf8.RuneCountInString(value) > maxShownValue {
			value = string([]rune(value)[:maxShownValue]) + "..."
		}
		shown = "Value '" + value + "'"
	}
	v.add(path, "%s at '%s' failed to satisfy constraint: %s", shown, path, fmt.Sprintf(constraint, args...))
}

func (v *validator) missing(path string) {
	v.add(path, "Value null at '%s' failed to satisfy constraint: Member must not be null", path)
}

// str checks a string member: required (non-empty), length in runes, and
// pattern. It reports at most one violation per member.
type strRule struct {
	required  bool
	min, max  int // max 0: no upper bound
	pattern   *pattern
	sensitive bool
}

func (v *validator) str(path string, s *string, r strRule) {
	if s == nil {
		if r.required {
			v.missing(path)
		}
		return
	}
	n := utf8.RuneCountInString(*s)
	switch {
	case !utf8.ValidString(*s):
		v.violation(path, "", true, "Member must be valid UTF-8")
	case n < r.min:
		v.violation(path, *s, r.sensitive, "Member must have length greater than or equal to %d", r.min)
	case r.max > 0 && n > r.max:
		v.violation(path, *s, r.sensitive, "Member must have length less than or equal to %d", r.max)
	case r.pattern != nil && !patternMatches(r.pattern, *s):
		v.violation(path, *s, r.sensitive, "Member must satisfy regular expression pattern: %s", patternText(r.pattern))
	}
}

// reqStr is str for a required member held as a plain string, where the
// empty string stands for "not sent".
func (v *validator) reqStr(path, s string, r strRule) {
	r.required = true
	if s == "" {
		v.missing(path)
		return
	}
	v.str(path, &s, r)
}

func (v *validator) listLen(path string, n, min, max int) bool {
	switch {
	case n < min:
		v.add(path, "Value at '%s' failed to satisfy constraint: Member must have length greater than or equal to %d", path, min)
		return false
	case n > max:
		v.add(path, "Value at '%s' failed to satisfy constraint: Member must have length less than or equal to %d, but has %d items", path, max, n)
		return false
	}
	return true
}

// uniqueStrings reports items that repeat an earlier one.
func (v *validator) uniqueStrings(path string, items []string) {
	seen := make(map[string]int, len(items))
	for i, s := range items {
		if j, dup := seen[s]; dup {
			v.add(fmt.Sprintf("%s[%d]", path, i), "Value at '%s[%d]' failed to satisfy constraint: Member must be unique, but repeats %s[%d]", path, i, path, j)
			continue
		}
		seen[s] = i
	}
}

func (v *validator) err() *Error {
	if v.total == 0 {
		return nil
	}
	return validation(v.total, v.fields)
}

// accepts holds, for the patterns every request meets, a test that says
// without the regular expression engine (tens of microseconds on a
// kilobyte token) that a valid UTF-8 string matches: true only for strings
// the pattern matches; false leaves the answer to the pattern.
// TestAcceptsAgreeWithPatterns holds them to that.
var accepts = map[*pattern]func(string) bool{
	rePolicyStoreID:    onlyIn(byteSet(`[a-zA-Z0-9-/_]`)),
	reIdentitySourceID: onlyIn(byteSet(`[a-zA-Z0-9-]`)),
	reClientToken:      onlyIn(byteSet(`[a-zA-Z0-9-]`)),
	reAnyLine:          func(s string) bool { return !strings.Contains(s, "\n") },
	reActionTyp:        func(s string) bool { return strings.HasSuffix(s, "Action") },
	reToken:            dotted(byteSet(`[A-Za-z0-9-_=]`), 3),
}

// patternMatches is re.MatchString(s), through accepts when it can.
func patternMatches(re *pattern, s string) bool {
	if ok := accepts[re]; ok != nil && ok(s) {
		return true
	}
	return re.MatchString(s)
}

// byteSet gives the set of bytes the bracket expression class matches,
// made on its first use, as the patterns are.
func byteSet(class string) func() *[256]bool {
	return sync.OnceValue(func() *[256]bool {
		re := regexp.MustCompile("^" + class + "$")
		var set [256]bool
		for b := range utf8.RuneSelf {
			set[b] = re.MatchString(string(rune(b)))
		}
		return &set
	})
}

// onlyIn accepts the strings whose every byte is in the set setOf gives.
func onlyIn(setOf func() *[256]bool) func(string) bool {
	return func(s string) bool {
		set := setOf()
		for i := range len(s) {
			if !set[s[i]] {
				return false
			}
		}
		return true
	}
}

// dotted accepts n non-empty runs of bytes of the set setOf gives, joined
// by dots.
func dotted(setOf func() *[256]bool, n int) func(string) bool {
	return func(s string) bool {
		set := setOf()
		runs, run := 1, 0
		for i := range len(s) {
			switch {
			case s[i] == '.' && run > 0:
				runs, run = runs+1, 0
			case set[s[i]]:
				run++
			default:
				return false
			}
		}
		return runs == n && run > 0
	}
}

// patternText is the model's text of p, as errors quote it.
func patternText(p *pattern) string { return p.model }

// Rules shared by several operations.
var (
	rulePolicyStoreID       = strRule{min: 1, max: 200, pattern: rePolicyStoreID}
	ruleIdentitySourceID    = strRule{min: 1, max: 200, pattern: reIdentitySourceID}
	ruleClientToken         = strRule{min: 1, max: 64, pattern: reClientToken}
	rulePrincipalEntityType = strRule{min: 1, max: 200, pattern: reAnyLine, sensitive: true}
	ruleGroupEntityType     = strRule{min: 1, max: 200, pattern: reEntityType, sensitive: true}
	ruleUserPoolARN         = strRule{min: 1, max: 255, pattern: reUserPoolARN}
	ruleClientID            = strRule{min: 1, max: 255, pattern: reAnyLine, sensitive: true}
	ruleIssuer              = strRule{min: 1, max: 2048, pattern: reHTTPS}
	ruleEntityIDPrefix      = strRule{min: 1, max: 100, sensitive: true}
	ruleClaim               = strRule{min: 1, max: MaxClaimLength, sensitive: true}
	ruleAudience            = strRule{min: 1, max: 255}
)

func indexPath(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }
