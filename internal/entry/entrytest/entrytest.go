// Package entrytest holds test inputs for the entry layer and the protocols
// over it. Only tests import it.
package entrytest

import (
	"strconv"
	"strings"
)

// EdgeBodies are request bodies at the edges of entry.Decode: not JSON, not
// one object, not UTF-8, wrong types at several depths, unions, deep
// nesting. They seed entry's FuzzDecode and awsjson's FuzzHandle.
var EdgeBodies = []string{
	``,
	`   `,
	`{}`,
	`null`,
	`[]`,
	`42`,
	`"x"`,
	`{}{}`,
	`{} x`,
	`{"policyStoreId":`,
	"{\"policyStoreId\":\"\xff\"}",
	`{"policyStoreId":"\ud800"}`,
	`{"policyStoreId":5}`,
	`{"configuration":[]}`,
	`{"configuration":"x"}`,
	`{"configuration":{"cognitoUserPoolConfiguration":{"clientIds":"a"}}}`,
	`{"configuration":{"cognitoUserPoolConfiguration":{"clientIds":[1]}}}`,
	`{"configuration":{"cognitoUserPoolConfiguration":null,"openIdConnectConfiguration":null}}`,
	`{"configuration":{"cognitoUserPoolConfiguration":{},"cognitoUserPoolConfiguration":{}}}`,
	`{"configuration":{"openIdConnectConfiguration":{"tokenSelection":{"accessTokenOnly":{"audiences":[true]}}}}}`,
	`{"validationSettings":{"mode":"STRICT"},"encryptionSettings":{"default":{},"kmsEncryptionSettings":{"key":1}}}`,
	`{"validationSettings":[],"tags":{"a":1}}`,
	`{"tags":{"a":"b","a":"c"},"deletionProtection":true}`,
	`{"maxResults":1e400}`,
	`{"policyStoreId":"PSnope","policyStoreId":"PS"}`,
	`{"a":[{"b":1,"b":2}]}`,
	`{"tags":{"k":"1","k":"2"},"validationSettings":{"mode":"OFF"}}`,
	`{"policyStore\u0049d":"a","policyStoreId":"b"}`,
	`{"configuration":` + unknowns(2000) + `}`,
	`{"validationSettings":{"mode":"OFF"},"encryptionSettings":` + unknowns(2000) + `}`,
	`{"configuration":{"openIdConnectConfiguration":{"issuer":"https://a","tokenSelection":{"accessTokenOnly":{"principalIdClaim":"` + strings.Repeat("c", 256) + `"}}}}}`,
	strings.Repeat("[", 10001),
	`{"a":` + strings.Repeat(`{"a":`, 10001),
}

// unknowns is an object of n distinct unknown members.
func unknowns(n int) string {
	var b strings.Builder
	b.WriteByte('{')
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"k` + strconv.Itoa(i) + `":0`)
	}
	return b.String() + "}"
}
