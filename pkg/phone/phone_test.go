package phone

import (
	"errors"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/nyaruka/phonenumbers"
)

func TestNormalize(t *testing.T) {
	cases := []struct{ in, cc, want string }{
		{"+41 44 555 12 34", "", "+41445551234"},
		{"+41 44 555 12 34", "+45", "+41445551234"},
		{"0041 44 555 12 34", "", "+41445551234"},
		{"0041 44 555 12 34", "+41", "+41445551234"},
		{"+41 (0)44 555 00 00", "", "+41445550000"},
		{"+49 (0)30 1234567", "+41", "+49301234567"},
		{"044 555 12 34", "+41", "+41445551234"},
		{"079 555 11 22", "+41", "+41795551122"},
		{"(415) 555-2671", "+1", "+14155552671"},
		{"20 30 40 50", "+45", "+4520304050"},
		{"+44 20 7946 0000", "", "+442079460000"},
		{"+4179-555.11/22", "", "+41795551122"},
	}
	for _, c := range cases {
		got, err := Normalize(c.in, c.cc)
		if err != nil || got != c.want {
			t.Errorf("Normalize(%q, %q) = %q, %v; want %q", c.in, c.cc, got, err, c.want)
		}
	}
}

func TestNormalizeErrors(t *testing.T) {
	cases := []struct{ in, cc, want string }{
		{"", "+41", `"" is empty: not a phone number`},
		{"abc", "+41", `"abc" is not a phone number`},
		{"+", "+41", `"+" is not a phone number`},
		{"079 555 11 22", "", `"079 555 11 22" has no country code, and no default_country is set: ` + NoCountryHint},
		{"+41 44 555 12 34 ext. 5", "", `"+41 44 555 12 34 ext. 5" has an extension (5), which cannot be dialled or stored in E.164: give the number without it`},
		{"+41 44 555", "", `"+41 44 555" is not a valid phone number for CH (+41)`},
		{"12 34 56 78", "+45", `"12 34 56 78" is not a valid phone number for DK (+45)`},
		{"+1 555 123 4567", "", `"+1 555 123 4567" is not a valid phone number for US (+1)`},
		{"+999 123 456", "", `"+999 123 456" has an unknown country code`},
		{"+41 445551234567890123", "", `"+41 445551234567890123" is not a phone number`},
		// Excel shows a long number in a cell formatted as a number like this, and exports it so.
		{"4.1791234567E+10", "+41", `"4.1791234567E+10" is not a phone number: Excel wrote it as a number (in scientific notation, with its leading 0 or + lost): format the column as Text in Excel and export it again`},
		{"4,17912E+10", "+41", `"4,17912E+10" is not a phone number: Excel wrote it as a number (in scientific notation, with its leading 0 or + lost): format the column as Text in Excel and export it again`},
	}
	for _, c := range cases {
		got, err := Normalize(c.in, c.cc)
		if err == nil || err.Error() != c.want {
			t.Errorf("Normalize(%q, %q) = %q, %v; want error %s", c.in, c.cc, got, err, c.want)
		}
	}
	_, err := Normalize("044 555 12 34", "")
	var pe *Error
	if !errors.As(err, &pe) || !pe.NoCountry {
		t.Errorf("a national number without a country: %#v, want a NoCountry error", err)
	}
	if _, err := Normalize("044 555 12 34", "+999"); err == nil || err.Error() != `invalid country code "+999": no country has the calling code 999` {
		t.Errorf("unknown default country: %v", err)
	}
}

func TestRegion(t *testing.T) {
	for in, want := range map[string]string{"+41": "CH", "+49": "DE", "+44": "GB", "+1": "US", "+45": "DK"} {
		if got, err := Region(in); err != nil || got != want {
			t.Errorf("Region(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "41", "+", "+041", "+4x", "+999"} {
		if got, err := Region(bad); err == nil {
			t.Errorf("Region(%q) = %q, want an error", bad, got)
		}
	}
}

// varied is three numbers like ex with other last digits: most are valid numbers too.
func varied(rng *rand.Rand, ex string) []string {
	var out []string
	for range 3 {
		b := []byte(ex)
		for i, n := len(b)-1, 0; i >= 0 && n < 3; i-- {
			if b[i] >= '0' && b[i] <= '9' {
				b[i] = byte('0' + rng.IntN(10))
				n++
			}
		}
		out = append(out, string(b))
	}
	return out
}

// The short path for "+digits" must give exactly what the library's own parser gives, for
// every calling code, valid numbers or not.
func TestFastPathAgreesWithParse(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	codes := []int{}
	for cc := range phonenumbers.GetSupportedCallingCodes() {
		codes = append(codes, cc)
	}
	checked, examples, fast := 0, 0, 0
	for _, cc := range codes {
		// Valid numbers (the example ones), and random digits of every plausible length.
		var nationals []string
		for _, r := range phonenumbers.GetRegionCodesForCountryCode(cc) {
			for _, typ := range []phonenumbers.PhoneNumberType{phonenumbers.FIXED_LINE, phonenumbers.MOBILE, phonenumbers.TOLL_FREE} {
				if ex := phonenumbers.GetExampleNumberForType(r, typ); ex != nil {
					nationals = append(nationals, phonenumbers.GetNationalSignificantNumber(ex))
				}
			}
		}
		if ex := phonenumbers.GetExampleNumberForNonGeoEntity(cc); ex != nil {
			nationals = append(nationals, phonenumbers.GetNationalSignificantNumber(ex))
		}
		valid := len(nationals)
		for _, ex := range nationals[:valid] {
			nationals = append(nationals, varied(rng, ex)...)
		}
		for n := 0; n < 12; n++ {
			d := make([]byte, 2+rng.IntN(13))
			for i := range d {
				d[i] = byte('0' + rng.IntN(10))
			}
			nationals = append(nationals, string(d))
		}
		for i, national := range nationals {
			in := "+" + strconv.Itoa(cc) + " " + national
			want := ""
			if n, err := phonenumbers.Parse(in, ""); err == nil && n.GetExtension() == "" && phonenumbers.IsValidNumber(n) {
				want = phonenumbers.Format(n, phonenumbers.E164)
			}
			got, err := Normalize(in, "")
			if (err == nil) != (want != "") || got != want {
				t.Fatalf("Normalize(%q) = %q, %v; the library gives %q", in, got, err, want)
			}
			checked++
			if i < valid {
				examples++
				if digits, ok := plainInternational(in); ok {
					if _, ok := fastE164(digits); ok {
						fast++
					}
				}
			}
		}
	}
	t.Logf("%d numbers agree; %d of %d valid example numbers took the short path", checked, fast, examples)
	if fast < examples*2/3 {
		t.Errorf("only %d of %d valid numbers took the short path", fast, examples)
	}
}

// The same for national numbers, read with their country as the default (default_country).
func TestFastNationalPathAgreesWithParse(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	checked, examples, fast := 0, 0, 0
	for cc := range phonenumbers.GetSupportedCallingCodes() {
		region := phonenumbers.GetRegionCodeForCountryCode(cc)
		if region == "001" {
			continue // no national numbers
		}
		var inputs []string
		for _, typ := range []phonenumbers.PhoneNumberType{phonenumbers.FIXED_LINE, phonenumbers.MOBILE, phonenumbers.TOLL_FREE} {
			if ex := phonenumbers.GetExampleNumberForType(region, typ); ex != nil {
				inputs = append(inputs, phonenumbers.Format(ex, phonenumbers.NATIONAL))
			}
		}
		valid := len(inputs)
		for _, ex := range inputs[:valid] {
			inputs = append(inputs, varied(rng, ex)...)
		}
		for n := 0; n < 12; n++ {
			d := make([]byte, 3+rng.IntN(12))
			for i := range d {
				d[i] = byte('0' + rng.IntN(10))
			}
			if n%2 == 0 {
				d[0] = '0'
			}
			inputs = append(inputs, string(d))
		}
		defaultCountry := "+" + strconv.Itoa(cc)
		for i, in := range inputs {
			want := ""
			if n, err := phonenumbers.Parse(in, region); err == nil && n.GetExtension() == "" && phonenumbers.IsValidNumber(n) {
				want = phonenumbers.Format(n, phonenumbers.E164)
			}
			got, err := Normalize(in, defaultCountry)
			if (err == nil) != (want != "") || got != want {
				t.Fatalf("Normalize(%q, %s) = %q, %v; the library gives %q", in, defaultCountry, got, err, want)
			}
			checked++
			if i < valid {
				examples++
				if digits, ok := plainNational(in); ok {
					if _, ok := fastNational(digits, cc); ok {
						fast++
					}
				}
			}
		}
	}
	t.Logf("%d numbers agree; %d of %d valid example numbers took the short path", checked, fast, examples)
	if fast < examples/2 {
		t.Errorf("only %d of %d valid numbers took the short path", fast, examples)
	}
}

func TestIsE164(t *testing.T) {
	for s, want := range map[string]bool{"+41445551234": true, "41445551234": false, "+0445551234": false, "+41 44": false, "+4144555123456789": false} {
		if IsE164(s) != want {
			t.Errorf("IsE164(%q) != %v", s, want)
		}
	}
}

func TestDestination(t *testing.T) {
	for in, want := range map[string]string{
		"sip:alice@contoso.com": "sip:alice@contoso.com",
		"alice@contoso.com":     "alice@contoso.com",
		"tel:+41445551234":      "+41445551234",
		" 044 555 12 34 ":       "+41445551234",
	} {
		if got, err := Destination(in, "+41"); err != nil || got != want {
			t.Errorf("Destination(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

// BenchmarkNormalize is the cost of one number in a file: international (the short path)
// and national (the library's parser).
func BenchmarkNormalize(b *testing.B) {
	for _, c := range []struct{ name, format, cc string }{
		{"international", "+41 79 %s", ""},
		{"national", "079 %s", "+41"},
	} {
		b.Run(c.name, func(b *testing.B) {
			nums := make([]string, 4096)
			for i := range nums {
				nums[i] = strings.Replace(c.format, "%s", strconv.Itoa(1_000_000+i*2311%9_000_000), 1)
			}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if _, err := Normalize(nums[i%len(nums)], c.cc); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// Numbers copied from Teams, Outlook or a web page carry characters nobody sees: direction
// marks around them (U+202A ... U+202C, U+200E), narrow no-break spaces (U+202F, French
// formatting) or soft hyphens. They were "not a phone number" although they read as one.
func TestNormalizeIgnoresInvisibleCharacters(t *testing.T) {
	for _, in := range []string{
		"\u202a+41 79 555 11 22\u202c",
		"+41 79 555 11 22\u200e",
		"\u200f079 555 11 22",
		"079\u202f555\u202f11\u202f22",
		"079\u2009555 11 22",
		"+41\u00ad79 555 11 22",
		"\ufeff+41795551122",
	} {
		if got, err := Normalize(in, "+41"); err != nil || got != "+41795551122" {
			t.Errorf("Normalize(%q) = %q, %v", in, got, err)
		}
	}
	// What the user sees in the message is still what the file holds.
	if _, err := Normalize("\u202a+41 79 555\u202c", "+41"); err == nil || err.Error() != `"\u202a+41 79 555\u202c" is not a valid phone number for CH (+41)` {
		t.Errorf("error %v", err)
	}
}

func TestCountryCode(t *testing.T) {
	for in, want := range map[string]string{
		"CH": "+41", "ch": "+41", "CHE": "+41", "Switzerland": "+41", "Schweiz": "+41", "Suisse": "+41", "Svizzera": "+41",
		" France ": "+33", "Frankreich": "+33", "FR": "+33", "Österreich": "+43", "United Kingdom": "+44", "Liechtenstein": "+423",
		"Vereinigte Staaten": "+1", "USA": "+1",
	} {
		if got, ok := CountryCode(in); !ok || got != want {
			t.Errorf("CountryCode(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "Atlantis", "Zürich", "X", "EU"} {
		if got, ok := CountryCode(in); ok {
			t.Errorf("CountryCode(%q) = %q, want unknown", in, got)
		}
	}
}

func TestIsNational(t *testing.T) {
	for in, want := range map[string]bool{
		"06 12 34 56 78": true, "044 555 12 34": true, "(044) 555 12 34": true,
		"+33 6 12 34 56 78": false, "0033 6 12 34 56 78": false, "+41 (0)44 555 12 34": false,
		"not a number": false,
	} {
		if got := IsNational(in, "+41"); got != want {
			t.Errorf("IsNational(%q, +41) = %v, want %v", in, got, want)
		}
	}
}
