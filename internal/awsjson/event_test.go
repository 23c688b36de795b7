package awsjson

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

// sampleEvents are the repository's sample API Gateway events: what the
// fast path must take.
func sampleEvents(tb testing.TB) [][]byte {
	tb.Helper()
	files, err := filepath.Glob("../../events/api/*.json")
	if err != nil || len(files) == 0 {
		tb.Fatalf("no sample events: %v", err)
	}
	var out [][]byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// sameAsUnmarshal fails unless decodeEvent answers payload as
// json.Unmarshal does: the same event, or an error for the same payloads.
func sameAsUnmarshal(t *testing.T, payload []byte) {
	t.Helper()
	var want, got lambdaEvent
	wantErr := json.Unmarshal(payload, &want)
	gotErr := decodeEvent(payload, &got)
	if (wantErr == nil) != (gotErr == nil) {
		t.Fatalf("%q: error %v, json.Unmarshal's %v", payload, gotErr, wantErr)
	}
	if wantErr == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("%q:\n got %+v\nwant %+v", payload, got, want)
	}
}

// TestDecodeEvent: the sample events take the fast path and decode as
// json.Unmarshal decodes them; payloads the fast path gives up on still do.
func TestDecodeEvent(t *testing.T) {
	for _, b := range sampleEvents(t) {
		var ev lambdaEvent
		if !scanEvent(b, &ev) {
			t.Errorf("the fast path gave up on a sample event: %.120s…", b)
		}
		sameAsUnmarshal(t, b)
	}
	for _, p := range eventEdges {
		sameAsUnmarshal(t, []byte(p))
	}
}

// eventEdges are payloads at the fast path's edges.
var eventEdges = []string{
	`{}`, ` { } `, `null`, `[]`, `{"body":null}`, `{"body":"a","body":"b"}`, `{"BODY":"x"}`, `{"bod\u0079":"x"}`,
	`{"\u212aey":1,"body":"k"}`, `{"httpMethod":"POST","headers":{"a":"1","a":"2"},"isBase64Encoded":true}`,
	`{"headers":null}`, `{"headers":{"a":1}}`, `{"headers":{"a":"1"},"headers":{"b":"2"}}`, `{"isBase64Encoded":"true"}`,
	`{"isBase64Encoded":false,"x":[1,-0.5e+3,true,null,{"y":[]}]}`, `{"x":01}`, `{"x":1.}`, `{"x":-}`, `{"x":tru}`,
	`{"body":"\"\\\/\b\f\n\r\t\u00e9\u0041"}`, `{"body":"\ud83d\ude00"}`, `{"body":"\ud800"}`, "{\"body\":\"\xff\"}",
	"{\"x\":\"\xff\",\"body\":\"ok\"}", "{\"body\":\"a\x01\"}", `{"body":"\x"}`, `{"body":"\u12"}`,
	`{"requestContext":{"requestId":"r","identity":{"accountId":"1","sourceIp":"x"},"stage":"s"}}`,
	`{"requestContext":{"identity":null}}`, `{"requestContext":{"RequestId":"r"}}`, `{"requestContext":null,"headers":null,"isBase64Encoded":null,"httpMethod":null}`,
	`{"multiValueHeaders":{"A":["1","2"]}}`, `{"multiValueHeaders":null}`, `{"multiValueHeaders":[1,}`,
	`{"body":"x"} x`, `{"body":"x"`, `{"body" "x"}`, `{"body":"x",}`, `{,}`, ``, `{"a":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}`,
}

// FuzzDecodeEvent: decodeEvent answers every payload as json.Unmarshal
// does.
func FuzzDecodeEvent(f *testing.F) {
	for _, b := range sampleEvents(f) {
		f.Add(b)
	}
	for _, p := range eventEdges {
		f.Add([]byte(p))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		sameAsUnmarshal(t, payload)
	})
}

// BenchmarkDecodeEvent compares the fast path with json.Unmarshal on a
// sample event.
func BenchmarkDecodeEvent(b *testing.B) {
	payload := sampleEvents(b)[0]
	b.Run("decodeEvent", func(b *testing.B) {
		for b.Loop() {
			var ev lambdaEvent
			if err := decodeEvent(payload, &ev); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("json.Unmarshal", func(b *testing.B) {
		for b.Loop() {
			var ev lambdaEvent
			if err := json.Unmarshal(payload, &ev); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// encodingJSON is a response as aws-lambda-go encodes a handler's result.
func encodingJSON(t *testing.T, resp events.APIGatewayProxyResponse) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(resp); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// TestAppendResponseAsEncodingJSON: appendResponse writes what
// encoding/json writes, over bodies and headers of every kind of
// character.
func TestAppendResponseAsEncodingJSON(t *testing.T) {
	texts := []string{"", `{"a":"<b> & c"}`, "\x00\x01\b\f\n\r\t\x1f\x7f", `"\/`, "é\u2028\u2029😀", "\xff\xfe a \xe2\x80", "\ufffd"}
	for i := range 0x80 {
		texts = append(texts, "x"+string(rune(i))+"y")
	}
	for _, s := range texts {
		for _, resp := range []events.APIGatewayProxyResponse{
			{StatusCode: 200, Body: s},
			{StatusCode: 400, Headers: map[string]string{"Content-Type": s, "A": "1", s: "k"}, Body: s, IsBase64Encoded: true},
			{StatusCode: -1, Headers: map[string]string{}, MultiValueHeaders: map[string][]string{"b": {s, ""}, "a": nil, "c": {}}},
		} {
			if got, want := appendResponse(nil, resp), encodingJSON(t, resp); !bytes.Equal(got, want) {
				t.Fatalf("%+v:\n got %s\nwant %s", resp, got, want)
			}
		}
	}
}

// FuzzAppendResponse: appendResponse writes what encoding/json writes.
func FuzzAppendResponse(f *testing.F) {
	f.Add(200, "h", "v", `{"a":"<b>"}`, false)
	f.Add(400, "\xff", "\u2028", "\x00\n", true)
	f.Fuzz(func(t *testing.T, status int, k, v, body string, b64 bool) {
		resp := events.APIGatewayProxyResponse{StatusCode: status, Headers: map[string]string{k: v}, Body: body, IsBase64Encoded: b64,
			MultiValueHeaders: map[string][]string{v: {k, body}}}
		if got, want := appendResponse(nil, resp), encodingJSON(t, resp); !bytes.Equal(got, want) {
			t.Fatalf("%+v:\n got %s\nwant %s", resp, got, want)
		}
	})
}
