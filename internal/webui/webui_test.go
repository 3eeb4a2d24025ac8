package webui

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func fetch(t *testing.T, h http.Handler, method, path string, hdr map[string]string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func TestServesPageAndAssets(t *testing.T) {
	h := Handler(Options{})
	cases := []struct {
		path, ctype, contains string
	}{
		{"/", "text/html; charset=utf-8", `<script type="module" src="/assets/app.js">`},
		{"/index.html", "text/html; charset=utf-8", "<main"},
		{"/assets/app.css", "text/css; charset=utf-8", "--accent"},
		{"/assets/app.js", "text/javascript; charset=utf-8", "import"},
		{"/assets/api.js", "text/javascript; charset=utf-8", "text/event-stream"},
		{"/assets/icon.svg", "image/svg+xml", "<svg"},
	}
	for _, c := range cases {
		res := fetch(t, h, "GET", c.path, nil)
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 {
			t.Errorf("GET %s: status %d", c.path, res.StatusCode)
			continue
		}
		if got := res.Header.Get("Content-Type"); got != c.ctype {
			t.Errorf("GET %s: Content-Type %q, want %q", c.path, got, c.ctype)
		}
		if !strings.Contains(string(body), c.contains) {
			t.Errorf("GET %s: body lacks %q", c.path, c.contains)
		}
		if got := res.Header.Get("Content-Security-Policy"); got != ContentSecurityPolicy {
			t.Errorf("GET %s: CSP %q", c.path, got)
		}
		if res.Header.Get("X-Content-Type-Options") != "nosniff" || res.Header.Get("Cache-Control") != "no-cache" || res.Header.Get("ETag") == "" {
			t.Errorf("GET %s: headers %v", c.path, res.Header)
		}
	}
}

func TestCSPIsStrict(t *testing.T) {
	for _, want := range []string{"default-src 'none'", "script-src 'self'", "frame-ancestors 'none'", "base-uri 'none'"} {
		if !strings.Contains(ContentSecurityPolicy, want) {
			t.Errorf("CSP lacks %q", want)
		}
	}
	for _, bad := range []string{"unsafe-inline", "unsafe-eval", "http:", "https:", "*"} {
		if strings.Contains(ContentSecurityPolicy, bad) {
			t.Errorf("CSP allows %q", bad)
		}
	}
}

// The page must work under its own CSP: no inline scripts, no inline
// event handlers or style attributes, nothing loaded from elsewhere.
func TestPageHasNoInlineCodeOrRemoteResources(t *testing.T) {
	sub := os.DirFS("static")
	entries, err := os.ReadDir("static")
	if err != nil {
		t.Fatal(err)
	}
	inlineScript := regexp.MustCompile(`<script(?:\s[^>]*)?>\s*[^<\s]`)
	handlerAttr := regexp.MustCompile(`(?i)\son[a-z]+\s*=`)
	remote := regexp.MustCompile(`(?i)(src|href)\s*=\s*["']?(https?:)?//`)
	for _, e := range entries {
		b, err := io.ReadAll(must(sub.Open(e.Name())))
		if err != nil {
			t.Fatal(err)
		}
		s := string(b)
		if strings.HasSuffix(e.Name(), ".html") {
			if inlineScript.MatchString(s) || handlerAttr.MatchString(s) || strings.Contains(s, "style=") {
				t.Errorf("%s has inline script, handler or style", e.Name())
			}
		}
		if strings.HasSuffix(e.Name(), ".js") {
			for _, bad := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"} {
				if strings.Contains(s, bad) {
					t.Errorf("%s uses %s", e.Name(), bad)
				}
			}
		}
		if remote.MatchString(s) || strings.Contains(s, "@import") {
			t.Errorf("%s loads something from elsewhere", e.Name())
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestUnknownPathsAre404(t *testing.T) {
	h := Handler(Options{})
	for _, p := range []string{"/nope", "/assets/", "/assets/nope.js", "/assets/../index.html", "/static/app.js", "/app.js", "/favicon.ico"} {
		if res := fetch(t, h, "GET", p, nil); res.StatusCode != 404 {
			t.Errorf("GET %s: status %d, want 404", p, res.StatusCode)
		}
	}
}

func TestConditionalHeadAndMethods(t *testing.T) {
	h := Handler(Options{})
	first := fetch(t, h, "GET", "/assets/app.js", nil)
	etag := first.Header.Get("ETag")
	if res := fetch(t, h, "GET", "/assets/app.js", map[string]string{"If-None-Match": etag}); res.StatusCode != 304 {
		t.Errorf("If-None-Match: status %d, want 304", res.StatusCode)
	}
	if res := fetch(t, h, "GET", "/assets/app.js", map[string]string{"If-None-Match": `"other"`}); res.StatusCode != 200 {
		t.Errorf("stale If-None-Match: status %d, want 200", res.StatusCode)
	}
	head := fetch(t, h, "HEAD", "/", nil)
	if b, _ := io.ReadAll(head.Body); head.StatusCode != 200 || len(b) != 0 || head.Header.Get("Content-Length") == "" {
		t.Errorf("HEAD /: status %d, %d body bytes", head.StatusCode, len(b))
	}
	if res := fetch(t, h, "POST", "/", nil); res.StatusCode != 405 || res.Header.Get("Allow") != "GET, HEAD" {
		t.Errorf("POST /: status %d", res.StatusCode)
	}
}

func TestGzip(t *testing.T) {
	h := Handler(Options{})
	plain := fetch(t, h, "GET", "/assets/chat.js", nil)
	want, _ := io.ReadAll(plain.Body)
	res := fetch(t, h, "GET", "/assets/chat.js", map[string]string{"Accept-Encoding": "br, gzip"})
	if res.Header.Get("Content-Encoding") != "gzip" || res.Header.Get("Vary") != "Accept-Encoding" {
		t.Fatalf("gzip not used: %v", res.Header)
	}
	if res.Header.Get("ETag") == plain.Header.Get("ETag") {
		t.Error("gzipped and plain bodies share an ETag")
	}
	zr, err := gzip.NewReader(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(zr)
	if string(got) != string(want) {
		t.Error("gzipped body differs from the file")
	}
	if res := fetch(t, h, "GET", "/assets/chat.js", map[string]string{"Accept-Encoding": "gzip;q=0"}); res.Header.Get("Content-Encoding") != "" {
		t.Error("gzip sent although refused")
	}
	etag := res.Header.Get("ETag")
	if res := fetch(t, h, "GET", "/assets/chat.js", map[string]string{"Accept-Encoding": "gzip", "If-None-Match": etag}); res.StatusCode != 304 {
		t.Errorf("gzip revalidation: status %d", res.StatusCode)
	}
}

func TestServesFromDir(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "index.html"), []byte("<p>dev</p>"), 0o644)
	os.WriteFile(filepath.Join(dir, "x.css"), []byte("p{}"), 0o644)
	h := Handler(Options{Dir: dir})
	res := fetch(t, h, "GET", "/", nil)
	if b, _ := io.ReadAll(res.Body); string(b) != "<p>dev</p>" {
		t.Errorf("GET / from dir: %q", b)
	}
	if res := fetch(t, h, "GET", "/assets/x.css", nil); res.Header.Get("Content-Type") != "text/css; charset=utf-8" {
		t.Errorf("GET /assets/x.css from dir: %v", res.Header)
	}
	if res := fetch(t, h, "GET", "/assets/../../etc/passwd", nil); res.StatusCode != 404 {
		t.Errorf("traversal: status %d", res.StatusCode)
	}
}

// The page stays small: what the chat's first load fetches is far under
// 100 KB, and all the sections together stay modest (the others load
// only when opened).
func TestPageWeight(t *testing.T) {
	chatLoad := map[string]bool{"index.html": true, "app.css": true, "app.js": true, "api.js": true, "dom.js": true,
		"auth.js": true, "chat.js": true, "markdown.js": true, "icon.svg": true}
	first, total := 0, 0
	entries, _ := os.ReadDir("static")
	for _, e := range entries {
		info, _ := e.Info()
		total += int(info.Size())
		if chatLoad[e.Name()] {
			first += int(info.Size())
		}
	}
	if first > 60<<10 {
		t.Errorf("the chat's first load is %d bytes of files; keep it under 60 KB", first)
	}
	if total > 200<<10 {
		t.Errorf("page files total %d bytes; keep them under 200 KB", total)
	}
	t.Logf("chat first-load files %d bytes, all page files %d bytes (uncompressed)", first, total)
}
