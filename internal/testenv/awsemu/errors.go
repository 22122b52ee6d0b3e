package awsemu

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"strings"
)

// apiError is an AWS error answer. Code is the wire code ("NoSuchEntity",
// "InvalidVpcID.NotFound", "ResourceNotFoundException"); Fields are extra
// members of an EKS error body (clusterName, nodegroupName).
type apiError struct {
	Code    string
	Message string
	Status  int
	Fields  map[string]string
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

func errorf(status int, code, format string, args ...any) *apiError {
	return &apiError{Code: code, Status: status, Message: fmt.Sprintf(format, args...)}
}

// Frequent errors, named as the services name them.
func badRequest(code, format string, args ...any) *apiError {
	return errorf(http.StatusBadRequest, code, format, args...)
}

func notFound(code, format string, args ...any) *apiError {
	return errorf(http.StatusNotFound, code, format, args...)
}

func conflict(code, format string, args ...any) *apiError {
	return errorf(http.StatusConflict, code, format, args...)
}

// XML namespaces of the Query-protocol services.
var xmlNamespaces = map[string]string{
	svcSTS: "https://sts.amazonaws.com/doc/2011-06-15/",
	svcIAM: "https://iam.amazonaws.com/doc/2010-05-08/",
	svcEC2: "http://ec2.amazonaws.com/doc/2016-11-15/",
}

// writeError renders err in the shape of service's protocol.
func writeError(w http.ResponseWriter, service, requestID string, err *apiError) {
	status := err.Status
	if status == 0 {
		status = http.StatusBadRequest
	}
	h := w.Header()
	h.Set("X-Amzn-Requestid", requestID)
	switch service {
	case svcEKS:
		body := map[string]string{"message": err.Message}
		for k, v := range err.Fields {
			body[k] = v
		}
		data, _ := json.Marshal(body)
		h.Set("Content-Type", "application/json")
		h.Set("X-Amzn-Errortype", err.Code)
		w.WriteHeader(status)
		w.Write(data)
	case svcEC2:
		// EC2's own shape: no namespace, Errors>Error, "RequestID".
		var b bytes.Buffer
		b.WriteString(xml.Header)
		b.WriteString("<Response><Errors><Error><Code>")
		xml.EscapeText(&b, []byte(err.Code))
		b.WriteString("</Code><Message>")
		xml.EscapeText(&b, []byte(err.Message))
		b.WriteString("</Message></Error></Errors><RequestID>")
		b.WriteString(requestID)
		b.WriteString("</RequestID></Response>")
		h.Set("Content-Type", "text/xml;charset=UTF-8")
		w.WriteHeader(status)
		w.Write(b.Bytes())
	default: // sts, iam: the Query protocol's ErrorResponse
		kind := "Sender"
		if status >= 500 {
			kind = "Receiver"
		}
		var b bytes.Buffer
		fmt.Fprintf(&b, `<ErrorResponse xmlns="%s"><Error><Type>%s</Type><Code>`, xmlNamespaces[service], kind)
		xml.EscapeText(&b, []byte(err.Code))
		b.WriteString("</Code><Message>")
		xml.EscapeText(&b, []byte(err.Message))
		b.WriteString("</Message></Error><RequestId>")
		b.WriteString(requestID)
		b.WriteString("</RequestId></ErrorResponse>")
		h.Set("Content-Type", "text/xml")
		w.WriteHeader(status)
		w.Write(b.Bytes())
	}
}

// writeQueryResult renders a successful Query-protocol (STS, IAM) answer:
// <ActionResponse><ActionResult>v</ActionResult><ResponseMetadata>...
// A nil v (operations without output) leaves the Result element out, as
// the services do.
func writeQueryResult(w http.ResponseWriter, service, action, requestID string, v any) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, `<%sResponse xmlns="%s">`, action, xmlNamespaces[service])
	if v != nil {
		inner, err := innerXML(v)
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "<%sResult>%s</%sResult>", action, inner, action)
	}
	fmt.Fprintf(&b, "<ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata></%sResponse>", requestID, action)
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("X-Amzn-Requestid", requestID)
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(b.Bytes())
	return err
}

// writeEC2Result renders a successful EC2 answer: the output's members
// directly under <ActionResponse>, after <requestId>.
func writeEC2Result(w http.ResponseWriter, action, requestID string, v any) error {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	fmt.Fprintf(&b, `<%sResponse xmlns="%s"><requestId>%s</requestId>`, action, xmlNamespaces[svcEC2], requestID)
	if v != nil {
		inner, err := innerXML(v)
		if err != nil {
			return err
		}
		b.Write(inner)
	}
	fmt.Fprintf(&b, "</%sResponse>", action)
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(b.Bytes())
	return err
}

// innerXML marshals the members of struct v without an enclosing element.
func innerXML(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := xml.NewEncoder(&b)
	if err := enc.EncodeElement(v, xml.StartElement{Name: xml.Name{Local: "x"}}); err != nil {
		return nil, err
	}
	if err := enc.Flush(); err != nil {
		return nil, err
	}
	s := strings.TrimSuffix(strings.TrimPrefix(b.String(), "<x>"), "</x>")
	return []byte(s), nil
}
