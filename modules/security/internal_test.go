package security

import "testing"

func TestLanguage(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want string
	}{
		{nil, "*"},
		{[]string{""}, "*"},
		{[]string{"en-GB,en-US;q=0.9,en;q=0.8"}, "en-gb"},
		{[]string{"en;q=0.5", "de-DE"}, "de-de"},
		{[]string{"fr;q=0.7, de;q=0.7"}, "fr"}, // stable: the first of equals
		{[]string{"fr;q=0"}, ""},
		{[]string{"*"}, "*"},
		{[]string{"xx;q=abc, it"}, "it"},
	} {
		if got := language(tc.in); got != tc.want {
			t.Errorf("language(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestSecurityToken(t *testing.T) {
	for in, want := range map[string]string{
		"":              "",
		"Bearer abc":    " abc",
		"Basic a b":     " a b",
		"tokenwithout":  "tokenwithout",
		"Negotiate  xy": "  xy",
	} {
		if got := securityToken(in); got != want {
			t.Errorf("securityToken(%q) = %q, want %q", in, got, want)
		}
	}
}
