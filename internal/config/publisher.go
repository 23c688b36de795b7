package config

import (
	"fmt"
	"log/slog"
	"strings"
)

// Publisher is the configuration of the publisher function, which turns
// the table's stream into change events. It needs no table name: its input
// is the stream.
type Publisher struct {
	// EventBusName is the bus change events go to ("default" when unset).
	EventBusName string
	LogLevel     slog.Level
}

// LoadPublisher reads the publisher function's configuration through getenv
// (os.Getenv in production).
func LoadPublisher(getenv func(string) string) (Publisher, error) {
	cfg := Publisher{EventBusName: getenv(EnvEventBusName), LogLevel: slog.LevelInfo}
	if cfg.EventBusName == "" {
		cfg.EventBusName = "default"
	}
	if v := getenv(EnvLogLevel); v != "" {
		if err := cfg.LogLevel.UnmarshalText([]byte(strings.ToUpper(v))); err != nil {
			return Publisher{}, fmt.Errorf("config: %s=%q: want DEBUG, INFO, WARN or ERROR", EnvLogLevel, v)
		}
	}
	return cfg, nil
}
