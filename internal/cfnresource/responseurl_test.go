package cfnresource

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/cfn"
)

func TestCheckResponseURL(t *testing.T) {
	const sig = "/arn%3Aaws%3Acloudformation%3Aus-west-2%3A123456789012%3Astack/s/1%7CR%7Cid?X-Amz-Expires=7200&X-Amz-Signature=ab"
	for _, tc := range []struct {
		region, url string
		ok          bool
	}{
		// The forms CloudFormation sends, virtual-hosted on the regional
		// endpoint, the older dash endpoint, and us-east-1's global one.
		{"us-west-2", "https://cloudformation-custom-resource-response-uswest2.s3.us-west-2.amazonaws.com" + sig, true},
		{"us-west-2", "https://cloudformation-custom-resource-response-uswest2.s3-us-west-2.amazonaws.com" + sig, true},
		{"us-west-2", "https://CloudFormation-Custom-Resource-Response-USWest2.s3.us-west-2.amazonaws.com:443" + sig, true},
		{"us-east-1", "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com" + sig, true},
		{"us-east-1", "https://cloudformation-custom-resource-response-useast1.s3-external-1.amazonaws.com" + sig, true},
		{"cn-north-1", "https://cloudformation-custom-resource-response-cnnorth1.s3.cn-north-1.amazonaws.com.cn" + sig, true},
		{"us-gov-west-1", "https://cloudformation-custom-resource-response-usgovwest1.s3.us-gov-west-1.amazonaws.com" + sig, true},

		// Plain HTTP, another region's bucket, another partition's suffix.
		{"us-west-2", "http://cloudformation-custom-resource-response-uswest2.s3.us-west-2.amazonaws.com" + sig, false},
		{"us-west-2", "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com" + sig, false},
		{"us-west-2", "https://cloudformation-custom-resource-response-uswest2.s3.us-west-2.amazonaws.com.cn" + sig, false},
		{"cn-north-1", "https://cloudformation-custom-resource-response-cnnorth1.s3.cn-north-1.amazonaws.com" + sig, false},
		// Another bucket, path style, look-alike hosts, ports, user info.
		{"us-west-2", "https://attacker-bucket.s3.us-west-2.amazonaws.com" + sig, false},
		{"us-west-2", "https://s3.us-west-2.amazonaws.com/cloudformation-custom-resource-response-uswest2" + sig, false},
		{"us-west-2", "https://cloudformation-custom-resource-response-uswest2.s3.us-west-2.amazonaws.com.attacker.example" + sig, false},
		{"us-west-2", "https://cloudformation-custom-resource-response-uswest2.s3.us-west-2.amazonaws.com:8443" + sig, false},
		{"us-west-2", "https://x@cloudformation-custom-resource-response-uswest2.s3.us-west-2.amazonaws.com" + sig, false},
		{"us-west-2", "https://169.254.169.254/latest/meta-data/", false},
		{"us-west-2", "https://localhost:9001/2018-06-01/runtime/invocation/next", false},
		{"us-west-2", "file:///etc/passwd", false},
		{"us-west-2", "", false},
		{"us-west-2", "://", false},
		// No region configured, or one of a partition vpid does not serve.
		{"", "https://cloudformation-custom-resource-response-uswest2.s3.us-west-2.amazonaws.com" + sig, false},
		{"us-iso-east-1", "https://cloudformation-custom-resource-response-usisoeast1.s3.us-iso-east-1.amazonaws.com" + sig, false},
	} {
		err := checkResponseURL(tc.url, responseHosts(tc.region), "")
		if (err == nil) != tc.ok {
			t.Errorf("region %q, %s: %v; want ok %v", tc.region, tc.url, err, tc.ok)
		}
		if err != nil && strings.Contains(err.Error(), "Signature") {
			t.Errorf("the error holds the URL's credential: %v", err)
		}
	}
}

func TestCheckResponseURLTestOrigin(t *testing.T) {
	hosts := responseHosts("us-west-2")
	if err := checkResponseURL("http://127.0.0.1:40001/x?sig", hosts, "http://127.0.0.1:40001"); err != nil {
		t.Errorf("the test origin is refused: %v", err)
	}
	for _, u := range []string{"http://127.0.0.1:40002/x", "http://127.0.0.1/x", "https://127.0.0.1:40001/x"} {
		if err := checkResponseURL(u, hosts, "http://127.0.0.1:40001"); err == nil {
			t.Errorf("%s is accepted beside the test origin", u)
		}
	}
}

// TestSampleResponseURLsAreAccepted: the samples of events/cfn carry
// ResponseURLs in the form CloudFormation sends in us-west-2.
func TestSampleResponseURLsAreAccepted(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "events", "cfn", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("samples: %v %v", files, err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var ev cfn.Event
		if err := json.Unmarshal(b, &ev); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if err := checkResponseURL(ev.ResponseURL, responseHosts("us-west-2"), ""); err != nil {
			t.Errorf("%s: %v", f, err)
		}
		if err := checkResponseURL(ev.ResponseURL, responseHosts("eu-west-1"), ""); err == nil {
			t.Errorf("%s: accepted for eu-west-1", f)
		}
	}
}
