package auth

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path"
	"strings"
	"time"
	"unicode"

	"golang.org/x/crypto/bcrypt"

	"github.com/dirigo/dirigo/runtime"
)

// maxUsersFile bounds the users file (a user is about 100 bytes).
const maxUsersFile = 16 << 20

// A table is one reading of the users file: the users and the rules.
type table struct {
	users map[string]*account
	rules []rule
	// dummy is a hash no password matches, of the users' highest cost:
	// an unknown name costs a bcrypt comparison too, so the time of an
	// answer does not tell which names exist.
	dummy []byte
	// sig identifies the file version read.
	sig fileSig
}

// An account is one user of the file.
type account struct {
	name string
	hash []byte
	// key fingerprints the hash: a login remembered in a session holds
	// it, so a changed password (or a removed and re-added user) ends the
	// sessions logged in before.
	key string
	// basic and form are the user as a request authenticated with HTTP
	// Basic or with the login form sees it.
	basic, form *runtime.User
}

// A rule says what a path under the script root requires.
type rule struct {
	// prefix is a cleaned, lower-cased path ("/admin"; "/" for all).
	prefix string
	// need is what the path requires; roles are those of needRoles.
	need  need
	roles []string
	// line is where the rule is in the file, for messages.
	line int
}

type need uint8

const (
	needNone  need = iota // anyone (a "-" rule)
	needLogin             // a logged-in user (a "*" rule; /services/)
	needRoles             // a user with one of the roles
)

// matches reports whether the rule covers p (a cleaned, lower-cased path
// that starts with "/").
func (r *rule) matches(p string) bool {
	return r.prefix == "/" || p == r.prefix || strings.HasPrefix(p, r.prefix) && p[len(r.prefix)] == '/'
}

// fileSig identifies a version of a file without reading it.
type fileSig struct {
	mod  time.Time
	size int64
}

func statSig(fi os.FileInfo) fileSig { return fileSig{fi.ModTime(), fi.Size()} }

// loadTable reads and parses the users file.
func loadTable(file string) (*table, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", file)
	}
	if fi.Size() > maxUsersFile {
		return nil, fmt.Errorf("%s: larger than %d bytes", file, maxUsersFile)
	}
	data := make([]byte, 0, fi.Size())
	buf := bytes.NewBuffer(data)
	if _, err := buf.ReadFrom(f); err != nil {
		return nil, err
	}
	t, err := parseTable(buf.Bytes())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	t.sig = statSig(fi)
	return t, nil
}

// parseTable parses the users file format:
//
//	# a comment
//	NAME:BCRYPT-HASH[:ROLE,ROLE...]
//	/PATH ROLE,ROLE... | * | -
//
// A user line is an htpasswd line (htpasswd -B) with an optional third
// field of roles. A line that starts with "/" is a rule.
func parseTable(data []byte) (*table, error) {
	t := &table{users: map[string]*account{}}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), 64<<10)
	var errs []error
	maxCost := 0
	seenRule := map[string]int{}
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		if line[0] == '/' {
			r, err := parseRule(line, n)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if prev, dup := seenRule[r.prefix]; dup {
				errs = append(errs, fmt.Errorf("line %d: a second rule for %s (the first is on line %d)", n, r.prefix, prev))
				continue
			}
			seenRule[r.prefix] = n
			t.rules = append(t.rules, r)
			continue
		}
		a, cost, err := parseUser(line, n)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if _, dup := t.users[a.name]; dup {
			errs = append(errs, fmt.Errorf("line %d: user %q appears twice", n, a.name))
			continue
		}
		t.users[a.name] = a
		maxCost = max(maxCost, cost)
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if maxCost == 0 {
		maxCost = bcrypt.DefaultCost
	}
	dummy, err := bcrypt.GenerateFromPassword([]byte("dirigo: no user has this password"), maxCost)
	if err != nil {
		return nil, err
	}
	t.dummy = dummy
	return t, nil
}

// parseUser parses a user line; its errors never quote the hash.
func parseUser(line string, n int) (*account, int, error) {
	name, rest, ok := strings.Cut(line, ":")
	if !ok {
		return nil, 0, fmt.Errorf("line %d: want NAME:BCRYPT-HASH[:ROLES] or a rule /PATH ROLES", n)
	}
	if !validName(name) {
		return nil, 0, fmt.Errorf("line %d: invalid user name %q (no spaces, colons or control characters)", n, name)
	}
	hash, roleList, _ := strings.Cut(rest, ":")
	cost, err := bcrypt.Cost([]byte(hash))
	if err != nil {
		return nil, 0, fmt.Errorf("line %d: user %q: the password is not a bcrypt hash (make one with htpasswd -nBC 10 NAME)", n, name)
	}
	roles, err := parseRoles(roleList)
	if err != nil {
		return nil, 0, fmt.Errorf("line %d: user %q: %w", n, name, err)
	}
	sum := sha256.Sum256([]byte(name + "\x00" + hash))
	a := &account{name: name, hash: []byte(hash), key: base64.RawURLEncoding.EncodeToString(sum[:12])}
	a.basic = &runtime.User{Name: name, Roles: roles, AuthType: "Basic"}
	a.form = &runtime.User{Name: name, Roles: roles, AuthType: "FORM"}
	return a, cost, nil
}

// parseRule parses a rule line: a path and what it requires.
func parseRule(line string, n int) (rule, error) {
	fields := strings.Fields(line)
	if len(fields) != 2 {
		return rule{}, fmt.Errorf("line %d: want a rule /PATH ROLE[,ROLE...] (or * for any user, - for anyone)", n)
	}
	p := path.Clean(fields[0])
	r := rule{prefix: strings.ToLower(p), line: n}
	if lp := r.prefix; lp == "/public" || strings.HasPrefix(lp, "/public/") || lp == "/services" || strings.HasPrefix(lp, "/services/") {
		return rule{}, fmt.Errorf("line %d: rules name paths under the script root (/admin covers /admin/x.js and /services/js/admin/x.js): drop the %s prefix", n, strings.SplitN(lp, "/", 3)[1])
	}
	switch fields[1] {
	case "*":
		r.need = needLogin
	case "-":
		r.need = needNone
	default:
		roles, err := parseRoles(fields[1])
		if err != nil || len(roles) == 0 {
			return rule{}, fmt.Errorf("line %d: invalid roles %q", n, fields[1])
		}
		r.need, r.roles = needRoles, roles
	}
	return r, nil
}

// parseRoles parses a comma-separated role list ("" is none).
func parseRoles(s string) ([]string, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var roles []string
	for _, r := range strings.Split(s, ",") {
		r = strings.TrimSpace(r)
		if !validName(r) || strings.ContainsRune(r, ',') {
			return nil, fmt.Errorf("invalid role %q", r)
		}
		roles = append(roles, r)
	}
	return roles, nil
}

func validName(s string) bool {
	if s == "" || len(s) > 256 {
		return false
	}
	for _, c := range s {
		if c == ':' || unicode.IsSpace(c) || unicode.IsControl(c) {
			return false
		}
	}
	return true
}

// requirement returns what the request for urlPath, which resolved to file
// ("" when it names nothing), requires: /services/ URLs a logged-in user,
// and on top the longest rule that covers the path under the root the URL
// names and the longest that covers file (they differ when a clean URL
// names a script: /api/x/1 and api/x.js). The roles returned are those of
// each rule that asks for roles: the user needs one of every list.
func (t *table) requirement(urlPath, file string) (need, [][]string) {
	n := needNone
	if urlPath == "/services" || strings.HasPrefix(urlPath, "/services/") {
		n = needLogin
	}
	var roles [][]string
	apply := func(p string) {
		if r := t.match(p); r != nil {
			switch r.need {
			case needLogin:
				n = max(n, needLogin)
			case needRoles:
				n = needRoles
				roles = append(roles, r.roles)
			}
		}
	}
	apply(underRoot(urlPath))
	if file != "" {
		apply(path.Clean("/" + file))
	}
	return n, roles
}

// match returns the longest rule that covers p, or nil.
func (t *table) match(p string) *rule {
	if len(t.rules) == 0 {
		return nil
	}
	p = strings.ToLower(p)
	var best *rule
	for i := range t.rules {
		r := &t.rules[i]
		if r.matches(p) && (best == nil || len(r.prefix) > len(best.prefix)) {
			best = r
		}
	}
	return best
}

// dirigiblePrefixes are the URL prefixes of Dirigible's endpoints; what
// follows them is a path under the script root (as in runtime's resolver).
var dirigiblePrefixes = [...]string{"/services/js/", "/public/js/", "/services/ts/", "/public/ts/"}

// underRoot returns the path under the script root a URL path names, as a
// cleaned path that starts with "/".
func underRoot(urlPath string) string {
	for _, p := range dirigiblePrefixes {
		if rest, ok := strings.CutPrefix(urlPath, p); ok {
			return path.Clean("/" + rest)
		}
	}
	return path.Clean("/" + urlPath)
}
