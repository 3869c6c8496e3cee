package domain

// usccAlphabet is GB 32100-2015's character set: digits and capitals
// without I, O, Z, S, V.
const usccAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// usccWeights are 3^(i−1) mod 31 for positions 1..17 (GB 32100-2015).
var usccWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

func usccValue(c byte) int {
	for i := 0; i < len(usccAlphabet); i++ {
		if usccAlphabet[i] == c {
			return i
		}
	}
	return -1
}

// USCCCheckChar returns the check character for the first 17 characters of a
// unified social credit code, or 0 if they are not all in the alphabet.
func USCCCheckChar(first17 string) byte {
	if len(first17) != 17 {
		return 0
	}
	sum := 0
	for i := 0; i < 17; i++ {
		v := usccValue(first17[i])
		if v < 0 {
			return 0
		}
		sum += v * usccWeights[i]
	}
	c := 31 - sum%31
	if c == 31 {
		c = 0
	}
	return usccAlphabet[c]
}

// ValidTaxpayerID checks TITLE-1's taxpayer-ID forms: an 18-character unified
// social credit code with a valid check character (GB 32100-2015), or an
// older 15-, 17- or 20-character taxpayer number of digits and capitals,
// which carries no check digit.
func ValidTaxpayerID(s string) bool {
	switch len(s) {
	case 18:
		// USCCCheckChar returns 0 for characters outside the alphabet: that
		// must not match a NUL in the 18th place.
		c := USCCCheckChar(s[:17])
		return c != 0 && c == s[17]
	case 15, 17, 20:
		for i := 0; i < len(s); i++ {
			c := s[i]
			if !('0' <= c && c <= '9' || 'A' <= c && c <= 'Z') {
				return false
			}
		}
		return true
	}
	return false
}
