package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/vpid-dev/vpid/internal/dev/emulator"
)

// ColdStart is one cold start of a bootstrap under the Lambda Runtime
// Interface Emulator.
type ColdStart struct {
	// Total runs from starting the emulator's process to the first invoke
	// answered with status 200: the emulator's own start, the bootstrap's
	// start and init, and the first invoke.
	Total time.Duration
	// Response is the first invoke's answer.
	Response []byte
}

// RunColdStart starts rie (aws-lambda-rie) on two free loopback ports with
// bootstrap as the function and env as its environment, invokes it with
// event as soon as it listens, and stops it.
func RunColdStart(ctx context.Context, rie, bootstrap string, env []string, event []byte) (ColdStart, error) {
	ports, err := emulator.FreePorts(2) // distinct: the emulator needs two
	if err != nil {
		return ColdStart{}, err
	}
	apiPort, rapidPort := ports[0], ports[1]
	addr := "127.0.0.1:" + strconv.Itoa(apiPort)
	cmd := exec.Command(rie,
		"--runtime-interface-emulator-address", addr,
		"--runtime-api-address", "127.0.0.1:"+strconv.Itoa(rapidPort),
		"--log-level", "error",
		bootstrap)
	cmd.Dir = filepath.Dir(bootstrap)
	cmd.Env = env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = emulator.GroupAttr()

	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 30 * time.Second}
	url := "http://" + addr + "/2015-03-31/functions/function/invocations"
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return ColdStart{}, err
	}
	defer func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
	}()
	deadline := start.Add(30 * time.Second)
	var res ColdStart
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(event))
		if err != nil {
			return res, err
		}
		resp, err := client.Do(req)
		if err == nil {
			res.Response, err = io.ReadAll(resp.Body)
			resp.Body.Close()
			if err == nil && resp.StatusCode != http.StatusOK {
				err = fmt.Errorf("invoke answered %d: %s", resp.StatusCode, res.Response)
			}
			if err != nil {
				return res, err
			}
			res.Total = time.Since(start)
			break
		}
		if !errors.Is(err, syscall.ECONNREFUSED) || time.Now().After(deadline) || ctx.Err() != nil {
			return res, fmt.Errorf("invoke: %w\n%s", err, out.Bytes())
		}
		time.Sleep(time.Millisecond)
	}
	return res, nil
}
