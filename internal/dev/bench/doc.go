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
//   - BenchmarkPeakRSSUnderLoad: the API's VmHWM under the load test.
//
// Each benchmark runs its own iterations (see the flags in bench_test.go):
// run it with -benchtime 1x. `make bench` runs them and writes the figures
// into BENCHMARKS.md (cmd/benchreport).
package bench
