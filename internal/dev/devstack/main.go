// Command devstack runs vpid on this machine against local emulators of its
// AWS services (DynamoDB Local and cognito-local, installed by `make tools`).
//
//	devstack run [flags]             the API with emulators, data kept in .local/ (make run)
//	devstack test [flags] -- CMD...  CMD with emulators on free ports (make test)
//	devstack pool [flags]            add a user pool with an AWS-shaped ARN (make pool)
//
// Run `devstack <command> -h` for the flags of a command.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

const usage = `usage: go run ./internal/dev/devstack <command> [flags]

commands:
  run    start DynamoDB Local, cognito-local and the API, with data in .local/
  test   start the emulators on free ports and run a command: test [flags] -- CMD ARGS...
  pool   write a user pool with an AWS-shaped ARN into .local/cognito and load it

Run "go run ./internal/dev/devstack <command> -h" for a command's flags.
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	cmd, args := os.Args[1], os.Args[2:]
	var code int
	switch cmd {
	case "run":
		code = runCommand(args)
	case "test":
		code = testCommand(args)
	case "pool":
		code = poolCommand(args)
	case "-h", "-help", "--help", "help":
		fmt.Print(usage)
	default:
		fmt.Fprintf(os.Stderr, "devstack: unknown command %q\n\n%s", cmd, usage)
		code = 2
	}
	os.Exit(code)
}

// newFlags returns a flag set whose errors and -h exit like the go tool's.
func newFlags(name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet("devstack "+name, flag.ExitOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: go run ./internal/dev/devstack %s\n\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "devstack: "+format+"\n", args...)
}

// Files under <repo>/.local that run writes and pool reads.
const (
	localDir     = ".local"
	pidFileName  = "devstack.pid"
	cognitoDir   = "cognito"
	dynamoDBDir  = "dynamodb"
	logsDir      = "logs"
	endpointFile = "devstack.cognito" // the cognito-local endpoint of the running devstack
)

// runningDevstack returns the pid in <local>/devstack.pid if that process is
// alive and is a devstack, else 0.
func runningDevstack(local string) int {
	b, err := os.ReadFile(filepath.Join(local, pidFileName))
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 || pid == os.Getpid() {
		return 0
	}
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return 0
	}
	// A stale file may name a pid that is now another program: never signal it.
	if cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid)); err == nil {
		argv0, _, _ := strings.Cut(string(cmdline), "\x00")
		if filepath.Base(argv0) != "devstack" {
			return 0
		}
	}
	return pid
}
