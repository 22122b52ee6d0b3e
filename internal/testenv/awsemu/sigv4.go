package awsemu

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/textproto"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Signature Version 4, verified by recomputing the signature with the
// stored secret through the SDK's own signer (the same canonicalization the
// clients use).

const (
	sigAlgorithm = "AWS4-HMAC-SHA256"
	amzDateFmt   = "20060102T150405Z"
	// maxSkew is how far a request's X-Amz-Date may be from now.
	maxSkew = 15 * time.Minute
)

// authFailure says why a request is not authenticated; [authFailure.as]
// renders it in a service's words.
type authFailure struct {
	kind   authKind
	detail string // message for kinds whose text varies
}

type authKind int

const (
	authMissing    authKind = iota // no signature at all
	authIncomplete                 // a malformed Authorization header or query
	authUnknownKey                 // no such access key, or a wrong session token
	authBadSig                     // the signature does not match
	authExpired                    // X-Amz-Date too far from now
	authBadScope                   // wrong region or date in the credential scope
)

const badSigMessage = "The request signature we calculated does not match the signature you provided. " +
	"Check your AWS Secret Access Key and signing method. Consult the service documentation for details."

// as renders the failure as service answers it.
func (f *authFailure) as(service string) *apiError {
	eks := service == svcEKS
	switch f.kind {
	case authMissing:
		if eks {
			return errorf(403, "MissingAuthenticationTokenException", "Missing Authentication Token")
		}
		return errorf(403, "MissingAuthenticationToken", "Request is missing Authentication Token")
	case authIncomplete:
		if eks {
			return errorf(403, "IncompleteSignatureException", "%s", f.detail)
		}
		return errorf(400, "IncompleteSignature", "%s", f.detail)
	case authUnknownKey:
		switch service {
		case svcEKS:
			return errorf(403, "UnrecognizedClientException", "The security token included in the request is invalid.")
		case svcEC2:
			return errorf(401, "AuthFailure", "AWS was not able to validate the provided access credentials")
		}
		return errorf(403, "InvalidClientTokenId", "The security token included in the request is invalid.")
	case authExpired:
		switch service {
		case svcEKS:
			return errorf(403, "InvalidSignatureException", "%s", f.detail)
		case svcEC2:
			return errorf(400, "RequestExpired", "Request has expired.")
		}
		return errorf(403, "SignatureDoesNotMatch", "%s", f.detail)
	case authBadScope:
		if eks {
			return errorf(403, "InvalidSignatureException", "%s", f.detail)
		}
		return errorf(403, "SignatureDoesNotMatch", "%s", f.detail)
	default:
		if eks {
			return errorf(403, "InvalidSignatureException", badSigMessage)
		}
		return errorf(403, "SignatureDoesNotMatch", badSigMessage)
	}
}

// sigRequest is what a request says about its signature, from the
// Authorization header or, presigned, from the query.
type sigRequest struct {
	presigned     bool
	accessKeyID   string
	scopeDate     string // yyyymmdd
	region        string
	service       string
	signedHeaders []string
	signature     string
	date          time.Time
	token         string // X-Amz-Security-Token
}

// parseSignature extracts the signature fields of r; nil, nil when the
// request carries no signature at all.
func parseSignature(r *http.Request) (*sigRequest, *authFailure) {
	q := r.URL.Query()
	if auth := r.Header.Get("Authorization"); auth != "" {
		return parseAuthorizationHeader(r, auth)
	}
	if q.Get("X-Amz-Algorithm") == "" && q.Get("X-Amz-Signature") == "" {
		return nil, nil
	}
	s := &sigRequest{presigned: true, signature: q.Get("X-Amz-Signature"), token: q.Get("X-Amz-Security-Token")}
	if q.Get("X-Amz-Algorithm") != sigAlgorithm {
		return nil, &authFailure{authIncomplete, "X-Amz-Algorithm only supports \"" + sigAlgorithm + "\""}
	}
	if f := s.setCredential(q.Get("X-Amz-Credential")); f != nil {
		return nil, f
	}
	s.signedHeaders = strings.Split(q.Get("X-Amz-SignedHeaders"), ";")
	if v := q.Get("X-Amz-Expires"); v != "" {
		if n, err := strconv.Atoi(v); err != nil || n < 0 {
			return nil, &authFailure{authIncomplete, "X-Amz-Expires must be a non-negative integer"}
		}
	}
	return s, s.setDate(q.Get("X-Amz-Date"))
}

func parseAuthorizationHeader(r *http.Request, auth string) (*sigRequest, *authFailure) {
	alg, rest, _ := strings.Cut(auth, " ")
	if alg != sigAlgorithm {
		return nil, &authFailure{authIncomplete, "Authorization header requires '" + sigAlgorithm + "' algorithm"}
	}
	s := &sigRequest{token: r.Header.Get("X-Amz-Security-Token")}
	fields := map[string]string{}
	for part := range strings.SplitSeq(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if ok {
			fields[k] = v
		}
	}
	for _, k := range []string{"Credential", "SignedHeaders", "Signature"} {
		if fields[k] == "" {
			return nil, &authFailure{authIncomplete, fmt.Sprintf("Authorization header requires '%s' parameter. Authorization=%s", k, auth)}
		}
	}
	if f := s.setCredential(fields["Credential"]); f != nil {
		return nil, f
	}
	s.signedHeaders = strings.Split(fields["SignedHeaders"], ";")
	s.signature = fields["Signature"]
	date := r.Header.Get("X-Amz-Date")
	if date == "" {
		return nil, &authFailure{authIncomplete, "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."}
	}
	return s, s.setDate(date)
}

// setCredential parses "AKID/20260101/us-east-1/eks/aws4_request".
func (s *sigRequest) setCredential(cred string) *authFailure {
	parts := strings.Split(cred, "/")
	if len(parts) != 5 || parts[4] != "aws4_request" || parts[0] == "" {
		return &authFailure{authIncomplete, fmt.Sprintf("Credential should have 5 parts separated by '/', ending in 'aws4_request': %q", cred)}
	}
	s.accessKeyID, s.scopeDate, s.region, s.service = parts[0], parts[1], parts[2], parts[3]
	return nil
}

func (s *sigRequest) setDate(v string) *authFailure {
	t, err := time.Parse(amzDateFmt, v)
	if err != nil {
		return &authFailure{authIncomplete, fmt.Sprintf("X-Amz-Date %q is not in the ISO 8601 basic format yyyyMMdd'T'HHmmss'Z'", v)}
	}
	s.date = t
	return nil
}

// verify checks the signature of r (whose body was read into body) against
// the stored credentials, the clock and the emulator's region.
func (e *Emulator) verify(r *http.Request, body []byte, s *sigRequest) (Credential, *authFailure) {
	cred, ok := e.credential(s.accessKeyID)
	if !ok {
		return Credential{}, &authFailure{kind: authUnknownKey}
	}
	if s.token != cred.SessionToken {
		return Credential{}, &authFailure{kind: authUnknownKey}
	}
	if s.scopeDate != s.date.Format("20060102") {
		return Credential{}, &authFailure{authBadScope, fmt.Sprintf("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s'", s.scopeDate, s.date.Format("20060102"))}
	}
	if s.region != e.region && !(s.service == svcIAM && s.region == "us-east-1") {
		return Credential{}, &authFailure{authBadScope, fmt.Sprintf("Credential should be scoped to a valid region, not '%s'. The emulator serves region '%s'.", s.region, e.region)}
	}
	// A header-signed request may be 15 minutes off the clock; STS honours
	// a presigned URL for 15 minutes after X-Amz-Date, whatever
	// X-Amz-Expires says (aws-iam-authenticator relies on this).
	now := time.Now().UTC()
	if now.Sub(s.date) > maxSkew {
		return Credential{}, &authFailure{authExpired, fmt.Sprintf("Signature expired: %s is now earlier than %s (%s - 15 min.)",
			s.date.Format(amzDateFmt), now.Add(-maxSkew).Format(amzDateFmt), now.Format(amzDateFmt))}
	}
	if s.date.Sub(now) > maxSkew {
		return Credential{}, &authFailure{authExpired, fmt.Sprintf("Signature not yet current: %s is still later than %s (%s + 15 min.)",
			s.date.Format(amzDateFmt), now.Add(maxSkew).Format(amzDateFmt), now.Format(amzDateFmt))}
	}
	want, err := expectedSignature(r, body, s, cred)
	if err != nil {
		return Credential{}, &authFailure{authIncomplete, err.Error()}
	}
	if subtle.ConstantTimeCompare([]byte(want), []byte(s.signature)) != 1 {
		return Credential{}, &authFailure{kind: authBadSig}
	}
	return cred, nil
}

// expectedSignature signs a copy of r holding exactly the headers r says
// it signed, with cred's secret, and returns the signature.
func expectedSignature(r *http.Request, body []byte, s *sigRequest, cred Credential) (string, error) {
	u := &url.URL{Scheme: "http", Host: r.Host, Path: r.URL.Path, RawPath: r.URL.RawPath}
	q := r.URL.Query()
	if s.presigned {
		for _, k := range []string{"X-Amz-Signature", "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Security-Token"} {
			q.Del(k)
		}
		u.RawQuery = q.Encode()
	} else {
		u.RawQuery = r.URL.RawQuery
	}
	req, err := http.NewRequestWithContext(context.Background(), r.Method, u.String(), nil)
	if err != nil {
		return "", err
	}
	req.URL.RawPath = r.URL.RawPath
	req.Host = r.Host
	if !slices.Contains(s.signedHeaders, "host") {
		return "", fmt.Errorf("'Host' must be a 'SignedHeader' in the AWS Authorization")
	}
	for _, h := range s.signedHeaders {
		switch h {
		case "host":
		case "content-length":
			req.ContentLength = r.ContentLength
		case "x-amz-date", "x-amz-security-token":
			// The signer sets these from the signing time and credentials.
			if s.presigned {
				return "", fmt.Errorf("%s cannot be a signed header of a presigned URL", h)
			}
		default:
			vals := r.Header.Values(h)
			if len(vals) == 0 {
				return "", fmt.Errorf("signed header %q is missing from the request", h)
			}
			req.Header[textproto.CanonicalMIMEHeaderKey(h)] = vals
		}
	}
	sum := sha256.Sum256(body)
	payloadHash := hex.EncodeToString(sum[:])
	if h := r.Header.Get("X-Amz-Content-Sha256"); h != "" && h != payloadHash {
		return "", fmt.Errorf("the provided 'x-amz-content-sha256' header does not match what was computed")
	}
	creds := aws.Credentials{AccessKeyID: cred.AccessKeyID, SecretAccessKey: cred.SecretAccessKey, SessionToken: cred.SessionToken}
	signer := v4.NewSigner()
	if s.presigned {
		signed, _, err := signer.PresignHTTP(context.Background(), creds, req, payloadHash, s.service, s.region, s.date)
		if err != nil {
			return "", err
		}
		su, err := url.Parse(signed)
		if err != nil {
			return "", err
		}
		return su.Query().Get("X-Amz-Signature"), nil
	}
	if err := signer.SignHTTP(context.Background(), creds, req, payloadHash, s.service, s.region, s.date); err != nil {
		return "", err
	}
	_, sig, ok := strings.Cut(req.Header.Get("Authorization"), "Signature=")
	if !ok {
		return "", fmt.Errorf("signer produced no signature")
	}
	return sig, nil
}
