package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Pool is a Cognito user pool to seed into cognito-local with an AWS-shaped
// id and ARN.
type Pool struct {
	// ID is the pool id, e.g. us-west-2_1a2b3c4d5.
	ID string
	// Region goes into the ARN; "" takes the part of ID before "_".
	Region string
	// Account is the 12-digit account id that goes into the ARN.
	Account string
	// Name is the pool name; "" uses ID.
	Name string
	// Clients are app clients of the pool.
	Clients []Client
}

// Client is an app client of a Pool.
type Client struct {
	// ID is the client id, e.g. a1b2c3d4e5f6g7h8i9j0kalbmc.
	ID string
	// Name is the client name; "" uses ID.
	Name string
}

// ARN returns arn:aws:cognito-idp:<region>:<account>:userpool/<id>.
func (p Pool) ARN() string {
	return fmt.Sprintf("arn:aws:cognito-idp:%s:%s:userpool/%s", p.region(), p.Account, p.ID)
}

func (p Pool) region() string {
	if p.Region != "" {
		return p.Region
	}
	r, _, _ := strings.Cut(p.ID, "_")
	return r
}

var (
	poolIDPattern   = regexp.MustCompile(`^[\w-]+_[0-9a-zA-Z]+$`)
	regionPattern   = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$`)
	accountPattern  = regexp.MustCompile(`^[0-9]{12}$`)
	clientIDPattern = regexp.MustCompile(`^[\w+]{1,128}$`)
)

func (p Pool) validate() error {
	switch {
	case !poolIDPattern.MatchString(p.ID) || len(p.ID) > 55:
		return fmt.Errorf("emulator: pool id %q is not of the form <region>_<letters and digits>", p.ID)
	case !regionPattern.MatchString(p.region()):
		return fmt.Errorf("emulator: pool %s: region %q is not an AWS region name", p.ID, p.region())
	case !accountPattern.MatchString(p.Account):
		return fmt.Errorf("emulator: pool %s: account %q is not 12 digits", p.ID, p.Account)
	}
	for _, c := range p.Clients {
		if !clientIDPattern.MatchString(c.ID) {
			return fmt.Errorf("emulator: pool %s: client id %q is not letters, digits, _ or +", p.ID, c.ID)
		}
	}
	return nil
}

// CognitoConfig says how to run cognito-local.
type CognitoConfig struct {
	// Port to listen on (127.0.0.1 only); 0 picks a free one.
	Port int
	// DataDir is cognito-local's working folder; its state lives in
	// DataDir/.cognito. "" uses a temporary folder that Stop removes.
	DataDir string
	// Pools are written into DataDir before the start (see WritePools).
	Pools []Pool
	// LogFile receives the output; "" uses a temporary file that Stop removes.
	LogFile string
	// Script is cognito-local's start.js; "" means the one `make tools`
	// installs under <repo>/.tools/node_modules.
	Script string
	// Node is the node executable; "" looks it up on PATH.
	Node string
}

// StartCognito writes cfg.Pools into cfg.DataDir, starts cognito-local there
// and returns once GET /health answers. cognito-local reads its pools only
// when it starts: pools written later need a restart. ctx bounds only the
// start (DefaultStartTimeout if it has no deadline); the process runs until
// Stop.
func StartCognito(ctx context.Context, cfg CognitoConfig) (*Process, error) {
	script := cfg.Script
	if script == "" {
		var err error
		if script, err = toolsPath("node_modules", "cognito-local", "lib", "bin", "start.js"); err != nil {
			return nil, err
		}
	}
	if _, err := os.Stat(script); err != nil {
		return nil, fmt.Errorf("emulator: cognito-local is not installed (%s missing): run make tools", script)
	}
	node := cfg.Node
	if node == "" {
		var err error
		if node, err = exec.LookPath("node"); err != nil {
			return nil, errors.New("emulator: no node on PATH (cognito-local needs it)")
		}
	}
	port := cfg.Port
	if port == 0 {
		var err error
		if port, err = FreePort(); err != nil {
			return nil, err
		}
	}
	var cleanup []func()
	dataDir := cfg.DataDir
	if dataDir == "" {
		tmp, err := tempDir("cognito-data")
		if err != nil {
			return nil, fmt.Errorf("emulator: cognito data folder: %w", err)
		}
		dataDir = tmp
		cleanup = append(cleanup, func() { _ = os.RemoveAll(tmp) })
	}
	if err := WritePools(dataDir, cfg.Pools...); err != nil {
		runAll(cleanup)
		return nil, err
	}
	cmd := exec.Command(node, script)
	cmd.Dir = dataDir
	cmd.Env = append(os.Environ(), "PORT="+strconv.Itoa(port), "HOST=127.0.0.1")
	health := fmt.Sprintf("http://127.0.0.1:%d/health", port)
	ready := func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, health, nil)
		if err != nil {
			return err
		}
		return httpCheck(req, http.StatusOK)
	}
	return launch(ctx, "cognito-local", cmd, port, cfg.LogFile, ready, cleanup...)
}

// WritePools writes pools and their clients into cognito-local's data folder
// dataDir (files .cognito/db/<poolId>.json and .cognito/db/clients.json),
// merging with what is there: users, groups and settings of an existing pool
// and other pools and clients are kept; the id, ARN and name given here win.
// A running cognito-local sees the pools only after a restart, and may
// overwrite clients.json if it changes clients meanwhile.
func WritePools(dataDir string, pools ...Pool) error {
	for _, p := range pools {
		if err := p.validate(); err != nil {
			return err
		}
	}
	db := filepath.Join(dataDir, ".cognito", "db")
	if err := os.MkdirAll(db, 0o755); err != nil {
		return fmt.Errorf("emulator: cognito data folder: %w", err)
	}
	now := time.Now().UTC().Format("2006-01-02T15:04:05.000Z")

	for _, p := range pools {
		file := filepath.Join(db, p.ID+".json")
		doc, err := readJSON(file)
		if err != nil {
			return err
		}
		opts, ok := doc["Options"].(map[string]any)
		if !ok {
			opts = defaultPoolOptions(now)
			doc["Options"] = opts
		}
		if _, ok := doc["Users"].(map[string]any); !ok {
			doc["Users"] = map[string]any{}
		}
		opts["Id"] = p.ID
		opts["Arn"] = p.ARN()
		if p.Name != "" || opts["Name"] == nil {
			opts["Name"] = cmpOr(p.Name, p.ID)
		}
		if err := writeJSON(file, doc); err != nil {
			return err
		}
	}

	file := filepath.Join(db, "clients.json")
	doc, err := readJSON(file)
	if err != nil {
		return err
	}
	clients, ok := doc["Clients"].(map[string]any)
	if !ok {
		clients = map[string]any{}
		doc["Clients"] = clients
	}
	for _, p := range pools {
		for _, c := range p.Clients {
			entry, ok := clients[c.ID].(map[string]any)
			if !ok {
				entry = defaultClient(now)
				clients[c.ID] = entry
			}
			entry["ClientId"] = c.ID
			entry["UserPoolId"] = p.ID
			if c.Name != "" || entry["ClientName"] == nil {
				entry["ClientName"] = cmpOr(c.Name, c.ID)
			}
		}
	}
	return writeJSON(file, doc)
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// defaultPoolOptions mirrors what cognito-local stores for a pool created
// through its API with no options, less UsernameAttributes: like a pool
// created in AWS with no options, users sign in with a username.
func defaultPoolOptions(now string) map[string]any {
	// Cognito's standard attributes: name, type, and for strings the
	// minimum and maximum length.
	standard := []struct{ name, typ, min, max string }{
		{"sub", "String", "1", "2048"},
		{"name", "String", "0", "2048"},
		{"given_name", "String", "0", "2048"},
		{"family_name", "String", "0", "2048"},
		{"middle_name", "String", "0", "2048"},
		{"nickname", "String", "0", "2048"},
		{"preferred_username", "String", "0", "2048"},
		{"profile", "String", "0", "2048"},
		{"picture", "String", "0", "2048"},
		{"website", "String", "0", "2048"},
		{"email", "String", "0", "2048"},
		{"email_verified", "Boolean", "", ""},
		{"gender", "String", "0", "2048"},
		{"birthdate", "String", "10", "10"},
		{"zoneinfo", "String", "0", "2048"},
		{"locale", "String", "0", "2048"},
		{"phone_number", "String", "0", "2048"},
		{"phone_number_verified", "Boolean", "", ""},
		{"address", "String", "0", "2048"},
		{"updated_at", "Number", "", ""},
	}
	schema := make([]any, 0, len(standard))
	for _, a := range standard {
		attr := map[string]any{
			"Name": a.name, "AttributeDataType": a.typ, "DeveloperOnlyAttribute": false,
			"Mutable": a.name != "sub", "Required": a.name == "sub",
		}
		switch a.typ {
		case "String":
			attr["StringAttributeConstraints"] = map[string]any{"MinLength": a.min, "MaxLength": a.max}
		case "Number":
			attr["NumberAttributeConstraints"] = map[string]any{"MinValue": "0"}
		}
		schema = append(schema, attr)
	}
	return map[string]any{
		"Policies": map[string]any{"PasswordPolicy": map[string]any{
			"MinimumLength": 8, "RequireUppercase": true, "RequireLowercase": true,
			"RequireNumbers": true, "RequireSymbols": true, "TemporaryPasswordValidityDays": 7,
		}},
		"LambdaConfig":                map[string]any{},
		"SchemaAttributes":            schema,
		"VerificationMessageTemplate": map[string]any{"DefaultEmailOption": "CONFIRM_WITH_CODE"},
		"MfaConfiguration":            "OFF",
		"EstimatedNumberOfUsers":      0,
		"EmailConfiguration":          map[string]any{"EmailSendingAccount": "COGNITO_DEFAULT"},
		"AdminCreateUserConfig":       map[string]any{"AllowAdminCreateUserOnly": false, "UnusedAccountValidityDays": 7},
		"CreationDate":                now,
		"LastModifiedDate":            now,
	}
}

// defaultClient mirrors what cognito-local stores for a client created
// through its API, plus the sign-in flows a console-made client allows.
func defaultClient(now string) map[string]any {
	return map[string]any{
		"CreationDate":     now,
		"LastModifiedDate": now,
		"TokenValidityUnits": map[string]any{
			"AccessToken": "hours", "IdToken": "minutes", "RefreshToken": "days",
		},
		"ExplicitAuthFlows": []any{"ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"},
	}
}

// readJSON reads a JSON object; a missing or empty file reads as {}.
func readJSON(file string) (map[string]any, error) {
	b, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) || (err == nil && len(bytes.TrimSpace(b)) == 0) {
		return map[string]any{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("emulator: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("emulator: %s: %w", file, err)
	}
	if doc == nil {
		doc = map[string]any{}
	}
	return doc, nil
}

// writeJSON replaces file atomically, so cognito-local never reads half of it.
func writeJSON(file string, doc map[string]any) error {
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return fmt.Errorf("emulator: %s: %w", file, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(file), "."+filepath.Base(file)+".*")
	if err != nil {
		return fmt.Errorf("emulator: %w", err)
	}
	_, werr := tmp.Write(append(b, '\n'))
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("emulator: write %s: %w", file, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("emulator: %w", err)
	}
	if err := os.Rename(tmp.Name(), file); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("emulator: %w", err)
	}
	return nil
}
