package faultproxy

import (
	"fmt"
	"strings"
	"time"
)

// kind is what a Fault does to a matching request.
type kind int

const (
	kindNone kind = iota
	kindLatency
	kindReset
	kindHang
	kindInternalError
	kindThrottle
	kindThroughputExceeded
	kindRequestLimitExceeded
	kindTransactionThrottled
	kindTransactionInProgress
)

var kindNames = map[kind]string{
	kindNone:                  "none",
	kindLatency:               "latency",
	kindReset:                 "reset",
	kindHang:                  "hang",
	kindInternalError:         "http-500",
	kindThrottle:              "throttle",
	kindThroughputExceeded:    "throughput-exceeded",
	kindRequestLimitExceeded:  "request-limit-exceeded",
	kindTransactionThrottled:  "transaction-throttled",
	kindTransactionInProgress: "transaction-in-progress",
}

// Fault says what the proxy does to the requests it matches. The zero Fault
// is None. Build one with the functions below and narrow it with On,
// OnContaining and Times; a Fault is a value, so narrowing returns a copy.
type Fault struct {
	kind  kind
	delay time.Duration
	// afterForward: Reset and Hang act after the request was forwarded and
	// answered (the dependency applied it).
	afterForward bool
	// ops: the operations matched (the part of X-Amz-Target after its last
	// '.', or the whole target); empty matches every request unless
	// contains is set.
	ops []string
	// contains: a substring the X-Amz-Target must contain.
	contains string
	// times > 0 limits the fault to the first times matching requests.
	times int
}

// None forwards every request unchanged.
func None() Fault { return Fault{} }

// Latency delays each matching request by d before forwarding it.
func Latency(d time.Duration) Fault { return Fault{kind: kindLatency, delay: d} }

// Reset resets the client's connection without forwarding the request: the
// dependency never sees it.
func Reset() Fault { return Fault{kind: kindReset} }

// ResetAfterForward forwards the request, waits for the dependency's answer,
// then resets the client's connection instead of relaying it: the dependency
// applied the request, but the client cannot know.
func ResetAfterForward() Fault { return Fault{kind: kindReset, afterForward: true} }

// Hang holds the request without forwarding it until the fault is replaced
// (Set), when it is forwarded normally; until the client gives up, when the
// connection is dropped and the request never reaches the dependency; or
// until the proxy is closed, when the connection is reset.
func Hang() Fault { return Fault{kind: kindHang} }

// HangAfterForward forwards the request at once but holds the dependency's
// answer, with the same three endings as Hang (on replacement the held
// answer is relayed).
func HangAfterForward() Fault { return Fault{kind: kindHang, afterForward: true} }

// InternalError answers HTTP 500 with the service's internal error:
// DynamoDB's InternalServerError, Cognito's InternalErrorException.
func InternalError() Fault { return Fault{kind: kindInternalError} }

// Throttle answers with the service's usual throttle: HTTP 400
// ThrottlingException from DynamoDB, HTTP 400 TooManyRequestsException from
// Cognito.
func Throttle() Fault { return Fault{kind: kindThrottle} }

// ThroughputExceeded answers DynamoDB requests with HTTP 400
// ProvisionedThroughputExceededException (a provisioned table's or index's
// partition is over its capacity); Cognito requests get its throttle.
func ThroughputExceeded() Fault { return Fault{kind: kindThroughputExceeded} }

// RequestLimitExceeded answers DynamoDB requests with HTTP 400
// RequestLimitExceeded (the account's throughput quota); Cognito requests
// get its throttle.
func RequestLimitExceeded() Fault { return Fault{kind: kindRequestLimitExceeded} }

// TransactionThrottled answers DynamoDB's TransactWriteItems and
// TransactGetItems with HTTP 400 TransactionCanceledException whose first
// cancellation reason is ThrottlingError (and the others None), one reason
// per item of the request, as DynamoDB reports a throttled transaction. Other
// requests get the service's throttle.
func TransactionThrottled() Fault { return Fault{kind: kindTransactionThrottled} }

// TransactionInProgress answers DynamoDB requests with HTTP 400
// TransactionInProgressException, DynamoDB's answer to a TransactWriteItems
// retried with the ClientRequestToken of one it is still running (what a
// client sees after an attempt timed out); Cognito requests get its
// throttle.
func TransactionInProgress() Fault { return Fault{kind: kindTransactionInProgress} }

// On limits f to requests of the named operations. A name matches an
// X-Amz-Target that equals it or whose operation (the part after the last
// '.') equals it, so On("DescribeUserPool") does not match
// DescribeUserPoolClient, and On("DynamoDB_20120810.GetItem") matches only
// that target.
func (f Fault) On(ops ...string) Fault {
	f.ops = append([]string(nil), ops...)
	return f
}

// OnContaining limits f to requests whose X-Amz-Target contains s.
func (f Fault) OnContaining(s string) Fault {
	f.contains = s
	return f
}

// Times limits f to the first n requests it matches; later ones pass
// unchanged. n <= 0 means every matching request.
func (f Fault) Times(n int) Fault {
	f.times = n
	return f
}

// IsNone reports whether f leaves requests alone.
func (f Fault) IsNone() bool { return f.kind == kindNone }

// String names the fault, for test names and logs: "reset-after-forward on
// TransactWriteItems x1".
func (f Fault) String() string {
	var b strings.Builder
	b.WriteString(kindNames[f.kind])
	if f.kind == kindLatency {
		fmt.Fprintf(&b, "-%s", f.delay)
	}
	if f.afterForward {
		b.WriteString("-after-forward")
	}
	if len(f.ops) > 0 {
		b.WriteString(" on " + strings.Join(f.ops, ","))
	}
	if f.contains != "" {
		b.WriteString(" on *" + f.contains + "*")
	}
	if f.times > 0 {
		fmt.Fprintf(&b, " x%d", f.times)
	}
	return b.String()
}

// matches reports whether f applies to a request with this X-Amz-Target
// (ignoring Times).
func (f Fault) matches(target string) bool {
	if f.kind == kindNone {
		return false
	}
	if f.contains != "" && !strings.Contains(target, f.contains) {
		return false
	}
	return len(f.ops) == 0 || anyOp(f.ops, target)
}

// anyOp reports whether one of ops names target.
func anyOp(ops []string, target string) bool {
	for _, op := range ops {
		if opMatches(op, target) {
			return true
		}
	}
	return false
}

// opMatches reports whether the operation name (or whole target) op names
// target.
func opMatches(op, target string) bool {
	if op == target {
		return true
	}
	i := strings.LastIndexByte(target, '.')
	return i >= 0 && target[i+1:] == op
}
