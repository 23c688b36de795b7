// Package apigw stands in for API Gateway when the API binary runs outside
// Lambda: it turns each HTTP request into the REST proxy event API Gateway
// would send the function, and the function's response back into HTTP.
//
// The caller's account, which API Gateway takes from the verified IAM
// identity, comes here from the SigV4 Authorization header's access key id:
// a 12-digit key id is that account, anything else (or an unsigned request)
// is [DefaultAccount]. Signatures are not checked: this is for local runs.
package apigw

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/uuid"
)

// DefaultAccount is the account of requests whose access key id is not an
// account number.
const DefaultAccount = "123456789012"

// MaxBodyBytes is API Gateway's payload limit (10 MB); larger requests get
// 413 as they would there.
const MaxBodyBytes = 10 << 20

// Func is a Lambda handler of REST proxy events.
type Func func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error)

var reAccount = regexp.MustCompile(`^\d{12}$`)

// Handler returns an http.Handler that serves fn.
func Handler(fn Func, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				http.Error(w, `{"message":"Request Too Long"}`, http.StatusRequestEntityTooLarge)
				return
			}
			http.Error(w, `{"message":"could not read the request body"}`, http.StatusBadRequest)
			return
		}
		resp, err := fn(r.Context(), Event(r, body))
		if err != nil {
			// As API Gateway does when the function itself fails.
			log.Error("function error", "error", err.Error())
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("X-Amzn-ErrorType", "InternalServerErrorException")
			w.WriteHeader(http.StatusBadGateway)
			io.WriteString(w, `{"message": "Internal server error"}`)
			return
		}
		for k, v := range resp.Headers {
			w.Header().Set(k, v)
		}
		for k, vs := range resp.MultiValueHeaders {
			for _, v := range vs {
				w.Header().Add(k, v)
			}
		}
		out := []byte(resp.Body)
		if resp.IsBase64Encoded {
			if out, err = base64.StdEncoding.DecodeString(resp.Body); err != nil {
				w.WriteHeader(http.StatusBadGateway)
				return
			}
		}
		w.WriteHeader(resp.StatusCode)
		w.Write(out)
	})
}

// Event builds the REST proxy event of an HTTP request.
func Event(r *http.Request, body []byte) events.APIGatewayProxyRequest {
	headers := make(map[string]string, len(r.Header))
	multi := make(map[string][]string, len(r.Header))
	for k, vs := range r.Header {
		headers[k] = vs[len(vs)-1]
		multi[k] = vs
	}
	ev := events.APIGatewayProxyRequest{
		Resource:          "/",
		Path:              r.URL.Path,
		HTTPMethod:        r.Method,
		Headers:           headers,
		MultiValueHeaders: multi,
		RequestContext: events.APIGatewayProxyRequestContext{
			AccountID:        DefaultAccount,
			Stage:            "local",
			RequestID:        uuid.NewString(),
			HTTPMethod:       r.Method,
			Path:             r.URL.Path,
			ResourcePath:     "/",
			RequestTimeEpoch: time.Now().UnixMilli(),
			Identity: events.APIGatewayRequestIdentity{
				AccountID: AccountOf(r.Header.Get("Authorization")),
				SourceIP:  sourceIP(r.RemoteAddr),
				UserAgent: r.UserAgent(),
			},
		},
	}
	if utf8.Valid(body) {
		ev.Body = string(body)
	} else {
		ev.Body = base64.StdEncoding.EncodeToString(body)
		ev.IsBase64Encoded = true
	}
	return ev
}

// AccountOf returns the account a SigV4 Authorization header stands for:
// the access key id if it is 12 digits, else DefaultAccount.
func AccountOf(authorization string) string {
	_, cred, ok := strings.Cut(authorization, "Credential=")
	if !ok {
		return DefaultAccount
	}
	keyID, _, _ := strings.Cut(cred, "/")
	if reAccount.MatchString(keyID) {
		return keyID
	}
	return DefaultAccount
}

func sourceIP(remote string) string {
	if i := strings.LastIndexByte(remote, ':'); i > 0 {
		return strings.Trim(remote[:i], "[]")
	}
	return remote
}

// Serve serves fn on addr until ctx is done, then shuts down gracefully.
// ready, when not nil, is called with the listening address.
func Serve(ctx context.Context, addr string, fn Func, log *slog.Logger, ready func(addr string)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           Handler(fn, log),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		// API Gateway's integration timeout is 29 s.
		WriteTimeout: 30 * time.Second,
	}
	if ready != nil {
		ready(ln.Addr().String())
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return err
	}
	if err := <-done; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
