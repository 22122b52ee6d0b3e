package app

import (
	"github.com/paddockhq/paddock/internal/idp"
	"github.com/paddockhq/paddock/internal/idp/github"
	"github.com/paddockhq/paddock/internal/idp/ldap"
	"github.com/paddockhq/paddock/internal/idp/oidc"
	"github.com/paddockhq/paddock/internal/idp/saml"
)

// connectorTypes lists the identity provider types this server offers.
var connectorTypes = []idp.Type{ldap.Type, oidc.Type, saml.Type, github.Type}
