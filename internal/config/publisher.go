package config

import (
	"fmt"
	"log/slog"
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
	lvl, err := logLevel(getenv)
	if err != nil {
		return Publisher{}, fmt.Errorf("config: %w", err)
	}
	cfg.LogLevel = lvl
	return cfg, nil
}
