// Package entrytest holds test inputs for the entry layer and the protocols
// over it. Only tests import it.
package entrytest

import "strings"

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
	strings.Repeat("[", 10001),
	`{"a":` + strings.Repeat(`{"a":`, 10001),
}
