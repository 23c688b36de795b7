package entry

import (
	"context"
	"errors"
	"testing"

	"github.com/vpid-dev/vpid/internal/avp"
)

func TestTableRefusesWhatItCannotRun(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ops := Table{
		avp.OpGetPolicyStore: Op(func(context.Context, string, *avp.GetPolicyStoreInput) (*avp.GetPolicyStoreOutput, error) {
			return &avp.GetPolicyStoreOutput{}, nil
		}),
		"Zero": {},
	}
	for _, name := range []string{"Zero", "Nope", ""} {
		var e *avp.Error
		if _, err := ops.Call(ctx, name, "123456789012", nil); !errors.As(err, &e) || e.Code != CodeUnknownOperation {
			t.Errorf("Call(%q) = %v, want an %s", name, err, CodeUnknownOperation)
		}
		if _, ok := ops.Lookup(name); ok {
			t.Errorf("Lookup(%q) found an operation", name)
		}
	}
	// An input of another operation is an internal error, not a panic.
	if _, err := ops.Run(ctx, avp.OpGetPolicyStore, "123456789012", &avp.DeletePolicyStoreInput{}); err == nil {
		t.Error("Run with another operation's input succeeded")
	}
	if _, err := Run[avp.Empty](ctx, ops, avp.OpGetPolicyStore, "123456789012", &avp.GetPolicyStoreInput{}); err == nil {
		t.Error("Run with another operation's output type succeeded")
	}
	// A nil result with a nil error stays a nil *O, not a typed nil in any.
	ops["Nil"] = Op(func(context.Context, string, *avp.GetPolicyStoreInput) (*avp.GetPolicyStoreOutput, error) {
		return nil, nil
	})
	if out, err := Run[avp.GetPolicyStoreOutput](ctx, ops, "Nil", "123456789012", &avp.GetPolicyStoreInput{}); out != nil || err != nil {
		t.Errorf("Run = %v, %v", out, err)
	}
}
