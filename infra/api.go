package main

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"
)

// targetHeader is the AWS JSON 1.0 header that names the operation; the
// API's only method requires it.
const targetHeader = "X-Amz-Target"

// accessLogFields are the members of each JSON access log line, in order,
// with the $context variables they hold.
var accessLogFields = [][2]string{
	{"requestId", "$context.requestId"},
	{"ip", "$context.identity.sourceIp"},
	{"caller", "$context.identity.caller"},
	{"user", "$context.identity.user"},
	{"accountId", "$context.identity.accountId"},
	{"requestTime", "$context.requestTime"},
	{"httpMethod", "$context.httpMethod"},
	{"resourcePath", "$context.resourcePath"},
	{"status", "$context.status"},
	{"protocol", "$context.protocol"},
	{"responseLength", "$context.responseLength"},
	{"errorType", "$context.error.responseType"},
}

// accessLogFormat returns the access log format: one JSON object per
// request. Every value is quoted, since API Gateway writes "-" for a value
// it does not have.
func accessLogFormat() string {
	var b strings.Builder
	b.WriteByte('{')
	for i, f := range accessLogFields {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"` + f[0] + `":"` + f[1] + `"`)
	}
	b.WriteByte('}')
	return b.String()
}

// missingTargetBody answers a request without X-Amz-Target, which API
// Gateway's request validation rejects before the function runs, the way
// the function itself would (internal/awsjson): an UnknownOperationException.
// __type has no namespace because "#" starts a directive in the template
// language; clients read the code after "#" when there is one.
const missingTargetBody = `{"__type":"UnknownOperationException","message":"The X-Amz-Target header is missing; send VerifiedPermissions.<Operation>"}`

// newAPI defines the REST API: POST / only, SigV4 (AWS_IAM) on every method,
// X-Amz-Target required, throttled, with JSON access logs, execution logs
// and metrics.
func (s *vpidStack) newAPI() awsapigateway.RestApi {
	p := s.props
	accessLogs := awslogs.NewLogGroup(s.stack, jsii.String("APIAccessLogs"), &awslogs.LogGroupProps{
		Retention: s.retention,
	})
	api := awsapigateway.NewRestApi(s.stack, jsii.String("API"), &awsapigateway.RestApiProps{
		RestApiName: jsii.String("vpid"),
		Description: jsii.String("vpid: Verified Permissions identity-source API (AWS JSON 1.0, SigV4)"),
		EndpointConfiguration: &awsapigateway.EndpointConfiguration{
			Types: &[]awsapigateway.EndpointType{awsapigateway.EndpointType_REGIONAL},
		},
		// The API Gateway account's CloudWatch role is one per region; see
		// StackProps.ManageAPIGatewayAccountRole. When the stack manages it,
		// the CDK's default removal policy (retain) keeps the role and the
		// setting after the stack is deleted.
		CloudWatchRole: jsii.Bool(p.ManageAPIGatewayAccountRole),
		// Every method, including any added later, requires SigV4.
		DefaultMethodOptions: &awsapigateway.MethodOptions{
			AuthorizationType: awsapigateway.AuthorizationType_IAM,
		},
		Deploy: jsii.Bool(true),
		DeployOptions: &awsapigateway.StageOptions{
			StageName:      jsii.String(p.StageName),
			MetricsEnabled: jsii.Bool(true),
			// X-Ray traces each request through API Gateway into the function.
			TracingEnabled: jsii.Bool(true),
			LoggingLevel:   s.apiLogging,
			// Full request and response logging would copy callers' requests
			// (tokens' client ids, issuers) into the execution log.
			DataTraceEnabled:     jsii.Bool(false),
			AccessLogDestination: awsapigateway.NewLogGroupLogDestination(accessLogs),
			AccessLogFormat:      awsapigateway.AccessLogFormat_Custom(jsii.String(accessLogFormat())),
			ThrottlingRateLimit:  jsii.Number(p.ThrottlingRateLimit),
			ThrottlingBurstLimit: jsii.Number(float64(p.ThrottlingBurstLimit)),
		},
	})

	// Bodies are not validated here: each operation has its own shape, and
	// the function reports every violation at once, as AVP does.
	validator := api.AddRequestValidator(jsii.String("RequireTarget"), &awsapigateway.RequestValidatorOptions{
		ValidateRequestParameters: jsii.Bool(true),
		ValidateRequestBody:       jsii.Bool(false),
	})
	api.Root().AddMethod(jsii.String("POST"), awsapigateway.NewLambdaIntegration(s.fns[fnAPI], &awsapigateway.LambdaIntegrationOptions{
		Proxy:           jsii.Bool(true),
		AllowTestInvoke: jsii.Bool(false),
	}), &awsapigateway.MethodOptions{
		RequestValidator: validator,
		RequestParameters: &map[string]*bool{
			"method.request.header." + targetHeader: jsii.Bool(true),
		},
	})
	api.AddGatewayResponse(jsii.String("MissingTarget"), &awsapigateway.GatewayResponseOptions{
		Type:       awsapigateway.ResponseType_BAD_REQUEST_PARAMETERS(),
		StatusCode: jsii.String("400"),
		ResponseHeaders: &map[string]*string{
			"Content-Type":     jsii.String("'application/x-amz-json-1.0'"),
			"X-Amzn-ErrorType": jsii.String("'UnknownOperationException'"),
		},
		Templates: &map[string]*string{
			"application/json": jsii.String(missingTargetBody),
		},
	})

	// RestApi adds its own URL output under a hashed name; NewStack replaces
	// it with one that scripts can find by a fixed key.
	api.Node().TryRemoveChild(jsii.String("Endpoint"))
	return api
}
