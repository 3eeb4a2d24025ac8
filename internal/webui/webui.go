// Package webui serves OS1's web page: one HTML document, its style sheet
// and its JavaScript modules, embedded in the binary. The page talks only to
// the JSON API under /api/v1; nothing is loaded from elsewhere and there is
// no build step.
//
// Every response carries a strict Content-Security-Policy (scripts and
// styles from this origin only, no inline script, no framing). The HTML is
// revalidated on every load; assets carry a content-hash ETag and are
// revalidated too, so a new binary is picked up at once and an unchanged one
// costs a 304. Text files are sent gzipped to clients that accept it. Paths
// other than the page's own answer 404.
package webui

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"log/slog"
	"mime"
	"net/http"
	"os"
	"path"
	"strings"
)

//go:embed static
var staticFS embed.FS

// ContentSecurityPolicy is sent with every response of the page.
const ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// Options configure the page handler. The zero value serves the embedded
// page.
type Options struct {
	// Dir, when set, serves the page from this directory on disk instead of
	// the embedded copy (re-read on each request), for working on the
	// page without rebuilding. It must hold the same files as static/.
	Dir string
	// Logger receives errors reading files. Nil: slog.Default().
	Logger *slog.Logger
}

// Handler returns the handler for the page: GET or HEAD of "/" (and
// "/index.html") serves the page, "/assets/NAME" its assets; other paths
// are 404, other methods 405.
func Handler(opts Options) http.Handler {
	h := &handler{log: opts.Logger}
	if h.log == nil {
		h.log = slog.Default()
	}
	if opts.Dir != "" {
		h.dir = opts.Dir
		return h
	}
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		panic(fmt.Sprintf("webui: embedded files: %v", err)) // cannot happen: static/ is embedded
	}
	files, err := loadFiles(sub)
	if err != nil {
		panic(fmt.Sprintf("webui: embedded files: %v", err))
	}
	h.files = files
	return h
}

// file is one servable file, read into memory, with a gzipped copy when
// that is smaller.
type file struct {
	body  []byte
	gz    []byte // nil: not worth compressing
	ctype string
	etag  string
}

type handler struct {
	files map[string]*file // by URL path; nil when serving from dir
	dir   string
	log   *slog.Logger
}

// loadFiles maps URL paths to the files of fsys: index.html at "/", every
// other file under "/assets/".
func loadFiles(fsys fs.FS) (map[string]*file, error) {
	out := map[string]*file{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return fmt.Errorf("read %s: %w", p, err)
		}
		f := newFile(p, b)
		if p == "index.html" {
			out["/"] = f
			out["/index.html"] = f
		} else {
			out["/assets/"+p] = f
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("walk page files: %w", err)
	}
	return out, nil
}

func newFile(name string, b []byte) *file {
	sum := sha256.Sum256(b)
	f := &file{body: b, ctype: contentType(name), etag: `"` + hex.EncodeToString(sum[:12]) + `"`}
	if len(b) > 512 && !strings.HasPrefix(f.ctype, "image/png") {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		zw.Write(b)
		zw.Close()
		if buf.Len() < len(b)*9/10 {
			f.gz = buf.Bytes()
		}
	}
	return f
}

// acceptsGzip reports whether the request's Accept-Encoding allows gzip.
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), "gzip") {
			q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
			return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
		}
	}
	return false
}

// contentType returns the media type for a file name, without depending
// on the machine's MIME tables for the types the page uses.
func contentType(name string) string {
	switch path.Ext(name) {
	case ".html":
		return "text/html; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".js", ".mjs":
		return "text/javascript; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".png":
		return "image/png"
	case ".json", ".webmanifest":
		return "application/manifest+json"
	}
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		return t
	}
	return "application/octet-stream"
}

func (h *handler) lookup(urlPath string) (*file, error) {
	if h.files != nil {
		return h.files[urlPath], nil
	}
	var name string
	switch {
	case urlPath == "/" || urlPath == "/index.html":
		name = "index.html"
	case strings.HasPrefix(urlPath, "/assets/"):
		name = strings.TrimPrefix(urlPath, "/assets/")
	default:
		return nil, nil
	}
	if !fs.ValidPath(name) {
		return nil, nil
	}
	b, err := fs.ReadFile(os.DirFS(h.dir), name)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("read page file %s: %w", name, err)
	}
	return newFile(name, b), nil
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", ContentSecurityPolicy)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "same-origin")
	hd.Set("X-Frame-Options", "DENY")

	f, err := h.lookup(r.URL.Path)
	if err != nil {
		h.log.Error("serve page", "path", r.URL.Path, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if f == nil {
		http.Error(w, "404 page not found", http.StatusNotFound)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		hd.Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	body, etag := f.body, f.etag
	if f.gz != nil {
		hd.Set("Vary", "Accept-Encoding")
		if acceptsGzip(r) {
			body, etag = f.gz, strings.TrimSuffix(f.etag, `"`)+`-gz"`
			hd.Set("Content-Encoding", "gzip")
		}
	}
	hd.Set("Content-Type", f.ctype)
	hd.Set("ETag", etag)
	// Revalidate every time: cheap (304) and a new build shows at once.
	hd.Set("Cache-Control", "no-cache")
	if match := r.Header.Get("If-None-Match"); match != "" && etagMatches(match, etag) {
		hd.Del("Content-Encoding")
		w.WriteHeader(http.StatusNotModified)
		return
	}
	hd.Set("Content-Length", fmt.Sprint(len(body)))
	if r.Method == http.MethodHead {
		return
	}
	w.Write(body)
}

// etagMatches reports whether an If-None-Match header names etag.
func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == etag {
			return true
		}
	}
	return false
}
