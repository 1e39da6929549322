package runtime

import (
	"net"
	"net/http"
	"net/netip"
	"strings"

	"github.com/dirigo/dirigo/runtime/sessions"
)

// Auth authenticates the requests of a Server and decides what each may
// reach (Config.Auth). The runtime knows no users, passwords or rules: it
// asks Auth once per request and hands the answer to the scripts
// (request.getRemoteUser(), isUserInRole(), getAuthType()).
//
// Implementations must be safe for concurrent use.
type Auth interface {
	// Serve is called for every request, once its path is resolved and
	// before anything is served (a script, a page, a static file, a 404).
	// It returns the user the request's own credentials (an Authorization
	// header) name, or nil when it carries none: such a request may still
	// belong to a user logged in through its session, which SessionUser
	// tells when a script asks. When Serve has answered the request itself
	// (a login page, a 401 challenge, a redirect to a login form, a 403 or
	// 429), it returns done, and the server serves nothing more. Serve must
	// not keep w, r, the AuthRequest or its session after it returns; it
	// must write to w only when it returns done.
	Serve(w http.ResponseWriter, r *http.Request, a *AuthRequest) (user *User, done bool)
	// SessionUser returns the user a session is logged in as, or nil. The
	// server calls it at most once per request, when a script asks for the
	// user of a request for which Serve returned none. It must not change
	// the session. An error (the session could not be loaded) fails the
	// script's call.
	SessionUser(s *sessions.Session) (*User, error)
}

// A User is who a request is authenticated as. Users are shared by the
// requests of a server: never change one.
type User struct {
	// Name is the user's name (request.getRemoteUser()).
	Name string
	// Roles are the user's roles, as given (isUserInRole compares them
	// exactly).
	Roles []string
	// AuthType names how the user authenticated (request.getAuthType()):
	// "Basic" for HTTP Basic credentials, "FORM" for a login form.
	AuthType string
}

// InRole reports whether the user has role. As Spring Security's request
// wrapper does, a role asked with the "ROLE_" prefix also matches the role
// without it.
func (u *User) InRole(role string) bool {
	if u == nil {
		return false
	}
	bare, prefixed := strings.CutPrefix(role, "ROLE_")
	for _, r := range u.Roles {
		if r == role || prefixed && r == bare {
			return true
		}
	}
	return false
}

// An AuthRequest is what the server tells Auth.Serve besides the request.
type AuthRequest struct {
	// Route is how the request path resolved: the zero Route when it names
	// nothing (a 404 or a bad path to be).
	Route Route

	srv  *Server
	r    *http.Request
	sess *sessions.Session
}

// Session returns the request's session handle, begun on the first call
// (nil when the server keeps no sessions). The server commits and ends it:
// after the request when a script runs with it, at the end of the request
// otherwise. A Serve that answers a request itself and changed the session
// must commit it (Session.CommitLast) before it writes the response.
func (a *AuthRequest) Session() *sessions.Session {
	if a.sess == nil && a.srv.cfg.Sessions != nil {
		a.sess = a.srv.cfg.Sessions.Begin(a.r)
	}
	return a.sess
}

// Client returns the client's IP address, as the access log shows it:
// through the trusted proxies of Config.TrustedProxies.
func (a *AuthRequest) Client() string { return clientAddr(a.r, a.srv.cfg.TrustedProxies) }

// authenticate runs Config.Auth for a request whose path resolved to route
// (zero when it did not). It returns the state the request carries into
// the script, or done when Auth answered the request.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request, route Route) (*authState, bool) {
	st := &authState{req: AuthRequest{Route: route, srv: s, r: r}}
	user, done := s.cfg.Auth.Serve(w, r, &st.req)
	st.user = user
	return st, done
}

// authState is what the authentication of a request hands on: the user
// its credentials named and the session handle Serve began, which the
// request's Call takes over (or the server ends).
type authState struct {
	req  AuthRequest
	user *User
}

// takeSession hands the session handle over to the caller, who must end it.
func (st *authState) takeSession() *sessions.Session {
	if st == nil {
		return nil
	}
	s := st.req.sess
	st.req.sess = nil
	return s
}

// end ends the session handle unless a Call took it over.
func (st *authState) end(x *exchange) {
	if s := st.takeSession(); s != nil {
		if x != nil {
			x.session = s.LogID()
		}
		s.End()
	}
}

// User returns the user the request is authenticated as, or nil: anonymous,
// in batch mode, or when the server has no Config.Auth. A user logged in
// through a login form is read from the session on first use; an error
// means the session could not be loaded.
func (c *Call) User() (*User, error) {
	if c.userKnown || c.req == nil || c.auth == nil {
		return c.user, nil
	}
	s := c.Session()
	if s == nil {
		c.userKnown = true
		return nil, nil
	}
	u, err := c.auth.SessionUser(s)
	if err != nil {
		return nil, err
	}
	c.user, c.userKnown = u, true
	return u, nil
}

// clientAddr returns the client's IP address of r: the host of the
// connection's remote address or, when that is a trusted proxy, the
// rightmost address of X-Forwarded-For that is not one (the addresses to
// its left were written by the client and prove nothing). An entry that is
// not an IP address ends the walk at the last trusted hop.
func clientAddr(r *http.Request, trusted []netip.Prefix) string {
	host := r.RemoteAddr
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if len(trusted) == 0 || !isTrusted(trusted, host) {
		return host
	}
	xff := r.Header["X-Forwarded-For"]
	for i := len(xff) - 1; i >= 0; i-- {
		list := xff[i]
		for list != "" {
			var part string
			if j := strings.LastIndexByte(list, ','); j >= 0 {
				list, part = list[:j], list[j+1:]
			} else {
				list, part = "", list
			}
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			if !validAddr(part) {
				return host
			}
			if !isTrusted(trusted, part) {
				return part
			}
			host = part
		}
	}
	return host
}

func isTrusted(trusted []netip.Prefix, host string) bool {
	a, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
