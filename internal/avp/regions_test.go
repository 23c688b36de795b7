package avp

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestPartitionRegionsMatchSDK compares partitionRegions and
// partitionDNSSuffix with the endpoint metadata of the AWS SDK for Go v2
// that go.mod requires (its internal partitions.json, read from the module
// cache): a Region the SDK knows and the table lacks would be refused, and a
// Region only the table knows would cost a network call that cannot work.
func TestPartitionRegionsMatchSDK(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/aws/aws-sdk-go-v2").Output()
	if err != nil {
		t.Fatalf("go list the SDK's module: %v", err)
	}
	file := filepath.Join(strings.TrimSpace(string(out)), "internal", "endpoints", "awsrulesfn", "partitions.json")
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("the SDK's partition data: %v", err)
	}
	var doc struct {
		Partitions []struct {
			ID      string                     `json:"id"`
			Regions map[string]json.RawMessage `json:"regions"`
			Outputs struct {
				DNSSuffix string `json:"dnsSuffix"`
			} `json:"outputs"`
		} `json:"partitions"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	sdkRegions, sdkSuffix := map[string][]string{}, map[string]string{}
	for _, p := range doc.Partitions {
		var regions []string
		for r := range p.Regions {
			if !strings.HasSuffix(r, "-global") { // aws-global and the like: endpoints, not Regions
				regions = append(regions, r)
			}
		}
		slices.Sort(regions)
		sdkRegions[p.ID], sdkSuffix[p.ID] = regions, p.Outputs.DNSSuffix
	}
	ours := map[string][]string{}
	for p, regions := range partitionRegions {
		ours[p] = slices.Sorted(slices.Values(regions))
	}
	if diff := cmp.Diff(sdkRegions, ours); diff != "" {
		t.Errorf("partitionRegions differ from the SDK's (-sdk +ours):\n%s", diff)
	}
	if diff := cmp.Diff(sdkSuffix, partitionDNSSuffix); diff != "" {
		t.Errorf("partitionDNSSuffix differs from the SDK's (-sdk +ours):\n%s", diff)
	}
}

func TestRegionInPartition(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		partition, region string
		want              bool
	}{
		{"aws", "us-west-2", true},
		{"aws", "cn-north-1", false},
		{"aws-cn", "cn-north-1", true},
		{"aws", "us-madeup-1", false},
		{"aws", "aws-global", false},
		{"aws", "", false},
		{"nosuch", "us-west-2", false},
		{"aws-us-gov", "us-gov-west-1", true},
	} {
		if got := RegionInPartition(tc.partition, tc.region); got != tc.want {
			t.Errorf("RegionInPartition(%q, %q) = %v", tc.partition, tc.region, got)
		}
	}
	for region, want := range map[string]string{"us-east-1": "aws", "cn-northwest-1": "aws-cn", "us-gov-east-1": "aws-us-gov", "eusc-de-east-1": "aws-eusc"} {
		if got, ok := PartitionOfRegion(region); !ok || got != want {
			t.Errorf("PartitionOfRegion(%q) = %q, %v; want %q", region, got, ok, want)
		}
	}
	if p, ok := PartitionOfRegion("local"); ok {
		t.Errorf("PartitionOfRegion(local) = %q", p)
	}
}
