package cedarschema

import (
	"errors"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vpid-dev/vpid/internal/cedarpolicy"
)

func TestNamespaces(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		schema string
		want   []string
	}{
		{`{"": {"entityTypes": {}, "actions": {}}}`, nil},
		{`{"Zeta": {"entityTypes": {}, "actions": {}}, "Alpha::Beta": {"entityTypes": {}, "actions": {}}, "": {"entityTypes": {}, "actions": {}}}`, []string{"Alpha::Beta", "Zeta"}},
		{`{}`, nil},
	} {
		s, err := Parse(tc.schema)
		if err != nil {
			t.Fatalf("Parse(%s): %v", tc.schema, err)
		}
		if diff := cmp.Diff(tc.want, s.Namespaces()); diff != "" {
			t.Errorf("Namespaces(%s) (-want +got):\n%s", tc.schema, diff)
		}
	}
}

func TestParseErrorsWrapErrInvalid(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", "  ", "[]", "null", `{"NS": 1}`, `{"NS": {"entityTypes": {"A": {"memberOfTypes": ["B"]}}, "actions": {}}}`} {
		if _, err := Parse(s); !errors.Is(err, ErrInvalid) {
			t.Errorf("Parse(%q): %v, want ErrInvalid", s, err)
		}
	}
}

// TestReasons pins the mapping of each message form cedar-go's validator
// writes, including the fallback for a message it does not know.
func TestReasons(t *testing.T) {
	t.Parallel()
	for msg, want := range map[string]string{
		"unrecognized entity type `A`":                                                                UnrecognizedEntityType,
		"unrecognized action `Action::\"a\"`":                                                         UnrecognizedActionID,
		"unable to find an applicable action given the policy scope constraints":                      InvalidActionApplication,
		"unexpected type: expected Bool but saw Long":                                                 UnexpectedType,
		"the types Long and String are not compatible":                                                IncompatibleTypes,
		"the types Long, String, and Bool are not compatible":                                         IncompatibleTypes,
		"incompatible types for least upper bound":                                                    IncompatibleTypes,
		"record types have different attributes in strict mode":                                       IncompatibleTypes,
		"record attributes have different optionality in strict mode":                                 IncompatibleTypes,
		"entity types are incompatible in strict mode":                                                IncompatibleTypes,
		"empty set literals are forbidden in policies":                                                IncompatibleTypes,
		"attribute `a` on entity type `T` not found":                                                  MissingAttribute,
		"attribute `a` on entity types A, B not found":                                                MissingAttribute,
		"attribute `a` in context for Action::\"x\" not found":                                        MissingAttribute,
		"unable to guarantee safety of access to optional attribute `a`":                              UnsafeOptionalAttributeAccess,
		"unable to guarantee safety of access to tag `\"t\"`":                                         UnsafeOptionalAttributeAccess,
		"wrong number of arguments in extension function application. Expected 1, got 2":              WrongNumberArguments,
		"error during extension function argument validation: failed to parse as IP address: `\"x\"`": FunctionArgumentValidationError,
		"extension constructors may not be called with non-literal expressions":                       FunctionArgumentValidationError,
		"something cedar-go may say one day":                                                          fallbackReason,
	} {
		if got := reason(msg); got != want {
			t.Errorf("reason(%q) = %s, want %s", msg, got, want)
		}
	}
}

// TestConcurrentValidation runs validations of one schema in parallel (run
// with -race).
func TestConcurrentValidation(t *testing.T) {
	t.Parallel()
	s, err := Parse(`{"NS": {"entityTypes": {"U": {"shape": {"type": "Record", "attributes": {"n": {"type": "Long"}}}}}, "actions": {"a": {"appliesTo": {"principalTypes": ["U"], "resourceTypes": ["U"]}}}}}`)
	if err != nil {
		t.Fatal(err)
	}
	good, err := cedarpolicy.Parse(`permit(principal, action == NS::Action::"a", resource) when { principal.n > 1 };`)
	if err != nil {
		t.Fatal(err)
	}
	bad, err := cedarpolicy.Parse(`permit(principal, action == NS::Action::"a", resource) when { principal.m > 1 };`)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 20 {
				if v := s.Validate(good); len(v) != 0 {
					t.Errorf("good: %v", v)
				}
				if v := s.Validate(bad); len(v) != 1 || v[0].Reason != MissingAttribute {
					t.Errorf("bad: %v", v)
				}
			}
		})
	}
	wg.Wait()
}
