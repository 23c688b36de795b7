// Package emulator starts the local stand-ins for the AWS services vpid uses,
// as child processes of the calling program:
//
//   - AWS's DynamoDB Local (a Java program, installed by `make tools` into
//     .tools/dynamodb-local), in memory or persisted in a folder;
//   - cognito-local (a Node.js program, installed by `make tools` into
//     .tools/node_modules), with user pools that have AWS-shaped ids and ARNs.
//
// cognito-local gives pools created through its API the ARN
// arn:aws:cognito-idp:local:local:userpool/local_XXXXXXXX, which no Verified
// Permissions identity source accepts. Pools written into its data folder
// before it starts keep the id and ARN written, so [StartCognito] and
// [WritePools] write them there (see [Pool]).
//
// Children run in their own process group and get SIGKILL when the parent
// dies; [Process.Stop] ends them. Their output goes to a log file, never to
// the parent's stdout. The package emulatortest wraps all this for tests.
package emulator
