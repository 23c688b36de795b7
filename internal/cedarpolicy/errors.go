package cedarpolicy

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// SyntaxError is a statement that is not one well-formed Cedar policy (or
// template): where the problem is, counted from line 1, column 1 in
// characters, and what was expected there.
type SyntaxError struct {
	Line, Column int
	Message      string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Column, e.Message)
}

// ErrSlot is wrapped by the errors about a slot (?principal, ?resource)
// where it may not be: in a static policy, in a condition, in the action
// scope or in the other variable's scope.
var ErrSlot = errors.New("misplaced slot")

// slotError is a *SyntaxError that also matches ErrSlot.
type slotError struct{ SyntaxError }

func (e *slotError) Unwrap() []error { return []error{ErrSlot, &e.SyntaxError} }

func newSlotError(t token, format string, args ...any) error {
	return &slotError{SyntaxError{Line: t.line, Column: t.column, Message: fmt.Sprintf(format, args...)}}
}

// The patterns of cedar-go's error messages, compiled when an error first
// needs them rather than at every cold start.
var (
	// parse error at <input>:1:22 "principal": expected ident
	parserErrorRE = lazyRegexp(`parse error at <input>:(\d+):(\d+) ("(?:[^"\\]|\\.)*"): (.*)$`)
	// <input>:1:44: literal not terminated
	scannerErrorRE = lazyRegexp(`<input>:(\d+):(\d+): (.*)$`)
	exactRE        = lazyRegexp(`^exact got (.*) want (.*)$`)
	gotRE          = lazyRegexp(`^got (.*) want (.*)$`)
)

func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}

// syntaxError turns a parse error of cedar-go into a *SyntaxError whose
// message says what was expected and what was found instead. toks are the
// statement's tokens, used to point at the token cedar-go complains about
// when its parser has already moved past it.
func syntaxError(err error, toks []token) *SyntaxError {
	msg := err.Error()
	if m := parserErrorRE().FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		col, _ := strconv.Atoi(m[2])
		found, uerr := strconv.Unquote(m[3])
		if uerr != nil {
			found = m[3]
		}
		detail := m[4]
		// cedar-go reports the token after the one it consumed for these
		// two checks; point at the consumed one.
		var expected, got string
		if em := exactRE().FindStringSubmatch(detail); em != nil {
			got, expected = em[1], strconv.Quote(em[2])
		} else if rest, ok := strings.CutPrefix(detail, "unexpected effect: "); ok {
			got, expected = rest, `"permit" or "forbid"`
		}
		if expected != "" {
			if t, ok := tokenBefore(toks, line, col, got); ok {
				line, col = t.line, t.column
			}
			return &SyntaxError{Line: line, Column: col, Message: fmt.Sprintf("expected %s, found %s", expected, describe(got))}
		}
		// "got X want Y" names the token it looked at without consuming it.
		if gm := gotRE().FindStringSubmatch(detail); gm != nil {
			return &SyntaxError{Line: line, Column: col, Message: fmt.Sprintf("expected %q, found %s", gm[2], describe(gm[1]))}
		}
		// Elsewhere too, cedar-go has consumed the offending token before it
		// complains and names the next one, unless it met the end.
		if found != "" {
			if t, ok := tokenBefore(toks, line, col, ""); ok {
				line, col, found = t.line, t.column, t.text
			}
		}
		msg := reword(detail)
		if strings.HasPrefix(msg, "expected") {
			msg = fmt.Sprintf("%s, found %s", msg, describe(found))
		}
		return &SyntaxError{Line: line, Column: col, Message: msg}
	}
	if m := scannerErrorRE().FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		col, _ := strconv.Atoi(m[2])
		// cedar-go reports a bad first character at 0:0.
		return &SyntaxError{Line: max(line, 1), Column: max(col, 1), Message: m[3]}
	}
	// The few errors cedar-go gives without a place (an integer out of
	// range, a \u{...} escape beyond Unicode) get the statement's start.
	detail := strings.TrimPrefix(msg, "parser error: ")
	if strings.Contains(detail, "value out of range") {
		detail = "an integer literal is out of range (Cedar's Long is 64-bit signed): " + detail
	}
	return &SyntaxError{Line: 1, Column: 1, Message: detail}
}

// tokenBefore finds the token that precedes the one at line:col, if its text
// is want (any text when want is "").
func tokenBefore(toks []token, line, col int, want string) (token, bool) {
	for i, t := range toks {
		if t.line > line || (t.line == line && t.column >= col) {
			if i > 0 && (want == "" || toks[i-1].text == want) {
				return toks[i-1], true
			}
			return token{}, false
		}
	}
	if n := len(toks); n > 0 && want != "" && toks[n-1].text == want {
		return toks[n-1], true
	}
	return token{}, false
}

func describe(tok string) string {
	if tok == "" {
		return "the end of the statement"
	}
	return strconv.Quote(tok)
}

// reword makes cedar-go's terse parser messages read as what to write.
func reword(detail string) string {
	switch detail {
	case "expected ident":
		return "expected an identifier"
	case "invalid primary":
		return "expected an expression"
	case "unexpected token":
		return "unexpected token"
	case "expected ident or string":
		return "expected an identifier or a string"
	case "expected string literal", "expected string":
		return "expected a string literal"
	}
	return detail
}
