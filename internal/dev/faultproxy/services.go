package faultproxy

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"net/http"
	"strconv"
	"strings"
)

// service is what the proxy knows of a dependency's wire format: enough to
// make up the answers the real service sends.
type service struct {
	name        string
	contentType string
	// typePrefix qualifies error codes in __type (DynamoDB sends the
	// namespace, Cognito the bare name).
	typePrefix string
	// crc32 adds X-Amz-Crc32 (DynamoDB checks it on every answer).
	crc32     bool
	requestID func() string
}

const dynamoTypePrefix = "com.amazonaws.dynamodb.v20120810#"

var (
	dynamoDB = service{
		name:        "dynamodb",
		contentType: "application/x-amz-json-1.0",
		typePrefix:  dynamoTypePrefix,
		crc32:       true,
		requestID:   dynamoRequestID,
	}
	cognitoIDP = service{
		name:        "cognito-idp",
		contentType: "application/x-amz-json-1.1",
		requestID:   uuid,
	}
	// other is any other AWS JSON service.
	other = service{
		name:        "other",
		contentType: "application/x-amz-json-1.0",
		requestID:   uuid,
	}
)

// serviceOf tells the dependency from the request's X-Amz-Target.
func serviceOf(target string) service {
	switch {
	case strings.HasPrefix(target, "DynamoDB_"):
		return dynamoDB
	case strings.HasPrefix(target, "AWSCognitoIdentityProviderService."):
		return cognitoIDP
	}
	return other
}

// Messages of the services' real answers.
const (
	dynamoInternalMessage     = "Internal server error"
	dynamoThrottleMessage     = "Rate of requests exceeds the allowed throughput."
	dynamoThroughputMessage   = "The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API."
	dynamoRequestLimitMessage = "Throughput exceeds the current throughput limit for your account. Please contact AWS Support at https://aws.amazon.com/support request a limit increase"
	dynamoInProgressMessage   = "Transaction from previous request is still in progress"
	dynamoReasonThrottled     = "Throughput exceeds the current capacity of your table or index. DynamoDB is automatically scaling your table or index so please try again shortly. If exceptions persist, check if you have a hot key: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html."
	cognitoInternalMessage    = "An internal error occurred."
	cognitoThrottleMessage    = "Rate exceeded"
)

// errorAnswer is the status and body the service sends for a fault kind.
func (s service) errorAnswer(k kind, target string, reqBody []byte) (int, []byte) {
	switch s.name {
	case dynamoDB.name:
		switch k {
		case kindInternalError:
			return http.StatusInternalServerError, s.errorBody("InternalServerError", dynamoInternalMessage)
		case kindThroughputExceeded:
			return http.StatusBadRequest, s.errorBody("ProvisionedThroughputExceededException", dynamoThroughputMessage)
		case kindRequestLimitExceeded:
			return http.StatusBadRequest, s.errorBody("RequestLimitExceeded", dynamoRequestLimitMessage)
		case kindTransactionInProgress:
			return http.StatusBadRequest, s.errorBody("TransactionInProgressException", dynamoInProgressMessage)
		case kindTransactionThrottled:
			if opMatches("TransactWriteItems", target) || opMatches("TransactGetItems", target) {
				return http.StatusBadRequest, transactionThrottled(reqBody)
			}
		}
		return http.StatusBadRequest, s.errorBody("ThrottlingException", dynamoThrottleMessage)
	case cognitoIDP.name:
		if k == kindInternalError {
			return http.StatusInternalServerError, s.errorBody("InternalErrorException", cognitoInternalMessage)
		}
		return http.StatusBadRequest, s.errorBody("TooManyRequestsException", cognitoThrottleMessage)
	}
	if k == kindInternalError {
		return http.StatusInternalServerError, s.errorBody("InternalFailure", "The request processing has failed because of an unknown error, exception or failure.")
	}
	return http.StatusBadRequest, s.errorBody("ThrottlingException", "Rate exceeded")
}

func (s service) errorBody(code, message string) []byte {
	b, _ := json.Marshal(map[string]string{"__type": s.typePrefix + code, "message": message})
	return b
}

// transactionThrottled is DynamoDB's answer to a transaction it cancelled
// because an item's table or index was throttled: one reason per item, in
// order, ThrottlingError for the first and None for the rest.
func transactionThrottled(reqBody []byte) []byte {
	var in struct {
		TransactItems []json.RawMessage
	}
	n := 1
	if json.Unmarshal(reqBody, &in) == nil && len(in.TransactItems) > 0 {
		n = len(in.TransactItems)
	}
	type reason struct {
		Code    string
		Message string `json:",omitempty"`
	}
	reasons := make([]reason, n)
	codes := make([]string, n)
	for i := range reasons {
		reasons[i] = reason{Code: "None"}
		codes[i] = "None"
	}
	reasons[0] = reason{Code: "ThrottlingError", Message: dynamoReasonThrottled}
	codes[0] = "ThrottlingError"
	b, _ := json.Marshal(struct {
		Type                string `json:"__type"`
		CancellationReasons []reason
		Message             string
	}{
		Type:                dynamoTypePrefix + "TransactionCanceledException",
		CancellationReasons: reasons,
		Message:             "Transaction cancelled, please refer cancellation reasons for specific reasons [" + strings.Join(codes, ", ") + "]",
	})
	return b
}

// writeAnswer sends a made-up answer with the headers the SDKs read.
func (s service) writeAnswer(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	// Set directly: the services spell these headers this way.
	h["Content-Type"] = []string{s.contentType}
	h["x-amzn-RequestId"] = []string{s.requestID()}
	if s.crc32 {
		h["x-amz-crc32"] = []string{strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10)}
	}
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// dynamoRequestID is a request id in DynamoDB's form: 52 characters of
// [0-9A-Z].
func dynamoRequestID() string {
	const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	b := make([]byte, 52)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// uuid is a random (version 4) UUID, the form of Cognito's request ids.
func uuid() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
