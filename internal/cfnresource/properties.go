package cfnresource

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-lambda-go/cfn"

	"github.com/vpid-dev/vpid/internal/avp"
	"github.com/vpid-dev/vpid/internal/entry"
)

// ResourceType is the custom resource type a template declares.
const ResourceType = "Custom::VerifiedPermissionsIdentitySource"

// Resource property names.
const (
	PropPolicyStoreID       = "PolicyStoreId"
	PropConfiguration       = "Configuration"
	PropPrincipalEntityType = "PrincipalEntityType"

	// Properties CloudFormation itself defines for every custom resource.
	propServiceToken   = "ServiceToken"
	propServiceTimeout = "ServiceTimeout"
)

// Keys of the response's Data, readable with Fn::GetAtt.
const (
	DataIdentitySourceID = "IdentitySourceId"
	DataPolicyStoreID    = "PolicyStoreId"
	DataCreatedDate      = "CreatedDate"
)

// FailedCreatePrefix starts the physical id answered for a failed Create.
// The ':' keeps it from ever being an identity source id, so the Delete that
// CloudFormation sends when it rolls the Create back is recognised as a
// no-op.
const FailedCreatePrefix = "CreateFailed:"

var (
	knownProperties = []string{PropPolicyStoreID, PropConfiguration, PropPrincipalEntityType, propServiceToken, propServiceTimeout}

	// reIdentitySourceID is AVP's identitySourceId pattern with its length.
	reIdentitySourceID = regexp.MustCompile(`^[a-zA-Z0-9-]{1,200}$`)
	reAccount          = regexp.MustCompile(`^\d{12}$`)
)

// properties are the decoded resource properties.
type properties struct {
	PolicyStoreID       string
	Configuration       *avp.ConfigurationUnion
	PrincipalEntityType *string
}

// parseProperties decodes the properties of a Create or Update. Failures are
// *avp.Error values.
func parseProperties(m map[string]any) (properties, error) {
	var p properties
	var unknown []string
	for k := range m {
		if !slices.Contains(knownProperties, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		fields := make([]avp.Field, len(unknown))
		for i, k := range unknown {
			fields[i] = avp.Field{Path: k, Message: fmt.Sprintf(
				"Property '%s' is not a property of %s; the properties are %s, %s and %s",
				k, ResourceType, PropPolicyStoreID, PropConfiguration, PropPrincipalEntityType)}
		}
		return p, avp.Validation(fields...)
	}
	var fields []avp.Field
	psID, err := stringProperty(m, PropPolicyStoreID)
	if err != nil {
		fields = append(fields, *err)
	}
	p.PolicyStoreID = psID
	if v, ok := m[PropPrincipalEntityType]; ok && v != nil {
		s, err := stringProperty(m, PropPrincipalEntityType)
		if err != nil {
			fields = append(fields, *err)
		} else {
			p.PrincipalEntityType = &s
		}
	}
	if len(fields) > 0 {
		return p, avp.Validation(fields...)
	}
	cfg, derr := decodeConfiguration(m[PropConfiguration])
	if derr != nil {
		return p, derr
	}
	p.Configuration = cfg
	return p, nil
}

// stringProperty reads an optional string property; absent is "".
func stringProperty(m map[string]any, name string) (string, *avp.Field) {
	switch v := m[name].(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	default:
		return "", &avp.Field{Path: name, Message: fmt.Sprintf("Value at '%s' failed to satisfy constraint: Member must be a string", name)}
	}
}

// decodeConfiguration re-encodes the Configuration property as JSON and
// decodes it as the API decodes a request's configuration member, so that
// type errors and union rules are the API's. A string is taken as the JSON
// itself. nil (absent) stays nil, for the Service to report as missing.
func decodeConfiguration(v any) (*avp.ConfigurationUnion, error) {
	var raw []byte
	switch c := v.(type) {
	case nil:
		return nil, nil
	case string:
		raw = []byte(c)
		if !json.Valid(raw) {
			return nil, avp.Validation(avp.Field{Path: PropConfiguration, Message: fmt.Sprintf(
				"Value at '%s' failed to satisfy constraint: Member must be an object, or a string holding a JSON object", PropConfiguration)})
		}
	default:
		b, err := json.Marshal(c)
		if err != nil {
			return nil, avp.Validation(avp.Field{Path: PropConfiguration, Message: fmt.Sprintf(
				"Value at '%s' could not be encoded as JSON", PropConfiguration)})
		}
		raw = b
	}
	body := make([]byte, 0, len(raw)+20)
	body = append(body, `{"configuration":`...)
	body = append(body, raw...)
	body = append(body, '}')
	var in struct {
		Configuration *avp.ConfigurationUnion `json:"configuration"`
	}
	if err := entry.Decode(body, &in); err != nil {
		return nil, err
	}
	return in.Configuration, nil
}

// principalForUpdate is the principalEntityType an in-place update sends: the
// template's, or when the template names none, what a Create would have
// stored. A Cognito source gets AWS::Cognito; an OpenID Connect source has no
// default, so it is the ValidationException a Create gives. For anything
// else (no or an invalid configuration) nil is sent and the Service reports
// the configuration.
func principalForUpdate(p properties) (*string, error) {
	if p.PrincipalEntityType != nil {
		return p.PrincipalEntityType, nil
	}
	if p.Configuration == nil {
		return nil, nil
	}
	switch p.Configuration.Configuration().(type) {
	case nil: // no member, or both
		return nil, nil
	case *avp.CognitoUserPoolConfiguration, *avp.OpenIDConnectConfiguration:
		// Both kinds default to AWS::Cognito on create, as AVP documents.
		s := avp.DefaultCognitoPrincipalEntityType
		return &s, nil
	}
	return nil, nil
}

// oldPolicyStoreID is the PolicyStoreId of the previous properties, as a
// string ("" if absent or not a string).
func oldPolicyStoreID(m map[string]any) string {
	s, _ := m[PropPolicyStoreID].(string)
	return s
}

// accountOf returns the account field of an ARN of service (for example
// arn:aws:cloudformation:us-west-2:123456789012:stack/name/guid) whose
// resource starts with resourcePrefix.
func accountOf(arn, service, resourcePrefix string) (string, bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[1] == "" || parts[2] != service ||
		!reAccount.MatchString(parts[4]) || !strings.HasPrefix(parts[5], resourcePrefix) {
		return "", false
	}
	return parts[4], true
}

// stackAccount is the account of a StackId.
func stackAccount(stackID string) (string, bool) {
	return accountOf(stackID, "cloudformation", "stack/")
}

// clientToken derives the CreateIdentitySource clientToken of a request: the
// same for every delivery of one CloudFormation request, different for any
// other, and within AVP's pattern [a-zA-Z0-9-]{1,64} whatever the RequestId
// holds.
func clientToken(ev cfn.Event) string {
	sum := sha256.Sum256([]byte(ev.StackID + "\x00" + ev.LogicalResourceID + "\x00" + ev.RequestID))
	return "cfn-" + hex.EncodeToString(sum[:20])
}

// failedCreateID is the physical id of a failed Create.
func failedCreateID(requestID string) string {
	return FailedCreatePrefix + requestID
}

// isIdentitySourceID reports whether a physical id can name an identity
// source; a failed Create's placeholder cannot.
func isIdentitySourceID(id string) bool {
	return reIdentitySourceID.MatchString(id)
}
