package oidc

import (
	"context"
	"errors"
	"net"
	"reflect"
	"strings"
	"testing"

	"github.com/paddockhq/paddock/internal/idp"
)

func TestSettings(t *testing.T) {
	bad := map[string]string{ // settings → field named in the error
		``:                 "issuer",
		`{"clientID":"x"}`: "issuer",
		`{"issuer":"http://idp.example","clientID":"x"}`:                          "issuer",
		`{"issuer":"ftp://idp.example","clientID":"x"}`:                           "issuer",
		`{"issuer":"https://idp.example?a=b","clientID":"x"}`:                     "issuer",
		`{"issuer":"https://idp.example"}`:                                        "clientID",
		`{"issuer":"https://idp.example","clientID":"x","allowedAlgs":["none"]}`:  "allowedAlgs",
		`{"issuer":"https://idp.example","clientID":"x","allowedAlgs":["HS256"]}`: "allowedAlgs",
		`{"issuer":"https://idp.example","clientID":"x","caPEM":"nope"}`:          "caPEM",
		`{"issuer":"https://idp.example","clientID":"x","scopes":["a b"]}`:        "scopes",
		`{"issuer":"https://idp.example","clientID":"x","colour":"blue"}`:         "colour",
	}
	for raw, field := range bad {
		_, err := New(idp.Config{Settings: []byte(raw)})
		if err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("%s: err = %v, want one naming %s", raw, err, field)
		}
	}

	for _, issuer := range []string{"https://idp.example", "http://127.0.0.1:5556/dex", "http://localhost:8080", "http://[::1]:9000"} {
		if _, err := New(idp.Config{Settings: []byte(`{"issuer":"` + issuer + `","clientID":"x"}`)}); err != nil {
			t.Errorf("%s: %v", issuer, err)
		}
	}

	c, err := New(idp.Config{Settings: []byte(`{"issuer":"https://idp.example","clientID":"x","scopes":["groups"]}`)})
	if err != nil {
		t.Fatal(err)
	}
	s := c.(*Connector).s
	if !reflect.DeepEqual(s.Scopes, []string{"openid", "groups"}) || s.UsernameClaim != "preferred_username" ||
		s.GroupsClaim != "groups" || !reflect.DeepEqual(s.AllowedAlgs, []string{"RS256", "ES256"}) {
		t.Errorf("defaults: %+v", s)
	}
	if c.(*Connector).client.Timeout == 0 {
		t.Error("the default HTTP client has no timeout")
	}
}

func TestCheckRealOP(t *testing.T) {
	o := startOP(t)
	ctx := context.Background()
	if err := o.connector(t, clientMain, nil, idp.Deps{}).Check(ctx); err != nil {
		t.Fatalf("Check: %v", err)
	}

	wrongPath := o.connector(t, clientMain, func(s *Settings) { s.Issuer += "/nope" }, idp.Deps{})
	if err := wrongPath.Check(ctx); !errors.Is(err, ErrDiscovery) || !strings.Contains(err.Error(), "404") {
		t.Errorf("wrong issuer path: %v, want ErrDiscovery (HTTP 404)", err)
	}

	// The classic mismatch: a trailing slash the provider does not use.
	slash := o.connector(t, clientMain, func(s *Settings) { s.Issuer += "/" }, idp.Deps{})
	if err := slash.Check(ctx); !errors.Is(err, ErrIssuerMismatch) {
		t.Errorf("issuer with a trailing slash: %v, want ErrIssuerMismatch", err)
	}

	noCA := o.connector(t, clientMain, func(s *Settings) { s.CACertPEM = "" }, idp.Deps{})
	if err := noCA.Check(ctx); !errors.Is(err, idp.ErrUnavailable) || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("untrusted TLS: %v, want ErrUnavailable about the certificate", err)
	}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	down := o.connector(t, clientMain, func(s *Settings) { s.Issuer = "https://" + addr }, idp.Deps{})
	if err := down.Check(ctx); !errors.Is(err, idp.ErrUnavailable) {
		t.Errorf("unreachable: %v, want ErrUnavailable", err)
	}
	if _, _, err := down.Begin(ctx, testCallback); !errors.Is(err, idp.ErrUnavailable) {
		t.Errorf("Begin unreachable: %v, want ErrUnavailable", err)
	}
}
