package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/vpid-dev/vpid/internal/dev/emulator"
	"github.com/vpid-dev/vpid/internal/dev/emulator/emulatortest"
)

// testCommand starts both emulators on free ports (in-memory DynamoDB, a
// temporary cognito-local folder seeded with emulatortest.TestPools), runs
// CMD with their endpoints in the environment, stops them and returns CMD's
// exit code.
func testCommand(args []string) int {
	fs := newFlags("test", "test [flags] -- CMD [ARGS...]")
	timeout := fs.Duration("start-timeout", 2*time.Minute, "how long to wait for the emulators to start")
	_ = fs.Parse(args)
	argv := fs.Args()
	if len(argv) > 0 && argv[0] == "--" {
		argv = argv[1:]
	}
	if len(argv) == 0 {
		fs.Usage()
		return 2
	}

	// Catch signals from now on, so that the emulators are always stopped.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)

	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	ddb, cog, err := startBoth(ctx,
		emulator.DynamoDBConfig{},
		emulator.CognitoConfig{Pools: emulatortest.TestPools()})
	cancel()
	if err != nil {
		logf("%v", err)
		logf("run `make tools` to install the emulators")
		return 1
	}
	defer stopAll(ddb, cog)
	logf("DynamoDB Local %s and cognito-local %s ready in %v",
		ddb.Endpoint, cog.Endpoint, time.Since(start).Round(10*time.Millisecond))

	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(),
		emulatortest.EnvDynamoDBEndpoint+"="+ddb.Endpoint,
		emulatortest.EnvCognitoEndpoint+"="+cog.Endpoint)
	if err := cmd.Start(); err != nil {
		logf("%v", err)
		return 127
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	for {
		select {
		case sig := <-sigs:
			// CMD shares our process group, so a Ctrl-C reached it already;
			// a signal sent to us alone is passed on.
			_ = cmd.Process.Signal(sig)
		case err := <-done:
			return exitCode(err)
		}
	}
}

// exitCode turns the result of exec.Cmd.Wait into a shell-style exit code.
func exitCode(err error) int {
	if err == nil {
		return 0
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal())
		}
		return ee.ExitCode()
	}
	logf("%v", err)
	return 1
}

// startBoth starts DynamoDB Local and cognito-local at the same time. On
// error nothing is left running.
func startBoth(ctx context.Context, dcfg emulator.DynamoDBConfig, ccfg emulator.CognitoConfig) (ddb, cog *emulator.Process, err error) {
	var (
		wg             sync.WaitGroup
		ddbErr, cogErr error
	)
	wg.Add(2)
	go func() {
		defer wg.Done()
		ddb, ddbErr = emulator.StartDynamoDB(ctx, dcfg)
	}()
	go func() {
		defer wg.Done()
		cog, cogErr = emulator.StartCognito(ctx, ccfg)
	}()
	wg.Wait()
	if err := errors.Join(ddbErr, cogErr); err != nil {
		stopAll(ddb, cog)
		return nil, nil, err
	}
	return ddb, cog, nil
}

// stopAll stops the processes that are not nil, reporting failures.
func stopAll(ps ...*emulator.Process) {
	for _, p := range ps {
		if p == nil {
			continue
		}
		if err := p.Stop(); err != nil {
			logf("%v", err)
		}
	}
}
