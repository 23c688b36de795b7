package drift

import (
	"context"
	"errors"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"

	"github.com/vpid-dev/vpid/internal/cognito"
)

// Cognito's quota categories of the two operations a run calls.
const (
	categoryPoolRead   = "UserPoolRead"       // DescribeUserPool
	categoryClientRead = "UserPoolClientRead" // DescribeUserPoolClient, ListUserPoolClients
)

// oneAttempt turns the SDK's retries off for one call: a retry would reach
// Cognito without passing the run's rate limiter, and a throttled or failed
// call is simply "unknown" until the next run.
func oneAttempt(o *cip.Options) { o.RetryMaxAttempts = 1 }

// regionAPI is the Cognito client of one Region as the run's
// cognito.Verifier sees it: every call first waits for the rate limiter,
// answers are remembered for the rest of the run, and the clients of a pool
// that does not exist are answered without calling Cognito.
type regionAPI struct {
	run    *run
	region string
	api    cognito.API
}

var _ cognito.API = (*regionAPI)(nil)

func (a *regionAPI) buckets(category, poolID string) []*bucket {
	l, cfg := a.run.limits, a.run.cfg
	return []*bucket{
		l.bucket(a.region+"/"+category, cfg.CategoryRate),
		l.bucket(a.region+"/"+category+"/"+poolID, cfg.PoolRate),
	}
}

// call makes one rate-limited attempt of a Cognito call and pauses its
// buckets when Cognito throttles it.
func (a *regionAPI) call(category, poolID string, do func(ctx context.Context) error) error {
	bs := a.buckets(category, poolID)
	if err := a.run.limits.wait(a.run.ctx, bs...); err != nil {
		return err
	}
	a.run.cognitoCalls.Add(1)
	err := do(a.run.ctx)
	if isThrottle(err) {
		a.run.throttles.Add(1)
		a.run.limits.pause(a.run.cfg.ThrottleCooldown, bs...)
	}
	return err
}

// DescribeUserPool implements cognito.API: once per pool and run.
func (a *regionAPI) DescribeUserPool(ctx context.Context, in *cip.DescribeUserPoolInput, opts ...func(*cip.Options)) (*cip.DescribeUserPoolOutput, error) {
	poolID := aws.ToString(in.UserPoolId)
	return a.run.pools.do(ctx, a.region+"\x00"+poolID, func() (out *cip.DescribeUserPoolOutput, err error) {
		err = a.call(categoryPoolRead, poolID, func(ctx context.Context) error {
			out, err = a.api.DescribeUserPool(ctx, in, append(opts, oneAttempt)...)
			return err
		})
		return out, err
	})
}

// DescribeUserPoolClient implements cognito.API: once per app client and
// run, and only after the pool is known to exist.
func (a *regionAPI) DescribeUserPoolClient(ctx context.Context, in *cip.DescribeUserPoolClientInput, opts ...func(*cip.Options)) (*cip.DescribeUserPoolClientOutput, error) {
	poolID := aws.ToString(in.UserPoolId)
	if _, err := a.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: in.UserPoolId}); err != nil {
		var nf *types.ResourceNotFoundException
		if errors.As(err, &nf) {
			// An app client cannot outlive its pool.
			return nil, &types.ResourceNotFoundException{Message: aws.String("User pool " + poolID + " does not exist.")}
		}
		return nil, err // the pool's failure decides the verification anyway
	}
	key := a.region + "\x00" + poolID + "\x00" + aws.ToString(in.ClientId)
	return a.run.clients.do(ctx, key, func() (out *cip.DescribeUserPoolClientOutput, err error) {
		err = a.call(categoryClientRead, poolID, func(ctx context.Context) error {
			out, err = a.api.DescribeUserPoolClient(ctx, in, append(opts, oneAttempt)...)
			return err
		})
		return out, err
	})
}

// ListUserPoolClients implements cognito.API: each page once per run (its
// key is the page's token), and only after the pool is known to exist. It
// counts in the same quota category as DescribeUserPoolClient.
func (a *regionAPI) ListUserPoolClients(ctx context.Context, in *cip.ListUserPoolClientsInput, opts ...func(*cip.Options)) (*cip.ListUserPoolClientsOutput, error) {
	poolID := aws.ToString(in.UserPoolId)
	if _, err := a.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: in.UserPoolId}); err != nil {
		return nil, err // not found: the pool's own answer; else the pool's failure decides
	}
	key := a.region + "\x00" + poolID + "\x00" + aws.ToString(in.NextToken)
	return a.run.pages.do(ctx, key, func() (out *cip.ListUserPoolClientsOutput, err error) {
		err = a.call(categoryClientRead, poolID, func(ctx context.Context) error {
			out, err = a.api.ListUserPoolClients(ctx, in, append(opts, oneAttempt)...)
			return err
		})
		return out, err
	})
}

func isThrottle(err error) bool {
	var tooMany *types.TooManyRequestsException
	if errors.As(err, &tooMany) {
		return true
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "TooManyRequestsException", "ThrottlingException":
			return true
		}
	}
	return false
}

// flights runs each keyed lookup once per run and shares its answer with
// every caller, including callers that arrive while it is in flight. The
// lookup runs in its own goroutine under the run's context, so a caller
// that gives up (its verification was cancelled) does not take the answer
// away from the others.
type flights[V any] struct {
	run *run
	// forget reports whether an outcome is not an answer worth keeping
	// (the run's deadline cut it short); it is then looked up again.
	forget func(err error) bool

	mu sync.Mutex
	m  map[string]*flight[V]
}

type flight[V any] struct {
	done chan struct{}
	v    V
	err  error
}

func (f *flights[V]) do(ctx context.Context, key string, lookup func() (V, error)) (V, error) {
	f.mu.Lock()
	fl, ok := f.m[key]
	if !ok {
		if f.m == nil {
			f.m = map[string]*flight[V]{}
		}
		fl = &flight[V]{done: make(chan struct{})}
		f.m[key] = fl
		f.run.background.Go(func() {
			fl.v, fl.err = lookup()
			if f.forget(fl.err) {
				f.mu.Lock()
				delete(f.m, key)
				f.mu.Unlock()
			}
			close(fl.done)
		})
	}
	f.mu.Unlock()
	select {
	case <-fl.done:
		return fl.v, fl.err
	case <-ctx.Done():
		var zero V
		return zero, ctx.Err()
	}
}
