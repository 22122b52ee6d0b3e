// Package saml is the SAML 2.0 connector: SP-initiated sign-in with the
// HTTP-Redirect binding for the AuthnRequest and the HTTP-POST binding for
// the Response, built on github.com/crewjam/saml.
//
// What a Response must be to be accepted:
//   - signed by a signing certificate of the IdP metadata: the Assertion, or
//     the Response that carries it (an unsigned one is refused); encrypted
//     assertions are decrypted with the SP key when it is an RSA key;
//   - an answer to the AuthnRequest whose ID is in the kept state, received
//     at the ACS URL (Destination, Recipient), for this SP's entity ID
//     (Audience), within NotBefore/NotOnOrAfter allowing
//     allowedClockSkewSeconds (crewjam also bounds the IssueInstant to 90 s
//     and the skew to at most 180 s, which is why the setting is capped);
//   - never seen before: the assertion ID is spent in Deps.Replay until the
//     assertion could no longer be accepted anyway (Rancher CVE-2026-44946);
//   - about a subject whose NameID Format is persistent or unspecified (an
//     absent Format means unspecified). Transient, emailAddress and the
//     other formats are refused: they either change at each sign-in or may
//     be reassigned to another person, and Identity.Subject must be stable.
//     The AuthnRequest asks for a persistent NameID.
//
// Only the HTTP-POST binding is accepted at the ACS: artifacts (SAMLart)
// and HTTP-POST-SimpleSign forms are refused, and the SP metadata
// advertises HTTP-POST only.
package saml

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"

	gosaml "github.com/crewjam/saml"

	"github.com/paddockhq/paddock/internal/idp"
)

// Type is the SAML provider type.
var Type = idp.Type{Name: "saml", SecretFields: []string{"spKeyPEM"}, New: New}

// Settings are the non-secret settings of a SAML provider. The SP private
// key is the secret spKeyPEM.
type Settings struct {
	// IdPMetadataURL or IdPMetadataXML (exactly one) give the IdP metadata.
	IdPMetadataURL string `json:"idpMetadataURL,omitempty"`
	IdPMetadataXML string `json:"idpMetadataXML,omitempty"`
	// EntityID is the SP entity ID. Default: the SP metadata URL, which is
	// the sibling "metadata" of the callback (ACS) URL, i.e.
	// …/providers/{name}/metadata for …/providers/{name}/callback.
	EntityID string `json:"entityID,omitempty"`
	// SPCertPEM is the SP certificate (signing AuthnRequests, and
	// decrypting assertions when its key is RSA). See GenerateSPKeyPair.
	SPCertPEM string `json:"spCertPEM"`
	// UsernameAttribute names the attribute (Name or FriendlyName) holding
	// the username. Default: the NameID.
	UsernameAttribute string `json:"usernameAttribute,omitempty"`
	// GroupsAttribute names the multi-valued attribute holding the groups,
	// e.g. "groups" or "memberOf". Empty: no groups.
	GroupsAttribute      string `json:"groupsAttribute,omitempty"`
	DisplayNameAttribute string `json:"displayNameAttribute,omitempty"`
	EmailAttribute       string `json:"emailAttribute,omitempty"`
	// AllowedClockSkewSeconds: 0 to 180; default 60.
	AllowedClockSkewSeconds int `json:"allowedClockSkewSeconds,omitempty"`
}

const (
	defaultSkew = 60 * time.Second
	// maxSkew is crewjam's own MaxClockSkew: a larger skew could not be
	// honoured without changing that package-wide variable.
	maxSkew = 180 * time.Second
	// maxStateAge bounds the time between Begin and Finish.
	maxStateAge = 15 * time.Minute
	// metadataTTL is how long fetched IdP metadata is used before it is
	// fetched again (a failed refresh keeps the previous copy).
	metadataTTL = time.Hour
)

// Connector is a configured SAML provider.
type Connector struct {
	settings Settings
	skew     time.Duration
	key      crypto.Signer
	cert     *x509.Certificate
	deps     idp.Deps
	client   *http.Client
	log      *slog.Logger

	mu        sync.Mutex
	idpMeta   *gosaml.EntityDescriptor
	fetchedAt time.Time
}

var (
	_ idp.RedirectConnector = (*Connector)(nil)
	_ idp.Checker           = (*Connector)(nil)
	_ idp.MetadataServer    = (*Connector)(nil)
)

// New validates cfg and builds the connector. It does not fetch the IdP
// metadata (that happens on first use, and in Check).
func New(cfg idp.Config) (idp.Connector, error) {
	var s Settings
	if len(cfg.Settings) > 0 {
		dec := json.NewDecoder(bytes.NewReader(cfg.Settings))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&s); err != nil {
			return nil, fmt.Errorf("settings: %w", err)
		}
	}
	c := &Connector{settings: s, deps: cfg.Deps, skew: defaultSkew}
	if err := c.validate(cfg.Secrets["spKeyPEM"]); err != nil {
		return nil, err
	}
	c.client = cfg.Deps.HTTPClient
	if c.client == nil {
		c.client = &http.Client{Timeout: 30 * time.Second}
	}
	c.log = cfg.Deps.Log
	if c.log == nil {
		c.log = slog.Default()
	}
	c.log = c.log.With("provider", cfg.Name, "type", "saml")
	return c, nil
}

func (c *Connector) validate(keyPEM string) error {
	s := &c.settings
	switch {
	case s.IdPMetadataURL == "" && s.IdPMetadataXML == "":
		return errors.New("idpMetadataURL: one of idpMetadataURL or idpMetadataXML is required")
	case s.IdPMetadataURL != "" && s.IdPMetadataXML != "":
		return errors.New("idpMetadataXML: set only one of idpMetadataURL or idpMetadataXML")
	case s.IdPMetadataURL != "":
		u, err := url.Parse(s.IdPMetadataURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return errors.New("idpMetadataURL: must be an absolute http(s) URL")
		}
		if u.Scheme == "http" && !idp.Loopback(u.Hostname()) {
			return errors.New("idpMetadataURL: must be https (whoever can change the metadata in transit can forge sign-ins); http only on loopback")
		}
	default:
		ed, err := parseIdPMetadata([]byte(s.IdPMetadataXML))
		if err != nil {
			return fmt.Errorf("idpMetadataXML: %w", err)
		}
		c.idpMeta = ed
	}
	if s.EntityID != "" {
		if u, err := url.Parse(s.EntityID); err != nil || u.Scheme == "" {
			return errors.New("entityID: must be an absolute URI")
		}
	}
	if s.AllowedClockSkewSeconds < 0 || time.Duration(s.AllowedClockSkewSeconds)*time.Second > maxSkew {
		return fmt.Errorf("allowedClockSkewSeconds: must be between 0 and %d", int(maxSkew/time.Second))
	}
	if s.AllowedClockSkewSeconds > 0 {
		c.skew = time.Duration(s.AllowedClockSkewSeconds) * time.Second
	}
	if s.SPCertPEM == "" {
		return errors.New("spCertPEM: required (generate a pair with the API)")
	}
	cert, err := parseCert(s.SPCertPEM)
	if err != nil {
		return fmt.Errorf("spCertPEM: %w", err)
	}
	if keyPEM == "" {
		return errors.New("spKeyPEM: required")
	}
	key, err := parseKey(keyPEM)
	if err != nil {
		return fmt.Errorf("spKeyPEM: %w", err)
	}
	if pub, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool }); !ok || !pub.Equal(cert.PublicKey) {
		return errors.New("spKeyPEM: does not match spCertPEM")
	}
	c.key, c.cert = key, cert
	return nil
}

// Close releases nothing: the connector holds no connections.
func (c *Connector) Close() error { return nil }

func (c *Connector) now() time.Time {
	if c.deps.Now != nil {
		return c.deps.Now()
	}
	return time.Now()
}
