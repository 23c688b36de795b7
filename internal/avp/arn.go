package avp

import (
	"fmt"
	"strings"
)

// UserPoolARN is a parsed Cognito user pool ARN:
// arn:<partition>:cognito-idp:<region>:<account>:userpool/<poolId>.
type UserPoolARN struct {
	Partition, Region, Account, PoolID string
}

// ParseUserPoolARN splits an ARN that already matched AVP's UserPoolArn
// pattern; ok is false for anything else.
func ParseUserPoolARN(arn string) (UserPoolARN, bool) {
	if !reUserPoolARN.MatchString(arn) {
		return UserPoolARN{}, false
	}
	parts := strings.SplitN(arn, ":", 6) // arn, partition, service, region, account, resource
	return UserPoolARN{
		Partition: parts[1],
		Region:    parts[3],
		Account:   parts[4],
		PoolID:    strings.TrimPrefix(parts[5], "userpool/"),
	}, true
}

// String formats the ARN.
func (a UserPoolARN) String() string {
	return fmt.Sprintf("arn:%s:cognito-idp:%s:%s:userpool/%s", a.Partition, a.Region, a.Account, a.PoolID)
}

// Issuer is the OpenID issuer of the pool's tokens, as AVP derives it:
// https://cognito-idp.<region>.<dns suffix>/<poolId>.
func (a UserPoolARN) Issuer() string {
	suffix, ok := partitionDNSSuffix[a.Partition]
	if !ok {
		suffix = "amazonaws.com"
	}
	return fmt.Sprintf("https://cognito-idp.%s.%s/%s", a.Region, suffix, a.PoolID)
}

// PolicyStoreARN is the ARN AVP gives a policy store; its region field is
// empty, as AVP's own ARNs show.
func PolicyStoreARN(partition, account, policyStoreID string) string {
	return fmt.Sprintf("arn:%s:verifiedpermissions::%s:policy-store/%s", partition, account, policyStoreID)
}

// PolicyStoreAliasARN is the ARN of a policy store alias. Unlike a policy
// store's, it carries the region, as AVP's examples show (user guide,
// "Creating policy store aliases":
// arn:aws:verifiedpermissions:us-west-2:123456789012:policy-store-alias/example-policy-store).
func PolicyStoreAliasARN(partition, region, account, aliasName string) string {
	return fmt.Sprintf("arn:%s:verifiedpermissions:%s:%s:%s", partition, region, account, aliasName)
}
