package cfnresource

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/aws/aws-lambda-go/cfn"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/vpid-dev/vpid/internal/avp"
	"github.com/vpid-dev/vpid/internal/entry"
)

// Handler handles custom resource requests. Its settings are fixed by New
// and its Options.
type Handler struct {
	ops entry.Table
	log *slog.Logger

	httpClient      *http.Client
	logStream       string
	maxAttempts     int
	backoff         time.Duration
	maxBackoff      time.Duration
	responseReserve time.Duration
	defaultBudget   time.Duration
	sendBackoff     time.Duration
	responseHosts   []string
	testOrigin      string
}

// Option changes a setting of a Handler from its production value.
type Option func(*Handler)

// WithHTTPClient sends the response to the ResponseURL with c (default: a
// client with a 5 s timeout). Redirects are never followed, whatever c's
// CheckRedirect says.
func WithHTTPClient(c *http.Client) Option { return func(h *Handler) { h.httpClient = c } }

// WithRegion names the deployment's region (for the function, its
// AWS_REGION): only pre-signed response URLs of that region's
// CloudFormation response bucket, in its partition, are accepted. Without
// it no ResponseURL is accepted.
func WithRegion(region string) Option {
	return func(h *Handler) { h.responseHosts = responseHosts(region) }
}

// WithTestResponseOrigin also accepts ResponseURLs on origin (scheme://host
// or scheme://host:port, as httptest.Server.URL gives it), over http or
// https. It is for tests that stand a local server in for S3; production
// wiring never sets it.
func WithTestResponseOrigin(origin string) Option {
	return func(h *Handler) { h.testOrigin = origin }
}

// WithLogStream names the CloudWatch log stream in the Reason of an internal
// error (default: the function's, from the Lambda environment).
func WithLogStream(name string) Option { return func(h *Handler) { h.logStream = name } }

// WithMaxAttempts bounds the calls of one operation, first one included,
// when the answers are retryable (default 5).
func WithMaxAttempts(n int) Option { return func(h *Handler) { h.maxAttempts = n } }

// WithBackoff sets the delay before the first retry, which doubles (with
// jitter) up to maxDelay (default 250 ms up to 4 s).
func WithBackoff(first, maxDelay time.Duration) Option {
	return func(h *Handler) { h.backoff, h.maxBackoff = first, maxDelay }
}

// WithResponseReserve keeps d of the invocation's time for sending the
// response: operations and retries stop that long before the deadline (at
// most a third of the time left; default 15 s).
func WithResponseReserve(d time.Duration) Option { return func(h *Handler) { h.responseReserve = d } }

// WithDefaultBudget bounds the operations when the context has no deadline
// (default 1 min).
func WithDefaultBudget(d time.Duration) Option { return func(h *Handler) { h.defaultBudget = d } }

// WithSendBackoff sets the delay before the second attempt to send the
// response, twice that before the third (default 1 s).
func WithSendBackoff(d time.Duration) Option { return func(h *Handler) { h.sendBackoff = d } }

// New returns a Handler that runs the operations of ops (for vpid,
// entry.NewTable over the service: the API's own table) and logs to log,
// with production settings unless opts change them. It uses
// CreateIdentitySource, GetIdentitySource, UpdateIdentitySource and
// DeleteIdentitySource.
func New(ops entry.Table, log *slog.Logger, opts ...Option) *Handler {
	h := &Handler{
		ops:             ops,
		log:             log,
		httpClient:      &http.Client{Timeout: 5 * time.Second},
		logStream:       lambdacontext.LogStreamName,
		maxAttempts:     5,
		backoff:         250 * time.Millisecond,
		maxBackoff:      4 * time.Second,
		responseReserve: 15 * time.Second,
		defaultBudget:   time.Minute,
		sendBackoff:     time.Second,
	}
	for _, o := range opts {
		o(h)
	}
	h.httpClient = noRedirects(h.httpClient)
	return h
}

// Handle carries out one request and PUTs its response to the ResponseURL.
// It returns an error only when the response could not be delivered, so
// that Lambda invokes it again with the same request; every operation is
// safe to repeat.
func (h *Handler) Handle(ctx context.Context, ev cfn.Event) error {
	log := h.log.With(
		"requestType", string(ev.RequestType),
		"requestId", ev.RequestID,
		"stackId", ev.StackID,
		"logicalResourceId", ev.LogicalResourceID,
		"physicalResourceId", ev.PhysicalResourceID,
	)
	if err := checkResponseURL(ev.ResponseURL, h.responseHosts, h.testOrigin); err != nil {
		// Whoever may invoke the function chose this URL: carry out nothing
		// and PUT nothing. The failed invocation goes to the function's
		// on-failure destination.
		log.Error("refused the request: its response URL is not CloudFormation's", "error", err.Error())
		return fmt.Errorf("CloudFormation request %s: %w", ev.RequestID, err)
	}
	resp := h.respond(ctx, ev, log)
	if err := h.send(ctx, ev.ResponseURL, resp); err != nil {
		log.Error("could not send the response to CloudFormation", "status", resp.Status, "error", err.Error())
		return fmt.Errorf("send the response to CloudFormation request %s: %w", ev.RequestID, err)
	}
	log.Info("answered CloudFormation", "status", resp.Status, "reason", resp.Reason, "answeredPhysicalResourceId", resp.PhysicalResourceID)
	return nil
}

// respond carries out the request within the time budget and builds the
// response; a panic becomes a FAILED response.
func (h *Handler) respond(ctx context.Context, ev cfn.Event, log *slog.Logger) (resp Response) {
	resp = Response{
		Status:             StatusFailed,
		PhysicalResourceID: ev.PhysicalResourceID,
		StackID:            ev.StackID,
		RequestID:          ev.RequestID,
		LogicalResourceID:  ev.LogicalResourceID,
	}
	if ev.RequestType == cfn.RequestCreate || resp.PhysicalResourceID == "" {
		resp.PhysicalResourceID = failedCreateID(ev.RequestID)
	}
	defer func() {
		if r := recover(); r != nil {
			log.Error("panic while handling the request", "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			resp.Status, resp.Data, resp.Reason = StatusFailed, nil, h.internalReason(ev.RequestID)
		}
	}()
	opCtx, cancel := h.budget(ctx)
	defer cancel()
	physical, data, err := h.dispatch(opCtx, ev, log)
	if err != nil {
		resp.Reason = h.reason(err, ev.RequestID, log)
		return resp
	}
	resp.Status, resp.PhysicalResourceID, resp.Data = StatusSuccess, physical, data
	return resp
}

// budget is the context operations run in: it ends ResponseReserve (at most
// a third of the time left) before the invocation's deadline.
func (h *Handler) budget(ctx context.Context) (context.Context, context.CancelFunc) {
	deadline, ok := ctx.Deadline()
	if !ok {
		return context.WithTimeout(ctx, h.defaultBudget)
	}
	reserve := min(h.responseReserve, time.Until(deadline)/3)
	return context.WithDeadline(ctx, deadline.Add(-reserve))
}

func (h *Handler) dispatch(ctx context.Context, ev cfn.Event, log *slog.Logger) (string, map[string]string, error) {
	switch ev.RequestType {
	case cfn.RequestCreate:
		account, err := h.account(ctx, ev)
		if err != nil {
			return "", nil, err
		}
		p, err := parseProperties(ev.ResourceProperties)
		if err != nil {
			return "", nil, err
		}
		return h.create(ctx, log, account, ev, p)
	case cfn.RequestUpdate:
		return h.update(ctx, log, ev)
	case cfn.RequestDelete:
		return h.delete(ctx, log, ev)
	}
	return "", nil, avp.Validation(avp.Field{Path: "RequestType", Message: fmt.Sprintf(
		"RequestType %q is not Create, Update or Delete", ev.RequestType)})
}

// account is the stack's account, which must be the function's own when the
// invocation says which function it is.
func (h *Handler) account(ctx context.Context, ev cfn.Event) (string, error) {
	account, ok := stackAccount(ev.StackID)
	if !ok {
		return "", avp.Validation(avp.Field{Path: "StackId", Message: fmt.Sprintf(
			"StackId %q is not a CloudFormation stack ARN (arn:<partition>:cloudformation:<region>:<account>:stack/<name>/<id>)", ev.StackID)})
	}
	lc, ok := lambdacontext.FromContext(ctx)
	if !ok || lc.InvokedFunctionArn == "" {
		return account, nil
	}
	own, ok := accountOf(lc.InvokedFunctionArn, "lambda", "function:")
	if !ok || own != account {
		return "", &avp.Error{Code: avp.CodeAccessDenied, Message: fmt.Sprintf(
			"The stack is in account %s; this function manages identity sources of its own account only", account)}
	}
	return account, nil
}

func (h *Handler) create(ctx context.Context, log *slog.Logger, account string, ev cfn.Event, p properties) (string, map[string]string, error) {
	token := clientToken(ev)
	var out *avp.CreateIdentitySourceOutput
	err := h.call(ctx, log, avp.OpCreateIdentitySource, func(ctx context.Context) (err error) {
		out, err = entry.Run[avp.CreateIdentitySourceOutput](ctx, h.ops, avp.OpCreateIdentitySource, account, &avp.CreateIdentitySourceInput{
			ClientToken:         &token,
			PolicyStoreID:       p.PolicyStoreID,
			Configuration:       p.Configuration,
			PrincipalEntityType: p.PrincipalEntityType,
		})
		return err
	})
	if err != nil {
		return "", nil, err
	}
	log.Info("created the identity source", "identitySourceId", out.IdentitySourceID, "policyStoreId", out.PolicyStoreID)
	return out.IdentitySourceID, data(out), nil
}

func (h *Handler) update(ctx context.Context, log *slog.Logger, ev cfn.Event) (string, map[string]string, error) {
	account, err := h.account(ctx, ev)
	if err != nil {
		return "", nil, err
	}
	p, err := parseProperties(ev.ResourceProperties)
	if err != nil {
		return "", nil, err
	}
	physical := ev.PhysicalResourceID
	if !isIdentitySourceID(physical) {
		// The resource never got an identity source (its Create failed):
		// there is nothing to update, so this is a create.
		log.Info("the resource has no identity source; creating one")
		return h.create(ctx, log, account, ev, p)
	}
	if old := oldPolicyStoreID(ev.OldResourceProperties); old != p.PolicyStoreID {
		// Replacement, unless the identity source already lives in the store
		// now named: the rollback of a replacement, or a switch between a
		// store's id and its alias. Creating there would hit the quota.
		err := h.call(ctx, log, avp.OpGetIdentitySource, func(ctx context.Context) error {
			_, err := entry.Run[avp.GetIdentitySourceOutput](ctx, h.ops, avp.OpGetIdentitySource, account, &avp.GetIdentitySourceInput{PolicyStoreID: p.PolicyStoreID, IdentitySourceID: physical})
			return err
		})
		var e *avp.Error
		switch {
		case err == nil:
			log.Info("the identity source is already in the policy store named; updating it in place", "from", old, "to", p.PolicyStoreID)
		case errors.As(err, &e) && e.Code == avp.CodeResourceNotFound:
			log.Info("the policy store changed; replacing the identity source", "from", old, "to", p.PolicyStoreID)
			return h.create(ctx, log, account, ev, p)
		default:
			return "", nil, err
		}
	}
	principal, err := principalForUpdate(p)
	if err != nil {
		return "", nil, err
	}
	var out *avp.UpdateIdentitySourceOutput
	err = h.call(ctx, log, avp.OpUpdateIdentitySource, func(ctx context.Context) (err error) {
		out, err = entry.Run[avp.UpdateIdentitySourceOutput](ctx, h.ops, avp.OpUpdateIdentitySource, account, &avp.UpdateIdentitySourceInput{
			PolicyStoreID:       p.PolicyStoreID,
			IdentitySourceID:    physical,
			UpdateConfiguration: p.Configuration,
			PrincipalEntityType: principal,
		})
		return err
	})
	if err != nil {
		return "", nil, err
	}
	log.Info("updated the identity source", "identitySourceId", out.IdentitySourceID, "policyStoreId", out.PolicyStoreID)
	return out.IdentitySourceID, data(out), nil
}

func (h *Handler) delete(ctx context.Context, log *slog.Logger, ev cfn.Event) (string, map[string]string, error) {
	physical := ev.PhysicalResourceID
	if !isIdentitySourceID(physical) {
		log.Info("the physical id names no identity source (a failed create); nothing to delete")
		return physical, nil, nil
	}
	account, err := h.account(ctx, ev)
	if err != nil {
		return "", nil, err
	}
	psID := oldPolicyStoreID(ev.ResourceProperties)
	err = h.call(ctx, log, avp.OpDeleteIdentitySource, func(ctx context.Context) error {
		_, err := entry.Run[avp.Empty](ctx, h.ops, avp.OpDeleteIdentitySource, account, &avp.DeleteIdentitySourceInput{PolicyStoreID: psID, IdentitySourceID: physical})
		return err
	})
	var e *avp.Error
	switch {
	case err == nil:
		log.Info("deleted the identity source", "policyStoreId", psID)
	case errors.As(err, &e) && e.Code == avp.CodeResourceNotFound:
		if e.ResourceType == avp.ResourcePolicyStoreAlias {
			log.Warn("the policy store alias is gone, so the identity source cannot be reached; if its store still exists, delete the identity source by the store's id",
				"policyStoreId", psID, "identitySourceId", physical)
		} else {
			log.Info("the identity source is already gone", "resourceType", e.ResourceType)
		}
	default:
		return "", nil, err
	}
	return physical, nil, nil
}

// call runs fn, and again after a jittered, doubling delay while its error is
// retryable, MaxAttempts allows and the delay ends before ctx's deadline.
func (h *Handler) call(ctx context.Context, log *slog.Logger, op string, fn func(context.Context) error) error {
	delay := h.backoff
	for attempt := 1; ; attempt++ {
		err := fn(ctx)
		if err == nil || attempt >= h.maxAttempts || !retryable(ctx, err) {
			return err
		}
		wait := delay/2 + rand.N(delay/2+1)
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) <= wait {
			return err
		}
		log.Warn("retrying", "operation", op, "attempt", attempt, "wait", wait.String(), "error", avp.LogCause(err))
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		delay = min(2*delay, h.maxBackoff)
	}
}

// retryable: ThrottlingException, InternalServerException, and internal
// errors (which the API answers as InternalServerException), unless the time
// is up.
func retryable(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	var e *avp.Error
	if errors.As(err, &e) {
		return e.Retryable()
	}
	return true
}

// reason is the Reason of a FAILED response: the AVP error as the API would
// name it, or for anything else a fixed text (the cause is logged).
func (h *Handler) reason(err error, requestID string, log *slog.Logger) string {
	var e *avp.Error
	if errors.As(err, &e) {
		if e.Retryable() {
			log.Error("the request failed", "errorType", e.Code, "message", e.Message, "error", avp.LogCause(err))
		} else {
			log.Info("the request failed", "errorType", e.Code, "message", e.Message)
		}
		return e.Error()
	}
	log.Error("the request failed internally", "error", err.Error())
	return h.internalReason(requestID)
}

func (h *Handler) internalReason(requestID string) string {
	where := "the function's CloudWatch logs"
	if h.logStream != "" {
		where = "CloudWatch log stream " + h.logStream
	}
	return fmt.Sprintf("InternalServerException: the identity source could not be processed; see %s (CloudFormation request %s)", where, requestID)
}

func data(out *avp.CreateIdentitySourceOutput) map[string]string {
	return map[string]string{
		DataIdentitySourceID: out.IdentitySourceID,
		DataPolicyStoreID:    out.PolicyStoreID,
		DataCreatedDate:      out.CreatedDate.String(),
	}
}
