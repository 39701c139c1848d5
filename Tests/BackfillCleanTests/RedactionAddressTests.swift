import BackfillClean
import Testing

/// E-mail addresses, IBANs and IP addresses: every listed shape replaced (exact output, placeholders computed in
/// the test), every look-alike kept.
@Suite("Redaction: addresses")
struct RedactionAddressTests {
    // Broken to see it fail: the local part limited to letters (no `.`, `+`, `-`, `_`) — the dotted, plus and
    // underscore addresses lost their first part; IDN labels not accepted — `exämple.de` was not matched.
    @Test("email: addr-spec with dots, plus, hyphen, underscore, IDN domains, inside <…> and after mailto:")
    func emails() {
        RedactionFixture.expectRedacted(
            .email,
            [
                "Write to «john.doe@example.com» today.",
                "Write to «John.Doe+Invoices@Sub.Example.CO.UK»!",
                "From: Alice <«a_b-c@mail.example.org»>",
                "<a href=\"mailto:«info@acme.example»\">mail us</a>",
                "(cc «hr-team@sub.dept.example.org»)",
                "Der Kontakt: «müller@exämple.de», bitte.",
                "请发到 «li.wei@qq.com»。",
                "«x@xn--80ak6aa92e.com» works", "user «DE89370400440532013000@bank.example»",
            ])
    }

    // Broken to see it fail: the last label allowed to hold digits — `pkg@1.2.3` became a placeholder; a single
    // label accepted — `user@localhost` did.
    @Test("email: handles, dotless hosts, CSS at-rules, versions and image names are kept")
    func emailLookAlikes() {
        RedactionFixture.expectKept([
            "Thanks @alice and @bob-smith!", "ssh user@localhost", "@media screen { a { color: red } }",
            "npm i left-pad@1.2.3 and @babel/core@7.24.0", "<img src=\"logo@2x.png\">", "a @ b.com", "me@.com",
            "end.@example.com is not an address", "meet @ 10:30",
        ])
    }

    // Broken to see it fail: the country's registered length ignored (any 15–34 characters) — still passed, so
    // also the grouping check dropped (groups of any size) — `DE89 3704 0044 0532 013000` matched; see below for
    // the checksum.
    @Test("iban: compact, grouped by four, lower-case, letters in the BBAN, many registry countries")
    func ibans() {
        RedactionFixture.expectRedacted(
            .iban,
            [
                "IBAN: «DE89370400440532013000»", "Please pay «DE89 3704 0044 0532 0130 00» by Friday.",
                "«GB29 NWBK 6016 1331 9268 19» (BIC NWBKGB2L)", "«NL91ABNA0417164300».",
                "«fr14 2004 1010 0505 0001 3m02 606»", "«CH93 0076 2011 6238 5295 7»", "«BE68 5390 0754 7034»",
                "«NO9386011117947» and «MT84MALT011000012345MTLCAST001S»", "«LC55HEMM000100010012001200023015»",
                "«RU0204452560040702810412345678901»",
            ])
    }

    // Broken to see it fail: the mod-97 check dropped — `DE89 3704 0044 0532 0130 01` became a placeholder; the
    // look-alike skip dropped — the wrong IBAN's `0532 0130 01` pieces were left to other kinds.
    @Test("iban: wrong checksums, wrong lengths, unknown countries and pieces are kept")
    func ibanLookAlikes() {
        RedactionFixture.expectKept([
            "DE89 3704 0044 0532 0130 01", "DE88370400440532013000", "DE89 3704 0044 0532 0130",
            "XX89370400440532013000",
            "DE89 3704 0044 0532 013000", "DE89370400440532013000X", "_DE89370400440532013000",
            "ES38 4217 2727 1818 5578 5959 and GB28 NWBK 6016 1331 9268 19",
        ])
    }

    // Broken to see it fail: the octet range check dropped — `256.1.1.1` matched in the look-alikes, so here the
    // port handling was broken instead (`:` after the address refused) — `10.0.0.1:8080` was not matched.
    @Test("ip: IPv4 with ports and CIDR suffixes kept outside the placeholder; IPv6 full, compressed, v4-mapped, zones")
    func ipAddresses() {
        RedactionFixture.expectRedacted(
            .ip,
            [
                "The server is at «192.168.1.20».", "«10.0.0.1»:8080 and «172.16.0.0»/12",
                "from «0.0.0.0» to «255.255.255.255»",
                "«2001:0db8:85a3:0000:0000:8a2e:0370:7334»", "«2001:db8::1» or [«::1»]", "«FE80::1%eth0»",
                "«::ffff:192.0.2.128»", "[«2a00:1450:4001:82b::200e»]:443", "«2001:db8::»,",
                "ping «fd12:3456:789a:1::1».",
            ])
    }

    // Broken to see it fail: the "holds a decimal digit" rule dropped — `dead::beef` and `cafe::babe` became
    // placeholders; the longer-dotted-run check dropped — `1.2.3.4.5` lost `1.2.3.4`.
    @Test("ip: versions, longer dotted runs, leading zeros, times, MACs, C++ scopes and `::` alone are kept")
    func ipLookAlikes() {
        RedactionFixture.expectKept([
            "v1.2.3.4", "V10.0.0.1", "version 10.0.0.1", "Version: 1.2.3.4", "1.2.3.4.5", "256.1.1.1", "01.02.03.04",
            "192.168.1", "12:30:45", "00:1a:2b:3c:4d:5e", "std::string and Foo::bar()", "::", "a :: b", "dead::beef",
            "cafe::babe", "1:2:3:4:5:6:7:8:9", "10.0.19041.1234", "build 2000.300.99",
        ])
    }
}
