package cfnresource

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
	"unicode/utf8"
)

// Response statuses.
const (
	StatusSuccess = "SUCCESS"
	StatusFailed  = "FAILED"
)

// MaxResponseBytes is CloudFormation's limit on a custom resource response
// body; a longer Reason is cut to fit.
const MaxResponseBytes = 4096

// Response is the JSON document PUT to a request's ResponseURL.
type Response struct {
	Status             string            `json:"Status"`
	Reason             string            `json:"Reason,omitempty"`
	PhysicalResourceID string            `json:"PhysicalResourceId"`
	StackID            string            `json:"StackId"`
	RequestID          string            `json:"RequestId"`
	LogicalResourceID  string            `json:"LogicalResourceId"`
	Data               map[string]string `json:"Data,omitempty"`
}

// encode marshals r, keeping the longest prefix of Reason (cut at a rune
// boundary and marked with "...") with which the body fits MaxResponseBytes.
func (r Response) encode() ([]byte, error) {
	b, err := r.marshal()
	if err != nil || len(b) <= MaxResponseBytes {
		return b, err
	}
	reason := r.Reason
	r.Reason = ""
	if b, err = r.marshal(); err != nil {
		return nil, err
	}
	if len(b) > MaxResponseBytes {
		return nil, fmt.Errorf("the response is %d bytes without its reason; the limit is %d", len(b), MaxResponseBytes)
	}
	// The longest fitting prefix, by binary search: the encoded length grows
	// with the prefix.
	lo, hi := 0, len(reason)
	for lo < hi {
		mid := (lo + hi + 1) / 2
		r.Reason = cut(reason, mid)
		if b, err = r.marshal(); err == nil && len(b) <= MaxResponseBytes {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	r.Reason = cut(reason, lo)
	return r.marshal()
}

// cut is s's first n bytes, backed off to a rune boundary, with "...".
func cut(s string, n int) string {
	for n > 0 && n < len(s) && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}

// marshal encodes r without escaping <, > and & (which only cost bytes).
func (r Response) marshal() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// send PUTs the response to the pre-signed URL, retrying transport failures
// and non-200 answers a few times while ctx allows.
func (h *Handler) send(ctx context.Context, responseURL string, r Response) error {
	body, err := r.encode()
	if err != nil {
		return err
	}
	const attempts = 3
	for attempt := 1; ; attempt++ {
		err = h.put(ctx, responseURL, body)
		if err == nil || attempt == attempts {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Duration(attempt) * h.sendBackoff):
		}
	}
}

// put makes one PUT. Like AWS's cfn-response modules it sends an empty
// Content-Type: the pre-signed URL signs none, and S3 rejects a request whose
// Content-Type differs from the signed one. Content-Length is set (S3 takes
// no chunked uploads).
func (h *Handler) put(ctx context.Context, responseURL string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, responseURL, bytes.NewReader(body))
	if err != nil {
		return scrubURL(err)
	}
	req.Header.Set("Content-Type", "")
	res, err := h.httpClient.Do(req)
	if err != nil {
		return scrubURL(err)
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("the response URL answered HTTP %d", res.StatusCode)
	}
	return nil
}

// scrubURL drops the URL from an error: a pre-signed URL is a credential and
// must not reach the logs.
func scrubURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s to the response URL: %w", ue.Op, ue.Err)
	}
	return errors.New("the response URL could not be used")
}
