package emulator

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// DefaultStartTimeout bounds how long Start* waits for an emulator to answer
// when the context has no earlier deadline.
const DefaultStartTimeout = 90 * time.Second

// stopGrace is how long Stop waits after SIGTERM before it sends SIGKILL.
const stopGrace = 10 * time.Second

// RepoRoot returns the folder holding go.mod, found by walking up from the
// working directory (tests run in their package's folder).
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("emulator: working directory: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("emulator: no go.mod in the working directory or above it")
		}
		dir = parent
	}
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort() (int, error) {
	ports, err := FreePorts(1)
	if err != nil {
		return 0, err
	}
	return ports[0], nil
}

// FreePorts returns n distinct free TCP ports on the loopback interface:
// each is held until all are found, so that the kernel cannot hand out one
// twice (two calls of FreePort can return the same port).
func FreePorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("emulator: find a free port: %w", err)
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// Process is a running emulator.
type Process struct {
	// Name says which emulator this is ("dynamodb-local", "cognito-local").
	Name string
	// Endpoint is the base URL to give SDK clients, e.g. http://127.0.0.1:8000.
	Endpoint string
	// Port is the TCP port Endpoint names.
	Port int
	// LogFile receives the child's stdout and stderr.
	LogFile string

	cmd     *exec.Cmd
	logf    *os.File
	done    chan struct{} // closed once the child has exited
	waitErr error         // set before done is closed

	cleanup []func() // after the child has exited, in order

	stopOnce sync.Once
	stopping bool // set by Stop before it signals
	mu       sync.Mutex
	stopErr  error
}

// Pid returns the child's process id (also its process group id).
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Done is closed when the child has exited, whether Stop ended it or not.
func (p *Process) Done() <-chan struct{} { return p.done }

// Err tells why the child exited; it is nil while it runs.
func (p *Process) Err() error {
	select {
	case <-p.done:
		return p.waitErr
	default:
		return nil
	}
}

// Stop ends the child's whole process group (SIGTERM, then SIGKILL after a
// grace period) and waits for it. It reports an error only if the child had
// already died by itself or could not be ended. Calling it again returns the
// first result.
func (p *Process) Stop() error {
	p.stopOnce.Do(func() {
		p.stopErr = p.end()
		if p.stopErr == nil {
			runAll(p.cleanup)
		}
	})
	return p.stopErr
}

// end ends the child's process group and waits for it, without cleaning up.
func (p *Process) end() error {
	select {
	case <-p.done:
		if p.waitErr != nil {
			return fmt.Errorf("emulator: %s had exited before Stop: %v (log: %s)", p.Name, p.waitErr, p.LogFile)
		}
		return nil
	default:
	}
	p.mu.Lock()
	p.stopping = true
	p.mu.Unlock()
	if err := EndGroup(p.cmd.Process.Pid, p.done); err != nil {
		return fmt.Errorf("emulator: %s: %w", p.Name, err)
	}
	return nil
}

// EndGroup ends the process group led by pid, whose exit closes done:
// SIGTERM, then SIGKILL after a grace period, then anything else left in
// the group. It fails only if the leader outlives the SIGKILL's grace.
func EndGroup(pid int, done <-chan struct{}) error {
	_ = syscall.Kill(-pid, syscall.SIGTERM)
	var err error
	select {
	case <-done:
	case <-time.After(stopGrace):
		_ = syscall.Kill(-pid, syscall.SIGKILL)
		select {
		case <-done:
		case <-time.After(stopGrace):
			err = fmt.Errorf("pid %d did not exit after SIGKILL", pid)
		}
	}
	_ = syscall.Kill(-pid, syscall.SIGKILL) // anything else left in the group
	return err
}

// launch starts cmd in its own process group with its output in logFile
// ("" = a temporary file that a clean Stop removes) and waits until ready
// succeeds. On failure the child is ended and the error carries the end of
// its log.
func launch(ctx context.Context, name string, cmd *exec.Cmd, port int, logFile string, ready func(context.Context) error, cleanup ...func()) (*Process, error) {
	p := &Process{
		Name:     name,
		Endpoint: fmt.Sprintf("http://127.0.0.1:%d", port),
		Port:     port,
		cmd:      cmd,
		done:     make(chan struct{}),
		cleanup:  cleanup,
	}
	var err error
	if logFile == "" {
		p.logf, err = tempFile(name, ".log")
		if err == nil {
			tmp := p.logf.Name()
			p.cleanup = append(p.cleanup, func() { _ = os.Remove(tmp) })
		}
	} else {
		if err = os.MkdirAll(filepath.Dir(logFile), 0o755); err == nil {
			p.logf, err = os.OpenFile(logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		}
	}
	if err != nil {
		runAll(cleanup)
		return nil, fmt.Errorf("emulator: %s log file: %w", name, err)
	}
	p.LogFile = p.logf.Name()
	fmt.Fprintf(p.logf, "--- %s: %s\n", time.Now().Format(time.RFC3339), strings.Join(cmd.Args, " "))

	cmd.Stdin = nil
	cmd.Stdout = p.logf
	cmd.Stderr = p.logf
	cmd.SysProcAttr = GroupAttr()
	if err := cmd.Start(); err != nil {
		p.logf.Close()
		runAll(p.cleanup)
		return nil, fmt.Errorf("emulator: start %s: %w", name, err)
	}
	go func() {
		err := cmd.Wait()
		p.logf.Close()
		p.mu.Lock()
		if p.stopping {
			err = nil // ended by Stop: SIGTERM exit codes are expected
		} else if err == nil {
			err = errors.New("exited with status 0")
		}
		p.mu.Unlock()
		p.waitErr = err
		close(p.done)
	}()

	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultStartTimeout)
		defer cancel()
	}
	start := time.Now()
	if err := waitReady(ctx, p, ready); err != nil {
		_ = p.end()
		tail := logTail(p.LogFile, 25)
		runAll(p.cleanup)
		return nil, fmt.Errorf("emulator: %s did not become ready after %v: %w\n%s", name, time.Since(start).Round(time.Millisecond), err, tail)
	}
	return p, nil
}

func runAll(fs []func()) {
	for _, f := range fs {
		f()
	}
}

// waitReady polls ready every 50 ms until it succeeds, the child exits or ctx
// ends.
func waitReady(ctx context.Context, p *Process, ready func(context.Context) error) error {
	// A check in flight must not outlive the child.
	checkCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-p.done:
			cancel()
		case <-checkCtx.Done():
		}
	}()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	var last error
	for {
		actx, acancel := context.WithTimeout(checkCtx, 2*time.Second)
		last = ready(actx)
		acancel()
		if last == nil {
			return nil
		}
		select {
		case <-p.done:
			return fmt.Errorf("it exited: %v", p.waitErr)
		case <-ctx.Done():
			return fmt.Errorf("%w (last check: %v)", ctx.Err(), last)
		case <-tick.C:
		}
	}
}

// logTail returns the last n lines of a log file, for error messages.
func logTail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := bytes.Split(bytes.TrimRight(b, "\n"), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return fmt.Sprintf("last lines of %s:\n%s", path, bytes.Join(lines, []byte("\n")))
}

// httpCheck sends req with a short-lived client and returns nil if the answer
// has the wanted status.
func httpCheck(req *http.Request, want int) error {
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: status %d", req.Method, req.URL, resp.StatusCode)
	}
	return nil
}

// Temporary files and folders are named vpid-<what>-<pid>-<random> so that
// ones left by a process that died without Stop can be found and removed.
const tempPrefix = "vpid-"

func tempPattern(what string) string {
	return fmt.Sprintf("%s%s-%d-*", tempPrefix, what, os.Getpid())
}

func tempFile(what, ext string) (*os.File, error) {
	sweepStale(what)
	return os.CreateTemp("", tempPattern(what)+ext)
}

func tempDir(what string) (string, error) {
	sweepStale(what)
	return os.MkdirTemp("", tempPattern(what))
}

// sweepStale removes temporary files and folders of this kind whose process
// no longer exists (a test binary that panicked, or was killed, never calls
// Stop).
func sweepStale(what string) {
	matches, _ := filepath.Glob(filepath.Join(os.TempDir(), tempPrefix+what+"-*-*"))
	for _, m := range matches {
		rest := strings.TrimPrefix(filepath.Base(m), tempPrefix+what+"-")
		pidText, _, _ := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidText)
		if err != nil || pid <= 0 {
			continue
		}
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			_ = os.RemoveAll(m)
		}
	}
}

// toolsPath returns <repo>/.tools/<sub...>.
func toolsPath(sub ...string) (string, error) {
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	return filepath.Join(append([]string{root, ".tools"}, sub...)...), nil
}
