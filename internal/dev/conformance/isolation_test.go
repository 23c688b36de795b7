package conformance

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	vp "github.com/aws/aws-sdk-go-v2/service/verifiedpermissions"
	"github.com/aws/aws-sdk-go-v2/service/verifiedpermissions/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/vpid-dev/vpid/internal/dev/emulator/emulatortest"
)

// isoRefs names a policy store (by id), an identity source and an alias.
type isoRefs struct{ ps, is, alias string }

// isoAnswer is what a caller can observe of an answer.
type isoAnswer struct {
	Status       int
	Code         string
	Message      string
	ResourceType string
	ResourceID   string
	Fields       []string
	Items        int // list length of a successful list, else 0
}

// isoObserve reduces an answer to isoAnswer, writing the resources' names
// as placeholders so that answers about different names compare equal.
func isoObserve(items int, err error, r isoRefs) isoAnswer {
	sub := strings.NewReplacer(r.alias, "<alias>", r.ps, "<ps>", r.is, "<is>")
	if err == nil {
		return isoAnswer{Status: 200, Code: "OK", Items: items}
	}
	a := isoAnswer{Code: "not an API error: " + err.Error()}
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		a.Status = re.HTTPStatusCode()
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		a.Code, a.Message = ae.ErrorCode(), sub.Replace(ae.ErrorMessage())
	}
	var nf *types.ResourceNotFoundException
	if errors.As(err, &nf) {
		a.ResourceType, a.ResourceID = string(nf.ResourceType), sub.Replace(aws.ToString(nf.ResourceId))
	}
	var ve *types.ValidationException
	if errors.As(err, &ve) {
		for _, f := range ve.FieldList {
			a.Fields = append(a.Fields, aws.ToString(f.Path)+": "+sub.Replace(aws.ToString(f.Message)))
		}
	}
	return a
}

// isoSnapshot is everything account A can read of its resources.
type isoSnapshot struct {
	Stores          []*vp.GetPolicyStoreOutput
	IdentitySources []*vp.GetIdentitySourceOutput
	Aliases         []*vp.GetPolicyStoreAliasOutput
	StoreList       []types.PolicyStoreItem
	AliasList       []types.PolicyStoreAliasItem
	SourceList      []types.IdentitySourceItem
}

// TestIsolationTwoAccounts has account B (222222222222) try every operation
// on account A's (111111111111) store, identity source, alias and page
// tokens through the Go SDK. Each must answer exactly as it does for a
// resource that never existed, and change nothing of A's.
func TestIsolationTwoAccounts(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	a := s.client(emulatortest.AcctOneAccount)
	b := s.client(emulatortest.AcctTwoAccount)
	ctx := context.Background()

	// Account A: a protected store with an identity source and an alias, and
	// an unprotected store with another alias.
	const tokA = "isolation-store-token-a"
	aOut, err := a.CreatePolicyStore(ctx, &vp.CreatePolicyStoreInput{
		ClientToken: aws.String(tokA), ValidationSettings: &types.ValidationSettings{Mode: types.ValidationModeOff},
		Description: aws.String("A orders"), DeletionProtection: types.DeletionProtectionEnabled, Tags: map[string]string{"owner": "a"},
	})
	if err != nil {
		t.Fatal(err)
	}
	aPS := aws.ToString(aOut.PolicyStoreId)
	aPS2 := apiStore(t, a, &vp.CreatePolicyStoreInput{Description: aws.String("A unprotected")})
	aIS, err := a.CreateIdentitySource(ctx, &vp.CreateIdentitySourceInput{
		ClientToken: aws.String("isolation-is-token-a"), PolicyStoreId: aws.String(aPS), PrincipalEntityType: aws.String("A::User"),
		Configuration: apiCognito(emulatortest.AcctOnePoolARN, emulatortest.AcctOneClientID),
	})
	if err != nil {
		t.Fatal(err)
	}
	const aAlias, aAlias2 = "policy-store-alias/shared-name", "policy-store-alias/a-second"
	for name, ps := range map[string]string{aAlias: aPS, aAlias2: aPS2} {
		if _, err := a.CreatePolicyStoreAlias(ctx, &vp.CreatePolicyStoreAliasInput{AliasName: aws.String(name), PolicyStoreId: aws.String(ps)}); err != nil {
			t.Fatal(err)
		}
	}
	aStoresTok, err := a.ListPolicyStores(ctx, &vp.ListPolicyStoresInput{MaxResults: aws.Int32(1)})
	if err != nil || aStoresTok.NextToken == nil {
		t.Fatalf("A's first page of stores: %+v %v", aStoresTok, err)
	}
	aAliasesTok, err := a.ListPolicyStoreAliases(ctx, &vp.ListPolicyStoreAliasesInput{MaxResults: aws.Int32(1)})
	if err != nil || aAliasesTok.NextToken == nil {
		t.Fatalf("A's first page of aliases: %+v %v", aAliasesTok, err)
	}

	snapshot := func() isoSnapshot {
		t.Helper()
		var sn isoSnapshot
		for _, ps := range []string{aPS, aPS2} {
			g, err := a.GetPolicyStore(ctx, &vp.GetPolicyStoreInput{PolicyStoreId: aws.String(ps), Tags: true})
			if err != nil {
				t.Fatalf("A reads its store %s: %v", ps, err)
			}
			sn.Stores = append(sn.Stores, g)
		}
		g, err := a.GetIdentitySource(ctx, &vp.GetIdentitySourceInput{PolicyStoreId: aws.String(aPS), IdentitySourceId: aIS.IdentitySourceId})
		if err != nil {
			t.Fatalf("A reads its identity source: %v", err)
		}
		sn.IdentitySources = append(sn.IdentitySources, g)
		for _, n := range []string{aAlias, aAlias2} {
			al, err := a.GetPolicyStoreAlias(ctx, &vp.GetPolicyStoreAliasInput{AliasName: aws.String(n)})
			if err != nil {
				t.Fatalf("A reads its alias %s: %v", n, err)
			}
			sn.Aliases = append(sn.Aliases, al)
		}
		ls, err := a.ListPolicyStores(ctx, &vp.ListPolicyStoresInput{MaxResults: aws.Int32(50)})
		if err != nil {
			t.Fatal(err)
		}
		sn.StoreList = ls.PolicyStores
		la, err := a.ListPolicyStoreAliases(ctx, &vp.ListPolicyStoreAliasesInput{MaxResults: aws.Int32(50)})
		if err != nil {
			t.Fatal(err)
		}
		sn.AliasList = la.PolicyStoreAliases
		li, err := a.ListIdentitySources(ctx, &vp.ListIdentitySourcesInput{PolicyStoreId: aws.String(aPS)})
		if err != nil {
			t.Fatal(err)
		}
		sn.SourceList = li.IdentitySources
		return sn
	}
	before := snapshot()
	if len(before.StoreList) != 2 || len(before.AliasList) != 2 || len(before.SourceList) != 1 {
		t.Fatalf("A's world: %d stores, %d aliases, %d identity sources", len(before.StoreList), len(before.AliasList), len(before.SourceList))
	}

	// Account B has a store of its own.
	bPS := apiStore(t, b, &vp.CreatePolicyStoreInput{Description: aws.String("B's")})

	real := isoRefs{ps: aPS, is: aws.ToString(aIS.IdentitySourceId), alias: aAlias}
	missing := isoRefs{ps: "PSmissingmissing000000", is: "ISmissingmissing000000", alias: "policy-store-alias/never-existed"}
	bPool := apiCognito(emulatortest.AcctTwoPoolARN, emulatortest.AcctTwoClientID)
	bPoolUpdate := apiUpdateCognito(emulatortest.AcctTwoPoolARN, emulatortest.AcctTwoClientID)
	keep := aws.Int32(50)

	cases := []struct {
		op   string
		call func(r isoRefs) (int, error)
	}{
		{"GetPolicyStore by id", func(r isoRefs) (int, error) {
			_, err := b.GetPolicyStore(ctx, &vp.GetPolicyStoreInput{PolicyStoreId: aws.String(r.ps), Tags: true}, apiNoRetry)
			return 0, err
		}},
		{"GetPolicyStore by A's alias name", func(r isoRefs) (int, error) {
			_, err := b.GetPolicyStore(ctx, &vp.GetPolicyStoreInput{PolicyStoreId: aws.String(r.alias)}, apiNoRetry)
			return 0, err
		}},
		{"UpdatePolicyStore by id", func(r isoRefs) (int, error) {
			_, err := b.UpdatePolicyStore(ctx, &vp.UpdatePolicyStoreInput{PolicyStoreId: aws.String(r.ps), Description: aws.String("taken over"),
				DeletionProtection: types.DeletionProtectionDisabled, ValidationSettings: &types.ValidationSettings{Mode: types.ValidationModeStrict}}, apiNoRetry)
			return 0, err
		}},
		{"UpdatePolicyStore by A's alias name", func(r isoRefs) (int, error) {
			_, err := b.UpdatePolicyStore(ctx, &vp.UpdatePolicyStoreInput{PolicyStoreId: aws.String(r.alias), DeletionProtection: types.DeletionProtectionDisabled,
				ValidationSettings: &types.ValidationSettings{Mode: types.ValidationModeStrict}}, apiNoRetry)
			return 0, err
		}},
		{"DeletePolicyStore of A's protected store", func(r isoRefs) (int, error) {
			_, err := b.DeletePolicyStore(ctx, &vp.DeletePolicyStoreInput{PolicyStoreId: aws.String(r.ps)}, apiNoRetry)
			return 0, err
		}},
		{"DeletePolicyStore of A's unprotected store", func(r isoRefs) (int, error) {
			ps := aPS2
			if r != real {
				ps = r.ps
			}
			_, err := b.DeletePolicyStore(ctx, &vp.DeletePolicyStoreInput{PolicyStoreId: aws.String(ps)}, apiNoRetry)
			return 0, err
		}},
		{"ListPolicyStores with A's nextToken", func(r isoRefs) (int, error) {
			tok := aws.ToString(aStoresTok.NextToken)
			if r != real {
				tok = apiFlip(tok)
			}
			out, err := b.ListPolicyStores(ctx, &vp.ListPolicyStoresInput{NextToken: aws.String(tok)}, apiNoRetry)
			if err != nil {
				return 0, err
			}
			return len(out.PolicyStores), nil
		}},
		{"CreateIdentitySource in A's store", func(r isoRefs) (int, error) {
			_, err := b.CreateIdentitySource(ctx, &vp.CreateIdentitySourceInput{PolicyStoreId: aws.String(r.ps), Configuration: bPool}, apiNoRetry)
			return 0, err
		}},
		{"CreateIdentitySource in A's store by alias", func(r isoRefs) (int, error) {
			_, err := b.CreateIdentitySource(ctx, &vp.CreateIdentitySourceInput{PolicyStoreId: aws.String(r.alias), Configuration: bPool}, apiNoRetry)
			return 0, err
		}},
		{"GetIdentitySource", func(r isoRefs) (int, error) {
			_, err := b.GetIdentitySource(ctx, &vp.GetIdentitySourceInput{PolicyStoreId: aws.String(r.ps), IdentitySourceId: aws.String(r.is)}, apiNoRetry)
			return 0, err
		}},
		{"GetIdentitySource by A's alias name", func(r isoRefs) (int, error) {
			_, err := b.GetIdentitySource(ctx, &vp.GetIdentitySourceInput{PolicyStoreId: aws.String(r.alias), IdentitySourceId: aws.String(r.is)}, apiNoRetry)
			return 0, err
		}},
		{"GetIdentitySource of A's id in B's store", func(r isoRefs) (int, error) {
			_, err := b.GetIdentitySource(ctx, &vp.GetIdentitySourceInput{PolicyStoreId: aws.String(bPS), IdentitySourceId: aws.String(r.is)}, apiNoRetry)
			return 0, err
		}},
		{"ListIdentitySources", func(r isoRefs) (int, error) {
			out, err := b.ListIdentitySources(ctx, &vp.ListIdentitySourcesInput{PolicyStoreId: aws.String(r.ps)}, apiNoRetry)
			if err != nil {
				return 0, err
			}
			return len(out.IdentitySources), nil
		}},
		{"ListIdentitySources by A's alias name", func(r isoRefs) (int, error) {
			_, err := b.ListIdentitySources(ctx, &vp.ListIdentitySourcesInput{PolicyStoreId: aws.String(r.alias)}, apiNoRetry)
			return 0, err
		}},
		{"ListIdentitySources with A's nextToken", func(r isoRefs) (int, error) {
			tok := aws.ToString(aStoresTok.NextToken)
			if r != real {
				tok = apiFlip(tok)
			}
			_, err := b.ListIdentitySources(ctx, &vp.ListIdentitySourcesInput{PolicyStoreId: aws.String(bPS), NextToken: aws.String(tok)}, apiNoRetry)
			return 0, err
		}},
		{"UpdateIdentitySource", func(r isoRefs) (int, error) {
			_, err := b.UpdateIdentitySource(ctx, &vp.UpdateIdentitySourceInput{PolicyStoreId: aws.String(r.ps), IdentitySourceId: aws.String(r.is),
				PrincipalEntityType: aws.String("B::User"), UpdateConfiguration: bPoolUpdate}, apiNoRetry)
			return 0, err
		}},
		{"UpdateIdentitySource by A's alias name", func(r isoRefs) (int, error) {
			_, err := b.UpdateIdentitySource(ctx, &vp.UpdateIdentitySourceInput{PolicyStoreId: aws.String(r.alias), IdentitySourceId: aws.String(r.is),
				UpdateConfiguration: bPoolUpdate}, apiNoRetry)
			return 0, err
		}},
		{"UpdateIdentitySource of A's id in B's store", func(r isoRefs) (int, error) {
			_, err := b.UpdateIdentitySource(ctx, &vp.UpdateIdentitySourceInput{PolicyStoreId: aws.String(bPS), IdentitySourceId: aws.String(r.is),
				UpdateConfiguration: bPoolUpdate}, apiNoRetry)
			return 0, err
		}},
		{"DeleteIdentitySource", func(r isoRefs) (int, error) {
			_, err := b.DeleteIdentitySource(ctx, &vp.DeleteIdentitySourceInput{PolicyStoreId: aws.String(r.ps), IdentitySourceId: aws.String(r.is)}, apiNoRetry)
			return 0, err
		}},
		{"DeleteIdentitySource by A's alias name", func(r isoRefs) (int, error) {
			_, err := b.DeleteIdentitySource(ctx, &vp.DeleteIdentitySourceInput{PolicyStoreId: aws.String(r.alias), IdentitySourceId: aws.String(r.is)}, apiNoRetry)
			return 0, err
		}},
		{"DeleteIdentitySource of A's id in B's store", func(r isoRefs) (int, error) {
			_, err := b.DeleteIdentitySource(ctx, &vp.DeleteIdentitySourceInput{PolicyStoreId: aws.String(bPS), IdentitySourceId: aws.String(r.is)}, apiNoRetry)
			return 0, err
		}},
		{"CreatePolicyStoreAlias for A's store", func(r isoRefs) (int, error) {
			_, err := b.CreatePolicyStoreAlias(ctx, &vp.CreatePolicyStoreAliasInput{AliasName: aws.String("policy-store-alias/b-new"), PolicyStoreId: aws.String(r.ps)}, apiNoRetry)
			return 0, err
		}},
		{"CreatePolicyStoreAlias of A's name for A's store", func(r isoRefs) (int, error) {
			_, err := b.CreatePolicyStoreAlias(ctx, &vp.CreatePolicyStoreAliasInput{AliasName: aws.String(r.alias), PolicyStoreId: aws.String(r.ps)}, apiNoRetry)
			return 0, err
		}},
		{"GetPolicyStoreAlias", func(r isoRefs) (int, error) {
			_, err := b.GetPolicyStoreAlias(ctx, &vp.GetPolicyStoreAliasInput{AliasName: aws.String(r.alias)}, apiNoRetry)
			return 0, err
		}},
		{"ListPolicyStoreAliases of A's store", func(r isoRefs) (int, error) {
			out, err := b.ListPolicyStoreAliases(ctx, &vp.ListPolicyStoreAliasesInput{MaxResults: keep, Filter: &types.PolicyStoreAliasFilter{PolicyStoreId: aws.String(r.ps)}}, apiNoRetry)
			if err != nil {
				return 0, err
			}
			return len(out.PolicyStoreAliases), nil
		}},
		{"ListPolicyStoreAliases with A's nextToken", func(r isoRefs) (int, error) {
			tok := aws.ToString(aAliasesTok.NextToken)
			if r != real {
				tok = apiFlip(tok)
			}
			_, err := b.ListPolicyStoreAliases(ctx, &vp.ListPolicyStoreAliasesInput{NextToken: aws.String(tok)}, apiNoRetry)
			return 0, err
		}},
		{"DeletePolicyStoreAlias", func(r isoRefs) (int, error) {
			_, err := b.DeletePolicyStoreAlias(ctx, &vp.DeletePolicyStoreAliasInput{AliasName: aws.String(r.alias)}, apiNoRetry)
			return 0, err
		}},
	}
	// The "as if missing" answer of each operation; the expectation guards
	// against two equally wrong answers.
	wantCode := map[string]string{
		"DeletePolicyStore of A's protected store":   "OK",
		"DeletePolicyStore of A's unprotected store": "OK",
		"ListPolicyStoreAliases of A's store":        "OK",
		"DeletePolicyStoreAlias":                     "OK",
		"ListPolicyStores with A's nextToken":        "ValidationException",
		"ListIdentitySources with A's nextToken":     "ValidationException",
		"ListPolicyStoreAliases with A's nextToken":  "ValidationException",
	}
	for _, tc := range cases {
		t.Run(tc.op, func(t *testing.T) {
			gotN, gotErr := tc.call(real)
			got := isoObserve(gotN, gotErr, real)
			wantN, wantErr := tc.call(missing)
			want := isoObserve(wantN, wantErr, missing)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("B's answer about A's resource differs from its answer about a missing one (-missing +A's):\n%s", diff)
			}
			code := wantCode[tc.op]
			if code == "" {
				code = "ResourceNotFoundException"
			}
			if got.Code != code {
				t.Errorf("answered %s (%s), want %s", got.Code, got.Message, code)
			}
		})
	}

	t.Run("B's lists never show A's items", func(t *testing.T) {
		ls, err := b.ListPolicyStores(ctx, &vp.ListPolicyStoresInput{MaxResults: keep})
		if err != nil || len(ls.PolicyStores) != 1 || aws.ToString(ls.PolicyStores[0].PolicyStoreId) != bPS || ls.NextToken != nil {
			t.Errorf("B's stores: %+v %v", ls, err)
		}
		la, err := b.ListPolicyStoreAliases(ctx, &vp.ListPolicyStoreAliasesInput{MaxResults: keep})
		if err != nil || len(la.PolicyStoreAliases) != 0 || la.NextToken != nil {
			t.Errorf("B's aliases: %+v %v", la, err)
		}
		li, err := b.ListIdentitySources(ctx, &vp.ListIdentitySourcesInput{PolicyStoreId: aws.String(bPS)})
		if err != nil || len(li.IdentitySources) != 0 {
			t.Errorf("B's identity sources: %+v %v", li, err)
		}
	})

	t.Run("B cannot use A's user pool", func(t *testing.T) {
		_, err := b.CreateIdentitySource(ctx, &vp.CreateIdentitySourceInput{PolicyStoreId: aws.String(bPS),
			Configuration: apiCognito(emulatortest.AcctOnePoolARN, emulatortest.AcctOneClientID)}, apiNoRetry)
		wantField(t, err, "configuration.cognitoUserPoolConfiguration.userPoolArn")
		own, err := b.CreateIdentitySource(ctx, &vp.CreateIdentitySourceInput{PolicyStoreId: aws.String(bPS), Configuration: bPool})
		if err != nil {
			t.Fatal(err)
		}
		_, err = b.UpdateIdentitySource(ctx, &vp.UpdateIdentitySourceInput{PolicyStoreId: aws.String(bPS), IdentitySourceId: own.IdentitySourceId,
			UpdateConfiguration: apiUpdateCognito(emulatortest.AcctOnePoolARN)}, apiNoRetry)
		wantField(t, err, "updateConfiguration.cognitoUserPoolConfiguration.userPoolArn")
		// Nor can A use B's.
		_, err = a.CreateIdentitySource(ctx, &vp.CreateIdentitySourceInput{PolicyStoreId: aws.String(aPS2), Configuration: bPool}, apiNoRetry)
		wantField(t, err, "configuration.cognitoUserPoolConfiguration.userPoolArn")
	})

	t.Run("B's clientToken and alias names are its own", func(t *testing.T) {
		// The same token and parameters A used: a new store of B's, not a
		// replay of A's.
		bOut, err := b.CreatePolicyStore(ctx, &vp.CreatePolicyStoreInput{
			ClientToken: aws.String(tokA), ValidationSettings: &types.ValidationSettings{Mode: types.ValidationModeOff},
			Description: aws.String("A orders"), DeletionProtection: types.DeletionProtectionEnabled, Tags: map[string]string{"owner": "a"},
		})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(bOut.PolicyStoreId) == aPS || !strings.Contains(aws.ToString(bOut.Arn), ":"+emulatortest.AcctTwoAccount+":") {
			t.Errorf("B's create with A's token answered %s %s", aws.ToString(bOut.PolicyStoreId), aws.ToString(bOut.Arn))
		}
		// A's alias name, for B's own store.
		al, err := b.CreatePolicyStoreAlias(ctx, &vp.CreatePolicyStoreAliasInput{AliasName: aws.String(aAlias), PolicyStoreId: aws.String(bPS)})
		if err != nil {
			t.Fatalf("B takes a name A uses: %v", err)
		}
		if aws.ToString(al.AliasArn) != "arn:aws:verifiedpermissions:us-west-2:"+emulatortest.AcctTwoAccount+":"+aAlias {
			t.Errorf("B's alias ARN %s", aws.ToString(al.AliasArn))
		}
		g, err := b.GetPolicyStore(ctx, &vp.GetPolicyStoreInput{PolicyStoreId: aws.String(aAlias)})
		if err != nil || aws.ToString(g.PolicyStoreId) != bPS {
			t.Errorf("B's alias resolves to %+v %v", g, err)
		}
		g, err = a.GetPolicyStore(ctx, &vp.GetPolicyStoreInput{PolicyStoreId: aws.String(aAlias)})
		if err != nil || aws.ToString(g.PolicyStoreId) != aPS {
			t.Errorf("A's alias now resolves to %+v %v", g, err)
		}
		// B deleting its alias leaves A's of the same name alone.
		if _, err := b.DeletePolicyStoreAlias(ctx, &vp.DeletePolicyStoreAliasInput{AliasName: aws.String(aAlias)}); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("A is intact", func(t *testing.T) {
		after := snapshot()
		if diff := cmp.Diff(before, after, apiCmp, cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".ResultMetadata" }, cmp.Ignore())); diff != "" {
			t.Errorf("A's resources changed (-before +after):\n%s", diff)
		}
		// A's idempotency record still answers A.
		again, err := a.CreatePolicyStore(ctx, &vp.CreatePolicyStoreInput{
			ClientToken: aws.String(tokA), ValidationSettings: &types.ValidationSettings{Mode: types.ValidationModeOff},
			Description: aws.String("A orders"), DeletionProtection: types.DeletionProtectionEnabled, Tags: map[string]string{"owner": "a"},
		})
		if err != nil || aws.ToString(again.PolicyStoreId) != aPS {
			t.Errorf("A's replay: %+v %v", again, err)
		}
		// A's page tokens still work for A.
		next, err := a.ListPolicyStores(ctx, &vp.ListPolicyStoresInput{MaxResults: aws.Int32(1), NextToken: aStoresTok.NextToken})
		if err != nil || len(next.PolicyStores) != 1 {
			t.Errorf("A's second page: %+v %v", next, err)
		}
	})
}
