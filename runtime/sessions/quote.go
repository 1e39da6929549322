package sessions

import (
	"strconv"
	"unicode/utf8"
)

// maxQuoted is how much of a name an error message quotes.
const maxQuoted = 64

// Quote quotes s for an error message: whole when it is short, else its
// first 64 bytes (cut at a character boundary), "…" and its length, so an
// error about a 2 MB attribute name is not 2 MB long.
func Quote(s string) string {
	if len(s) <= maxQuoted {
		return strconv.Quote(s)
	}
	cut := maxQuoted
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strconv.Quote(s[:cut]) + "… (" + strconv.Itoa(len(s)) + " bytes)"
}
