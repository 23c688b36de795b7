package app

import "testing"

func TestPartitionOf(t *testing.T) {
	t.Parallel()
	for region, want := range map[string]string{
		"us-east-1": "aws", "eu-west-3": "aws", "cn-north-1": "aws-cn", "cn-northwest-1": "aws-cn",
		"us-gov-west-1": "aws-us-gov", "": "aws", "eusc-de-east-1": "aws-eusc", "us-isob-east-1": "aws-iso-b",
	} {
		if got := PartitionOf(region); got != want {
			t.Errorf("PartitionOf(%q) = %s, want %s", region, got, want)
		}
	}
}
