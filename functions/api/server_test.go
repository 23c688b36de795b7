package main

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	vp "github.com/aws/aws-sdk-go-v2/service/verifiedpermissions"

	"github.com/vpid-dev/vpid/internal/apigw"
	"github.com/vpid-dev/vpid/internal/avp"
	"github.com/vpid-dev/vpid/internal/awsjson"
	"github.com/vpid-dev/vpid/internal/cognito"
	"github.com/vpid-dev/vpid/internal/config"
	"github.com/vpid-dev/vpid/internal/emulator/emulatortest"
	"github.com/vpid-dev/vpid/internal/store"
)

func TestMain(m *testing.M) { emulatortest.Main(m) }

// SeedPolicyStoreID is the policy store of the AWS CLI reference's example,
// seeded into every test table.
const SeedPolicyStoreID = "PSEXAMPLEabcdefg111111"

// stack is the API function's whole object graph over the local emulators,
// in a fresh table, served over HTTP the way `make run` serves it.
type stack struct {
	URL     string
	Table   string
	DDB     *dynamodb.Client
	Handler *awsjson.Handler
}

func newStack(t *testing.T, opts ...avp.Option) *stack {
	t.Helper()
	ddb := emulatortest.DynamoDB(t)
	table := emulatortest.NewTable(t, ddb)
	if err := store.SeedPolicyStore(context.Background(), ddb, table, emulatortest.SeedAccount, SeedPolicyStoreID); err != nil {
		t.Fatal(err)
	}
	idp := emulatortest.Cognito(t)
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	h := newHandler(config.API{TableName: table}, logger, ddb, func(string) cognito.API { return idp }, opts...)
	srv := httptest.NewServer(apigw.Handler(h.Handle, logger))
	t.Cleanup(srv.Close)
	return &stack{URL: srv.URL, Table: table, DDB: ddb, Handler: h}
}

// client is the Go SDK's Verified Permissions client pointed at the stack;
// keyID is the access key id, which the local gateway reads as the account
// when it has 12 digits.
func (s *stack) client(keyID string) *vp.Client {
	return vp.New(vp.Options{
		BaseEndpoint: aws.String(s.URL),
		Region:       "us-west-2",
		Credentials:  credentials.NewStaticCredentialsProvider(keyID, "secret", ""),
	})
}
