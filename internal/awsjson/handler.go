package awsjson

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/google/uuid"

	"github.com/vpid-dev/vpid/internal/avp"
	"github.com/vpid-dev/vpid/internal/entry"
)

// TargetPrefix is the X-Amz-Target prefix of every AVP operation.
const TargetPrefix = "VerifiedPermissions."

// ContentType is the media type of AWS JSON 1.0 requests and responses.
const ContentType = "application/x-amz-json-1.0"

// Handler serves AVP operations from API Gateway REST proxy events.
type Handler struct {
	ops     entry.Table
	log     *slog.Logger
	timeout time.Duration
}

// DefaultTimeout bounds each request's work (see WithTimeout): under the API
// function's 10 s Lambda timeout, with room to answer.
const DefaultTimeout = 8 * time.Second

// Option configures a Handler.
type Option func(*Handler)

// WithTimeout bounds each request's work to d (default DefaultTimeout): then
// the operation's context ends, the dependency calls in flight fail, and the
// caller gets a retryable InternalServerException instead of a Lambda
// timeout. d <= 0 leaves only the caller's own deadline.
func WithTimeout(d time.Duration) Option { return func(h *Handler) { h.timeout = d } }

// New returns a Handler serving the operations of ops (for vpid's API,
// entry.NewTable over the service), looked up by the operation name after
// the X-Amz-Target prefix, and logging each request to log.
func New(ops entry.Table, log *slog.Logger, opts ...Option) *Handler {
	h := &Handler{ops: ops, log: log, timeout: DefaultTimeout}
	for _, o := range opts {
		o(h)
	}
	return h
}

// lambdaEvent is the part of an API Gateway REST proxy event that Handle
// reads. Invoke decodes the Lambda payload into it rather than into
// events.APIGatewayProxyRequest, whose other members (the request
// context's twenty-odd strings, query and path parameters, stage
// variables) would be decoded and allocated on every request for nothing.
type lambdaEvent struct {
	HTTPMethod string            `json:"httpMethod"`
	Headers    map[string]string `json:"headers"`
	// MultiValueHeaders repeats Headers with every value: it is decoded
	// only when a header Handle looks up is not in Headers.
	MultiValueHeaders json.RawMessage `json:"multiValueHeaders"`
	RequestContext    struct {
		RequestID string `json:"requestId"`
		Identity  struct {
			AccountID string `json:"accountId"`
		} `json:"identity"`
	} `json:"requestContext"`
	Body            string `json:"body"`
	IsBase64Encoded bool   `json:"isBase64Encoded"`
}

// Invoke makes a Handler an aws-lambda-go lambda.Handler: it answers one
// Lambda invocation whose payload is a REST proxy event, as Handle does,
// with the response as JSON, encoded as aws-lambda-go encodes a handler's
// result (no HTML escaping). The error is only for a payload that is not
// such an event.
func (h *Handler) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	var ev lambdaEvent
	if err := decodeEvent(payload, &ev); err != nil {
		return nil, err
	}
	req := events.APIGatewayProxyRequest{
		HTTPMethod: ev.HTTPMethod, Headers: ev.Headers, Body: ev.Body, IsBase64Encoded: ev.IsBase64Encoded,
	}
	for _, name := range lookedUp {
		if !hasHeader(ev.Headers, name) {
			if err := json.Unmarshal(ev.MultiValueHeaders, &req.MultiValueHeaders); err != nil && len(ev.MultiValueHeaders) > 0 {
				return nil, err
			}
			break
		}
	}
	req.RequestContext.RequestID = ev.RequestContext.RequestID
	req.RequestContext.Identity.AccountID = ev.RequestContext.Identity.AccountID
	resp, err := h.Handle(ctx, req)
	if err != nil {
		return nil, err
	}
	return appendResponse(make([]byte, 0, len(resp.Body)+256), resp), nil
}

// lookedUp are the headers Handle reads (through header).
var lookedUp = [...]string{"X-Amz-Target", "Content-Type"}

func hasHeader(headers map[string]string, name string) bool {
	for k := range headers {
		if strings.EqualFold(k, name) {
			return true
		}
	}
	return false
}

// Handle answers one request. Every outcome, including a panic in an
// operation, is an AWS JSON response; the error result is always nil, since
// a Lambda error would reach the client as a gateway 5xx no SDK can parse.
func (h *Handler) Handle(ctx context.Context, req events.APIGatewayProxyRequest) (resp events.APIGatewayProxyResponse, _ error) {
	start := time.Now()
	requestID := requestIDOf(ctx, req)
	account := req.RequestContext.Identity.AccountID
	op := strings.TrimPrefix(header(req, "X-Amz-Target"), TargetPrefix)
	// One attribute list for the request's log lines: logger.With would
	// clone the handler on every request; typed attributes (LogAttrs) save
	// converting key-value pairs.
	attrs := make([]slog.Attr, 0, 8)
	attrs = append(attrs, slog.String("requestId", requestID), slog.String("operation", op), slog.String("account", account))
	if h.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, h.timeout)
		defer cancel()
	}

	var out any
	var err error
	func() {
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("panic: %v\n%s", p, debug.Stack())
			}
		}()
		out, err = h.dispatch(ctx, req, account)
	}()

	if err == nil {
		resp = respond(http.StatusOK, requestID, "", out)
		h.log.LogAttrs(context.Background(), slog.LevelInfo, "request", append(attrs, slog.Int("status", resp.StatusCode), slog.Int64("ms", time.Since(start).Milliseconds()))...)
		return resp, nil
	}
	var e *avp.Error
	level := slog.LevelInfo
	if !errors.As(err, &e) {
		e, level = errInternal, slog.LevelError
	}
	status, body := encodeError(e)
	resp = respond(status, requestID, e.Code, body)
	attrs = append(attrs, slog.Int("status", status), slog.String("errorType", e.Code), slog.Int64("ms", time.Since(start).Milliseconds()))
	if status >= http.StatusInternalServerError || e.Cause != nil {
		// The caller sees a fixed message; the operator sees why, on the
		// request's own line.
		level = max(level, slog.LevelWarn)
		attrs = append(attrs, slog.String("error", avp.LogCause(err)))
	}
	// Not ctx: attrs already name the request, and Lambda's log handler
	// (lambdacontext) would add the invocation's id under the same key.
	h.log.LogAttrs(context.Background(), level, "request", attrs...)
	return resp, nil
}

func (h *Handler) dispatch(ctx context.Context, req events.APIGatewayProxyRequest, account string) (any, error) {
	if req.HTTPMethod != http.MethodPost {
		return nil, protocolError(entry.CodeUnknownOperation, fmt.Sprintf("%s is not supported; AWS JSON requests are POST", req.HTTPMethod))
	}
	target := header(req, "X-Amz-Target")
	if target == "" {
		return nil, protocolError(entry.CodeUnknownOperation, "The X-Amz-Target header is missing; send VerifiedPermissions.<Operation>")
	}
	name, ok := strings.CutPrefix(target, TargetPrefix)
	op, known := h.ops.Lookup(name)
	if !ok || !known {
		return nil, protocolError(entry.CodeUnknownOperation, fmt.Sprintf("Operation %q is not supported by this service", target))
	}
	if ct := header(req, "Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != ContentType && mt != "application/x-amz-json-1.1" && mt != "application/json") {
			return nil, protocolError(entry.CodeSerialization, fmt.Sprintf("Content-Type %q is not supported; send %s", ct, ContentType))
		}
	}
	if account == "" {
		return nil, &avp.Error{Code: avp.CodeAccessDenied, Message: "The request carries no caller identity; sign it with AWS Signature Version 4"}
	}
	body := []byte(req.Body)
	if req.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(req.Body)
		if err != nil {
			return nil, protocolError(entry.CodeSerialization, "The request body is marked base64 but is not valid base64")
		}
		body = b
	}
	return op.Call(ctx, account, body)
}

func respond(status int, requestID, errorType string, body any) events.APIGatewayProxyResponse {
	b, err := json.Marshal(body)
	if err != nil || body == nil {
		b = []byte("{}")
	}
	headers := map[string]string{
		"Content-Type":     ContentType,
		"x-amzn-RequestId": requestID,
	}
	if errorType != "" {
		headers["X-Amzn-ErrorType"] = errorType
	}
	return events.APIGatewayProxyResponse{StatusCode: status, Headers: headers, Body: string(b)}
}

// header finds a request header whatever its case, as API Gateway passes
// them as sent. Should several spellings be present, the lexically first
// wins, so that routing never depends on map order.
func header(req events.APIGatewayProxyRequest, name string) string {
	best, val := "", ""
	for k, v := range req.Headers {
		if strings.EqualFold(k, name) && (best == "" || k < best) {
			best, val = k, v
		}
	}
	if best != "" {
		return val
	}
	for k, v := range req.MultiValueHeaders {
		if strings.EqualFold(k, name) && len(v) > 0 && (best == "" || k < best) {
			best, val = k, v[0]
		}
	}
	return val
}

// requestIDOf prefers API Gateway's request id, then Lambda's, and makes one
// up only when neither exists.
func requestIDOf(ctx context.Context, req events.APIGatewayProxyRequest) string {
	if id := req.RequestContext.RequestID; id != "" {
		return id
	}
	if lc, ok := lambdacontext.FromContext(ctx); ok && lc.AwsRequestID != "" {
		return lc.AwsRequestID
	}
	return uuid.NewString()
}
