package awsjson

import (
	"net/http"

	"github.com/vpid-dev/vpid/internal/avp"
	"github.com/vpid-dev/vpid/internal/entry"
)

// Namespaces of __type: AVP's modeled errors, and the framework's own.
const (
	nsAVP      = "com.amazonaws.verifiedpermissions#"
	nsProtocol = "com.amazon.coral.service#"
)

var statusOf = map[string]int{
	avp.CodeValidation:           http.StatusBadRequest,
	avp.CodeAccessDenied:         http.StatusForbidden,
	avp.CodeResourceNotFound:     http.StatusNotFound,
	avp.CodeServiceQuotaExceeded: http.StatusPaymentRequired,
	avp.CodeConflict:             http.StatusConflict,
	avp.CodeInvalidState:         http.StatusNotAcceptable,
	avp.CodeTooManyTags:          http.StatusBadRequest,
	avp.CodeThrottling:           http.StatusTooManyRequests,
	avp.CodeInternalServer:       http.StatusInternalServerError,
	entry.CodeUnknownOperation:   http.StatusBadRequest,
	entry.CodeSerialization:      http.StatusBadRequest,
}

// errorBody is the JSON body of an error: __type, message and the modeled
// members of the exception, with their wire names.
type errorBody struct {
	Type         string            `json:"__type"`
	Message      string            `json:"message"`
	FieldList    []avp.Field       `json:"fieldList,omitempty"`
	ResourceID   string            `json:"resourceId,omitempty"`
	ResourceType string            `json:"resourceType,omitempty"`
	Resources    []avp.ResourceRef `json:"resources,omitempty"`
	ServiceCode  string            `json:"serviceCode,omitempty"`
	QuotaCode    string            `json:"quotaCode,omitempty"`
	ResourceName string            `json:"resourceName,omitempty"`
}

func protocolError(code, message string) *avp.Error {
	return &avp.Error{Code: code, Message: message}
}

func encodeError(e *avp.Error) (int, errorBody) {
	status, ok := statusOf[e.Code]
	if !ok {
		status = http.StatusBadRequest
	}
	ns := nsAVP
	if e.Code == entry.CodeUnknownOperation || e.Code == entry.CodeSerialization {
		ns = nsProtocol
	}
	b := errorBody{
		Type:         ns + e.Code,
		Message:      e.Message,
		FieldList:    e.FieldList,
		ResourceID:   e.ResourceID,
		ResourceType: e.ResourceType,
		Resources:    e.Resources,
		ServiceCode:  e.ServiceCode,
		QuotaCode:    e.QuotaCode,
		ResourceName: e.ResourceName,
	}
	if e.Code == avp.CodeConflict && b.Resources == nil {
		b.Resources = []avp.ResourceRef{} // a required member
	}
	return status, b
}

// errInternal is what a caller sees of an error that is not theirs.
var errInternal = &avp.Error{Code: avp.CodeInternalServer, Message: "The service encountered an internal error; retry the request"}
