package storetest

import (
	"errors"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/store"
)

// Cloud credentials: round trip, secret sealing, per-owner names, lists,
// read-modify-write, and deletion refused while a provision uses one.

func newCloudCred(owner, name string) *model.CloudCredential {
	return &model.CloudCredential{ID: randomID("cc-"), Name: name, Provider: model.CloudAWS, OwnerID: owner,
		AccessKeyID: "AKIAEXAMPLE" + randomID(""), DefaultRegion: "eu-west-1", CreatedAt: at(0), UpdatedAt: at(time.Second)}
}

var cloudSecret = model.CloudSecret{SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'\"; --", SessionToken: "FwoGZXIvYXdzE…ü"}

func mustCreateCloudCred(t *testing.T, s store.Store, owner, name string) *model.CloudCredential {
	t.Helper()
	c := newCloudCred(owner, name)
	noErr(t, "CreateCloudCredential("+name+")", s.CreateCloudCredential(t.Context(), c, cloudSecret))
	return c
}

func checkCloudCred(t *testing.T, got, want *model.CloudCredential) {
	t.Helper()
	if got == nil {
		t.Fatalf("cloud credential %q: got nil", want.Name)
	}
	sameTime(t, "CreatedAt", got.CreatedAt, want.CreatedAt)
	sameTime(t, "UpdatedAt", got.UpdatedAt, want.UpdatedAt)
	g, w := *got, *want
	g.CreatedAt, g.UpdatedAt, w.CreatedAt, w.UpdatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if g != w {
		t.Errorf("cloud credential mismatch:\n got %+v\nwant %+v", g, w)
	}
}

func testCloudCredCRUD(t *testing.T, s store.Store) {
	ctx := t.Context()
	c := mustCreateCloudCred(t, s, "u1", "Prod Account")
	got, err := s.GetCloudCredential(ctx, c.ID)
	noErr(t, "GetCloudCredential", err)
	checkCloudCred(t, got, c)
	sec, err := s.GetCloudCredentialSecret(ctx, c.ID)
	noErr(t, "GetCloudCredentialSecret", err)
	if *sec != cloudSecret {
		t.Errorf("secret = %+v, want %+v", *sec, cloudSecret)
	}

	// Names are unique per owner, case-insensitively; others may reuse them.
	dup := newCloudCred("u1", "prod account")
	wantErr(t, "duplicate name", s.CreateCloudCredential(ctx, dup, cloudSecret), store.ErrConflict)
	dupID := newCloudCred("u2", "other")
	dupID.ID = c.ID
	wantErr(t, "duplicate ID", s.CreateCloudCredential(ctx, dupID, cloudSecret), store.ErrConflict)
	mustCreateCloudCred(t, s, "u2", "Prod Account")

	// Update: rename, rotate, and the change is atomic with the secret.
	upd, err := s.UpdateCloudCredential(ctx, c.ID, func(cc *model.CloudCredential, sec *model.CloudSecret) error {
		if *sec != cloudSecret {
			t.Errorf("fn got secret %+v", *sec)
		}
		cc.Name, cc.AccessKeyID, cc.UpdatedAt = "renamed", "AKIAROTATED00000", at(time.Hour)
		sec.SecretAccessKey, sec.SessionToken = "rotated", ""
		return nil
	})
	noErr(t, "UpdateCloudCredential", err)
	want := *c
	want.Name, want.AccessKeyID, want.UpdatedAt = "renamed", "AKIAROTATED00000", at(time.Hour)
	checkCloudCred(t, upd, &want)
	got, _ = s.GetCloudCredential(ctx, c.ID)
	checkCloudCred(t, got, &want)
	sec, _ = s.GetCloudCredentialSecret(ctx, c.ID)
	if *sec != (model.CloudSecret{SecretAccessKey: "rotated"}) {
		t.Errorf("rotated secret = %+v", *sec)
	}
	boom := errors.New("boom")
	_, err = s.UpdateCloudCredential(ctx, c.ID, func(cc *model.CloudCredential, sec *model.CloudSecret) error {
		cc.Name, sec.SecretAccessKey = "aborted", "aborted"
		return boom
	})
	wantErr(t, "aborted update", err, boom)
	if sec, _ := s.GetCloudCredentialSecret(ctx, c.ID); sec.SecretAccessKey != "rotated" {
		t.Errorf("an aborted update changed the secret to %q", sec.SecretAccessKey)
	}
	_, err = s.UpdateCloudCredential(ctx, c.ID, func(cc *model.CloudCredential, _ *model.CloudSecret) error {
		cc.OwnerID = "thief"
		return nil
	})
	if err == nil {
		t.Error("changing the owner succeeded")
	}
	_, err = s.UpdateCloudCredential(ctx, c.ID, func(cc *model.CloudCredential, _ *model.CloudSecret) error {
		cc.Name = "prod account" // u1 has no other credential of that name any more
		return nil
	})
	noErr(t, "renaming back", err)

	for _, id := range []string{"missing", ""} {
		_, err = s.GetCloudCredential(ctx, id)
		wantErr(t, "GetCloudCredential(missing)", err, store.ErrNotFound)
		_, err = s.GetCloudCredentialSecret(ctx, id)
		wantErr(t, "GetCloudCredentialSecret(missing)", err, store.ErrNotFound)
		_, err = s.UpdateCloudCredential(ctx, id, func(*model.CloudCredential, *model.CloudSecret) error { return nil })
		wantErr(t, "UpdateCloudCredential(missing)", err, store.ErrNotFound)
		wantErr(t, "DeleteCloudCredential(missing)", s.DeleteCloudCredential(ctx, id), store.ErrNotFound)
	}

	noErr(t, "DeleteCloudCredential", s.DeleteCloudCredential(ctx, c.ID))
	_, err = s.GetCloudCredential(ctx, c.ID)
	wantErr(t, "GetCloudCredential after delete", err, store.ErrNotFound)
	_, err = s.GetCloudCredentialSecret(ctx, c.ID)
	wantErr(t, "GetCloudCredentialSecret after delete", err, store.ErrNotFound)
}

func testCloudCredList(t *testing.T, s store.Store) {
	ctx := t.Context()
	all, err := s.ListCloudCredentials(ctx, "")
	noErr(t, "ListCloudCredentials(empty)", err)
	if len(all) != 0 {
		t.Fatalf("empty store lists %d credentials", len(all))
	}
	b := mustCreateCloudCred(t, s, "u1", "beta")
	a := mustCreateCloudCred(t, s, "u2", "Alpha")
	g := mustCreateCloudCred(t, s, "u1", "gamma")
	names := func(cs []model.CloudCredential) []string {
		var out []string
		for _, c := range cs {
			out = append(out, c.Name)
		}
		return out
	}
	all, err = s.ListCloudCredentials(ctx, "")
	noErr(t, "ListCloudCredentials", err)
	if got := names(all); !reflect.DeepEqual(got, []string{"Alpha", "beta", "gamma"}) {
		t.Errorf("all = %q", got)
	}
	checkCloudCred(t, &all[0], a)
	mine, err := s.ListCloudCredentials(ctx, "u1")
	noErr(t, "ListCloudCredentials(u1)", err)
	if got := names(mine); !reflect.DeepEqual(got, []string{"beta", "gamma"}) {
		t.Errorf("u1's = %q", got)
	}
	checkCloudCred(t, &mine[0], b)
	checkCloudCred(t, &mine[1], g)
	none, err := s.ListCloudCredentials(ctx, "nobody")
	noErr(t, "ListCloudCredentials(nobody)", err)
	if len(none) != 0 {
		t.Errorf("nobody's = %q", names(none))
	}
}

func testCloudCredInUse(t *testing.T, s store.Store) {
	ctx := t.Context()
	c := mustCreateCloudCred(t, s, "u1", "used")
	cl := newCluster("uses-cred")
	noErr(t, "CreateCluster", s.CreateCluster(ctx, cl))
	p := newProvision(cl.ID)
	p.CredentialID = c.ID
	mustCreateProvision(t, s, p)
	used, err := s.ListProvisionsByCredential(ctx, c.ID)
	noErr(t, "ListProvisionsByCredential", err)
	if len(used) != 1 || used[0].ClusterID != cl.ID {
		t.Fatalf("ListProvisionsByCredential = %+v", used)
	}
	wantErr(t, "deleting a credential in use", s.DeleteCloudCredential(ctx, c.ID), store.ErrConflict)
	if _, err := s.GetCloudCredential(ctx, c.ID); err != nil {
		t.Fatalf("a refused delete removed the credential: %v", err)
	}
	// Once the cluster is gone (its provision with it) the credential is free.
	noErr(t, "DeleteCluster", s.DeleteCluster(ctx, cl.ID))
	noErr(t, "DeleteCloudCredential", s.DeleteCloudCredential(ctx, c.ID))
}

func testConcurrentUpdateCloudCred(t *testing.T, s store.Store) {
	ctx := t.Context()
	c := mustCreateCloudCred(t, s, "u1", "counter")
	const n = 10
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			_, err := s.UpdateCloudCredential(ctx, c.ID, func(_ *model.CloudCredential, sec *model.CloudSecret) error {
				sec.SessionToken += "x"
				return nil
			})
			if err != nil {
				t.Errorf("UpdateCloudCredential: %v", err)
			}
		})
	}
	wg.Wait()
	sec, err := s.GetCloudCredentialSecret(ctx, c.ID)
	noErr(t, "GetCloudCredentialSecret", err)
	if want := cloudSecret.SessionToken + "xxxxxxxxxx"; sec.SessionToken != want {
		t.Errorf("after %d concurrent updates the token is %q, want %q (an update was lost)", n, sec.SessionToken, want)
	}
}
