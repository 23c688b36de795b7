package kmskey

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/vpid-dev/vpid/internal/avp"
)

type fakeKMS struct {
	region string
	seen   *[]string
}

func (f fakeKMS) DescribeKey(_ context.Context, in *kms.DescribeKeyInput, _ ...func(*kms.Options)) (*kms.DescribeKeyOutput, error) {
	*f.seen = append(*f.seen, f.region+" "+aws.ToString(in.KeyId))
	switch aws.ToString(in.KeyId) {
	case "alias/orders", "1234abcd-12ab-34cd-56ef-1234567890ab":
		return &kms.DescribeKeyOutput{KeyMetadata: &types.KeyMetadata{Arn: aws.String("arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab")}}, nil
	case "arn:aws:kms:eu-west-1:111122223333:key/0000":
		return &kms.DescribeKeyOutput{KeyMetadata: &types.KeyMetadata{Arn: in.KeyId}}, nil
	}
	return nil, &types.NotFoundException{Message: aws.String("no such key")}
}

func TestResolver(t *testing.T) {
	var seen []string
	r := Resolver{ClientFor: func(region string) API { return fakeKMS{region: region, seen: &seen} }}
	ctx := context.Background()
	for _, key := range []string{"alias/orders", "1234abcd-12ab-34cd-56ef-1234567890ab"} {
		if got, err := r.KeyARN(ctx, "111122223333", key); err != nil || got != "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab" {
			t.Errorf("%s: %s %v", key, got, err)
		}
	}
	if got, err := r.KeyARN(ctx, "111122223333", "arn:aws:kms:eu-west-1:111122223333:key/0000"); err != nil || got != "arn:aws:kms:eu-west-1:111122223333:key/0000" {
		t.Errorf("key ARN: %s %v", got, err)
	}
	var ke *avp.KeyError
	if _, err := r.KeyARN(ctx, "111122223333", "alias/nope"); !errors.As(err, &ke) {
		t.Errorf("missing key: %v", err)
	}
	if seen[2] != "eu-west-1 arn:aws:kms:eu-west-1:111122223333:key/0000" || seen[0] != " alias/orders" {
		t.Errorf("calls %q", seen)
	}
}
