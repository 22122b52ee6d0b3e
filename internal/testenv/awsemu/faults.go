package awsemu

import (
	"fmt"
	"net/http"
	"strings"
)

// Fault is an error the emulator answers instead of serving an operation.
type Fault struct {
	// Code is the AWS error code, e.g. "ThrottlingException" (EKS),
	// "Throttling" (STS, IAM), "RequestLimitExceeded" (EC2) or
	// "InternalError". "AccessDenied" is rendered as each service denies:
	// AccessDeniedException (EKS), UnauthorizedOperation (EC2),
	// AccessDenied (IAM, STS), with a message naming the caller, the
	// action and the resource, as AWS words it.
	Code string
	// Message replaces the default message.
	Message string
	// Status replaces the default HTTP status: 429 for ThrottlingException
	// and TooManyRequestsException, 503 for RequestLimitExceeded and
	// ServiceUnavailable*, 500 for Internal*, 403 for AccessDenied, 400
	// otherwise. The SDK's standard retryer retries the throttling codes
	// and 5xx statuses (3 attempts in all by default).
	Status int
	// Times is how many calls fail; 0 means every call until
	// [Emulator.ClearFaults].
	Times int
}

type faultState struct {
	f    Fault
	left int // calls still to fail; -1 for unlimited
	hits int
}

// Fault makes calls of op fail with f. op is "service:Action" in IAM's
// spelling ("eks:CreateCluster", "ec2:CreateVpc", "iam:CreateRole",
// "sts:GetCallerIdentity"), "service:*" for every action of a service, or
// "*". A later Fault for the same op replaces the earlier one. Faults are
// checked after authentication, before validation.
func (e *Emulator) Fault(op string, f Fault) {
	left := f.Times
	if left <= 0 {
		left = -1
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.faults[op] = &faultState{f: f, left: left}
}

// ClearFaults removes every fault set with [Emulator.Fault],
// [Emulator.FailNodegroup] and [Emulator.FailCluster].
func (e *Emulator) ClearFaults() {
	e.mu.Lock()
	defer e.mu.Unlock()
	clear(e.faults)
	clear(e.failNG)
	clear(e.failCl)
}

// FaultHits returns how many calls the fault set for op has failed.
func (e *Emulator) FaultHits(op string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	if fs := e.faults[op]; fs != nil {
		return fs.hits
	}
	return 0
}

// FailNodegroup makes nodegroups named name (in any cluster) fail: one
// being created, or created later, ends CREATE_FAILED after
// [Options].NodegroupDelay with a health issue (NodeCreationFailure,
// "Instances failed to join the kubernetes cluster") and no nodes.
func (e *Emulator) FailNodegroup(name string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.failNG[name] = true
}

// FailCluster makes clusters named name fail: one being created, or
// created later, ends FAILED after [Options].ClusterDelay with a health
// issue and no control plane.
func (e *Emulator) FailCluster(name string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.failCl[name] = true
}

// checkFault returns the injected error for c, if any.
func (e *Emulator) checkFault(c *call) *apiError {
	e.mu.Lock()
	defer e.mu.Unlock()
	var fs *faultState
	for _, key := range []string{c.service + ":" + c.action, c.service + ":*", "*"} {
		if fs = e.faults[key]; fs != nil && fs.left != 0 {
			break
		}
		fs = nil
	}
	if fs == nil {
		return nil
	}
	if fs.left > 0 {
		fs.left--
	}
	fs.hits++
	return faultError(c, fs.f)
}

func faultError(c *call, f Fault) *apiError {
	code, msg, status := f.Code, f.Message, f.Status
	if code == "AccessDenied" {
		code, msg = accessDenied(c, msg)
	}
	if msg == "" {
		msg = defaultFaultMessage(code)
	}
	if status == 0 {
		switch {
		case code == "ThrottlingException" || code == "TooManyRequestsException":
			status = http.StatusTooManyRequests
		case code == "RequestLimitExceeded" || strings.HasPrefix(code, "ServiceUnavailable"):
			status = http.StatusServiceUnavailable
		case strings.HasPrefix(code, "Internal") || code == "ServerException":
			status = http.StatusInternalServerError
		case code == "AccessDeniedException" || code == "UnauthorizedOperation" || code == "AccessDenied":
			status = http.StatusForbidden
		default:
			status = http.StatusBadRequest
		}
	}
	return &apiError{Code: code, Message: msg, Status: status}
}

func defaultFaultMessage(code string) string {
	switch code {
	case "Throttling", "ThrottlingException":
		return "Rate exceeded"
	case "RequestLimitExceeded":
		return "Request limit exceeded."
	case "TooManyRequestsException":
		return "Too Many Requests"
	}
	if strings.HasPrefix(code, "Internal") || code == "ServerException" {
		return "We encountered an internal error. Please try again."
	}
	return "Injected fault " + code
}

// accessDenied words a denial of c as its service does.
func accessDenied(c *call, msg string) (string, string) {
	action := c.service + ":" + c.action
	resource := c.resourceARN()
	if msg == "" {
		msg = fmt.Sprintf("User: %s is not authorized to perform: %s on resource: %s because no identity-based policy allows the %s action",
			c.cred.ARN, action, resource, action)
	}
	switch c.service {
	case svcEKS:
		return "AccessDeniedException", msg
	case svcEC2:
		return "UnauthorizedOperation", "You are not authorized to perform this operation. " + msg
	}
	return "AccessDenied", msg
}

// resourceARN is the resource an action is denied on, as close to AWS's
// wording as the request allows.
func (c *call) resourceARN() string {
	acct, reg := c.cred.AccountID, c.region
	switch c.service {
	case svcEKS:
		name := c.params["name"]
		if name == "" {
			return fmt.Sprintf("arn:aws:eks:%s:%s:cluster/*", reg, acct)
		}
		if ng := c.params["nodegroupName"]; ng != "" {
			return fmt.Sprintf("arn:aws:eks:%s:%s:nodegroup/%s/%s/*", reg, acct, name, ng)
		}
		return fmt.Sprintf("arn:aws:eks:%s:%s:cluster/%s", reg, acct, name)
	case svcIAM:
		if role := c.form.Get("RoleName"); role != "" {
			return fmt.Sprintf("arn:aws:iam::%s:role/%s", acct, role)
		}
		return "*"
	case svcEC2:
		return fmt.Sprintf("arn:aws:ec2:%s:%s:*", reg, acct)
	}
	return "*"
}
