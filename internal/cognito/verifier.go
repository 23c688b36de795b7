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
	ListUserPoolClients(context.Context, *cip.ListUserPoolClientsInput, ...func(*cip.Options)) (*cip.ListUserPoolClientsOutput, error)
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

// ListPageSize is the most app clients one ListUserPoolClients call returns
// (its MaxResults: 1 to 60).
const ListPageSize = 60

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

// VerifyUserPool implements avp.UserPoolVerifier. It describes the pool and,
// concurrently, looks for the distinct client ids at the least cost it can
// promise without knowing how many app clients the pool has:
//
//   - It lists the pool's app clients (ListUserPoolClients, 60 a page) while
//     fewer pages have been read than ids remain to be found, less one; ids
//     seen in a page are found, and when the list ends every id not seen is
//     missing.
//   - It describes each id still to be found then (DescribeUserPoolClient,
//     at most DefaultParallelism at a time): one id, or a few ids after
//     several pages, cost less that way than more pages might.
//
// So one id costs one describe; many ids of a pool with at most 60 app
// clients cost one page; and no request costs more than twice the calls of
// the better of "describe every id" and "list every page", plus the pool's
// describe. A throttle becomes avp.ErrThrottled; a timeout, connection
// failure or 5xx becomes avp.ErrUnavailable; only Cognito's
// ResourceNotFoundException (or an id Cognito could never issue), or an id
// absent from the whole list, counts as "does not exist".
func (v *Verifier) VerifyUserPool(ctx context.Context, pool avp.UserPoolARN, clientIDs []string) (avp.UserPoolFindings, error) {
	var found avp.UserPoolFindings
	if len(pool.PoolID) > 55 || !rePoolID.MatchString(pool.PoolID) {
		found.PoolMissing = true
		return found, nil
	}
	// The distinct well-formed ids, in request order, and where each is.
	missing := make([]bool, len(clientIDs))
	at := map[string][]int{}
	var ids []string
	for i, id := range clientIDs {
		if len(id) > 128 || !reClientID.MatchString(id) {
			missing[i] = true
			continue
		}
		if _, dup := at[id]; !dup {
			ids = append(ids, id)
		}
		at[id] = append(at[id], i)
	}
	api := v.clientFor(pool.Region)
	parent := ctx
	// The first error ends the group's context: the answer is "retry"
	// whatever the other calls say, so the calls not yet made are skipped.
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(v.parallelism)
	var mu sync.Mutex // guards found
	poolMissing := func() {
		mu.Lock()
		found.PoolMissing = true
		mu.Unlock()
	}
	// absent marks an id missing; each id is marked by one goroutine only.
	absent := func(id string) {
		for _, i := range at[id] {
			missing[i] = true
		}
	}
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
			poolMissing()
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
	if len(ids) > 0 {
		run(func() error {
			rest, err := listClients(ctx, api, pool.PoolID, ids)
			switch {
			case isNotFound(err):
				poolMissing()
				return nil
			case err != nil:
				return err
			}
			for _, id := range rest.absent {
				absent(id)
			}
			// The ids the list did not settle, each described, alongside
			// the pool's describe when no page was read.
			d, ctx := errgroup.WithContext(ctx)
			d.SetLimit(v.parallelism)
			for _, id := range rest.unknown {
				d.Go(func() error {
					if ctx.Err() != nil {
						return nil
					}
					out, err := api.DescribeUserPoolClient(ctx, &cip.DescribeUserPoolClientInput{
						UserPoolId: aws.String(pool.PoolID), ClientId: aws.String(id),
					})
					switch {
					case isNotFound(err):
						absent(id)
					case err != nil:
						return classify(err, "describe user pool client")
					case out.UserPoolClient == nil || aws.ToString(out.UserPoolClient.UserPoolId) != pool.PoolID:
						absent(id) // a client of another pool
					}
					return nil
				})
			}
			return d.Wait()
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
		if m || found.PoolMissing { // no app client outlives its pool
			found.MissingClients = append(found.MissingClients, i)
		}
	}
	return found, nil
}

// listed is what listing a pool's app clients left to do: ids the whole
// list showed absent, and ids still unknown, to describe one by one.
type listed struct{ absent, unknown []string }

// listClients reads pages of the pool's app clients while that may cost
// less than describing the ids not yet seen (see VerifyUserPool). Its error
// is Cognito's ResourceNotFoundException as is (the pool does not exist),
// or a classified failure.
func listClients(ctx context.Context, api API, poolID string, ids []string) (listed, error) {
	left := make(map[string]bool, len(ids))
	for _, id := range ids {
		left[id] = true
	}
	var token *string
	for pages := 0; pages+1 < len(left); pages++ {
		out, err := api.ListUserPoolClients(ctx, &cip.ListUserPoolClientsInput{
			UserPoolId: aws.String(poolID), MaxResults: aws.Int32(ListPageSize), NextToken: token,
		})
		switch {
		case isNotFound(err):
			return listed{}, err
		case err != nil:
			return listed{}, classify(err, "list user pool clients")
		}
		for _, c := range out.UserPoolClients {
			if p := aws.ToString(c.UserPoolId); p == "" || p == poolID {
				delete(left, aws.ToString(c.ClientId))
			}
		}
		if token = out.NextToken; aws.ToString(token) == "" {
			return listed{absent: inOrder(ids, left)}, nil // the whole list was read
		}
	}
	return listed{unknown: inOrder(ids, left)}, nil
}

// inOrder returns the ids that are in left, in the order of ids.
func inOrder(ids []string, left map[string]bool) []string {
	var out []string
	for _, id := range ids {
		if left[id] {
			out = append(out, id)
		}
	}
	return out
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
