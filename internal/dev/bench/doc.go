// Package bench measures the API against its floors, side by side in one
// run, so that the ratios hold on a busy machine:
//
//   - BenchmarkCreateIdentitySource: latency through the local HTTP server
//     against the same downstream calls made directly with the SDK (Floor),
//     interleaved;
//   - BenchmarkDownstreamRequests: DynamoDB and Cognito requests per create
//     and per idempotent replay, counted by proxies (CountingProxy), and the
//     Cognito requests in flight at once;
//   - BenchmarkColdStart: the Lambda bootstrap of functions/api against a
//     hello-world aws-lambda-go bootstrap (./hello) under the Lambda Runtime
//     Interface Emulator (RunColdStart), and against ./hellodynamo, which
//     makes the same first DynamoDB read;
//   - BenchmarkReadThroughput: Get and List through the service against raw
//     DynamoDB GetItem and Query at the same concurrency, interleaved, with
//     the CPU time of each process per operation;
//     BenchmarkReadThroughputWithLatency does the same with every DynamoDB
//     request held a few milliseconds by a proxy;
//   - BenchmarkPeakRSSUnderLoad: the API's VmHWM under the load test;
//   - BenchmarkDecision: the engine's time per decision at 10, 100 and
//     1,000 policies, every policy evaluated and through the scope index;
//   - BenchmarkIsAuthorizedWithToken: IsAuthorizedWithToken through an API
//     process that verifies cognito-local's tokens (the local API) against the
//     storage reads the service makes for it, made directly;
//     BenchmarkBatchIsAuthorizedWithToken: a batch of 30 against 30 single
//     calls; BenchmarkTokenVerify: token.Verifier with a warm key set;
//   - BenchmarkLeanPath: in this process, the CPU of the API's Lambda
//     handler per GetIdentitySource against that of its bare GetItem (run
//     it with -cpuprofile to see the request path's own costs).
//
// Each benchmark runs its own iterations (see the flags in bench_test.go):
// run it with -benchtime 1x. `make bench` runs them and writes the figures
// into BENCHMARKS.md (cmd/benchreport).
package bench
