package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/vpid-dev/vpid/internal/config"
	"github.com/vpid-dev/vpid/internal/dev/apigw"
	"github.com/vpid-dev/vpid/internal/dev/emulator"
	"github.com/vpid-dev/vpid/internal/dev/emulator/emulatortest"
	"github.com/vpid-dev/vpid/internal/dev/localtable"
	"github.com/vpid-dev/vpid/internal/store"
)

// localRegion is the local API's region (of alias ARNs, local KMS key
// ARNs): the region of the AWS CLI reference's examples and the seed pool.
const localRegion = emulatortest.SeedRegion

// seedPolicyStoreID is the policy store of the AWS CLI example for
// create-identity-source, created in emulatortest.SeedAccount.
const seedPolicyStoreID = "PSEXAMPLEabcdefg111111"

// runCommand runs DynamoDB Local, cognito-local and the API until SIGINT or
// SIGTERM. SIGHUP restarts cognito-local, which loads pools only at start.
func runCommand(args []string) int {
	fs := newFlags("run", "run [flags]")
	ddbPort := fs.Int("dynamodb-port", 8000, "DynamoDB Local port")
	cogPort := fs.Int("cognito-port", 9229, "cognito-local port")
	apiPort := fs.Int("api-port", 8080, "API port")
	table := fs.String("table", "vpid-local", "DynamoDB table")
	noAPI := fs.Bool("no-api", false, "start only the emulators, the table and the seed data")
	timeout := fs.Duration("start-timeout", 3*time.Minute, "how long to wait for the build and the start")
	_ = fs.Parse(args)
	if fs.NArg() > 0 {
		fs.Usage()
		return 2
	}

	root, err := emulator.RepoRoot()
	if err != nil {
		logf("%v", err)
		return 1
	}
	local := filepath.Join(root, localDir)
	if pid := runningDevstack(local); pid != 0 {
		logf("a devstack is already running (pid %d in %s): stop it first", pid, filepath.Join(localDir, pidFileName))
		return 1
	}
	ports := []struct {
		flag string
		port int
	}{{"-dynamodb-port", *ddbPort}, {"-cognito-port", *cogPort}}
	if !*noAPI {
		ports = append(ports, struct {
			flag string
			port int
		}{"-api-port", *apiPort})
	}
	for _, p := range ports {
		if err := portFree(p.port); err != nil {
			logf("port %d is taken (%v): stop what uses it or choose another with %s", p.port, err, p.flag)
			return 1
		}
	}
	if err := os.MkdirAll(local, 0o755); err != nil {
		logf("%v", err)
		return 1
	}
	pidFile := filepath.Join(local, pidFileName)
	if err := os.WriteFile(pidFile, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
		logf("%v", err)
		return 1
	}
	defer os.Remove(pidFile)

	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	startCtx, cancel := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer cancel()
	startCtx, cancelTimeout := context.WithTimeout(startCtx, *timeout)
	defer cancelTimeout()
	start := time.Now()

	apiBin := filepath.Join(local, "bin", "api")
	built := make(chan error, 1)
	if *noAPI {
		built <- nil
	} else {
		go func() { built <- buildAPI(startCtx, root, apiBin) }()
	}
	// fail ends the start: it stops the build too, so nothing outlives us.
	fail := func(err error) int {
		logf("%v", err)
		cancelTimeout()
		<-built
		return 1
	}

	cogData := filepath.Join(local, cognitoDir)
	cogCfg := emulator.CognitoConfig{
		Port:    *cogPort,
		DataDir: cogData,
		LogFile: filepath.Join(local, logsDir, "cognito.log"),
	}
	seed := seedPool()
	if _, err := os.Stat(filepath.Join(cogData, ".cognito", "db", seed.ID+".json")); errors.Is(err, os.ErrNotExist) {
		cogCfg.Pools = []emulator.Pool{seed}
	}
	ddb, cog, err := startBoth(startCtx, emulator.DynamoDBConfig{
		Port:    *ddbPort,
		DataDir: filepath.Join(local, dynamoDBDir),
		LogFile: filepath.Join(local, logsDir, "dynamodb.log"),
	}, cogCfg)
	if err != nil {
		return fail(err)
	}
	defer func() { stopAll(cog, ddb) }() // cog may be replaced by a restart
	logf("DynamoDB Local %s and cognito-local %s ready in %v (logs in %s)", ddb.Endpoint, cog.Endpoint,
		time.Since(start).Round(10*time.Millisecond), filepath.Join(localDir, logsDir))
	endpointPath := filepath.Join(local, endpointFile)
	if err := os.WriteFile(endpointPath, []byte(cog.Endpoint+"\n"), 0o644); err != nil {
		return fail(err)
	}
	defer os.Remove(endpointPath)

	ddbClient := emulatortest.NewDynamoDBClient(ddb.Endpoint)
	if err := localtable.EnsureTable(startCtx, ddbClient, *table); err != nil {
		return fail(err)
	}
	if err := localtable.SeedPolicyStore(startCtx, ddbClient, *table, emulatortest.SeedAccount, seedPolicyStoreID, time.Now()); err != nil {
		return fail(err)
	}
	// Data is kept between runs: the example's identity source may exist
	// already, and a policy store has at most one.
	seeded, err := store.New(ddbClient, *table).GetPolicyStore(startCtx, emulatortest.SeedAccount, seedPolicyStoreID)
	if err != nil {
		return fail(err)
	}

	if err := <-built; err != nil {
		logf("build ./internal/dev/localapi: %v", err)
		return 1
	}
	var api *apiProcess
	if !*noAPI {
		api, err = startAPI(startCtx, apiBin, *apiPort, *table, ddb.Endpoint, cog.Endpoint)
		if err != nil {
			logf("%v", err)
			return 1
		}
		defer api.stop()
	}
	cancel()

	example, err := writeExample()
	if err != nil {
		logf("%v", err)
		return 1
	}
	defer os.RemoveAll(example)
	printReady(ddb, cog, api, *table, example, seeded.IdentitySourceID)

	for {
		select {
		case sig := <-sigs:
			if sig != syscall.SIGHUP {
				logf("%v: stopping", sig)
				return 0
			}
			cog = restartCognito(cog, cogCfg)
		case <-doneOf(ddb):
			logf("DynamoDB Local exited: %v (see %s)", ddb.Err(), ddb.LogFile)
			return 1
		case <-doneOf(cog):
			logf("cognito-local exited: %v (see %s)", cog.Err(), cog.LogFile)
			return 1
		case <-api.doneChan():
			logf("the API exited: %v", api.err)
			return 1
		}
	}
}

func seedPool() emulator.Pool {
	for _, p := range emulatortest.TestPools() {
		if p.ID == emulatortest.SeedPoolID {
			return p
		}
	}
	panic("no seed pool in emulatortest.TestPools")
}

// restartCognito stops cognito-local and starts it again on the same port
// and folder, so that it loads pools written since. If the start fails the
// rest keeps running and another SIGHUP tries again.
func restartCognito(cog *emulator.Process, cfg emulator.CognitoConfig) *emulator.Process {
	logf("SIGHUP: restarting cognito-local to load new pools")
	if cog != nil {
		if err := cog.Stop(); err != nil {
			logf("%v", err)
		}
	}
	cfg.Pools = nil // everything is in its folder already
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	start := time.Now()
	next, err := emulator.StartCognito(ctx, cfg)
	if err != nil {
		logf("%v", err)
		logf("cognito-local is down: fix the cause, then `kill -HUP %d` or Ctrl-C", os.Getpid())
		return nil
	}
	logf("cognito-local %s restarted in %v", next.Endpoint, time.Since(start).Round(10*time.Millisecond))
	return next
}

// doneOf returns p's Done channel, or nil (blocks forever) for no process.
func doneOf(p *emulator.Process) <-chan struct{} {
	if p == nil {
		return nil
	}
	return p.Done()
}

// portFree tells whether 127.0.0.1:port can be listened on.
func portFree(port int) error {
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return err
	}
	return l.Close()
}

// buildAPI builds ./internal/dev/localapi for this machine.
func buildAPI(ctx context.Context, root, out string) error {
	goTool, err := exec.LookPath("go")
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, goTool, "build", "-o", out, "./internal/dev/localapi")
	cmd.Dir = root
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	return cmd.Run()
}

// apiProcess is the API running as a local HTTP server, its output on ours.
type apiProcess struct {
	cmd  *exec.Cmd
	port int
	done chan struct{}
	err  error // set before done is closed
}

func startAPI(ctx context.Context, bin string, port int, table, ddbEndpoint, cogEndpoint string) (*apiProcess, error) {
	cmd := exec.Command(bin, "-addr", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	env := make([]string, 0, len(os.Environ())+10)
	for _, kv := range os.Environ() {
		// Never let the local API pick up a real AWS identity.
		if k, _, _ := strings.Cut(kv, "="); k == "AWS_PROFILE" || k == "AWS_SESSION_TOKEN" || k == "AWS_ENDPOINT_URL" {
			continue
		}
		env = append(env, kv)
	}
	cmd.Env = append(env,
		config.EnvTableName+"="+table,
		"AWS_REGION="+localRegion,
		"AWS_ACCESS_KEY_ID=local",
		"AWS_SECRET_ACCESS_KEY=local",
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_ENDPOINT_URL_DYNAMODB="+ddbEndpoint,
		"AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER="+cogEndpoint,
	)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.SysProcAttr = emulator.GroupAttr()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the API: %w", err)
	}
	p := &apiProcess{cmd: cmd, port: port, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()

	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			conn.Close()
			return p, nil
		}
		select {
		case <-p.done:
			return nil, fmt.Errorf("the API exited before it listened on %s: %v", addr, p.err)
		case <-ctx.Done():
			p.stop()
			return nil, fmt.Errorf("the API did not listen on %s: %w", addr, ctx.Err())
		case <-tick.C:
		}
	}
}

// doneChan returns the channel closed when the API exits (nil for no API).
func (p *apiProcess) doneChan() <-chan struct{} {
	if p == nil {
		return nil
	}
	return p.done
}

// stop ends the API's process group: SIGTERM, then SIGKILL after 10 s.
func (p *apiProcess) stop() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = emulator.EndGroup(p.cmd.Process.Pid, p.done)
}

// writeExample writes the AWS CLI example's config.txt for the seed pool
// into a new temporary folder and returns the folder.
func writeExample() (string, error) {
	dir, err := os.MkdirTemp("", "vpid-example-")
	if err != nil {
		return "", err
	}
	cfg := map[string]any{"cognitoUserPoolConfiguration": map[string]any{
		"userPoolArn": emulatortest.SeedPoolARN,
		"clientIds":   []string{emulatortest.SeedClientID},
	}}
	b, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, "config.txt"), append(b, '\n'), 0o644); err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	return dir, nil
}

func printReady(ddb, cog *emulator.Process, api *apiProcess, table, example, existing string) {
	var b strings.Builder
	fmt.Fprintf(&b, "\nvpid local stack is up (Ctrl-C stops it; data stays in %s/ for the next run, `make clean` removes it)\n", localDir)
	if api != nil {
		fmt.Fprintf(&b, "  API             http://127.0.0.1:%d\n", api.port)
	}
	fmt.Fprintf(&b, "  DynamoDB Local  %s  (table %s)\n", ddb.Endpoint, table)
	fmt.Fprintf(&b, "  cognito-local   %s  (pool %s, client %s)\n", cog.Endpoint, emulatortest.SeedPoolID, emulatortest.SeedClientID)
	fmt.Fprintf(&b, "  policy store    %s in account %s\n", seedPolicyStoreID, emulatortest.SeedAccount)
	fmt.Fprintf(&b, "  logs            the API's on this terminal; the emulators' in %s/\n", filepath.Join(localDir, logsDir))
	if api != nil {
		endpoint := fmt.Sprintf("http://127.0.0.1:%d", api.port)
		fmt.Fprintf(&b, "\nTry AWS's create-identity-source example from another terminal:\n\n")
		fmt.Fprintf(&b, "  cd %s\n", example)
		fmt.Fprintf(&b, "  export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_DEFAULT_REGION=%s\n", localRegion)
		if existing != "" {
			fmt.Fprintf(&b, "  # The store already has identity source %s from an earlier run, and a store has at most one:\n", existing)
			fmt.Fprintf(&b, "  aws verifiedpermissions delete-identity-source --policy-store-id %s \\\n", seedPolicyStoreID)
			fmt.Fprintf(&b, "    --identity-source-id %s --endpoint-url %s\n", existing, endpoint)
		}
		fmt.Fprintf(&b, "  aws verifiedpermissions create-identity-source --configuration file://config.txt \\\n")
		fmt.Fprintf(&b, "    --principal-entity-type \"User\" --policy-store-id %s --endpoint-url %s\n", seedPolicyStoreID, endpoint)
		fmt.Fprintf(&b, "\n(The access key id picks the caller's account: a 12-digit key id is that account, anything else %s.)\n", apigw.DefaultAccount)
	}
	fmt.Fprintf(&b, "\nMore pools: make pool POOL_ID=us-east-1_Abc123 ACCOUNT=123456789012 (loads into this running stack)\n\n")
	fmt.Print(b.String())
}
