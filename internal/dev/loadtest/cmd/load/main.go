// Command load starts DynamoDB Local, cognito-local and the real API binary
// (built as `make run` builds it, on a free loopback port, with a fresh
// table), drives the API with many concurrent Go SDK clients of the three
// test accounts for a bounded time (decisions about flip principals mixed
// with writes of their policies included; each account's flip principal is
// a user of its first cognito-local pool, whose ID token
// IsAuthorizedWithToken sends), then checks the table's
// invariants and the freshness of every decision. It
// prints the requests, the answers by type, latency percentiles per
// operation and the API's peak resident memory (VmHWM), and exits 1 if any
// invariant failed.
//
//	go run ./internal/dev/loadtest/cmd/load [-duration 20s] [-max-requests N] [-workers N] [-decision-stores N] [-decisions-only]
//
// `make load` runs it (pass flags with LOADFLAGS='...').
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/vpid-dev/vpid/internal/dev/emulator/emulatortest"
	"github.com/vpid-dev/vpid/internal/dev/loadtest"
	"github.com/vpid-dev/vpid/internal/dev/loadtest/stack"
)

func main() {
	os.Exit(run())
}

// mixOf is the mix of -decisions-only (nil: the whole mix).
func mixOf(decisionsOnly bool) []string {
	if !decisionsOnly {
		return nil
	}
	return loadtest.DecisionMix
}

// decisionStoresOf maps the flag to Config.DecisionStores (0 there means
// the default).
func decisionStoresOf(n int) int {
	if n <= 0 {
		return -1
	}
	return n
}

func logf(format string, args ...any) { fmt.Fprintf(os.Stderr, "load: "+format+"\n", args...) }

func run() int {
	duration := flag.Duration("duration", 20*time.Second, "how long to send requests")
	maxRequests := flag.Int64("max-requests", 200000, "the most requests to send")
	workers := flag.Int("workers", 32, "concurrent clients, spread over the 3 test accounts")
	stores := flag.Int("stores", 40, "about how many policy stores each account keeps")
	seed := flag.Uint64("seed", 1, "seed of the operation mix")
	decisionsOnly := flag.Bool("decisions-only", false, "send only decisions and policy writes in the decision stores (no Cognito operations)")
	decisionStores := flag.Int("decision-stores", 2, "decision stores per account (their flip policies written while decided on); 0: none")
	ddbEndpoint := flag.String("dynamodb-endpoint", "", "a running DynamoDB Local (with -cognito-endpoint; default: start one)")
	cogEndpoint := flag.String("cognito-endpoint", "", "a running cognito-local seeded with the test pools (default: start one)")
	flag.Parse()
	if flag.NArg() > 0 || *duration <= 0 || *duration > time.Hour || *maxRequests <= 0 || *workers <= 0 || *workers > 1024 {
		flag.Usage()
		return 2
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	setup, cancelSetup := context.WithTimeout(ctx, 5*time.Minute)
	defer cancelSetup()

	start := time.Now()
	st, err := stack.Start(setup, stack.Options{DynamoDBEndpoint: *ddbEndpoint, CognitoEndpoint: *cogEndpoint})
	if err != nil {
		logf("%v", err)
		return 1
	}
	defer func() {
		if err := st.Close(); err != nil {
			logf("stop: %v", err)
		}
	}()
	bin, err := st.BuildAPI(setup)
	if err != nil {
		logf("%v", err)
		return 1
	}
	api, err := st.StartAPI(setup, bin, stack.APIOptions{})
	if err != nil {
		logf("%v", err)
		return 1
	}
	logf("DynamoDB Local %s, cognito-local %s, table %s, API %s (pid %d) ready in %v",
		st.DynamoDBEndpoint, st.CognitoEndpoint, st.Table, api.URL, api.Pid(), time.Since(start).Round(10*time.Millisecond))

	// VmHWM is the peak itself; the samples of VmRSS confirm it.
	var maxRSS atomic.Int64
	sampleDone := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			if m, err := api.Memory(); err == nil && m.RSS > maxRSS.Load() {
				maxRSS.Store(m.RSS)
			}
			select {
			case <-sampleDone:
				return
			case <-t.C:
			}
		}
	})

	accounts := loadtest.AccountsOf(emulatortest.TestPools())
	logf("%d clients over accounts %s, %s and %s for %v (at most %d requests)",
		*workers, accounts[0].ID, accounts[1].ID, accounts[2].ID, *duration, *maxRequests)
	res, runErr := loadtest.Run(ctx, loadtest.Config{
		Endpoint:         api.URL,
		Duration:         *duration,
		MaxRequests:      *maxRequests,
		Workers:          *workers,
		StoresPerAccount: *stores,
		Seed:             *seed,
		DecisionStores:   decisionStoresOf(*decisionStores),
		Mix:              mixOf(*decisionsOnly),
		Accounts:         accounts,
		Tokens:           loadtest.CognitoFlipUsers(emulatortest.NewCognitoClient(st.CognitoEndpoint)),
		Progress:         os.Stderr,
	})
	mem, memErr := api.Memory()
	close(sampleDone)
	wg.Wait()
	if runErr != nil {
		logf("%v", runErr)
		return 1
	}
	select {
	case <-api.Done():
		logf("the API exited during the run (log: %s)", api.LogFile)
		return 1
	default:
	}

	checkCtx, cancelCheck := context.WithTimeout(ctx, 5*time.Minute)
	defer cancelCheck()
	table, err := loadtest.Check(checkCtx, st.DDB, st.Table)
	if err != nil {
		logf("%v", err)
		return 1
	}

	out := os.Stdout
	loadtest.WriteResult(out, res)
	if memErr != nil {
		fmt.Fprintf(out, "peak RSS of the API: unknown (%v)\n", memErr)
	} else {
		fmt.Fprintf(out, "peak RSS of the API (VmHWM of pid %d): %s; largest VmRSS sampled every 100 ms: %s; VmRSS at the end: %s\n",
			api.Pid(), loadtest.MiB(mem.HWM), loadtest.MiB(maxRSS.Load()), loadtest.MiB(mem.RSS))
	}
	errLines, _ := api.CountLogLines("ERROR")
	fmt.Fprintf(out, "API log lines at level ERROR: %d\n", errLines)
	for _, l := range api.FirstLogLines("ERROR", 5) {
		fmt.Fprintf(out, "  %s\n", l)
	}
	fmt.Fprintf(out, "table %s after the run: %v\n", st.Table, table.Items)

	ok := loadtest.WriteChecks(out, "invariants checked on every answer during the run:", res.Checks)
	ok = loadtest.WriteChecks(out, "invariants checked on a scan of the table after the run:", table.Checks) && ok
	if !ok {
		fmt.Fprintln(out, "\nFAIL: an invariant does not hold")
		return 1
	}
	fmt.Fprintln(out, "\nPASS: every invariant holds")
	return 0
}
