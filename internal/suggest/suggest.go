// Package suggest finds the name a misspelling most likely meant, for the
// "did you mean ...?" of error messages: algorithm names, commands and
// scenario keys.
package suggest

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Nearest returns the name in known that name most likely misspells, and
// false when none is near enough to suggest. A name that differs only in
// case or in its separators ("Round-Robin" for round_robin) is nearest;
// otherwise the closest by edit distance (insertions, deletions,
// substitutions and swaps of neighbours, ignoring case) wins if it is
// within a third of name's length, at least 1. Ties go to the first in
// known.
func Nearest(name string, known []string) (string, bool) {
	folded := fold(name)
	for _, k := range known {
		if fold(k) == folded {
			return k, true
		}
	}
	limit := max(1, utf8.RuneCountInString(name)/3)
	best, bestDist := "", limit+1
	for _, k := range known {
		if d := Distance(strings.ToLower(name), strings.ToLower(k)); d < bestDist {
			best, bestDist = k, d
		}
	}
	return best, best != ""
}

// fold lower-cases s and drops the separators people vary: '_', '-', ' '.
func fold(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '_' || r == '-' || r == ' ' {
			return -1
		}
		return unicode.ToLower(r)
	}, s)
}

// Distance is the optimal string alignment distance between a and b: the
// fewest insertions, deletions, substitutions and swaps of two neighbouring
// runes that turn a into b ("rnu" is 1 from "run").
func Distance(a, b string) int {
	s, t := []rune(a), []rune(b)
	// Three rows of the dynamic-programming table: i-2, i-1 and i.
	prev2, prev, cur := make([]int, len(t)+1), make([]int, len(t)+1), make([]int, len(t)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(s); i++ {
		cur[0] = i
		for j := 1; j <= len(t); j++ {
			cost := 1
			if s[i-1] == t[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && s[i-1] == t[j-2] && s[i-2] == t[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(t)]
}
