// Package config names the environment variables the vpid functions read and
// loads them once, at init, into plain values.
//
// It is its own package only because the CDK app (infra) and the functions
// must agree on the variable names; it imports nothing else of vpid.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// Environment variable names shared by the functions and the CDK stack.
const (
	// EnvTableName names the DynamoDB table (required).
	EnvTableName = "TABLE_NAME"
	// EnvLogLevel is one of DEBUG, INFO, WARN, ERROR (default INFO).
	EnvLogLevel = "LOG_LEVEL"
	// EnvCognitoTimeout bounds each Cognito call, as a Go duration (default 3s).
	EnvCognitoTimeout = "COGNITO_TIMEOUT"
	// EnvDynamoDBTimeout bounds each DynamoDB call, as a Go duration (default 3s).
	EnvDynamoDBTimeout = "DYNAMODB_TIMEOUT"
	// EnvOIDCTimeout bounds the check of an OpenID Connect issuer's
	// discovery document, as a Go duration (default 5s).
	EnvOIDCTimeout = "OIDC_TIMEOUT"
	// EnvEventBusName names the EventBridge bus vpid publishes to (default
	// "default").
	EnvEventBusName = "EVENT_BUS_NAME"
	// EnvLambdaRuntimeAPI is set by Lambda; the drift command runs once
	// and exits when it is absent.
	EnvLambdaRuntimeAPI = "AWS_LAMBDA_RUNTIME_API"
)

// API is the configuration of the API function.
type API struct {
	TableName       string
	LogLevel        slog.Level
	InLambda        bool
	CognitoTimeout  time.Duration
	DynamoDBTimeout time.Duration
	OIDCTimeout     time.Duration
	EventBusName    string
}

// LoadAPI reads the API function's configuration through getenv (os.Getenv in
// production) and reports every problem at once.
func LoadAPI(getenv func(string) string) (API, error) {
	cfg := API{
		TableName:       getenv(EnvTableName),
		LogLevel:        slog.LevelInfo,
		InLambda:        getenv(EnvLambdaRuntimeAPI) != "",
		CognitoTimeout:  3 * time.Second,
		DynamoDBTimeout: 3 * time.Second,
		OIDCTimeout:     5 * time.Second,
		EventBusName:    "default",
	}
	var errs []error
	if cfg.TableName == "" {
		errs = append(errs, fmt.Errorf("%s is required: the name of the DynamoDB table", EnvTableName))
	}
	if lvl, err := logLevel(getenv); err != nil {
		errs = append(errs, err)
	} else {
		cfg.LogLevel = lvl
	}
	if v := getenv(EnvEventBusName); v != "" {
		cfg.EventBusName = v
	}
	for _, d := range []struct {
		name string
		dst  *time.Duration
	}{{EnvCognitoTimeout, &cfg.CognitoTimeout}, {EnvDynamoDBTimeout, &cfg.DynamoDBTimeout}, {EnvOIDCTimeout, &cfg.OIDCTimeout}} {
		v := getenv(d.name)
		if v == "" {
			continue
		}
		t, err := time.ParseDuration(v)
		if err != nil || t <= 0 {
			errs = append(errs, fmt.Errorf("%s=%q: want a positive Go duration such as 3s", d.name, v))
			continue
		}
		*d.dst = t
	}
	if err := errors.Join(errs...); err != nil {
		return API{}, fmt.Errorf("config: %w", err)
	}
	return cfg, nil
}

// logLevel reads LOG_LEVEL (default INFO).
func logLevel(getenv func(string) string) (slog.Level, error) {
	lvl := slog.LevelInfo
	if v := getenv(EnvLogLevel); v != "" {
		if err := lvl.UnmarshalText([]byte(strings.ToUpper(v))); err != nil {
			return lvl, fmt.Errorf("%s=%q: want DEBUG, INFO, WARN or ERROR", EnvLogLevel, v)
		}
	}
	return lvl, nil
}
