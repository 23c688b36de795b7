package store

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/vpid-dev/vpid/internal/avp"
)

// TestConfigCache: a hit is the value a decode gives, a text that does not
// decode is an error every time and never kept, and the cache stays within
// its bounds however many texts it sees.
func TestConfigCache(t *testing.T) {
	c := &configCache{m: map[string]avp.Configuration{}}
	text := func(i int) string {
		return fmt.Sprintf(`{"cognitoUserPoolConfiguration":{"userPoolArn":"arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_abc%d","clientIds":["c%d"]}}`, i, i)
	}
	first, err := c.decode(text(1))
	if err != nil {
		t.Fatal(err)
	}
	again, err := c.decode(text(1))
	if err != nil || again != first {
		t.Fatalf("second decode: %v %v, want the cached value", again, err)
	}
	var u avp.ConfigurationUnion
	if err := u.UnmarshalJSON([]byte(text(1))); err != nil || !reflect.DeepEqual(u.Configuration(), first) {
		t.Fatalf("cached %+v, a decode gives %+v (%v)", first, u.Configuration(), err)
	}
	for range 2 {
		if _, err := c.decode(`{"cognitoUserPoolConfiguration":{}`); err == nil {
			t.Fatal("a broken text decoded")
		}
	}
	for i := range 3 * maxCachedConfigs {
		if _, err := c.decode(text(i)); err != nil {
			t.Fatal(err)
		}
		if len(c.m) > maxCachedConfigs || c.bytes > maxCachedConfigBytes {
			t.Fatalf("after %d texts: %d entries, %d bytes", i+1, len(c.m), c.bytes)
		}
	}
	for k := range c.m {
		if strings.Contains(k, `"cognitoUserPoolConfiguration":{}`) {
			t.Fatal("a broken text was kept")
		}
	}
	big := text(0)[:len(text(0))-2] + `,"groupConfiguration":{"groupEntityType":"` + strings.Repeat("G", maxCachedConfigBytes/64) + `"}}}`
	n := len(c.m)
	if _, err := c.decode(big); err != nil {
		t.Fatal(err)
	}
	if _, kept := c.m[big]; kept || len(c.m) != n {
		t.Error("a large text was kept")
	}
}
