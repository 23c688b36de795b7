package cognito

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"golang.org/x/sync/errgroup"

	"github.com/vpid-dev/vpid/internal/avp"
)

// API is the part of the Cognito user pools client the Verifier calls.
type API interface {
	DescribeUserPool(context.Context, *cip.DescribeUserPoolInput, ...func(*cip.Options)) (*cip.DescribeUserPoolOutput, error)
	DescribeUserPoolClient(context.Context, *cip.DescribeUserPoolClientInput, ...func(*cip.Options)) (*cip.DescribeUserPoolClientOutput, error)
}

// Cognito's own id formats. An id outside them cannot exist, so it is
// reported missing without a call (Cognito would answer InvalidParameter).
var (
	rePoolID   = regexp.MustCompile(`^[\w-]+_[0-9a-zA-Z]+$`)
	reClientID = regexp.MustCompile(`^[\w+]+$`)
)

// DefaultParallelism bounds the concurrent Cognito calls of one verification,
// well below Cognito's per-account request rate for describe operations.
const DefaultParallelism = 8

// Verifier implements avp.UserPoolVerifier.
type Verifier struct {
	clientFor   func(region string) API
	parallelism int
}

var _ avp.UserPoolVerifier = (*Verifier)(nil)

// New returns a Verifier; clientFor returns the Cognito client of a region
// (clients are cheap to keep, so callers usually cache them).
func New(clientFor func(region string) API) *Verifier {
	return &Verifier{clientFor: clientFor, parallelism: DefaultParallelism}
}

// VerifyUserPool implements avp.UserPoolVerifier. It describes the pool and
// every client id concurrently. A throttle becomes avp.ErrThrottled; a
// timeout, connection failure or 5xx becomes avp.ErrUnavailable; only
// Cognito's ResourceNotFoundException (or an id Cognito could never issue)
// counts as "does not exist".
func (v *Verifier) VerifyUserPool(ctx context.Context, pool avp.UserPoolARN, clientIDs []string) (avp.UserPoolFindings, error) {
	var found avp.UserPoolFindings
	if len(pool.PoolID) > 55 || !rePoolID.MatchString(pool.PoolID) {
		found.PoolMissing = true
		return found, nil
	}
	api := v.clientFor(pool.Region)
	parent := ctx
	// The first error ends the group's context: the answer is "retry"
	// whatever the other calls say, so the calls not yet made are skipped.
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(v.parallelism)
	var (
		mu      sync.Mutex // guards found
		missing = make([]bool, len(clientIDs))
	)
	// run calls f within the limit, unless the verification already ended.
	run := func(f func() error) {
		g.Go(func() error {
			if ctx.Err() != nil {
				return nil
			}
			return f()
		})
	}

	run(func() error {
		out, err := api.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String(pool.PoolID)})
		switch {
		case isNotFound(err):
			mu.Lock()
			found.PoolMissing = true
			mu.Unlock()
		case err != nil:
			return classify(err, "describe user pool "+pool.PoolID)
		case out.UserPool == nil:
			return fmt.Errorf("describe user pool %s: empty answer: %w", pool.PoolID, avp.ErrUnavailable)
		case aws.ToString(out.UserPool.Arn) != pool.String():
			mu.Lock()
			found.ActualARN = aws.ToString(out.UserPool.Arn)
			mu.Unlock()
		}
		return nil
	})
	for i, id := range clientIDs {
		if len(id) > 128 || !reClientID.MatchString(id) {
			missing[i] = true
			continue
		}
		run(func() error {
			out, err := api.DescribeUserPoolClient(ctx, &cip.DescribeUserPoolClientInput{
				UserPoolId: aws.String(pool.PoolID), ClientId: aws.String(id),
			})
			switch {
			case isNotFound(err):
				missing[i] = true
			case err != nil:
				return classify(err, "describe user pool client")
			case out.UserPoolClient == nil || aws.ToString(out.UserPoolClient.UserPoolId) != pool.PoolID:
				missing[i] = true // a client of another pool
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return avp.UserPoolFindings{}, err
	}
	if err := parent.Err(); err != nil {
		// The caller gave up: calls were skipped, so nothing is known.
		return avp.UserPoolFindings{}, fmt.Errorf("verify user pool: %w: %w", err, avp.ErrUnavailable)
	}
	for i, m := range missing {
		if m {
			found.MissingClients = append(found.MissingClients, i)
		}
	}
	return found, nil
}

func isNotFound(err error) bool {
	var nf *types.ResourceNotFoundException
	return errors.As(err, &nf)
}

// classify maps a Cognito failure to a retryable avp sentinel. Errors that
// are neither throttles nor server-side (say, AccessDenied because the
// function's role lacks a permission) stay internal: the caller cannot fix
// them, and they must not read as "does not exist".
func classify(err error, what string) error {
	var tooMany *types.TooManyRequestsException
	if errors.As(err, &tooMany) {
		return fmt.Errorf("%s: %w: %w", what, avp.ErrThrottled, err)
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "ThrottlingException", "TooManyRequestsException", "LimitExceededException":
			return fmt.Errorf("%s: %w: %w", what, avp.ErrThrottled, err)
		}
		var re *smithyhttp.ResponseError
		if errors.As(err, &re) && re.HTTPStatusCode() < http.StatusInternalServerError {
			return fmt.Errorf("%s: cognito rejected the request: %w", what, err)
		}
	}
	return fmt.Errorf("%s: %w: %w", what, avp.ErrUnavailable, err)
}
