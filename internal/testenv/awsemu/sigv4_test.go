package awsemu_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/paddockhq/paddock/internal/testenv/awsemu"
)

func TestCallerIdentity(t *testing.T) {
	t.Parallel()
	e := awsemu.Start(t, awsemu.Options{NoKubernetes: true})
	c := newClients(t, e, "alice")
	out, err := c.sts.GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if *out.Arn != "arn:aws:iam::"+account+":user/alice" || *out.Account != account || !strings.HasPrefix(*out.UserId, "AIDA") {
		t.Errorf("GetCallerIdentity = %s %s %s", *out.Arn, *out.Account, *out.UserId)
	}

	// Temporary credentials: the session token must come along.
	role := awsemu.Credential{
		AccessKeyID: "ASIAEXAMPLEEXAMPLE01", SecretAccessKey: "secret-of-the-session", SessionToken: "the-session-token",
		AccountID: account, ARN: "arn:aws:sts::" + account + ":assumed-role/Admin/bob",
	}
	if err := e.AddCredential(role); err != nil {
		t.Fatal(err)
	}
	out, err = clientsFor(e, role).sts.GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if *out.Arn != role.ARN || !strings.HasSuffix(*out.UserId, ":bob") || !strings.HasPrefix(*out.UserId, "AROA") {
		t.Errorf("GetCallerIdentity = %s %s", *out.Arn, *out.UserId)
	}
	noToken := role
	noToken.SessionToken = ""
	_, err = clientsFor(e, noToken).sts.GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
	wantCode(t, err, "InvalidClientTokenId")
}

// TestSignatureVerification sends requests the real clients sign, with
// wrong secrets, unknown keys and tampered bodies, to every service.
func TestSignatureVerification(t *testing.T) {
	t.Parallel()
	e := awsemu.Start(t, awsemu.Options{NoKubernetes: true})
	good := newClients(t, e, "alice")
	ctx := t.Context()

	wrong := good.cred
	wrong.SecretAccessKey = "not-the-secret"
	bad := clientsFor(e, wrong)
	unknownCred := good.cred
	unknownCred.AccessKeyID = "AKIAUNKNOWNUNKNOWN00"
	unknown := clientsFor(e, unknownCred)

	calls := map[string]func(c *clients) error{
		"sts": func(c *clients) error {
			_, err := c.sts.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			return err
		},
		"iam": func(c *clients) error { _, err := c.iam.ListRoles(ctx, &iam.ListRolesInput{}); return err },
		"ec2": func(c *clients) error { _, err := c.ec2.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{}); return err },
		"eks": func(c *clients) error { _, err := c.eks.ListClusters(ctx, &eks.ListClustersInput{}); return err },
	}
	badSig := map[string]string{"sts": "SignatureDoesNotMatch", "iam": "SignatureDoesNotMatch", "ec2": "SignatureDoesNotMatch", "eks": "InvalidSignatureException"}
	unknownKey := map[string]string{"sts": "InvalidClientTokenId", "iam": "InvalidClientTokenId", "ec2": "AuthFailure", "eks": "UnrecognizedClientException"}
	for svc, call := range calls {
		if err := call(good); err != nil {
			t.Errorf("%s with the right secret: %v", svc, err)
		}
		if got := apiCode(t, call(bad)); got != badSig[svc] {
			t.Errorf("%s with a wrong secret: %s; want %s", svc, got, badSig[svc])
		}
		if got := apiCode(t, call(unknown)); got != unknownKey[svc] {
			t.Errorf("%s with an unknown key: %s; want %s", svc, got, unknownKey[svc])
		}
	}

	// A signed request whose body changes on the way.
	send := func(t *testing.T, body, sent string, at time.Time) (int, string) {
		req, _ := http.NewRequest("POST", e.URL()+"/", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
		sum := sha256.Sum256([]byte(body))
		creds := aws.Credentials{AccessKeyID: good.cred.AccessKeyID, SecretAccessKey: good.cred.SecretAccessKey}
		if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "sts", "us-east-1", at); err != nil {
			t.Fatal(err)
		}
		req.Body = io.NopCloser(strings.NewReader(sent))
		req.ContentLength = int64(len(sent))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(data)
	}
	form := "Action=GetCallerIdentity&Version=2011-06-15"
	t.Run("Untampered", func(t *testing.T) {
		if status, body := send(t, form, form, time.Now()); status != 200 || !strings.Contains(body, "<Arn>"+good.cred.ARN+"</Arn>") {
			t.Errorf("%d %s", status, body)
		}
	})
	t.Run("TamperedBody", func(t *testing.T) {
		tampered := strings.Replace(form, "2011", "2012", 1)
		if status, body := send(t, form, tampered, time.Now()); status != 403 || !strings.Contains(body, "<Code>SignatureDoesNotMatch</Code>") {
			t.Errorf("%d %s", status, body)
		}
	})
	t.Run("Expired", func(t *testing.T) {
		status, body := send(t, form, form, time.Now().Add(-20*time.Minute))
		if status != 403 || !strings.Contains(body, "Signature expired") {
			t.Errorf("%d %s", status, body)
		}
	})
	t.Run("Unsigned", func(t *testing.T) {
		resp, err := http.Post(e.URL()+"/", "application/x-www-form-urlencoded", bytes.NewBufferString(form))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 403 || !strings.Contains(string(data), "MissingAuthenticationToken") {
			t.Errorf("%d %s", resp.StatusCode, data)
		}
	})
	t.Run("PresignedGetAsAuthenticatorDoes", func(t *testing.T) {
		raw, _ := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(eksToken(t, good.cfg, "some-cluster"), "k8s-aws-v1."))
		for header, want := range map[string]int{"some-cluster": 200, "other-cluster": 403} {
			req, _ := http.NewRequest("GET", string(raw), nil)
			req.Header.Set("x-k8s-aws-id", header)
			req.Header.Set("Accept", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			data, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != want {
				t.Errorf("x-k8s-aws-id %s: %d %s", header, resp.StatusCode, data)
			}
			if want == 200 && !strings.Contains(string(data), `{"GetCallerIdentityResponse":{"GetCallerIdentityResult":{"Arn":"`+good.cred.ARN) {
				t.Errorf("JSON answer %s", data)
			}
		}
	})
	t.Run("WrongRegion", func(t *testing.T) {
		cfg := good.cfg.Copy()
		cfg.Region = "eu-west-1"
		_, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		wantCode(t, err, "SignatureDoesNotMatch")
	})
}
