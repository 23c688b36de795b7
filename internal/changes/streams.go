package changes

import (
	"fmt"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	st "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

// FromStreamsRecord converts a record read with the DynamoDB Streams API
// (GetRecords) into the form Lambda delivers it in, so that a reader of the
// stream other than Lambda (tests, a local poller) can feed Handler.
// streamARN becomes the record's eventSourceARN.
func FromStreamsRecord(streamARN string, r st.Record) (events.DynamoDBEventRecord, error) {
	out := events.DynamoDBEventRecord{
		AWSRegion:      aws.ToString(r.AwsRegion),
		EventID:        aws.ToString(r.EventID),
		EventName:      string(r.EventName),
		EventSource:    aws.ToString(r.EventSource),
		EventVersion:   aws.ToString(r.EventVersion),
		EventSourceArn: streamARN,
	}
	if r.UserIdentity != nil {
		out.UserIdentity = &events.DynamoDBUserIdentity{
			Type: aws.ToString(r.UserIdentity.Type), PrincipalID: aws.ToString(r.UserIdentity.PrincipalId),
		}
	}
	if r.Dynamodb == nil {
		return out, nil
	}
	d := r.Dynamodb
	out.Change = events.DynamoDBStreamRecord{
		SequenceNumber: aws.ToString(d.SequenceNumber),
		SizeBytes:      aws.ToInt64(d.SizeBytes),
		StreamViewType: string(d.StreamViewType),
	}
	if d.ApproximateCreationDateTime != nil {
		out.Change.ApproximateCreationDateTime = events.SecondsEpochTime{Time: *d.ApproximateCreationDateTime}
	}
	var err error
	for _, m := range []struct {
		in  map[string]st.AttributeValue
		out *map[string]events.DynamoDBAttributeValue
		of  string
	}{{d.Keys, &out.Change.Keys, "Keys"}, {d.NewImage, &out.Change.NewImage, "NewImage"}, {d.OldImage, &out.Change.OldImage, "OldImage"}} {
		if *m.out, err = convertMap(m.in); err != nil {
			return out, fmt.Errorf("changes: record %s: %s: %w", out.EventID, m.of, err)
		}
	}
	return out, nil
}

func convertMap(in map[string]st.AttributeValue) (map[string]events.DynamoDBAttributeValue, error) {
	if in == nil {
		return nil, nil
	}
	out := make(map[string]events.DynamoDBAttributeValue, len(in))
	for k, v := range in {
		c, err := convertValue(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		out[k] = c
	}
	return out, nil
}

func convertValue(v st.AttributeValue) (events.DynamoDBAttributeValue, error) {
	switch v := v.(type) {
	case *st.AttributeValueMemberS:
		return events.NewStringAttribute(v.Value), nil
	case *st.AttributeValueMemberN:
		return events.NewNumberAttribute(v.Value), nil
	case *st.AttributeValueMemberB:
		return events.NewBinaryAttribute(v.Value), nil
	case *st.AttributeValueMemberBOOL:
		return events.NewBooleanAttribute(v.Value), nil
	case *st.AttributeValueMemberNULL:
		return events.NewNullAttribute(), nil
	case *st.AttributeValueMemberSS:
		return events.NewStringSetAttribute(v.Value), nil
	case *st.AttributeValueMemberNS:
		return events.NewNumberSetAttribute(v.Value), nil
	case *st.AttributeValueMemberBS:
		return events.NewBinarySetAttribute(v.Value), nil
	case *st.AttributeValueMemberL:
		l := make([]events.DynamoDBAttributeValue, 0, len(v.Value))
		for i, e := range v.Value {
			c, err := convertValue(e)
			if err != nil {
				return events.DynamoDBAttributeValue{}, fmt.Errorf("[%d]: %w", i, err)
			}
			l = append(l, c)
		}
		return events.NewListAttribute(l), nil
	case *st.AttributeValueMemberM:
		m, err := convertMap(v.Value)
		if err != nil {
			return events.DynamoDBAttributeValue{}, err
		}
		if m == nil {
			m = map[string]events.DynamoDBAttributeValue{}
		}
		return events.NewMapAttribute(m), nil
	}
	return events.DynamoDBAttributeValue{}, fmt.Errorf("unsupported attribute value %T", v)
}
