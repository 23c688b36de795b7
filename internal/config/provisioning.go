package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
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

var (
	reAccountID = regexp.MustCompile(`^[0-9]{12}$`)
	// reUniqueID is the form of an IAM user's or role's unique id.
	reUniqueID = regexp.MustCompile(`^A[A-Z0-9]{15,127}$`)
)

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
		if !reAccountID.MatchString(a) {
			errs = append(errs, fmt.Errorf("%s: %q is not a 12-digit account id", EnvProvisioningEventAccounts, a))
		}
		cfg.EventAccounts = append(cfg.EventAccounts, a)
	}
	if v := getenv(EnvProvisioningSenders); v != "" {
		if err := json.Unmarshal([]byte(v), &cfg.Senders); err != nil {
			errs = append(errs, fmt.Errorf("%s: want a JSON object of unique ids to lists of account ids: %v", EnvProvisioningSenders, err))
		}
		for id, accounts := range cfg.Senders {
			if !reUniqueID.MatchString(id) {
				errs = append(errs, fmt.Errorf("%s: %q is not the unique id of an IAM role or user (AROA..., AIDA...)", EnvProvisioningSenders, id))
			}
			for _, a := range accounts {
				if !reAccountID.MatchString(a) {
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
