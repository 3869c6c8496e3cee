package domain

// The forms of identifiers and keys, each written once here: the API's
// checks, the OpenAPI document and the console all take them from this
// file.

// AccountIDPattern is the form of an account ID, as a regular expression
// (for the OpenAPI document and the console): 1–64 characters of A–Z, a–z,
// 0–9, '-' and '_'. The limit keeps stream names safe in every store and in
// URLs. ValidAccountID checks it without a regexp.
const AccountIDPattern = `^[A-Za-z0-9_-]{1,64}$`

// ValidAccountID reports whether id matches AccountIDPattern.
func ValidAccountID(id string) bool {
	if len(id) < 1 || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		switch c := id[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_':
		default:
			return false
		}
	}
	return true
}

// MonthPattern is the form of a month, YYYY-MM (a statement's month, a
// quota's, a reconciliation's), as a regular expression.
const MonthPattern = `^[0-9]{4}-(0[1-9]|1[0-2])$`

// ValidMonth reports whether s matches MonthPattern. It and the checks
// below run under every application and issue, so they are written byte by
// byte rather than as regexps (docs/performance.md); formats_test.go holds
// each to its pattern.
func ValidMonth(s string) bool {
	if len(s) != 7 || s[4] != '-' || !digits(s[:4]) || !digits(s[5:]) {
		return false
	}
	m := (s[5]-'0')*10 + s[6] - '0'
	return 1 <= m && m <= 12
}

// digits reports whether every byte of s is an ASCII digit.
func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// validInvoiceCode is ^([0-9]{10}|[0-9]{12})$, a paper invoice's code.
func validInvoiceCode(s string) bool { return (len(s) == 10 || len(s) == 12) && digits(s) }

// validInvoiceNumber is ^[0-9]{8}$, a paper invoice's number.
func validInvoiceNumber(s string) bool { return len(s) == 8 && digits(s) }

// validElectronicNumber is ^[0-9]{20}$, EINV-2's number of an e-invoice.
func validElectronicNumber(s string) bool { return len(s) == 20 && digits(s) }

// validPostalCode is ^[0-9]{6}$.
func validPostalCode(s string) bool { return len(s) == 6 && digits(s) }

// validMobile is ^1[3-9][0-9]{9}$, a mainland mobile number.
func validMobile(s string) bool {
	return len(s) == 11 && s[0] == '1' && '3' <= s[1] && s[1] <= '9' && digits(s[2:])
}

// PrintableASCII reports whether every byte of s is printable ASCII, from
// space (0x20) to '~' (0x7e): the alphabet of idempotency keys (APP-6) and
// request IDs.
func PrintableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
