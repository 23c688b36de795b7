package avp

import "slices"

// partitionRegions are the Regions of each AWS partition, as the AWS SDK
// for Go v2's endpoint metadata lists them (the partitions.json of
// github.com/aws/aws-sdk-go-v2's endpoint rules, without the "-global"
// pseudo-regions). The SDK keeps that data in an internal package, so it is
// copied here; TestPartitionRegionsMatchSDK fails when the SDK in go.mod
// lists a Region this table lacks, or the other way round, so updating the
// SDK is what brings a new Region in.
//
// A user pool ARN must name a Region of the deployment's partition: any
// other Region (a typo, a made-up name, a Region opened after this table)
// is a ValidationException, answered without a network call.
var partitionRegions = map[string][]string{
	"aws": {
		"af-south-1",
		"ap-east-1", "ap-east-2",
		"ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
		"ap-south-1", "ap-south-2",
		"ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4",
		"ap-southeast-5", "ap-southeast-6", "ap-southeast-7",
		"ca-central-1", "ca-west-1",
		"eu-central-1", "eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2",
		"eu-west-1", "eu-west-2", "eu-west-3",
		"il-central-1",
		"me-central-1", "me-south-1", "me-west-1",
		"mx-central-1",
		"sa-east-1", "sa-west-1",
		"us-east-1", "us-east-2", "us-west-1", "us-west-2",
	},
	"aws-cn":     {"cn-north-1", "cn-northwest-1"},
	"aws-eusc":   {"eusc-de-east-1"},
	"aws-iso":    {"us-iso-east-1", "us-iso-west-1"},
	"aws-iso-b":  {"us-isob-east-1", "us-isob-west-1"},
	"aws-iso-e":  {"eu-isoe-west-1"},
	"aws-iso-f":  {"us-isof-east-1", "us-isof-south-1"},
	"aws-us-gov": {"us-gov-east-1", "us-gov-west-1"},
}

// partitionDNSSuffix is each partition's DNS suffix, from the same data:
// Cognito's issuer in a Region is https://cognito-idp.<region>.<suffix>.
var partitionDNSSuffix = map[string]string{
	"aws":        "amazonaws.com",
	"aws-cn":     "amazonaws.com.cn",
	"aws-eusc":   "amazonaws.eu",
	"aws-iso":    "c2s.ic.gov",
	"aws-iso-b":  "sc2s.sgov.gov",
	"aws-iso-e":  "cloud.adc-e.uk",
	"aws-iso-f":  "csp.hci.ic.gov",
	"aws-us-gov": "amazonaws.com",
}

// RegionInPartition reports whether region is a Region of the partition.
func RegionInPartition(partition, region string) bool {
	return slices.Contains(partitionRegions[partition], region)
}

// PartitionOfRegion returns the partition a Region belongs to, and false
// for a Region of no known partition.
func PartitionOfRegion(region string) (string, bool) {
	for p, regions := range partitionRegions {
		if slices.Contains(regions, region) {
			return p, true
		}
	}
	return "", false
}
