package stack

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vpid-dev/vpid/internal/config"
	"github.com/vpid-dev/vpid/internal/dev/emulator"
)

// APIOptions says how to start one API process.
type APIOptions struct {
	// Name tells API processes apart in log file names ("api" if empty).
	Name string
	// DynamoDBEndpoint and CognitoEndpoint default to the Stack's; a
	// benchmark points them at counting proxies.
	DynamoDBEndpoint string
	CognitoEndpoint  string
	// LogLevel is the API's LOG_LEVEL ("" keeps its default, INFO, as
	// deployed).
	LogLevel string
	// Env is added to the API's environment (KEY=VALUE), e.g. GOGC=200 to
	// try a setting.
	Env []string
}

// API is the API binary serving HTTP on a loopback port.
type API struct {
	// URL is the base endpoint for SDK clients, http://127.0.0.1:<port>.
	URL string
	// LogFile receives the API's output (JSON log lines).
	LogFile string

	cmd  *exec.Cmd
	done chan struct{}
	err  error // set before done is closed

	stopOnce sync.Once
	stopErr  error
}

// StartAPI starts the binary bin (see BuildAPI) on a free loopback port
// with the environment `make run` gives it, and returns once it listens.
// Close stops it; so does Stop.
func (s *Stack) StartAPI(ctx context.Context, bin string, o APIOptions) (*API, error) {
	name := o.Name
	if name == "" {
		name = "api"
	}
	ddb, cog := o.DynamoDBEndpoint, o.CognitoEndpoint
	if ddb == "" {
		ddb = s.DynamoDBEndpoint
	}
	if cog == "" {
		cog = s.CognitoEndpoint
	}
	port, err := emulator.FreePort()
	if err != nil {
		return nil, err
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	env := append(LocalEnv(),
		config.EnvTableName+"="+s.Table,
		"AWS_ENDPOINT_URL_DYNAMODB="+ddb,
		"AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER="+cog,
	)
	if o.LogLevel != "" {
		env = append(env, config.EnvLogLevel+"="+o.LogLevel)
	}
	env = append(env, o.Env...)
	logFile, err := os.Create(filepath.Join(s.Dir, name+".log"))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "-addr", addr)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = emulator.GroupAttr()
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("stack: start %s: %w", bin, err)
	}
	a := &API{URL: "http://" + addr, LogFile: logFile.Name(), cmd: cmd, done: make(chan struct{})}
	go func() {
		a.err = cmd.Wait()
		logFile.Close()
		close(a.done)
	}()

	deadline := time.Now().Add(2 * time.Minute)
	for {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			conn.Close()
			break
		}
		select {
		case <-a.done:
			return nil, fmt.Errorf("stack: the API exited before it listened on %s: %v\n%s", addr, a.err, tail(a.LogFile, 20))
		case <-ctx.Done():
			_ = a.Stop()
			return nil, fmt.Errorf("stack: the API did not listen on %s: %w", addr, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = a.Stop()
			return nil, fmt.Errorf("stack: the API did not listen on %s within 2 minutes", addr)
		}
	}
	s.mu.Lock()
	s.apis = append(s.apis, a)
	s.mu.Unlock()
	return a, nil
}

// LocalEnv is this process's environment without anything that could give
// a child a real AWS identity or endpoint, plus dummy credentials and a
// region, as `make run` gives the API. AWS_CA_BUNDLE goes too: the local
// API speaks plain HTTP, and the SDK would parse the bundle at every start.
func LocalEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if k == "AWS_PROFILE" || k == "AWS_SESSION_TOKEN" || strings.HasPrefix(k, "AWS_ENDPOINT_URL") ||
			k == "AWS_CONFIG_FILE" || k == "AWS_SHARED_CREDENTIALS_FILE" || k == "AWS_CA_BUNDLE" {
			continue
		}
		env = append(env, kv)
	}
	return append(env,
		"AWS_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID=local",
		"AWS_SECRET_ACCESS_KEY=local",
		"AWS_EC2_METADATA_DISABLED=true",
	)
}

// Pid is the API's process id.
func (a *API) Pid() int { return a.cmd.Process.Pid }

// Done is closed when the API has exited.
func (a *API) Done() <-chan struct{} { return a.done }

// Memory is what /proc/<pid>/status says of a process's resident memory.
type Memory struct {
	// HWM is the peak resident set size (VmHWM), RSS the current (VmRSS).
	HWM, RSS int64 // bytes
}

// Memory reads the API's VmHWM and VmRSS.
func (a *API) Memory() (Memory, error) { return ProcMemory(a.Pid()) }

// ProcMemory reads VmHWM and VmRSS of process pid from /proc.
func ProcMemory(pid int) (Memory, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return Memory{}, err
	}
	var m Memory
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok || (k != "VmHWM" && k != "VmRSS") {
			continue
		}
		f := strings.Fields(v)
		if len(f) != 2 || f[1] != "kB" {
			return Memory{}, fmt.Errorf("/proc/%d/status: %q", pid, line)
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return Memory{}, err
		}
		if k == "VmHWM" {
			m.HWM = n << 10
		} else {
			m.RSS = n << 10
		}
	}
	if m.HWM == 0 {
		return Memory{}, fmt.Errorf("/proc/%d/status has no VmHWM", pid)
	}
	return m, nil
}

// Stop ends the API (emulator.EndGroup: SIGTERM, SIGKILL after 10 s) and
// waits for it. It reports an error if the API had died by itself or did
// not exit after SIGKILL.
func (a *API) Stop() error {
	a.stopOnce.Do(func() {
		select {
		case <-a.done:
			if a.err != nil {
				a.stopErr = fmt.Errorf("stack: the API had exited: %v\n%s", a.err, tail(a.LogFile, 20))
			}
			return
		default:
		}
		a.stopErr = emulator.EndGroup(a.cmd.Process.Pid, a.done)
	})
	return a.stopErr
}

// CountLogLines counts the lines of the API's log file whose JSON "level"
// is level (e.g. "ERROR").
func (a *API) CountLogLines(level string) (int, error) {
	f, err := os.Open(a.LogFile)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	n := 0
	r := bufio.NewReaderSize(f, 64<<10)
	for {
		line, err := r.ReadBytes('\n')
		var rec struct{ Level string }
		if len(line) > 0 && json.Unmarshal(line, &rec) == nil && rec.Level == level {
			n++
		}
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

// FirstLogLines returns up to n lines of the API's log whose level is level.
func (a *API) FirstLogLines(level string, n int) []string {
	f, err := os.Open(a.LogFile)
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() && len(out) < n {
		var rec struct{ Level string }
		if json.Unmarshal(sc.Bytes(), &rec) == nil && rec.Level == level {
			out = append(out, sc.Text())
		}
	}
	return out
}

func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
