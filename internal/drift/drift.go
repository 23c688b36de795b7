package drift

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"
	"time"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/vpid-dev/vpid/internal/avp"
	"github.com/vpid-dev/vpid/internal/bus"
	"github.com/vpid-dev/vpid/internal/cognito"
	"github.com/vpid-dev/vpid/internal/store"
)

// Defaults of Config.
const (
	// DefaultCategoryRate is the calls per second a run makes, per Region,
	// in each of Cognito's UserPoolRead and UserPoolClientRead categories:
	// two thirds of their fixed 15/s quota, the rest being left to the API
	// function's checks and to other tools of the account.
	DefaultCategoryRate = 10
	// DefaultPoolRate is the calls per second a run makes to one user pool:
	// under Cognito's 5/s per pool, with room for the API function.
	DefaultPoolRate = 3
	// DefaultConcurrency is how many identity sources are checked at a time.
	// Each check may have up to cognito.DefaultParallelism calls waiting
	// for the limiter, so a few suffice to keep it busy.
	DefaultConcurrency = 4
	// DefaultSegments is how many segments the table is scanned in.
	DefaultSegments = 16
	// DefaultReserve is the time a run keeps, before its deadline, to
	// publish its events and write its metrics.
	DefaultReserve = 20 * time.Second
	// DefaultThrottleCooldown is how long a throttled bucket admits no call.
	DefaultThrottleCooldown = time.Second
)

// Sources lists identity sources, one segment of a parallel scan at a time.
type Sources interface {
	// ScanSegment calls fn with every identity source of segment (of
	// total), stopping at fn's first error, which it returns.
	ScanSegment(ctx context.Context, segment, total int, fn func(account string, is avp.IdentitySource) error) error
}

// TableScanner is the part of the DynamoDB client that TableSources uses.
// It is read-only: a holder of a TableScanner cannot change the table.
type TableScanner interface {
	Scan(context.Context, *dynamodb.ScanInput, ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error)
}

// TableSources reads identity sources from vpid's table (ConfigFor wires
// it).
func TableSources(api TableScanner, table string) Sources { return tableSources{api, table} }

type tableSources struct {
	api   TableScanner
	table string
}

func (t tableSources) ScanSegment(ctx context.Context, segment, total int, fn func(string, avp.IdentitySource) error) error {
	return store.ScanIdentitySourcesWith(ctx, t.api, t.table, store.ScanOptions{Segment: segment, TotalSegments: total}, fn)
}

// Publisher publishes events (a *bus.Publisher).
type Publisher interface {
	Publish(ctx context.Context, events []bus.Event) (failed []int, err error)
}

// Config configures a Checker. Sources, Cognito, Issuers and Events are
// required; zero numbers mean the defaults.
type Config struct {
	Sources Sources
	// Cognito returns the Cognito client of a Region (app.Deps.Cognito).
	Cognito func(region string) cognito.API
	// Issuers checks OpenID Connect issuers (app.Deps.Issuers).
	Issuers avp.IssuerVerifier
	Events  Publisher
	// Metrics receives the run's embedded-metric-format line (standard
	// output in Lambda); nil discards it.
	Metrics io.Writer
	// Logger; nil discards.
	Logger *slog.Logger

	CategoryRate     float64
	PoolRate         float64
	Concurrency      int
	Segments         int
	Reserve          time.Duration
	ThrottleCooldown time.Duration
	// Partition of the policy store ARNs in the events' resources
	// (app.Deps.Partition, as the API uses; "" is "aws").
	Partition string
}

// Checker runs drift checks. It is safe for concurrent use, but runs must
// not overlap: each has the whole rate budget.
type Checker struct{ cfg Config }

// New returns a Checker.
func New(cfg Config) (*Checker, error) {
	if cfg.Sources == nil || cfg.Cognito == nil || cfg.Issuers == nil || cfg.Events == nil {
		return nil, errors.New("drift: Sources, Cognito, Issuers and Events are required")
	}
	if cfg.CategoryRate <= 0 {
		cfg.CategoryRate = DefaultCategoryRate
	}
	if cfg.PoolRate <= 0 {
		cfg.PoolRate = DefaultPoolRate
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = DefaultConcurrency
	}
	if cfg.Segments <= 0 {
		cfg.Segments = DefaultSegments
	}
	if cfg.Reserve <= 0 {
		cfg.Reserve = DefaultReserve
	}
	if cfg.ThrottleCooldown <= 0 {
		cfg.ThrottleCooldown = DefaultThrottleCooldown
	}
	if cfg.Partition == "" {
		cfg.Partition = "aws"
	}
	if cfg.Metrics == nil {
		cfg.Metrics = io.Discard
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Checker{cfg: cfg}, nil
}

// Summary is what a run did.
type Summary struct {
	// Segments the table was scanned in, and the one the run started at.
	Segments     int `json:"segments"`
	FirstSegment int `json:"firstSegment"`
	// SegmentsCompleted counts the segments, from FirstSegment on, whose
	// every identity source was checked; NextSegment is the first one that
	// was not (FirstSegment again when the run was Complete).
	SegmentsCompleted int  `json:"segmentsCompleted"`
	NextSegment       int  `json:"nextSegment"`
	Complete          bool `json:"complete"`
	// StoppedEarly: the deadline ended the run before it was complete.
	StoppedEarly bool `json:"stoppedEarly"`

	// Scanned identity sources were read and handed to a check; Checked of
	// them got an answer (fine, Drifted or Unknown); Unfinished ones were
	// cut short by the deadline.
	Scanned    int `json:"scanned"`
	Checked    int `json:"checked"`
	Drifted    int `json:"drifted"`
	Unknown    int `json:"unknown"`
	Unfinished int `json:"unfinished"`

	CognitoCalls     int64 `json:"cognitoCalls"`
	CognitoThrottles int64 `json:"cognitoThrottles"`
	IssuerChecks     int64 `json:"issuerChecks"`
	EventsPublished  int   `json:"eventsPublished"`
	EventsFailed     int   `json:"eventsFailed"`
	DurationMillis   int64 `json:"durationMillis"`
}

// Rotation returns the segment a run scheduled at t starts at, so that
// successive hourly runs start at different segments and a table too large
// for one run is still covered: the hour count since the epoch times a
// stride near segments/φ² that is coprime with segments, modulo segments.
// Such a stride spreads the starting points evenly whatever part of the
// table one run gets through.
func Rotation(t time.Time, segments int) int {
	if segments <= 1 {
		return 0
	}
	stride := int(math.Round(float64(segments) * 0.381966))
	for gcd(stride, segments) != 1 {
		stride++
	}
	hours := t.Unix() / 3600
	return int(((hours%int64(segments))*int64(stride))%int64(segments)+int64(segments)) % segments
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// status is the outcome of one identity source's check.
type status int

const (
	statusFine status = iota
	statusDrifted
	statusUnknown
	statusUnfinished
)

type job struct {
	segment int
	account string
	is      avp.IdentitySource
}

type result struct {
	job
	status   status
	findings []Finding
	err      error
}

// run is the state of one Run: its limiter and caches live as long as it.
type run struct {
	cfg      Config
	ctx      context.Context // ends Reserve before the caller's deadline
	stop     context.CancelFunc
	limits   *limiter
	verifier *cognito.Verifier

	regionsMu sync.Mutex
	regions   map[string]*regionAPI

	pools   flights[*cip.DescribeUserPoolOutput]
	clients flights[*cip.DescribeUserPoolClientOutput]
	pages   flights[*cip.ListUserPoolClientsOutput]
	issuers flights[struct{}]
	// background holds the lookups of the flights.
	background sync.WaitGroup

	cognitoCalls, throttles, issuerChecks atomic.Int64
}

func (c *Checker) newRun(ctx context.Context, stop context.CancelFunc) *run {
	r := &run{cfg: c.cfg, ctx: ctx, stop: stop, limits: newLimiter(), regions: map[string]*regionAPI{}}
	cut := func(err error) bool { return err != nil && (r.ctx.Err() != nil || errors.Is(err, errPastDeadline)) }
	r.pools = flights[*cip.DescribeUserPoolOutput]{run: r, forget: cut}
	r.clients = flights[*cip.DescribeUserPoolClientOutput]{run: r, forget: cut}
	r.pages = flights[*cip.ListUserPoolClientsOutput]{run: r, forget: cut}
	r.issuers = flights[struct{}]{run: r, forget: func(err error) bool {
		var ie *avp.IssuerError
		return err != nil && !errors.As(err, &ie) // the run's context ended: no verdict
	}}
	r.verifier = cognito.New(r.regionAPI)
	return r
}

func (r *run) regionAPI(region string) cognito.API {
	r.regionsMu.Lock()
	defer r.regionsMu.Unlock()
	a, ok := r.regions[region]
	if !ok {
		a = &regionAPI{run: r, region: region, api: r.cfg.Cognito(region)}
		r.regions[region] = a
	}
	return a
}

// Run checks identity sources, segment by segment from firstSegment on,
// until all are checked or the context's deadline is Reserve away. It
// publishes an event per drifted identity source and writes the metrics
// line whatever happens; its error reports a failed scan or events that
// could not be published, and the Summary is valid even then.
func (c *Checker) Run(ctx context.Context, firstSegment int) (Summary, error) {
	start := time.Now()
	segments := c.cfg.Segments
	first := ((firstSegment % segments) + segments) % segments
	sum := Summary{Segments: segments, FirstSegment: first}

	var (
		workCtx context.Context
		cancel  context.CancelFunc
	)
	if dl, ok := ctx.Deadline(); ok {
		workCtx, cancel = context.WithDeadline(ctx, dl.Add(-c.cfg.Reserve))
	} else {
		workCtx, cancel = context.WithCancel(ctx)
	}
	defer cancel()
	r := c.newRun(workCtx, cancel)

	jobs := make(chan job)
	results := make(chan result, c.cfg.Concurrency)
	var workers sync.WaitGroup
	for range c.cfg.Concurrency {
		workers.Go(func() {
			for j := range jobs {
				results <- r.check(j)
			}
		})
	}
	col := &collector{cfg: c.cfg, finished: make([]int, segments)}
	collected := make(chan struct{})
	go func() {
		defer close(collected)
		col.consume(ctx, results)
	}()

	scanned := make([]int, segments)
	scanDone := make([]bool, segments)
	var scanErr error
	errStop := errors.New("stop")
	for i := range segments {
		seg := (first + i) % segments
		err := c.cfg.Sources.ScanSegment(workCtx, seg, segments, func(account string, is avp.IdentitySource) error {
			if workCtx.Err() != nil {
				return errStop
			}
			select {
			case jobs <- job{segment: seg, account: account, is: is}:
				scanned[seg]++
				return nil
			case <-workCtx.Done():
				return errStop
			}
		})
		if err == nil {
			scanDone[seg] = true
			continue
		}
		if workCtx.Err() == nil && !errors.Is(err, errStop) {
			scanErr = fmt.Errorf("drift: scan segment %d of %d: %w", seg, segments, err)
		}
		break
	}
	close(jobs)
	workers.Wait()
	close(results)
	<-collected
	cancel()
	r.background.Wait()

	sum.Complete = true
	sum.NextSegment = first
	for i := range segments {
		seg := (first + i) % segments
		if !scanDone[seg] || col.finished[seg] != scanned[seg] {
			sum.Complete = false
			sum.NextSegment = seg
			break
		}
		sum.SegmentsCompleted++
	}
	sum.StoppedEarly = !sum.Complete && scanErr == nil
	for _, n := range scanned {
		sum.Scanned += n
	}
	sum.Checked, sum.Drifted, sum.Unknown, sum.Unfinished = col.checked, col.drifted, col.unknown, col.unfinished
	sum.CognitoCalls, sum.CognitoThrottles, sum.IssuerChecks = r.cognitoCalls.Load(), r.throttles.Load(), r.issuerChecks.Load()
	sum.EventsPublished, sum.EventsFailed = col.published, col.failed
	sum.DurationMillis = time.Since(start).Milliseconds()

	log := c.cfg.Logger
	if err := writeMetrics(c.cfg.Metrics, time.Now(), sum); err != nil {
		log.ErrorContext(ctx, "drift: write metrics", "error", err)
	}
	err := errors.Join(scanErr, col.publishErr)
	level := slog.LevelInfo
	if err != nil {
		level = slog.LevelError
	}
	log.Log(ctx, level, "drift check finished", "summary", sum, "error", err)
	return sum, err
}

// check checks one identity source under the run's context.
func (r *run) check(j job) result {
	res := result{job: j}
	ctx := r.ctx
	if ctx.Err() != nil {
		res.status = statusUnfinished
		return res
	}
	switch cfg := j.is.Configuration.(type) {
	case *avp.CognitoUserPoolConfiguration:
		cg := cfg
		arn, ok := cg.PoolARN()
		if !ok {
			res.status, res.err = statusUnknown, fmt.Errorf("the stored userPoolArn %q is not a user pool ARN", cg.UserPoolARN)
			return res
		}
		if !avp.RegionInPartition(r.cfg.Partition, arn.Region) {
			// Stored before the API refused such Regions: asking would cost
			// a Cognito client and a DNS lookup that cannot work.
			res.status, res.err = statusUnknown, fmt.Errorf("the stored userPoolArn names Region %q, which is not a Region of partition %s", arn.Region, r.cfg.Partition)
			return res
		}
		found, err := r.verifier.VerifyUserPool(ctx, arn, cg.ClientIDs)
		if err != nil {
			return r.failed(res, err)
		}
		res.findings = cognitoFindings(arn, cg, found)
	case *avp.OpenIDConnectConfiguration:
		err := r.verifyIssuer(ctx, cfg.Issuer)
		var ie *avp.IssuerError
		switch {
		case err == nil:
		case errors.As(err, &ie) && ie.Transient:
			res.status, res.err = statusUnknown, err
			return res
		case errors.As(err, &ie):
			res.findings = []Finding{{Path: pathIssuer, ProblemError: ie.Reason}}
		default:
			return r.failed(res, err)
		}
	case nil:
		res.status, res.err = statusUnknown, errors.New("the stored configuration names neither a user pool nor an issuer")
		return res
	}
	if len(res.findings) > 0 {
		res.status = statusDrifted
	}
	return res
}

// failed classifies a check that got no answer: cut short by the deadline,
// or unknown (a throttle, an outage, a permission vpid's role lacks).
func (r *run) failed(res result, err error) result {
	if errors.Is(err, errPastDeadline) {
		// The limiter has no slot left before the deadline: the run is
		// over, whatever the identity sources still waiting would need.
		r.stop()
	}
	if r.ctx.Err() != nil {
		res.status = statusUnfinished
		return res
	}
	res.status, res.err = statusUnknown, err
	return res
}

// maxUnknownLogs bounds the unknown results logged one by one in a run, so
// that a Cognito outage does not write a line per identity source.
const maxUnknownLogs = 20

// batch is how many drift events are published together (PutEvents' limit).
const batch = 10

// collector counts results and publishes drift events, in batches, as they
// come.
type collector struct {
	cfg      Config
	finished []int // per segment: results other than unfinished

	checked, drifted, unknown, unfinished int
	published, failed                     int
	pending                               []bus.Event
	publishErr                            error
}

func (c *collector) consume(ctx context.Context, results <-chan result) {
	log := c.cfg.Logger
	for res := range results {
		if res.status == statusUnfinished {
			c.unfinished++
			continue
		}
		c.finished[res.segment]++
		c.checked++
		attrs := []any{"account", res.account, "policyStoreId", res.is.PolicyStoreID, "identitySourceId", res.is.IdentitySourceID}
		switch res.status {
		case statusDrifted:
			c.drifted++
			log.WarnContext(ctx, "identity source drifted", append(attrs, "findings", res.findings)...)
			c.pending = append(c.pending, bus.Event{
				DetailType: bus.IdentitySourceDrifted,
				Detail: Detail{
					Account: res.account, PolicyStoreID: res.is.PolicyStoreID,
					IdentitySourceID: res.is.IdentitySourceID, Findings: res.findings,
				},
				Resources: []string{avp.PolicyStoreARN(c.cfg.Partition, res.account, res.is.PolicyStoreID)},
			})
			if len(c.pending) >= batch {
				c.flush(ctx)
			}
		case statusUnknown:
			c.unknown++
			switch {
			case c.unknown <= maxUnknownLogs:
				level := slog.LevelWarn
				if !errors.Is(res.err, avp.ErrThrottled) && !errors.Is(res.err, avp.ErrUnavailable) {
					level = slog.LevelError // not passing: a permission, a bug, bad data
				}
				log.Log(ctx, level, "identity source not checked; the next run retries", append(attrs, "error", res.err)...)
			case c.unknown == maxUnknownLogs+1:
				log.WarnContext(ctx, "more identity sources not checked; see the run's summary")
			}
		}
	}
	c.flush(ctx)
}

// flush publishes the pending events, retrying the failed ones once.
func (c *collector) flush(ctx context.Context) {
	events := c.pending
	c.pending = nil
	if len(events) == 0 {
		return
	}
	lost, err := c.publish(ctx, events)
	if len(lost) > 0 {
		lost, err = c.publish(ctx, lost)
	}
	c.published += len(events) - len(lost)
	c.failed += len(lost)
	if len(lost) > 0 {
		c.publishErr = errors.Join(c.publishErr, err)
		for _, e := range lost {
			c.cfg.Logger.ErrorContext(ctx, "drift event not published", "event", bus.Describe(e), "error", err)
		}
	}
}

// publish returns the events EventBridge did not accept, and why.
func (c *collector) publish(ctx context.Context, events []bus.Event) ([]bus.Event, error) {
	failed, err := c.cfg.Events.Publish(ctx, events)
	if err != nil && len(failed) == 0 {
		return events, err // nothing was sent
	}
	lost := make([]bus.Event, 0, len(failed))
	for _, i := range failed {
		if i >= 0 && i < len(events) {
			lost = append(lost, events[i])
		}
	}
	return lost, err
}
