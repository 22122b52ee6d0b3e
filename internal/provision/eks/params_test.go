package eks

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/provision"
	"github.com/paddockhq/paddock/internal/secrets"
	"github.com/paddockhq/paddock/internal/store"
	"github.com/paddockhq/paddock/internal/store/sqlstore"
)

func testStore(t *testing.T) store.Store {
	t.Helper()
	key, _ := secrets.GenerateKey()
	sealer, _ := secrets.New(key)
	st, err := sqlstore.Open(t.Context(), filepath.Join(t.TempDir(), "paddock.db"), sealer)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func addCred(t *testing.T, st store.Store, id, owner, region string) {
	t.Helper()
	c := &model.CloudCredential{ID: id, Name: id, Provider: model.CloudAWS, OwnerID: owner, AccessKeyID: "AKIAEXAMPLE00000",
		DefaultRegion: region, CreatedAt: time.Now(), UpdatedAt: time.Now()}
	if err := st.CreateCloudCredential(t.Context(), c, model.CloudSecret{SecretAccessKey: "secret-secret-secret"}); err != nil {
		t.Fatal(err)
	}
}

func TestValidateDefaults(t *testing.T) {
	st := testStore(t)
	addCred(t, st, "cred-a", "alice", "eu-west-1")
	p := &Provisioner{Store: st}
	out, err := p.Validate(t.Context(), provision.Caller{UserID: "alice"}, json.RawMessage(`{"provider":"eks","credentialID":"cred-a"}`))
	if err != nil {
		t.Fatal(err)
	}
	var got Params
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	yes, no := true, false
	want := Params{Provider: "eks", CredentialID: "cred-a", Region: "eu-west-1", KubernetesVersion: "1.33",
		Networking:           Networking{CreateVPC: true, CIDR: "10.0.0.0/16"},
		EndpointPublicAccess: &yes, EndpointPrivateAccess: &no, Logging: []string{}, Tags: map[string]string{},
		NodeGroups: []NodeGroup{{Name: "default", InstanceType: "t3.medium", DiskSize: 20, MinSize: 1, MaxSize: 3, DesiredSize: 2}}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("normalised:\n got %+v\nwant %+v", got, want)
	}
	// The runner records the credential from the normalised parameters.
	var common provision.Params
	_ = json.Unmarshal(out, &common)
	if common.CredentialID != "cred-a" || common.Provider != "eks" {
		t.Fatalf("common fields %+v", common)
	}
	// Normalising again changes nothing.
	again, err := p.Validate(t.Context(), provision.Caller{UserID: "alice"}, out)
	if err != nil || string(again) != string(out) {
		t.Fatalf("second pass: %v\n%s\n%s", err, again, out)
	}
}

func TestValidateCredentialAccess(t *testing.T) {
	st := testStore(t)
	addCred(t, st, "cred-a", "alice", "")
	p := &Provisioner{Store: st}
	raw := json.RawMessage(`{"provider":"eks","credentialID":"cred-a","region":"us-east-1"}`)
	for _, by := range []provision.Caller{{UserID: "alice"}, {UserID: "root", Admin: true}} {
		if _, err := p.Validate(t.Context(), by, raw); err != nil {
			t.Errorf("%+v: %v", by, err)
		}
	}
	// Another user's credential is as absent as a missing one.
	for _, tc := range []struct {
		by  provision.Caller
		raw string
	}{
		{provision.Caller{UserID: "bob"}, string(raw)},
		{provision.Caller{}, string(raw)},
		{provision.Caller{UserID: "alice"}, `{"credentialID":"nope","region":"us-east-1"}`},
	} {
		_, err := p.Validate(t.Context(), tc.by, json.RawMessage(tc.raw))
		if !errors.Is(err, provision.ErrNoCredential) || !strings.HasPrefix(err.Error(), "credentialID: ") {
			t.Errorf("%+v %s: %v", tc.by, tc.raw, err)
		}
	}
	// No region given and none on the credential.
	if _, err := p.Validate(t.Context(), provision.Caller{UserID: "alice"}, json.RawMessage(`{"credentialID":"cred-a"}`)); err == nil ||
		!strings.HasPrefix(err.Error(), "region: ") {
		t.Errorf("no region: %v", err)
	}
}

func TestValidateErrorsNameTheField(t *testing.T) {
	st := testStore(t)
	addCred(t, st, "c", "alice", "us-east-1")
	p := &Provisioner{Store: st}
	for body, field := range map[string]string{
		`{"credentialID":"c","zones":2}`:         `unknown field "zones"`,
		`{}`:                                     "credentialID: required",
		`{"credentialID":"c","region":"mars-1"}`: "region: ",
		`{"credentialID":"c","kubernetesVersion":"1.20"}`:                                                                "kubernetesVersion: ",
		`{"credentialID":"c","networking":{"cidr":"10.0.0.0/8"}}`:                                                        "networking.cidr: ",
		`{"credentialID":"c","networking":{"cidr":"10.0.0.1/16"}}`:                                                       "networking.cidr: ",
		`{"credentialID":"c","networking":{"cidr":"fd00::/48"}}`:                                                         "networking.cidr: ",
		`{"credentialID":"c","networking":{"subnetIDs":["subnet-0123456789abcdef0"]}}`:                                   "networking.subnetIDs: ",
		`{"credentialID":"c","networking":{"subnetIDs":["subnet-01234567","nope"]}}`:                                     "networking.subnetIDs: ",
		`{"credentialID":"c","networking":{"createVPC":true,"subnetIDs":["subnet-01234567"]}}`:                           "networking: ",
		`{"credentialID":"c","networking":{"subnetIDs":["subnet-01234567","subnet-89abcdef"],"securityGroupIDs":["x"]}}`: "networking.securityGroupIDs: ",
		`{"credentialID":"c","endpointPublicAccess":false}`:                                                              "endpointPublicAccess, endpointPrivateAccess: ",
		`{"credentialID":"c","clusterRoleARN":"role"}`:                                                                   "clusterRoleARN: ",
		`{"credentialID":"c","nodeRoleARN":"arn:aws:iam::12:role/x"}`:                                                    "nodeRoleARN: ",
		`{"credentialID":"c","logging":["api","kubelet"]}`:                                                               "logging: ",
		`{"credentialID":"c","tags":{"aws:x":"1"}}`:                                                                      "tags: ",
		`{"credentialID":"c","tags":{"paddock.io/cluster":"1"}}`:                                                         "tags: ",
		`{"credentialID":"c","nodeGroups":[{"name":"a b"}]}`:                                                             "nodeGroups[0].name: ",
		`{"credentialID":"c","nodeGroups":[{"name":"a"},{"name":"a"}]}`:                                                  "nodeGroups[1].name: ",
		`{"credentialID":"c","nodeGroups":[{"instanceType":"p5.48xlarge"}]}`:                                             "nodeGroups[0].instanceType: ",
		`{"credentialID":"c","nodeGroups":[{"diskSize":5}]}`:                                                             "nodeGroups[0].diskSize: ",
		`{"credentialID":"c","nodeGroups":[{"minSize":3,"maxSize":2}]}`:                                                  "nodeGroups[0].desiredSize: ",
		`{"credentialID":"c","nodeGroups":[{"maxSize":500}]}`:                                                            "nodeGroups[0].maxSize: ",
		`{"credentialID":"c","nodeGroups":[{"labels":{"a b":"c"}}]}`:                                                     "nodeGroups[0].labels: ",
		`{"credentialID":"c","nodeGroups":[{"taints":[{"key":"k","effect":"Sometimes"}]}]}`:                              "nodeGroups[0].taints: ",
	} {
		_, err := p.Validate(t.Context(), provision.Caller{UserID: "alice"}, json.RawMessage(body))
		if err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("%s: error %v, want one naming %q", body, err, field)
		}
	}
	// Existing networking and full node groups are accepted as given.
	ok := `{"credentialID":"c","region":"us-west-2","kubernetesVersion":"1.31","networking":{"subnetIDs":["subnet-01234567","subnet-89abcdef"],
		"securityGroupIDs":["sg-0123456789abcdef0"]},"endpointPrivateAccess":true,"clusterRoleARN":"arn:aws:iam::123456789012:role/eks",
		"logging":["api","audit"],"tags":{"team":"infra"},"nodeGroups":[{"name":"gpu","instanceType":"m5.large","diskSize":100,
		"minSize":0,"maxSize":5,"desiredSize":0,"labels":{"example.com/pool":"gpu"},"taints":[{"key":"gpu","value":"yes","effect":"NoSchedule"}]}]}`
	out, err := p.Validate(t.Context(), provision.Caller{UserID: "alice"}, json.RawMessage(ok))
	if err != nil {
		t.Fatal(err)
	}
	var got Params
	_ = json.Unmarshal(out, &got)
	if got.Networking.CreateVPC || got.NodeGroups[0].DesiredSize != 0 || got.NodeGroups[0].MaxSize != 5 || *got.EndpointPublicAccess != true {
		t.Fatalf("normalised %+v", got)
	}
}

func TestSplitCIDR(t *testing.T) {
	for cidr, want := range map[string][]string{
		"10.0.0.0/16":    {"10.0.0.0/18", "10.0.64.0/18", "10.0.128.0/18", "10.0.192.0/18"},
		"192.168.4.0/24": {"192.168.4.0/26", "192.168.4.64/26", "192.168.4.128/26", "192.168.4.192/26"},
	} {
		got, err := splitCIDR(cidr)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("splitCIDR(%s) = %v, %v", cidr, got, err)
		}
	}
}
