package loadtest

import (
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/verifiedpermissions/types"
	"github.com/aws/smithy-go"
)

func TestPercentile(t *testing.T) {
	t.Parallel()
	var s []time.Duration
	for i := 1; i <= 100; i++ {
		s = append(s, time.Duration(i))
	}
	for _, c := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 50}, {0.9, 90}, {0.99, 99}, {1, 100}, {0.001, 1}} {
		if got := Percentile(s, c.q); got != c.want {
			t.Errorf("Percentile(%v) = %v, want %v", c.q, got, c.want)
		}
	}
	if got := Summarize([]time.Duration{3, 1, 2}); got.P50 != 2 || got.Max != 3 || got.N != 3 {
		t.Errorf("Summarize = %+v", got)
	}
	if got := Percentile(nil, 0.5); got != 0 {
		t.Errorf("Percentile(nil) = %v", got)
	}
}

func TestClassify(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		err  error
		code string
		ok   bool
	}{
		{nil, CodeOK, true},
		{&types.ValidationException{}, "ValidationException", true},
		{&types.ServiceQuotaExceededException{}, "ServiceQuotaExceededException", true},
		{&smithy.GenericAPIError{Code: "IdempotentParameterMismatch"}, "Unmodeled:IdempotentParameterMismatch", false},
		{&smithy.DeserializationError{Err: errors.New("bad json")}, CodeDeserialization, false},
		{errors.New("connection refused"), CodeNoResponse, false},
	} {
		code, ok := Classify(c.err)
		if code != c.code || ok != c.ok {
			t.Errorf("Classify(%v) = %s %v, want %s %v", c.err, code, ok, c.code, c.ok)
		}
	}
}
