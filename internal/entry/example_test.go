package entry_test

import (
	"context"
	"fmt"

	"github.com/vpid-dev/vpid/internal/avp"
	"github.com/vpid-dev/vpid/internal/entry"
)

// getPolicyStore stands in for (*avp.Service).GetPolicyStore, whose table
// entry.NewTable builds.
func getPolicyStore(_ context.Context, account string, in *avp.GetPolicyStoreInput) (*avp.GetPolicyStoreOutput, error) {
	if in.PolicyStoreID != "PSEXAMPLEabcdefg111111" {
		return nil, avp.NotFound(avp.ResourcePolicyStore, in.PolicyStoreID)
	}
	return &avp.GetPolicyStoreOutput{PolicyStoreID: in.PolicyStoreID, ARN: avp.PolicyStoreARN("aws", account, in.PolicyStoreID)}, nil
}

// A Table dispatches a request body to its operation by name, decoding it
// strictly; every failure is an *avp.Error whatever the entry point.
func ExampleTable_Call() {
	ops := entry.Table{avp.OpGetPolicyStore: entry.Op(getPolicyStore)}
	ctx := context.Background()

	out, err := ops.Call(ctx, avp.OpGetPolicyStore, "123456789012", []byte(`{"policyStoreId":"PSEXAMPLEabcdefg111111"}`))
	fmt.Println(out.(*avp.GetPolicyStoreOutput).ARN, err)

	for _, body := range []string{
		`{"policyStoreId":"PSnope"}`,
		`{"policyStoreId":["PS1"]}`,
		`{"PolicyStoreId":"PS1"}`,
		`{"policyStoreId":"PS1"} {}`,
	} {
		_, err := ops.Call(ctx, avp.OpGetPolicyStore, "123456789012", []byte(body))
		fmt.Println(err)
	}
	_, err = ops.Call(ctx, avp.OpDeletePolicyStore, "123456789012", []byte(`{}`))
	fmt.Println(err)
	// Output:
	// arn:aws:verifiedpermissions::123456789012:policy-store/PSEXAMPLEabcdefg111111 <nil>
	// ResourceNotFoundException: Policy store PSnope was not found
	// SerializationException: Value at 'policyStoreId' must be a string, not a list
	// SerializationException: Member 'PolicyStoreId' is not known: member names are case-sensitive; did you mean 'policyStoreId'?
	// SerializationException: The request body must hold one JSON object and nothing after it
	// UnknownOperationException: Operation "DeletePolicyStore" is not supported by this service
}

// Callers that must see or complete the input before it runs, such as the
// provisioner giving a create its default clientToken, decode and run in two
// steps; callers that build inputs themselves use the typed Run.
func ExampleTable_Decode() {
	ops := entry.Table{avp.OpGetPolicyStore: entry.Op(getPolicyStore)}
	ctx := context.Background()

	in, err := ops.Decode(avp.OpGetPolicyStore, []byte(`{}`))
	if err != nil {
		panic(err)
	}
	in.(*avp.GetPolicyStoreInput).PolicyStoreID = "PSEXAMPLEabcdefg111111"
	out, err := ops.Run(ctx, avp.OpGetPolicyStore, "123456789012", in)
	fmt.Println(out.(*avp.GetPolicyStoreOutput).PolicyStoreID, err)

	typed, err := entry.Run[avp.GetPolicyStoreOutput](ctx, ops, avp.OpGetPolicyStore, "123456789012",
		&avp.GetPolicyStoreInput{PolicyStoreID: "PSEXAMPLEabcdefg111111"})
	fmt.Println(typed.ARN, err)
	// Output:
	// PSEXAMPLEabcdefg111111 <nil>
	// arn:aws:verifiedpermissions::123456789012:policy-store/PSEXAMPLEabcdefg111111 <nil>
}
