package emulator

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// loopbackLauncher runs DynamoDB Local on one address (it has no option
// for it); see the file.
//
//go:embed LoopbackDynamoDBLocal.java
var loopbackLauncher []byte

// DynamoDBConfig says how to run DynamoDB Local.
type DynamoDBConfig struct {
	// Port to listen on; 0 picks a free one.
	Port int
	// AllInterfaces listens on every interface, as DynamoDB Local itself
	// does; otherwise it listens on 127.0.0.1 only, through
	// LoopbackDynamoDBLocal.java, when this Java can run a source file
	// (it needs the jdk.compiler module; without it, every interface).
	AllInterfaces bool
	// DataDir keeps the data between runs (-sharedDb -dbPath DataDir); ""
	// keeps it in memory.
	DataDir string
	// LogFile receives the output; "" uses a temporary file that Stop removes.
	LogFile string
	// Dir holds DynamoDBLocal.jar and DynamoDBLocal_lib; "" means
	// <repo>/.tools/dynamodb-local, where `make tools` puts them.
	Dir string
	// Java is the java executable; "" looks it up on PATH.
	Java string
}

// StartDynamoDB starts DynamoDB Local and returns once it answers ListTables.
// ctx bounds only the start (DefaultStartTimeout if it has no deadline); the
// process runs until Stop.
func StartDynamoDB(ctx context.Context, cfg DynamoDBConfig) (*Process, error) {
	dir := cfg.Dir
	if dir == "" {
		var err error
		if dir, err = toolsPath("dynamodb-local"); err != nil {
			return nil, err
		}
	}
	jar := filepath.Join(dir, "DynamoDBLocal.jar")
	if _, err := os.Stat(jar); err != nil {
		return nil, fmt.Errorf("emulator: DynamoDB Local is not installed (%s missing): run make tools", jar)
	}
	java := cfg.Java
	if java == "" {
		var err error
		if java, err = exec.LookPath("java"); err != nil {
			return nil, fmt.Errorf("emulator: no java on PATH (DynamoDB Local needs it): run make tools")
		}
	}
	port := cfg.Port
	if port == 0 {
		var err error
		if port, err = FreePort(); err != nil {
			return nil, err
		}
	}
	args := []string{"-Djava.library.path=" + filepath.Join(dir, "DynamoDBLocal_lib")}
	if launcher := loopbackLauncherFile(java); launcher != "" && !cfg.AllInterfaces {
		args = append(args, "-cp", jar, launcher, "127.0.0.1")
	} else {
		args = append(args, "-jar", jar)
	}
	args = append(args, "-port", strconv.Itoa(port), "-disableTelemetry")
	if cfg.DataDir == "" {
		args = append(args, "-inMemory")
	} else {
		dataDir, err := filepath.Abs(cfg.DataDir)
		if err != nil {
			return nil, fmt.Errorf("emulator: DynamoDB data folder: %w", err)
		}
		if err := os.MkdirAll(dataDir, 0o755); err != nil {
			return nil, fmt.Errorf("emulator: DynamoDB data folder: %w", err)
		}
		args = append(args, "-sharedDb", "-dbPath", dataDir)
	}
	cmd := exec.Command(java, args...)
	cmd.Dir = dir
	endpoint := fmt.Sprintf("http://127.0.0.1:%d/", port)
	ready := func(ctx context.Context) error {
		// DynamoDB Local wants an Authorization header but checks no signature.
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader("{}"))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/x-amz-json-1.0")
		req.Header.Set("X-Amz-Target", "DynamoDB_20120810.ListTables")
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=local/20200101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=00")
		return httpCheck(req, http.StatusOK)
	}
	return launch(ctx, "dynamodb-local", cmd, port, cfg.LogFile, ready)
}

var loopback struct {
	once sync.Once
	file string
}

// loopbackLauncherFile writes LoopbackDynamoDBLocal.java to a temporary file
// once and returns its path, or "" when java cannot run source files.
func loopbackLauncherFile(java string) string {
	loopback.once.Do(func() {
		out, err := exec.Command(java, "--list-modules").Output()
		if err != nil || !bytes.Contains(out, []byte("jdk.compiler@")) {
			return
		}
		f := filepath.Join(os.TempDir(), fmt.Sprintf("vpid-LoopbackDynamoDBLocal-%d.java", os.Getuid()))
		// Written under a name of its own, then renamed: another process may
		// be starting DynamoDB Local from the same file.
		tmp := fmt.Sprintf("%s.%d", f, os.Getpid())
		if err := os.WriteFile(tmp, loopbackLauncher, 0o644); err != nil {
			return
		}
		if err := os.Rename(tmp, f); err != nil {
			os.Remove(tmp)
			return
		}
		loopback.file = f
	})
	return loopback.file
}
