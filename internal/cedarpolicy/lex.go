package cedarpolicy

import (
	"strings"
	"unicode/utf8"
)

// tokenKind classifies the tokens of the small lexer below. It knows just
// enough of Cedar's lexical grammar to find slots, the scope's parentheses
// and reserved placeholders without being fooled by string literals or
// comments; cedar-go's parser remains the judge of the grammar.
type tokenKind int

const (
	tokIdent  tokenKind = iota // an identifier or keyword
	tokString                  // a string literal, quotes included
	tokSlot                    // ?principal, ?resource or any other ?name
	tokPunct                   // anything else, one token per rune or "::"
)

// token is one lexeme with its place in the statement: byte offset, and line
// and column counted from 1, the column in runes as cedar-go counts them.
type token struct {
	kind         tokenKind
	text         string
	off          int
	line, column int
}

// lex splits src into tokens, skipping white space and comments. ok is
// false when it meets an unterminated string or block comment; the tokens before it are
// returned all the same (cedar-go reports the error itself).
func lex(src string) (toks []token, ok bool) {
	line, col := 1, 1
	i := 0
	advance := func(n int) { // n bytes, on one line
		col += utf8.RuneCountInString(src[i : i+n])
		i += n
	}
	for i < len(src) {
		c := src[i]
		switch {
		case c == '\n':
			i++
			line++
			col = 1
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			advance(1)
		case c == '/' && i+1 < len(src) && src[i+1] == '/':
			for i < len(src) && src[i] != '\n' {
				_, size := utf8.DecodeRuneInString(src[i:])
				advance(size)
			}
		case c == '/' && i+1 < len(src) && src[i+1] == '*':
			// cedar-go also skips /* block comments */.
			end := strings.Index(src[i+2:], "*/")
			if end < 0 {
				return toks, false
			}
			for stop := i + 2 + end + 2; i < stop; {
				if src[i] == '\n' {
					i++
					line++
					col = 1
					continue
				}
				_, size := utf8.DecodeRuneInString(src[i:])
				advance(size)
			}
		case c == '"':
			start, startLine, startCol := i, line, col
			j := i + 1
			for j < len(src) && src[j] != '"' {
				if src[j] == '\\' && j+1 < len(src) {
					j++
				}
				j++
			}
			if j >= len(src) {
				return toks, false
			}
			// A string may span lines; keep line and column right.
			for i <= j {
				if src[i] == '\n' {
					i++
					line++
					col = 1
					continue
				}
				_, size := utf8.DecodeRuneInString(src[i:])
				advance(size)
			}
			toks = append(toks, token{tokString, src[start:i], start, startLine, startCol})
		case isIdentStart(c):
			j := i + 1
			for j < len(src) && isIdentPart(src[j]) {
				j++
			}
			toks = append(toks, token{tokIdent, src[i:j], i, line, col})
			advance(j - i)
		case c == '?' && i+1 < len(src) && isIdentStart(src[i+1]):
			j := i + 2
			for j < len(src) && isIdentPart(src[j]) {
				j++
			}
			toks = append(toks, token{tokSlot, src[i:j], i, line, col})
			advance(j - i)
		case c == ':' && i+1 < len(src) && src[i+1] == ':':
			toks = append(toks, token{tokPunct, "::", i, line, col})
			advance(2)
		default:
			_, size := utf8.DecodeRuneInString(src[i:])
			toks = append(toks, token{tokPunct, src[i : i+size], i, line, col})
			advance(size)
		}
	}
	return toks, true
}

func isIdentStart(c byte) bool {
	return c == '_' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
}

func isIdentPart(c byte) bool { return isIdentStart(c) || ('0' <= c && c <= '9') }

// scopeBounds returns the indexes of the parentheses around the policy's
// scope in toks: after the annotations (@name or @name("value")), the effect
// keyword and then "(" ... ")". ok is false when toks does not start that way.
func scopeBounds(toks []token) (open, closing int, ok bool) {
	i := 0
	for i < len(toks) && toks[i].text == "@" {
		i += 2 // "@" and the annotation's name
		if i+2 < len(toks) && toks[i].text == "(" && toks[i+1].kind == tokString && toks[i+2].text == ")" {
			i += 3
		}
	}
	if i+1 >= len(toks) || toks[i].kind != tokIdent || toks[i+1].text != "(" {
		return 0, 0, false
	}
	open = i + 1
	for j := open + 1; j < len(toks); j++ {
		if toks[j].text == ")" {
			return open, j, true
		}
	}
	return 0, 0, false
}
