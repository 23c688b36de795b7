package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/vpid-dev/vpid/internal/dev/emulator"
	"github.com/vpid-dev/vpid/internal/dev/emulator/emulatortest"
)

// poolCommand writes a user pool and its clients into the cognito-local
// folder of `devstack run` and, if one is running, makes it load them.
func poolCommand(args []string) int {
	fs := newFlags("pool", "pool [-id ID] [-region R] [-account N] [-name NAME] [-clients N]")
	id := fs.String("id", "", `pool id, e.g. us-east-1_Abc123 (default: random, in -region)`)
	region := fs.String("region", "", "region in the ARN (default: the part of -id before _, else us-east-1)")
	account := fs.String("account", "123456789012", "12-digit account id in the ARN")
	name := fs.String("name", "", "pool name (default: the id)")
	clients := fs.Int("clients", 1, "number of app clients to create, with random ids")
	wait := fs.Duration("wait", time.Minute, "how long to wait for a running devstack to load the pool")
	_ = fs.Parse(args)
	if fs.NArg() > 0 {
		fs.Usage()
		return 2
	}
	if *clients < 0 {
		logf("-clients must not be negative")
		return 2
	}
	if *region == "" {
		if r, _, ok := strings.Cut(*id, "_"); ok {
			*region = r
		} else {
			*region = "us-east-1"
		}
	}
	if *id == "" {
		*id = *region + "_" + randomString(9, alnum)
	}
	pool := emulator.Pool{ID: *id, Region: *region, Account: *account, Name: *name}
	for i := range *clients {
		c := emulator.Client{ID: randomString(26, lowerAlnum)}
		c.Name = fmt.Sprintf("%s-client-%d", displayName(pool), i+1)
		pool.Clients = append(pool.Clients, c)
	}

	root, err := emulator.RepoRoot()
	if err != nil {
		logf("%v", err)
		return 1
	}
	local := filepath.Join(root, localDir)
	if err := emulator.WritePools(filepath.Join(local, cognitoDir), pool); err != nil {
		logf("%v", err)
		return 1
	}

	if pid := runningDevstack(local); pid == 0 {
		logf("wrote %s into %s; the next `make run` loads it", pool.ID, filepath.Join(localDir, cognitoDir))
	} else {
		if err := syscall.Kill(pid, syscall.SIGHUP); err != nil {
			logf("signal devstack (pid %d): %v", pid, err)
			return 1
		}
		endpoint := "http://127.0.0.1:9229"
		if b, err := os.ReadFile(filepath.Join(local, endpointFile)); err == nil {
			endpoint = strings.TrimSpace(string(b))
		}
		if err := waitForPool(endpoint, pool, *wait); err != nil {
			logf("devstack (pid %d) did not load %s: %v (see %s)", pid, pool.ID, err,
				filepath.Join(localDir, logsDir, "cognito.log"))
			return 1
		}
		logf("cognito-local at %s restarted with %s", endpoint, pool.ID)
	}

	ids := make([]string, len(pool.Clients))
	for i, c := range pool.Clients {
		ids[i] = c.ID
	}
	cfg, _ := json.Marshal(map[string]any{"cognitoUserPoolConfiguration": map[string]any{
		"userPoolArn": pool.ARN(), "clientIds": ids,
	}})
	fmt.Printf("userPoolId:  %s\nuserPoolArn: %s\nclientIds:   %s\nconfiguration: %s\n",
		pool.ID, pool.ARN(), strings.Join(ids, " "), cfg)
	return 0
}

func displayName(p emulator.Pool) string {
	if p.Name != "" {
		return p.Name
	}
	return p.ID
}

// waitForPool polls cognito-local until it knows the pool with its ARN and
// clients, which the instance that was running before the SIGHUP did not.
func waitForPool(endpoint string, pool emulator.Pool, wait time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	client := emulatortest.NewCognitoClient(endpoint)
	noRetry := func(o *cip.Options) { o.RetryMaxAttempts = 1 }
	check := func(ctx context.Context) error {
		out, err := client.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String(pool.ID)}, noRetry)
		if err != nil {
			return err
		}
		if got := aws.ToString(out.UserPool.Arn); got != pool.ARN() {
			return fmt.Errorf("pool ARN is %s", got)
		}
		for _, c := range pool.Clients {
			if _, err := client.DescribeUserPoolClient(ctx, &cip.DescribeUserPoolClientInput{
				UserPoolId: aws.String(pool.ID), ClientId: aws.String(c.ID),
			}, noRetry); err != nil {
				return err
			}
		}
		return nil
	}
	for {
		actx, acancel := context.WithTimeout(ctx, 2*time.Second)
		last := check(actx)
		acancel()
		if last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last: %v)", ctx.Err(), last)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

const (
	alnum      = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	lowerAlnum = "0123456789abcdefghijklmnopqrstuvwxyz"
)

func randomString(n int, alphabet string) string {
	b := make([]byte, n)
	max := big.NewInt(int64(len(alphabet)))
	for i := range b {
		k, err := rand.Int(rand.Reader, max)
		if err != nil {
			panic(err)
		}
		b[i] = alphabet[k.Int64()]
	}
	return string(b)
}
