package api_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/paddockhq/paddock/internal/api/cloudcreds"
	"github.com/paddockhq/paddock/internal/model"
)

// Test keys of the fake cloud (fakeCloudTest).
const (
	goodKeyID  = "AKIAGOODKEY0000WXYZ"
	goodSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY"
)

// fakeCloudTest stands for sts:GetCallerIdentity: it knows one key.
func fakeCloudTest(_ context.Context, c *model.CloudCredential, s *model.CloudSecret) (*cloudcreds.Identity, error) {
	switch {
	case c.AccessKeyID != goodKeyID:
		return nil, errors.New("AWS does not know the access key ID")
	case s.SecretAccessKey != goodSecret:
		return nil, errors.New("the secret access key does not match the access key ID")
	}
	return &cloudcreds.Identity{Account: "123456789012", ARN: "arn:aws:iam::123456789012:user/alice"}, nil
}

func TestCloudCredentials(t *testing.T) {
	e := newEnv(t)
	admin := e.admin()
	e.createUser(admin, "alice", "alice-password-1", false)
	e.createUser(admin, "bob", "bobs-password-1", false)
	alice, bob := e.login("alice", "alice-password-1"), e.login("bob", "bobs-password-1")
	token := "FwoGZXIvYXdzEXAMPLESESSIONTOKEN"

	// Bad input names the field.
	for _, body := range []map[string]any{
		{"name": "", "accessKeyID": goodKeyID, "secretAccessKey": goodSecret},
		{"name": "x", "provider": "gcp", "accessKeyID": goodKeyID, "secretAccessKey": goodSecret},
		{"name": "x", "accessKeyID": "not a key", "secretAccessKey": goodSecret},
		{"name": "x", "accessKeyID": goodKeyID, "secretAccessKey": "short"},
		{"name": "x", "accessKeyID": goodKeyID, "secretAccessKey": goodSecret, "defaultRegion": "mars-1"},
	} {
		e.must(e.req(nil, "POST", "/v1/cloudcredentials", alice, body), 422)
	}
	created := e.must(e.req(nil, "POST", "/v1/cloudcredentials", alice, map[string]any{"name": "prod", "provider": "aws",
		"accessKeyID": goodKeyID, "secretAccessKey": goodSecret, "sessionToken": token, "defaultRegion": "eu-west-1"}), 201)
	c := created.JSON()
	id := c["id"].(string)
	if c["accessKeyID"] != "AKIA…WXYZ" || c["hasSessionToken"] != true || c["owner"] != "alice" || c["defaultRegion"] != "eu-west-1" {
		t.Fatalf("created: %s", created.Body)
	}
	e.must(e.req(nil, "POST", "/v1/cloudcredentials", alice, map[string]any{"name": "prod",
		"accessKeyID": goodKeyID, "secretAccessKey": goodSecret}), 409)
	// Another user may use the same name.
	bobs := e.must(e.req(nil, "POST", "/v1/cloudcredentials", bob, map[string]any{"name": "prod",
		"accessKeyID": "AKIABOBSKEY00000", "secretAccessKey": "bobs-secret-access-key"}), 201).JSON()["id"].(string)

	// Secrets are never returned, anywhere.
	secretsOf := []string{goodSecret, token, goodKeyID}
	noSecrets := func(what string, body []byte) {
		t.Helper()
		for _, s := range secretsOf {
			if strings.Contains(string(body), s) {
				t.Errorf("%s shows %q: %s", what, s, body)
			}
		}
	}
	noSecrets("create", created.Body)
	noSecrets("get", e.must(e.req(nil, "GET", "/v1/cloudcredentials/"+id, alice, nil), 200).Body)
	noSecrets("list", e.must(e.req(nil, "GET", "/v1/cloudcredentials", alice, nil), 200).Body)

	// Only the owner and admins see or touch it: to anyone else it does
	// not exist, whatever id they know.
	mine := e.must(e.req(nil, "GET", "/v1/cloudcredentials", bob, nil), 200).JSON()["items"].([]any)
	if len(mine) != 1 || mine[0].(map[string]any)["id"] != bobs {
		t.Fatalf("bob lists %v", mine)
	}
	for _, r := range []resp{
		e.req(nil, "GET", "/v1/cloudcredentials/"+id, bob, nil),
		e.req(nil, "PATCH", "/v1/cloudcredentials/"+id, bob, map[string]any{"name": "stolen"}),
		e.req(nil, "POST", "/v1/cloudcredentials/"+id+"/test", bob, nil),
		e.req(nil, "DELETE", "/v1/cloudcredentials/"+id, bob, nil),
	} {
		if r.Status != 404 || r.JSON()["message"] != "cloud credential not found" {
			t.Errorf("bob reaches alice's credential: %d %s", r.Status, r.Body)
		}
	}
	all := e.must(e.req(nil, "GET", "/v1/cloudcredentials", admin, nil), 200).JSON()["items"].([]any)
	if len(all) != 2 {
		t.Fatalf("admin lists %v", all)
	}
	owners := []string{all[0].(map[string]any)["owner"].(string), all[1].(map[string]any)["owner"].(string)}
	if !strings.Contains(strings.Join(owners, ","), "alice") || !strings.Contains(strings.Join(owners, ","), "bob") {
		t.Errorf("admin's list lacks owners: %v", owners)
	}
	e.must(e.req(nil, "GET", "/v1/cloudcredentials/"+id, admin, nil), 200)

	// The test action asks the cloud who the key is.
	res := e.must(e.req(nil, "POST", "/v1/cloudcredentials/"+id+"/test", alice, nil), 200).JSON()
	if res["ok"] != true || res["account"] != "123456789012" || res["arn"] != "arn:aws:iam::123456789012:user/alice" {
		t.Fatalf("test: %v", res)
	}
	res = e.must(e.req(nil, "POST", "/v1/cloudcredentials/"+bobs+"/test", bob, nil), 200).JSON()
	if res["ok"] != false || !strings.Contains(res["error"].(string), "access key ID") {
		t.Fatalf("test of an unknown key: %v", res)
	}

	// Rotation: a new key ID needs its secret; a new secret drops the
	// session token unless one comes with it.
	e.must(e.req(nil, "PATCH", "/v1/cloudcredentials/"+id, alice, map[string]any{"accessKeyID": "AKIAROTATED00001"}), 422)
	p := e.must(e.req(nil, "PATCH", "/v1/cloudcredentials/"+id, alice, map[string]any{"name": "production",
		"secretAccessKey": "a-wrong-secret-access-key"}), 200).JSON()
	if p["name"] != "production" || p["hasSessionToken"] != false || p["accessKeyID"] != "AKIA…WXYZ" {
		t.Fatalf("patched: %v", p)
	}
	res = e.must(e.req(nil, "POST", "/v1/cloudcredentials/"+id+"/test", alice, nil), 200).JSON()
	if res["ok"] != false || !strings.Contains(res["error"].(string), "secret access key") {
		t.Fatalf("test after rotating to a wrong secret: %v", res)
	}
	e.must(e.req(nil, "PATCH", "/v1/cloudcredentials/"+id, alice, map[string]any{"secretAccessKey": goodSecret}), 200)
	e.must(e.req(nil, "PATCH", "/v1/cloudcredentials/"+id, alice, map[string]any{"defaultRegion": "nowhere"}), 422)

	// In use by a provisioned cluster: deletion refused, naming it.
	cid := e.addCluster("eks-one")
	now := e.clock.Now()
	if err := e.store.CreateProvision(context.Background(), &model.Provision{ClusterID: cid, Provider: "eks", CredentialID: id,
		Phase: model.PhaseReady, CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	r := e.must(e.req(nil, "DELETE", "/v1/cloudcredentials/"+id, alice, nil), 409).JSON()
	if cl, _ := r["clusters"].([]any); len(cl) != 1 || cl[0] != "eks-one" || !strings.Contains(r["message"].(string), "eks-one") {
		t.Fatalf("refused delete: %v", r)
	}
	if err := e.store.DeleteCluster(context.Background(), cid); err != nil {
		t.Fatal(err)
	}
	e.must(e.req(nil, "DELETE", "/v1/cloudcredentials/"+id, alice, nil), 204)
	e.must(e.req(nil, "GET", "/v1/cloudcredentials/"+id, alice, nil), 404)
	e.must(e.req(nil, "DELETE", "/v1/cloudcredentials/"+bobs, admin, nil), 204)

	// The audit log names the actions and holds no secret.
	log := e.must(e.req(nil, "GET", "/v1/audit?action=cloudcredential.*&limit=500", admin, nil), 200)
	noSecrets("audit log", log.Body)
	secretsOf = append(secretsOf, "a-wrong-secret-access-key", "bobs-secret-access-key")
	noSecrets("audit log", log.Body)
	for _, action := range []string{"cloudcredential.create", "cloudcredential.update", "cloudcredential.test", "cloudcredential.delete"} {
		if !strings.Contains(string(log.Body), action) {
			t.Errorf("audit log lacks %s", action)
		}
	}
}
