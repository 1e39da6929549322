package auth

import (
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"strings"

	"github.com/dirigo/dirigo/runtime"
	"github.com/dirigo/dirigo/runtime/sessions"
)

// maxLoginBody bounds the body of a login form post.
const maxLoginBody = 8 << 10

// maxReturn bounds the path a login returns to.
const maxReturn = 2048

// loginPage is the login form. It loads nothing, so its policy forbids
// everything but its own style and posting to this origin.
var loginPage = template.Must(template.New("login").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in</title>
<style>body{font-family:system-ui,sans-serif;display:flex;justify-content:center;margin-top:10vh}
form{display:grid;gap:.6em;min-width:16em}p{margin:0}.error{color:#b00020}</style></head>
<body><form method="post" action="{{.Action}}">
<h1>Sign in</h1>
{{if .Message}}<p class="{{if .Error}}error{{end}}" role="status">{{.Message}}</p>
{{end}}<label>User name <input name="username" autocomplete="username" required autofocus value="{{.User}}"></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required></label>
<input type="hidden" name="return" value="{{.Return}}">
<button type="submit">Sign in</button>
</form></body></html>
`))

type loginView struct {
	Action, Return, User, Message string
	Error                         bool
}

// serveLogin answers the login path: GET shows the form, POST checks the
// user name and password, and on success makes the session the user's
// under a new ID (the old one, which another party may know, is dead)
// and sends the browser on.
func (a *Auth) serveLogin(w http.ResponseWriter, r *http.Request, ar *runtime.AuthRequest) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		v := loginView{Return: returnPath(r.URL.Query().Get("return"))}
		if _, ok := r.URL.Query()["logout"]; ok {
			v.Message = "You are signed out."
		}
		a.page(w, http.StatusOK, v)
		return
	case http.MethodPost:
	default:
		w.Header().Set("Allow", "GET, HEAD, POST")
		plain(w, http.StatusMethodNotAllowed)
		return
	}
	if err := a.origin.Check(r); err != nil {
		plain(w, http.StatusForbidden) // a login posted from another site
		return
	}
	sess := ar.Session()
	if sess == nil {
		plain(w, http.StatusNotFound) // no sessions: Basic only
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxLoginBody)
	if err := r.ParseForm(); err != nil {
		plain(w, http.StatusBadRequest)
		return
	}
	name, pass := r.PostForm.Get("username"), r.PostForm.Get("password")
	v := loginView{Return: returnPath(r.PostForm.Get("return"))}
	if len(name) > 256 {
		name = ""
	}
	acct, wait := a.verify(r.Context(), a.table(), name, pass, ar, "form")
	switch {
	case wait > 0:
		w.Header().Set("Retry-After", retryAfter(wait))
		v.Message, v.Error, v.User = "Too many failed sign-ins from your address. Try again later.", true, name
		a.page(w, http.StatusTooManyRequests, v)
		return
	case acct == nil:
		v.Message, v.Error, v.User = "Wrong user name or password.", true, name
		a.page(w, http.StatusUnauthorized, v)
		return
	}
	login, _ := json.Marshal(sessionLogin{Name: acct.name, Key: acct.key, At: a.now().Unix()})
	_, err := sess.ChangeID()
	if err == nil {
		err = sess.SetPrivate(sessionUserAttr, login)
	}
	if err == nil {
		err = sess.CommitLast(w.Header())
	}
	if err != nil {
		a.log.Error("login: storing the session", "user", acct.name, "error", err)
		status := http.StatusServiceUnavailable
		if errors.Is(err, sessions.ErrLimit) {
			status = http.StatusInternalServerError
		}
		w.Header().Del("Set-Cookie")
		w.Header().Set("Retry-After", "1")
		plain(w, status)
		return
	}
	a.log.Info("login", "user", acct.name, "how", "form", "client", ar.Client(), "session", sess.LogID())
	target := v.Return
	if target == "" {
		target = "/"
	}
	w.Header().Set("Location", target)
	w.WriteHeader(http.StatusSeeOther)
}

// serveLogout ends the request's session (its login and everything in
// it) and sends the browser to the login form.
func (a *Auth) serveLogout(w http.ResponseWriter, r *http.Request, ar *runtime.AuthRequest) {
	switch r.Method {
	case http.MethodPost:
		if err := a.origin.Check(r); err != nil {
			plain(w, http.StatusForbidden)
			return
		}
	case http.MethodGet, http.MethodHead:
		// A link may sign out, but not one on another site.
		if site := r.Header.Get("Sec-Fetch-Site"); site == "cross-site" || site == "same-site" {
			plain(w, http.StatusForbidden)
			return
		}
	default:
		w.Header().Set("Allow", "GET, HEAD, POST")
		plain(w, http.StatusMethodNotAllowed)
		return
	}
	if sess := ar.Session(); sess != nil {
		name := ""
		if u, err := a.sessionUser(a.table(), sess); err == nil && u != nil {
			name = u.Name
		}
		err := sess.Invalidate()
		if err == nil {
			err = sess.CommitLast(w.Header())
		}
		if err != nil {
			a.log.Error("logout: deleting the session", "error", err)
			w.Header().Del("Set-Cookie")
			w.Header().Set("Retry-After", "1")
			plain(w, http.StatusServiceUnavailable)
			return
		}
		if name != "" {
			a.log.Info("logout", "user", name, "client", ar.Client())
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Location", a.cfg.LoginPath+"?logout")
	w.WriteHeader(http.StatusSeeOther)
}

// page sends the login form.
func (a *Auth) page(w http.ResponseWriter, status int, v loginView) {
	v.Action = a.cfg.LoginPath
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'")
	h.Set("Referrer-Policy", "same-origin")
	w.WriteHeader(status)
	_ = loginPage.Execute(w, v)
}

// returnPath returns p when it is a path on this site to return to after
// the login, else "": an absolute or scheme-relative URL ("//evil",
// "/\evil") would make the login an open redirect.
func returnPath(p string) string {
	if len(p) > maxReturn || !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") {
		return ""
	}
	for i := 0; i < len(p); i++ {
		if c := p[i]; c < 0x20 || c == 0x7f || c == '\\' {
			return ""
		}
	}
	return p
}
