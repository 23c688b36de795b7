// Package stack runs the real API handler (internal/dev/localapi, built as `make run`
// builds it) as a local HTTP server on a free port, over DynamoDB Local and
// cognito-local, for the load test and the benchmarks.
//
// The emulators are either started here (in memory, cognito-local seeded
// with emulatortest.TestPools) or taken from endpoints the caller passes, for
// instance those of emulatortest.Endpoints. Every Stack gets a fresh table.
package stack

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/vpid-dev/vpid/internal/dev/emulator"
	"github.com/vpid-dev/vpid/internal/dev/emulator/emulatortest"
	"github.com/vpid-dev/vpid/internal/dev/localtable"
)

// Options says how to set up a Stack.
type Options struct {
	// DynamoDBEndpoint and CognitoEndpoint name running emulators; when both
	// are empty, Start starts its own.
	DynamoDBEndpoint string
	CognitoEndpoint  string
	// Pools seed a cognito-local that Start starts (default
	// emulatortest.TestPools()).
	Pools []emulator.Pool
	// Table names the fresh table; "" picks vpid-load-<random>.
	Table string
}

// Stack is a pair of emulators, a fresh table and a folder for binaries.
type Stack struct {
	DynamoDBEndpoint string
	CognitoEndpoint  string
	Table            string
	// DDB is a client of DynamoDB Local (response checksums off, as
	// emulatortest's).
	DDB *dynamodb.Client
	// Dir is a temporary folder that Close removes.
	Dir string

	started []*emulator.Process
	mu      sync.Mutex
	apis    []*API
}

// Start starts what opts asks for and creates the table. On error nothing
// is left running.
func Start(ctx context.Context, opts Options) (s *Stack, err error) {
	s = &Stack{DynamoDBEndpoint: opts.DynamoDBEndpoint, CognitoEndpoint: opts.CognitoEndpoint, Table: opts.Table}
	defer func() {
		if err != nil {
			_ = s.Close()
			s = nil
		}
	}()
	if s.Dir, err = os.MkdirTemp("", "vpid-stack-"); err != nil {
		return s, err
	}
	switch {
	case s.DynamoDBEndpoint != "" && s.CognitoEndpoint != "":
	case s.DynamoDBEndpoint != "" || s.CognitoEndpoint != "":
		return s, errors.New("stack: give both emulator endpoints or neither")
	default:
		pools := opts.Pools
		if pools == nil {
			pools = emulatortest.TestPools()
		}
		if err := s.startEmulators(ctx, pools); err != nil {
			return s, err
		}
	}
	if s.Table == "" {
		s.Table = "vpid-load-" + randomHex(5)
	}
	s.DDB = emulatortest.NewDynamoDBClient(s.DynamoDBEndpoint)
	if err := localtable.EnsureTable(ctx, s.DDB, s.Table); err != nil {
		return s, err
	}
	return s, nil
}

func (s *Stack) startEmulators(ctx context.Context, pools []emulator.Pool) error {
	var (
		wg             sync.WaitGroup
		ddb, cog       *emulator.Process
		ddbErr, cogErr error
	)
	wg.Go(func() { ddb, ddbErr = emulator.StartDynamoDB(ctx, emulator.DynamoDBConfig{}) })
	wg.Go(func() { cog, cogErr = emulator.StartCognito(ctx, emulator.CognitoConfig{Pools: pools}) })
	wg.Wait()
	for _, p := range []*emulator.Process{ddb, cog} {
		if p != nil {
			s.started = append(s.started, p)
		}
	}
	if err := errors.Join(ddbErr, cogErr); err != nil {
		return fmt.Errorf("%w\n(run `make tools` to install the emulators)", err)
	}
	s.DynamoDBEndpoint, s.CognitoEndpoint = ddb.Endpoint, cog.Endpoint
	return nil
}

// Emulators returns the emulator processes Start started (none when it was
// given endpoints).
func (s *Stack) Emulators() []*emulator.Process { return s.started }

// Close stops the APIs started from s, deletes the table if the emulators
// are not ours (ours die with their data), stops our emulators and removes
// Dir.
func (s *Stack) Close() error {
	var errs []error
	s.mu.Lock()
	apis := s.apis
	s.apis = nil
	s.mu.Unlock()
	for _, a := range apis {
		errs = append(errs, a.Stop())
	}
	if len(s.started) == 0 && s.DDB != nil && s.Table != "" {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		_, err := s.DDB.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(s.Table)})
		cancel()
		errs = append(errs, err)
	}
	for _, p := range s.started {
		errs = append(errs, p.Stop())
	}
	s.started = nil
	if s.Dir != "" {
		errs = append(errs, os.RemoveAll(s.Dir))
	}
	return errors.Join(errs...)
}

// BuildAPI builds ./internal/dev/localapi for this machine into Dir, as `make run`
// does, and returns the binary's path.
func (s *Stack) BuildAPI(ctx context.Context) (string, error) {
	out := filepath.Join(s.Dir, "api")
	return out, GoBuild(ctx, out, "./internal/dev/localapi", nil)
}

// GoBuild runs `go build -o out [flags] pkg` in the repository root, with
// env added to the environment.
func GoBuild(ctx context.Context, out, pkg string, env []string, flags ...string) error {
	root, err := emulator.RepoRoot()
	if err != nil {
		return err
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		return err
	}
	args := append([]string{"build", "-o", out}, flags...)
	cmd := exec.CommandContext(ctx, goTool, append(args, pkg)...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), env...)
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %v\n%s", pkg, err, b)
	}
	return nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
