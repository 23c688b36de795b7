package cfnresource

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

// responseBucketPrefix starts the name of the S3 bucket CloudFormation
// pre-signs custom resource response URLs in: the bucket of a region is
// this prefix and the region's name without dashes
// ("cloudformation-custom-resource-response-uswest2"), as AWS's
// CloudFormation user guide says where it lists the buckets a VPC
// endpoint policy must allow for custom resources.
const responseBucketPrefix = "cloudformation-custom-resource-response-"

// responseHosts returns the hosts a pre-signed response URL of region may
// name: the region's bucket, addressed virtual-hosted style on S3's regional
// endpoint (s3.<region>.<suffix>), its older dash form
// (s3-<region>.<suffix>), and for us-east-1 the global endpoint
// (s3.amazonaws.com) and s3-external-1. The DNS suffix is the region's
// partition's: amazonaws.com.cn in China, amazonaws.com in the aws and
// aws-us-gov partitions. Nil for a region outside those partitions (or
// none): no URL is accepted.
func responseHosts(region string) []string {
	if !reRegion.MatchString(region) {
		return nil
	}
	suffix := "amazonaws.com"
	switch {
	case strings.HasPrefix(region, "cn-"):
		suffix = "amazonaws.com.cn"
	case strings.HasPrefix(region, "us-iso"), strings.HasPrefix(region, "eu-isoe"):
		return nil // isolated partitions: not supported
	}
	bucket := responseBucketPrefix + strings.ReplaceAll(region, "-", "")
	hosts := []string{
		bucket + ".s3." + region + "." + suffix,
		bucket + ".s3-" + region + "." + suffix,
	}
	if region == "us-east-1" {
		hosts = append(hosts, bucket+".s3.amazonaws.com", bucket+".s3-external-1.amazonaws.com")
	}
	return hosts
}

// reRegion is the form of an AWS region name.
var reRegion = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$`)

// errResponseURL is the cause of every refused ResponseURL.
var errResponseURL = errors.New("the response URL is not a pre-signed CloudFormation response URL of this region")

// checkResponseURL accepts raw only if it is an https URL, on port 443, on
// one of hosts or (tests only) on testOrigin. Its error never holds the URL,
// which is a credential, but says what is wrong with it.
func checkResponseURL(raw string, hosts []string, testOrigin string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%w: it does not parse", errResponseURL)
	}
	if testOrigin != "" && u.Scheme+"://"+u.Host == testOrigin {
		return nil
	}
	switch {
	case u.Scheme != "https":
		return fmt.Errorf("%w: its scheme is %q, want https", errResponseURL, u.Scheme)
	case u.User != nil:
		return fmt.Errorf("%w: it carries user information", errResponseURL)
	case u.Port() != "" && u.Port() != "443":
		return fmt.Errorf("%w: it names port %s", errResponseURL, u.Port())
	}
	host := strings.ToLower(u.Hostname())
	for _, h := range hosts {
		if host == h {
			return nil
		}
	}
	return fmt.Errorf("%w: host %q is not the region's CloudFormation response bucket", errResponseURL, host)
}

// noRedirects makes a copy of c that answers a redirect with the redirect
// itself instead of following it: the response goes to the pre-signed URL
// checked, or nowhere.
func noRedirects(c *http.Client) *http.Client {
	cc := *c
	cc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &cc
}
