package saml

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	gosaml "github.com/crewjam/saml"

	"github.com/paddockhq/paddock/internal/idp"
)

// maxMetadataSize bounds an IdP metadata document.
const maxMetadataSize = 10 << 20

// parseIdPMetadata reads an EntityDescriptor, or an EntitiesDescriptor
// holding exactly one IdP, and checks that it can be used: an
// IDPSSODescriptor with an HTTP-Redirect SingleSignOnService and at least
// one signing certificate.
func parseIdPMetadata(data []byte) (*gosaml.EntityDescriptor, error) {
	var root struct{ XMLName xml.Name }
	if err := xml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("not XML: %w", err)
	}
	var ed *gosaml.EntityDescriptor
	switch root.XMLName.Local {
	case "EntityDescriptor":
		ed = &gosaml.EntityDescriptor{}
		if err := xml.Unmarshal(data, ed); err != nil {
			return nil, fmt.Errorf("invalid EntityDescriptor: %w", err)
		}
	case "EntitiesDescriptor":
		var all gosaml.EntitiesDescriptor
		if err := xml.Unmarshal(data, &all); err != nil {
			return nil, fmt.Errorf("invalid EntitiesDescriptor: %w", err)
		}
		idps := idpEntities(&all)
		if len(idps) != 1 {
			return nil, fmt.Errorf("EntitiesDescriptor holds %d identity providers, want exactly one", len(idps))
		}
		ed = idps[0]
	default:
		return nil, fmt.Errorf("root element is %q, want EntityDescriptor", root.XMLName.Local)
	}
	if ed.EntityID == "" {
		return nil, errors.New("EntityDescriptor has no entityID")
	}
	if len(ed.IDPSSODescriptors) == 0 {
		return nil, fmt.Errorf("entity %q has no IDPSSODescriptor (is this SP metadata?)", ed.EntityID)
	}
	if ssoLocation(ed) == "" {
		return nil, fmt.Errorf("entity %q has no SingleSignOnService with the HTTP-Redirect binding", ed.EntityID)
	}
	certs, err := signingCerts(ed)
	if err != nil {
		return nil, fmt.Errorf("entity %q: %w", ed.EntityID, err)
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("entity %q publishes no signing certificate", ed.EntityID)
	}
	return ed, nil
}

func idpEntities(all *gosaml.EntitiesDescriptor) []*gosaml.EntityDescriptor {
	var out []*gosaml.EntityDescriptor
	for i := range all.EntityDescriptors {
		if len(all.EntityDescriptors[i].IDPSSODescriptors) > 0 {
			out = append(out, &all.EntityDescriptors[i])
		}
	}
	for i := range all.EntitiesDescriptors {
		out = append(out, idpEntities(&all.EntitiesDescriptors[i])...)
	}
	return out
}

func ssoLocation(ed *gosaml.EntityDescriptor) string {
	for _, d := range ed.IDPSSODescriptors {
		for _, s := range d.SingleSignOnServices {
			if s.Binding == gosaml.HTTPRedirectBinding && s.Location != "" {
				return s.Location
			}
		}
	}
	return ""
}

// signingCerts are the certificates of the IdP's signing (or unqualified)
// key descriptors.
func signingCerts(ed *gosaml.EntityDescriptor) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for _, d := range ed.IDPSSODescriptors {
		for _, kd := range d.KeyDescriptors {
			if kd.Use != "" && kd.Use != "signing" {
				continue
			}
			for _, xc := range kd.KeyInfo.X509Data.X509Certificates {
				der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(xc.Data), ""))
				if err != nil {
					return nil, fmt.Errorf("signing certificate: %w", err)
				}
				cert, err := x509.ParseCertificate(der)
				if err != nil {
					return nil, fmt.Errorf("signing certificate: %w", err)
				}
				out = append(out, cert)
			}
		}
	}
	return out, nil
}

// idpMetadata returns the IdP metadata, fetching it when it was never
// fetched or is older than metadataTTL (force: always). A failed refresh
// keeps the previous copy unless force is set.
func (c *Connector) idpMetadata(ctx context.Context, force bool) (*gosaml.EntityDescriptor, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.settings.IdPMetadataURL == "" {
		return c.idpMeta, nil
	}
	if c.idpMeta != nil && !force && c.now().Sub(c.fetchedAt) < metadataTTL {
		return c.idpMeta, nil
	}
	ed, err := c.fetchMetadata(ctx)
	if err != nil {
		if c.idpMeta != nil && !force {
			c.log.Warn("IdP metadata refresh failed; using the previous copy", "err", err)
			return c.idpMeta, nil
		}
		return nil, err
	}
	c.idpMeta, c.fetchedAt = ed, c.now()
	return ed, nil
}

func (c *Connector) fetchMetadata(ctx context.Context) (*gosaml.EntityDescriptor, error) {
	u := c.settings.IdPMetadataURL
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("idpMetadataURL: %w", err)
	}
	req.Header.Set("Accept", "application/samlmetadata+xml, application/xml, text/xml")
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: fetching IdP metadata from %s: %v", idp.ErrUnavailable, u, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: fetching IdP metadata from %s: HTTP %d", idp.ErrUnavailable, u, resp.StatusCode)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxMetadataSize+1))
	if err != nil {
		return nil, fmt.Errorf("%w: reading IdP metadata from %s: %v", idp.ErrUnavailable, u, err)
	}
	if len(data) > maxMetadataSize {
		return nil, fmt.Errorf("IdP metadata at %s is larger than %d bytes", u, maxMetadataSize)
	}
	ed, err := parseIdPMetadata(data)
	if err != nil {
		return nil, fmt.Errorf("IdP metadata at %s: %w", u, err)
	}
	return ed, nil
}

// Check fetches (again) and checks the IdP metadata: an IdP entity with an
// HTTP-Redirect SSO endpoint and a signing certificate that is valid now.
func (c *Connector) Check(ctx context.Context) error {
	ed, err := c.idpMetadata(ctx, true)
	if err != nil {
		return err
	}
	certs, _ := signingCerts(ed)
	now := c.now()
	var valid bool
	var last time.Time
	for _, cert := range certs {
		if !now.Before(cert.NotBefore) && !now.After(cert.NotAfter) {
			valid = true
		}
		if cert.NotAfter.After(last) {
			last = cert.NotAfter
		}
	}
	if !valid {
		return fmt.Errorf("no signing certificate of IdP %q is valid now (the latest expires %s)", ed.EntityID, last.Format(time.RFC3339))
	}
	if !ed.ValidUntil.IsZero() && now.After(ed.ValidUntil) {
		return fmt.Errorf("IdP metadata of %q expired on %s", ed.EntityID, ed.ValidUntil.Format(time.RFC3339))
	}
	return nil
}

// metadataURL is the SP metadata URL for a callback URL: its sibling
// "metadata".
func metadataURL(callback *url.URL) url.URL {
	return *callback.ResolveReference(&url.URL{Path: "metadata"})
}

// serviceProvider is the crewjam SP for one callback (ACS) URL, seeing the
// time now.
func (c *Connector) serviceProvider(callbackURL string, ed *gosaml.EntityDescriptor, now time.Time) (*gosaml.ServiceProvider, error) {
	acs, err := url.Parse(callbackURL)
	if err != nil || !acs.IsAbs() {
		return nil, fmt.Errorf("callback URL %q is not an absolute URL", callbackURL)
	}
	sp := &gosaml.ServiceProvider{
		EntityID:                         c.settings.EntityID,
		Key:                              c.key,
		Certificate:                      c.cert,
		MetadataURL:                      metadataURL(acs),
		AcsURL:                           *acs,
		IDPMetadata:                      ed,
		AuthnNameIDFormat:                gosaml.PersistentNameIDFormat,
		SignatureMethod:                  signatureMethod(c.key),
		AssertionConsumerServiceBindings: []string{gosaml.HTTPPostBinding},
		MetadataOmitValidUntil:           true,
		Clock:                            fixedClock(now),
		LimitRelayStateLength:            true,
	}
	return sp, nil
}

// Metadata serves the SP metadata for the callback (ACS) URL.
func (c *Connector) Metadata(callbackURL string) ([]byte, string, error) {
	sp, err := c.serviceProvider(callbackURL, nil, c.now())
	if err != nil {
		return nil, "", err
	}
	body, err := xml.MarshalIndent(sp.Metadata(), "", "  ")
	if err != nil {
		return nil, "", err
	}
	return append([]byte(xml.Header), body...), "application/samlmetadata+xml", nil
}
