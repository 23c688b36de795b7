package provision

import (
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// Trust says who may provision for which accounts. Every fact it is
// checked against is set by AWS, never by the sender: the queue a message
// came from (the event source ARN Lambda reports), the sender of a direct
// message (SQS's SenderId attribute), and the account of an event (set by
// EventBridge, which alone may send to the event queue).
type Trust struct {
	// EventQueueARN is the queue the provisioning rule delivers to. Its
	// queue policy lets only that rule send, so a message from it is an
	// EventBridge event, and the event's account is the account
	// provisioned.
	EventQueueARN string
	// EventAccounts are the accounts whose events may provision (the rule
	// matches only these; the check is repeated here).
	EventAccounts []string
	// DirectQueueARN is the queue provisioners send requests to directly.
	// Its queue policy lets only the Senders send.
	DirectQueueARN string
	// Senders maps the unique id of an IAM role (AROA...) or user
	// (AIDA...), as SQS reports it in SenderId (for a role, before the
	// ":<session name>"), to the accounts it may provision for.
	Senders map[string][]string
}

// sender is the IAM principal of a direct message: SQS's SenderId up to
// the session name.
func sender(msg events.SQSMessage) string {
	id := msg.Attributes["SenderId"]
	if i := strings.IndexByte(id, ':'); i >= 0 {
		id = id[:i]
	}
	return id
}

// notAllowed is the error of a message refused by the trust model; the
// caller answers it as AccessDeniedException.
func notAllowed(format string, args ...any) error {
	return fmt.Errorf(format, args...)
}

// authorize decides the account of a parsed message from where it came
// from, and refuses a message whose sender may not provision for it.
func (t Trust) authorize(msg events.SQSMessage, req *Request, fromEvent bool) error {
	switch msg.EventSourceARN {
	case t.EventQueueARN:
		if t.EventQueueARN == "" {
			break
		}
		if !fromEvent {
			return notAllowed("the event queue takes EventBridge events only; send requests to the direct provisioning queue")
		}
		if !slices.Contains(t.EventAccounts, req.Account) {
			return notAllowed("events from account %s may not provision identity sources", req.Account)
		}
		return nil
	case t.DirectQueueARN:
		if t.DirectQueueARN == "" {
			break
		}
		if fromEvent {
			// An event's account is EventBridge's word only when EventBridge
			// delivered it; here a sender wrote it.
			return notAllowed("the direct provisioning queue takes provisioning requests, not EventBridge events")
		}
		who := sender(msg)
		accounts, ok := t.Senders[who]
		if !ok || who == "" {
			return notAllowed("sender %q is not a provisioner of this deployment", who)
		}
		if req.Account == "" && len(accounts) == 1 {
			req.Account = accounts[0]
		}
		if !slices.Contains(accounts, req.Account) {
			return notAllowed("sender %s may not provision identity sources of account %q", who, req.Account)
		}
		return nil
	}
	return notAllowed("the message came from queue %q, which is not a provisioning queue of this deployment", msg.EventSourceARN)
}
