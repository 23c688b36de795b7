package avp

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// exampleService is a Service over an in-memory store and a verifier that
// confirms every user pool, app client and issuer, with a fixed clock and
// sequential ids, as a test or a local tool would build it.
func exampleService() *Service {
	st := newMemStore()
	n := 0
	return NewService(st.deps(&fakeVerifier{}),
		WithClock(func() time.Time { return time.Date(2026, 11, 25, 18, 0, 0, 0, time.UTC) }),
		WithIDs(func() string { n++; return fmt.Sprintf("ID%d", n) }))
}

// A policy store, then its identity source: a Cognito user pool whose ARN
// names the caller's account. Requests are decoded from the AVP wire JSON,
// as the entry layer decodes them.
func ExampleService() {
	ctx := context.Background()
	const account = "123456789012"
	svc := exampleService()

	ps, err := svc.CreatePolicyStore(ctx, account, &CreatePolicyStoreInput{
		ValidationSettings: &ValidationSettings{Mode: ValidationModeOff},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println("policy store", ps.PolicyStoreID, ps.ARN)

	var in CreateIdentitySourceInput
	if err := json.Unmarshal([]byte(`{
		"policyStoreId": "`+ps.PolicyStoreID+`",
		"configuration": {"cognitoUserPoolConfiguration": {
			"userPoolArn": "arn:aws:cognito-idp:us-west-2:123456789012:userpool/us-west-2_1a2b3c4d5",
			"clientIds": ["a1b2c3d4e5f6g7h8i9j0kalbmc"]}}}`), &in); err != nil {
		panic(err)
	}
	is, err := svc.CreateIdentitySource(ctx, account, &in)
	if err != nil {
		panic(err)
	}
	got, err := svc.GetIdentitySource(ctx, account, &GetIdentitySourceInput{
		PolicyStoreID: ps.PolicyStoreID, IdentitySourceID: is.IdentitySourceID,
	})
	if err != nil {
		panic(err)
	}
	fmt.Println("identity source", got.IdentitySourceID, "for", got.PrincipalEntityType)
	b, _ := json.MarshalIndent(got.Configuration, "", "  ")
	fmt.Println(string(b))
	// Output:
	// policy store ID1 arn:aws:verifiedpermissions::123456789012:policy-store/ID1
	// identity source ID2 for AWS::Cognito
	// {
	//   "cognitoUserPoolConfiguration": {
	//     "userPoolArn": "arn:aws:cognito-idp:us-west-2:123456789012:userpool/us-west-2_1a2b3c4d5",
	//     "clientIds": [
	//       "a1b2c3d4e5f6g7h8i9j0kalbmc"
	//     ],
	//     "issuer": "https://cognito-idp.us-west-2.amazonaws.com/us-west-2_1a2b3c4d5"
	//   }
	// }
}

// Failures a caller can cause are *Error values carrying AVP's exception
// name and, for a ValidationException, the path of every field at fault.
func ExampleService_CreateIdentitySource_validation() {
	svc := exampleService()
	var in CreateIdentitySourceInput
	_ = json.Unmarshal([]byte(`{"policyStoreId":"ID1","principalEntityType":"","configuration":{
		"cognitoUserPoolConfiguration":{"userPoolArn":"arn:aws:cognito-idp:us-west-2:123456789012:userpool/us-west-2_1a2b3c4d5"},
		"openIdConnectConfiguration":{"issuer":"https://issuer.example.com","tokenSelection":{"accessTokenOnly":{}}}}}`), &in)
	_, err := svc.CreateIdentitySource(context.Background(), "123456789012", &in)
	e := err.(*Error)
	fmt.Println(e.Code)
	for _, f := range e.FieldList {
		fmt.Println(f.Path)
	}
	// Output:
	// ValidationException
	// principalEntityType
	// configuration
}

// An alias names a policy store wherever a policyStoreId is taken; the
// answers carry the store's id, and the request is left as it was sent.
func ExampleService_CreatePolicyStoreAlias() {
	ctx := context.Background()
	const account = "123456789012"
	svc := exampleService()
	ps, _ := svc.CreatePolicyStore(ctx, account, &CreatePolicyStoreInput{ValidationSettings: &ValidationSettings{Mode: ValidationModeOff}})
	if _, err := svc.CreatePolicyStoreAlias(ctx, account, &CreatePolicyStoreAliasInput{
		AliasName: "policy-store-alias/orders", PolicyStoreID: ps.PolicyStoreID,
	}); err != nil {
		panic(err)
	}
	in := &GetPolicyStoreInput{PolicyStoreID: "policy-store-alias/orders"}
	got, err := svc.GetPolicyStore(ctx, account, in)
	if err != nil {
		panic(err)
	}
	fmt.Println(got.PolicyStoreID, "asked as", in.PolicyStoreID)
	// Output:
	// ID1 asked as policy-store-alias/orders
}

// Configuration is a closed union: a type switch names each variant. A
// Cognito configuration carries its user pool ARN parsed.
func ExampleConfiguration() {
	describe := func(c Configuration) string {
		switch c := c.(type) {
		case *CognitoUserPoolConfiguration:
			arn, _ := c.PoolARN()
			return "Cognito user pool " + arn.PoolID + " in " + arn.Region
		case *OpenIDConnectConfiguration:
			return "OpenID Connect issuer " + c.Issuer
		case nil:
		}
		return "none"
	}
	var u ConfigurationUnion
	_ = json.Unmarshal([]byte(`{"cognitoUserPoolConfiguration":{"userPoolArn":"arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_abc"}}`), &u)
	fmt.Println(describe(u.Configuration()))
	fmt.Println(describe(&OpenIDConnectConfiguration{Issuer: "https://issuer.example.com"}))
	// Output:
	// Cognito user pool eu-west-1_abc in eu-west-1
	// OpenID Connect issuer https://issuer.example.com
}
