// Package ui owns serving the web UI: the single-page app built from web/
// into dist/ and embedded in the binary. Unknown paths serve index.html so
// the app's own routes work on reload; hashed assets are cached forever.
// When the UI was not built (a plain `go build` on a clean checkout) a
// placeholder page says how to build it.
package ui

import (
	"bytes"
	"embed"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed all:dist placeholder.html
var files embed.FS

// PagePolicy is the Content-Security-Policy of the app's page: scripts and
// connections only from this origin (WebSockets included), no frames, no
// plugins, forms post only here. Styles allow inline: CodeMirror and
// xterm.js create <style> elements at run time; scripts never run inline.
const PagePolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
	"font-src 'self'; connect-src 'self'; frame-ancestors 'none'; object-src 'none'; base-uri 'self'; form-action 'self'"

// Handler serves the UI.
func Handler() http.Handler {
	dist, _ := fs.Sub(files, "dist/app")
	index, err := fs.ReadFile(dist, "index.html")
	built := err == nil
	if !built {
		index, _ = files.ReadFile("placeholder.html")
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		p := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
		if built && strings.HasPrefix(p, "assets/") {
			b, err := fs.ReadFile(dist, p)
			if err != nil {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
			http.ServeContent(w, r, p, time.Time{}, bytes.NewReader(b))
			return
		}
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", PagePolicy)
		http.ServeContent(w, r, "index.html", time.Time{}, bytes.NewReader(index))
	})
}

// Built reports whether the embedded UI is the real app.
func Built() bool {
	_, err := fs.Stat(files, "dist/app/index.html")
	return err == nil
}
