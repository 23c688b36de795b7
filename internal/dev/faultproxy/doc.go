// Package faultproxy is a fault-injecting HTTP proxy for tests. It sits
// between the service's AWS SDK clients and DynamoDB Local or cognito-local
// and makes them misbehave the way the real services and networks do:
//
//   - Latency: every matching request waits before it is forwarded.
//   - Reset: the client's connection is reset (TCP RST, SO_LINGER 0), either
//     before the request is forwarded or after it was (the dependency applied
//     the write, but the client never hears so).
//   - Hang: the request is held, before or after forwarding, until the fault
//     is replaced (it then proceeds), the client gives up (the connection is
//     dropped) or the proxy is closed (the connection is reset).
//   - InternalError: HTTP 500 with the service's own InternalServerError
//     (DynamoDB) or InternalErrorException (Cognito).
//   - Throttle, ThroughputExceeded, RequestLimitExceeded, TransactionThrottled:
//     the throttling answers each service really sends, with their real
//     statuses and bodies; TransactionInProgress, DynamoDB's answer to a
//     transaction retried while its first attempt still runs.
//
// A Fault may be scoped to requests whose X-Amz-Target contains a substring
// (On), and to the first n of them (Times). Answers the proxy makes up carry
// what the SDKs read: the service's JSON content type (application/x-amz-json-1.0
// for DynamoDB, 1.1 for Cognito), an x-amzn-RequestId in the service's form,
// the error's __type, and for DynamoDB a correct X-Amz-Crc32.
//
// The proxy listens on a loopback port, like httptest.Server, and counts the
// requests it saw and the faults it injected per X-Amz-Target.
//
//	p := faultproxy.Start(dynamoEndpoint)
//	defer p.Close()
//	client := dynamodb.New(dynamodb.Options{BaseEndpoint: aws.String(p.URL()), ...})
//	p.Set(faultproxy.ResetAfterForward().On("TransactWriteItems"))
//	... // the write is applied, the client sees a reset
//	p.Set(faultproxy.None())
package faultproxy
