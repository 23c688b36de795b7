package entry

import (
	"context"
	"fmt"

	"github.com/vpid-dev/vpid/internal/avp"
)

// Protocol-level error codes, as AWS's JSON services send them.
const (
	// CodeUnknownOperation: the request names no operation this service has.
	CodeUnknownOperation = "UnknownOperationException"
	// CodeSerialization: the request body is not the JSON the operation
	// takes.
	CodeSerialization = "SerializationException"
)

func protocolError(code, message string) *avp.Error {
	return &avp.Error{Code: code, Message: message}
}

// Operation is one AVP operation: it decodes a request body into the
// operation's input and runs the operation on it for an account. Make one
// with Op; the zero Operation runs nothing.
type Operation struct {
	decode func(body []byte) (any, error)
	run    func(ctx context.Context, account string, in any) (any, error)
}

// Op makes an Operation of a typed service method: Decode reads the body
// into a fresh *I with the package's strict decoder, and Run calls fn.
func Op[I, O any](fn func(context.Context, string, *I) (*O, error)) Operation {
	return Operation{
		decode: func(body []byte) (any, error) {
			in := new(I)
			if err := Decode(body, in); err != nil {
				return nil, err
			}
			return in, nil
		},
		run: func(ctx context.Context, account string, in any) (any, error) {
			typed, ok := in.(*I)
			if !ok {
				return nil, fmt.Errorf("entry: the operation takes %T, not %T", (*I)(nil), in)
			}
			out, err := fn(ctx, account, typed)
			if err != nil {
				return nil, err // not a typed nil in an interface
			}
			return out, nil
		},
	}
}

// Decode reads body into a new input of the operation: a pointer to its
// input struct, which the caller may inspect or complete before Run.
// Failures are *avp.Error values.
func (o Operation) Decode(body []byte) (any, error) {
	if o.decode == nil {
		return nil, protocolError(CodeUnknownOperation, "The operation is not supported by this service")
	}
	return o.decode(body)
}

// Run runs the operation for account on in, an input from Decode (or a
// pointer to the operation's input struct built otherwise).
func (o Operation) Run(ctx context.Context, account string, in any) (any, error) {
	if o.run == nil {
		return nil, protocolError(CodeUnknownOperation, "The operation is not supported by this service")
	}
	return o.run(ctx, account, in)
}

// Call decodes body and runs the operation on it.
func (o Operation) Call(ctx context.Context, account string, body []byte) (any, error) {
	in, err := o.Decode(body)
	if err != nil {
		return nil, err
	}
	return o.Run(ctx, account, in)
}

// Table maps operation names (the avp.Op* constants: CreateIdentitySource,
// not the X-Amz-Target) to their Operations.
type Table map[string]Operation

// NewTable is the table of every operation vpid serves, over svc.
func NewTable(svc *avp.Service) Table {
	return Table{
		avp.OpCreatePolicyStore: Op(svc.CreatePolicyStore),
		avp.OpGetPolicyStore:    Op(svc.GetPolicyStore),
		avp.OpListPolicyStores:  Op(svc.ListPolicyStores),
		avp.OpUpdatePolicyStore: Op(svc.UpdatePolicyStore),
		avp.OpDeletePolicyStore: Op(svc.DeletePolicyStore),

		avp.OpCreatePolicyStoreAlias: Op(svc.CreatePolicyStoreAlias),
		avp.OpGetPolicyStoreAlias:    Op(svc.GetPolicyStoreAlias),
		avp.OpListPolicyStoreAliases: Op(svc.ListPolicyStoreAliases),
		avp.OpDeletePolicyStoreAlias: Op(svc.DeletePolicyStoreAlias),

		avp.OpCreateIdentitySource: Op(svc.CreateIdentitySource),
		avp.OpGetIdentitySource:    Op(svc.GetIdentitySource),
		avp.OpListIdentitySources:  Op(svc.ListIdentitySources),
		avp.OpUpdateIdentitySource: Op(svc.UpdateIdentitySource),
		avp.OpDeleteIdentitySource: Op(svc.DeleteIdentitySource),

		avp.OpCreatePolicy:   Op(svc.CreatePolicy),
		avp.OpGetPolicy:      Op(svc.GetPolicy),
		avp.OpListPolicies:   Op(svc.ListPolicies),
		avp.OpUpdatePolicy:   Op(svc.UpdatePolicy),
		avp.OpDeletePolicy:   Op(svc.DeletePolicy),
		avp.OpBatchGetPolicy: Op(svc.BatchGetPolicy),

		avp.OpCreatePolicyTemplate: Op(svc.CreatePolicyTemplate),
		avp.OpGetPolicyTemplate:    Op(svc.GetPolicyTemplate),
		avp.OpListPolicyTemplates:  Op(svc.ListPolicyTemplates),
		avp.OpUpdatePolicyTemplate: Op(svc.UpdatePolicyTemplate),
		avp.OpDeletePolicyTemplate: Op(svc.DeletePolicyTemplate),

		avp.OpPutSchema: Op(svc.PutSchema),
		avp.OpGetSchema: Op(svc.GetSchema),

		avp.OpTagResource:         Op(svc.TagResource),
		avp.OpUntagResource:       Op(svc.UntagResource),
		avp.OpListTagsForResource: Op(svc.ListTagsForResource),

		avp.OpIsAuthorized:               Op(svc.IsAuthorized),
		avp.OpBatchIsAuthorized:          Op(svc.BatchIsAuthorized),
		avp.OpIsAuthorizedWithToken:      Op(svc.IsAuthorizedWithToken),
		avp.OpBatchIsAuthorizedWithToken: Op(svc.BatchIsAuthorizedWithToken),
	}
}

// Lookup returns the operation called name, and whether the table has it.
func (t Table) Lookup(name string) (Operation, bool) {
	op, ok := t[name]
	return op, ok && op.run != nil && op.decode != nil
}

// Call runs the operation called name for account on a request body. A name
// the table lacks is an UnknownOperationException.
func (t Table) Call(ctx context.Context, name, account string, body []byte) (any, error) {
	op, ok := t.Lookup(name)
	if !ok {
		return nil, unknown(name)
	}
	return op.Call(ctx, account, body)
}

// Decode reads body into a new input of the operation called name (see
// Operation.Decode).
func (t Table) Decode(name string, body []byte) (any, error) {
	op, ok := t.Lookup(name)
	if !ok {
		return nil, unknown(name)
	}
	return op.Decode(body)
}

// Run runs the operation called name for account on a decoded input (see
// Operation.Run).
func (t Table) Run(ctx context.Context, name, account string, in any) (any, error) {
	op, ok := t.Lookup(name)
	if !ok {
		return nil, unknown(name)
	}
	return op.Run(ctx, account, in)
}

func unknown(name string) error {
	return protocolError(CodeUnknownOperation, fmt.Sprintf("Operation %q is not supported by this service", name))
}

// Run runs the operation called name of t for account on a typed input and
// returns its typed output: for callers that build inputs themselves rather
// than decode a body, such as the CloudFormation custom resource.
//
//	out, err := entry.Run[avp.GetIdentitySourceOutput](ctx, t, avp.OpGetIdentitySource, account, in)
func Run[O, I any](ctx context.Context, t Table, name, account string, in *I) (*O, error) {
	out, err := t.Run(ctx, name, account, in)
	if err != nil {
		return nil, err
	}
	typed, ok := out.(*O)
	if !ok {
		return nil, fmt.Errorf("entry: %s answers %T, not %T", name, out, (*O)(nil))
	}
	return typed, nil
}
