package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Environment variables of the provisioner function: who may provision for
// which accounts (DESIGN.md, "Provisioning from events").
const (
	// EnvProvisioningEventQueueARN is the queue the provisioning rule
	// delivers EventBridge events to.
	EnvProvisioningEventQueueARN = "PROVISIONING_EVENT_QUEUE_ARN"
	// EnvProvisioningEventAccounts lists, comma-separated, the accounts
	// whose provisioning events are carried out.
	EnvProvisioningEventAccounts = "PROVISIONING_EVENT_ACCOUNTS"
	// EnvProvisioningDirectQueueARN is the queue provisioners send requests
	// to directly.
	EnvProvisioningDirectQueueARN = "PROVISIONING_DIRECT_QUEUE_ARN"
	// EnvProvisioningSenders is a JSON object mapping the unique id of an
	// IAM role or user (as SQS reports it in SenderId) to the accounts it
	// may provision for: {"AROAEXAMPLEROLEID0001": ["111122223333"]}.
	// Unset or {}: no one may send requests directly.
	EnvProvisioningSenders = "PROVISIONING_SENDERS"
)

// Provisioning is the provisioner's trust configuration.
type Provisioning struct {
	EventQueueARN  string
	EventAccounts  []string
	DirectQueueARN string
	Senders        map[string][]string
}

// isAccountID reports whether s is an AWS account id: 12 digits.
func isAccountID(s string) bool {
	return len(s) == 12 && onlyBytes(s, func(c byte) bool { return '0' <= c && c <= '9' })
}

// isUniqueID reports whether s has the form of an IAM user's or role's
// unique id: A, then 15 to 127 upper-case letters and digits. (As a
// regular expression, A[A-Z0-9]{15,127} compiles to 127 states at every
// function's cold start, a third of a millisecond.)
func isUniqueID(s string) bool {
	return 16 <= len(s) && len(s) <= 128 && s[0] == 'A' &&
		onlyBytes(s[1:], func(c byte) bool { return '0' <= c && c <= '9' || 'A' <= c && c <= 'Z' })
}

func onlyBytes(s string, ok func(byte) bool) bool {
	for i := range len(s) {
		if !ok(s[i]) {
			return false
		}
	}
	return true
}

// LoadProvisioning reads the provisioner's trust configuration through
// getenv, reporting every problem at once. The queue ARNs are required.
func LoadProvisioning(getenv func(string) string) (Provisioning, error) {
	cfg := Provisioning{
		EventQueueARN:  getenv(EnvProvisioningEventQueueARN),
		DirectQueueARN: getenv(EnvProvisioningDirectQueueARN),
		Senders:        map[string][]string{},
	}
	var errs []error
	for name, v := range map[string]string{EnvProvisioningEventQueueARN: cfg.EventQueueARN, EnvProvisioningDirectQueueARN: cfg.DirectQueueARN} {
		if !strings.HasPrefix(v, "arn:") || !strings.Contains(v, ":sqs:") {
			errs = append(errs, fmt.Errorf("%s=%q: want an SQS queue ARN", name, v))
		}
	}
	for a := range strings.SplitSeq(getenv(EnvProvisioningEventAccounts), ",") {
		if a = strings.TrimSpace(a); a == "" {
			continue
		}
		if !isAccountID(a) {
			errs = append(errs, fmt.Errorf("%s: %q is not a 12-digit account id", EnvProvisioningEventAccounts, a))
		}
		cfg.EventAccounts = append(cfg.EventAccounts, a)
	}
	if v := getenv(EnvProvisioningSenders); v != "" {
		if err := json.Unmarshal([]byte(v), &cfg.Senders); err != nil {
			errs = append(errs, fmt.Errorf("%s: want a JSON object of unique ids to lists of account ids: %v", EnvProvisioningSenders, err))
		}
		for id, accounts := range cfg.Senders {
			if !isUniqueID(id) {
				errs = append(errs, fmt.Errorf("%s: %q is not the unique id of an IAM role or user (AROA..., AIDA...)", EnvProvisioningSenders, id))
			}
			for _, a := range accounts {
				if !isAccountID(a) {
					errs = append(errs, fmt.Errorf("%s: %s: %q is not a 12-digit account id", EnvProvisioningSenders, id, a))
				}
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return Provisioning{}, fmt.Errorf("config: %w", err)
	}
	return cfg, nil
}
