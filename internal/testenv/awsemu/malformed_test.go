package awsemu_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/paddockhq/paddock/internal/testenv/awsemu"
)

// TestMalformedRequests sends correctly signed requests with broken
// contents, and broken signatures: each gets a 4xx answer in its service's
// error shape, never a panic or a 5xx.
func TestMalformedRequests(t *testing.T) {
	t.Parallel()
	e := awsemu.Start(t, awsemu.Options{NoKubernetes: true})
	cred, err := e.NewCredential(account, "alice")
	if err != nil {
		t.Fatal(err)
	}
	send := func(t *testing.T, service, method, path, body string, mod func(*http.Request)) (int, http.Header, string) {
		req, _ := http.NewRequest(method, e.URL()+path, strings.NewReader(body))
		if service == "eks" {
			req.Header.Set("Content-Type", "application/json")
		} else {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		sum := sha256.Sum256([]byte(body))
		creds := aws.Credentials{AccessKeyID: cred.AccessKeyID, SecretAccessKey: cred.SecretAccessKey}
		if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), service, "us-east-1", time.Now()); err != nil {
			t.Fatal(err)
		}
		if mod != nil {
			mod(req)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, string(data)
	}
	type tc struct {
		service, method, path, body string
		mod                         func(*http.Request)
		code                        string
	}
	setAuth := func(v string) func(*http.Request) { return func(r *http.Request) { r.Header.Set("Authorization", v) } }
	for name, c := range map[string]tc{
		"EKSBadJSON":          {"eks", "POST", "/clusters", "{not json", nil, "SerializationException"},
		"EKSWrongTypes":       {"eks", "POST", "/clusters", `{"name": 5}`, nil, "SerializationException"},
		"EKSUnknownPath":      {"eks", "GET", "/clusters/x/gadgets", "", nil, "UnknownOperationException"},
		"EKSBadMaxResults":    {"eks", "GET", "/clusters?maxResults=abc", "", nil, "InvalidParameterException"},
		"EKSBadNextToken":     {"eks", "GET", "/clusters?nextToken=%21%21", "", nil, "InvalidParameterException"},
		"EKSNodegroupNoBody":  {"eks", "POST", "/clusters/none/node-groups", "", nil, "InvalidParameterException"},
		"EKSUpdateNoCluster":  {"eks", "POST", "/clusters/none/node-groups/ng/update-config", "[]", nil, "SerializationException"},
		"EC2UnknownAction":    {"ec2", "POST", "/", "Action=Launch&Version=2016-11-15", nil, "InvalidAction"},
		"EC2NoAction":         {"ec2", "POST", "/", "Version=2016-11-15", nil, "MissingAction"},
		"EC2BadForm":          {"ec2", "POST", "/", "Action=DescribeVpcs&%zz", nil, "MalformedQueryString"},
		"EC2BadCIDR":          {"ec2", "POST", "/", "Action=CreateVpc&Version=2016-11-15&CidrBlock=10.0.0.1%2F99", nil, "InvalidParameterValue"},
		"EC2HugeIndex":        {"ec2", "POST", "/", "Action=AuthorizeSecurityGroupIngress&GroupId=sg-1&IpPermissions.99999999999999999999.IpProtocol=tcp", nil, "MissingParameter"},
		"EC2NoPeer":           {"ec2", "POST", "/", "Action=AuthorizeSecurityGroupIngress&GroupId=sg-1&IpPermissions.1.IpProtocol=tcp&IpPermissions.1.FromPort=1&IpPermissions.1.ToPort=2", nil, "MissingParameter"},
		"EC2BadPort":          {"ec2", "POST", "/", "Action=AuthorizeSecurityGroupIngress&GroupId=sg-1&IpPermissions.1.IpProtocol=tcp&IpPermissions.1.FromPort=x", nil, "InvalidParameterValue"},
		"EC2BadNextToken":     {"ec2", "POST", "/", "Action=DescribeVpcs&NextToken=zz", nil, "InvalidPaginationToken"},
		"EC2MalformedID":      {"ec2", "POST", "/", "Action=DeleteVpc&VpcId=vpc-xyz", nil, "InvalidVpcID.Malformed"},
		"EC2WrongTagType":     {"ec2", "POST", "/", "Action=CreateVpc&CidrBlock=10.0.0.0%2F16&TagSpecification.1.ResourceType=subnet&TagSpecification.1.Tag.1.Key=a", nil, "InvalidParameterValue"},
		"IAMMissingName":      {"iam", "POST", "/", "Action=CreateRole&Version=2010-05-08", nil, "ValidationError"},
		"IAMBadMaxItems":      {"iam", "POST", "/", "Action=ListRoles&MaxItems=0", nil, "ValidationError"},
		"AuthGarbage":         {"sts", "POST", "/", "Action=GetCallerIdentity", setAuth("AWS4-HMAC-SHA256 garbage"), "IncompleteSignature"},
		"AuthShortCredential": {"sts", "POST", "/", "Action=GetCallerIdentity", setAuth("AWS4-HMAC-SHA256 Credential=a/b, SignedHeaders=host, Signature=00"), "IncompleteSignature"},
		"AuthOtherAlgorithm":  {"sts", "POST", "/", "Action=GetCallerIdentity", setAuth("AWS4-ECDSA-P256-SHA256 Credential=x"), "IncompleteSignature"},
		"AuthBadDate":         {"sts", "POST", "/", "Action=GetCallerIdentity", func(r *http.Request) { r.Header.Set("X-Amz-Date", "yesterday") }, "IncompleteSignature"},
		"AuthNoHost": {"sts", "POST", "/", "Action=GetCallerIdentity", func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "SignedHeaders=", "SignedHeaders=x;", 1))
		}, "IncompleteSignature"},
		"EKSAuthGarbage": {"eks", "GET", "/clusters", "", setAuth("AWS4-HMAC-SHA256 Credential=a/b/c/eks/aws4_request"), "IncompleteSignatureException"},
	} {
		t.Run(name, func(t *testing.T) {
			status, header, body := send(t, c.service, c.method, c.path, c.body, c.mod)
			if status < 400 || status >= 500 {
				t.Errorf("status %d: %s", status, body)
			}
			var code string
			switch c.service {
			case "eks":
				code = header.Get("X-Amzn-Errortype")
				var msg struct{ Message string }
				if err := json.Unmarshal([]byte(body), &msg); err != nil || msg.Message == "" {
					t.Errorf("EKS error body %q", body)
				}
			case "ec2":
				var r struct {
					Code string `xml:"Errors>Error>Code"`
				}
				xml.Unmarshal([]byte(body), &r)
				code = r.Code
			default:
				var r struct {
					Code string `xml:"Error>Code"`
				}
				xml.Unmarshal([]byte(body), &r)
				code = r.Code
			}
			if code != c.code {
				t.Errorf("code %q; want %q (status %d, body %s)", code, c.code, status, body)
			}
		})
	}
}
