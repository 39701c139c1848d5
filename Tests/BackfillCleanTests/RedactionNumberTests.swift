import BackfillClean
import Testing

/// Card and phone numbers: every listed shape replaced (exact output), every look-alike kept.
@Suite("Redaction: numbers")
struct RedactionNumberTests {
    // Broken to see it fail: the issuer prefixes narrowed to Visa and Mastercard — the Amex, Discover, JCB,
    // Diners, UnionPay and Maestro lines kept their numbers; the space-grouped run not retried without its last
    // group — `4111 1111 1111 1111 2024` kept the card.
    @Test("card: 13–19 digits, compact or grouped 4-4-4-4, 4-6-5, 4-6-4, 4-4-4-4-3, every issuer prefix")
    func cards() {
        RedactionFixture.expectRedacted(
            .card,
            [
                "my card is «4111 1111 1111 1111», exp 09/27", "«5555-5555-5555-4444»", "«2223003122003222».",
                "Amex «3782 822463 10005»", "Discover «6011 1111 1111 1117» / «6445 6445 6445 6445»",
                "JCB «3530111333300000»", "Diners «3056 930902 5904» and «36227206271667»",
                "UnionPay «6200 0000 0000 0005»", "Maestro «6759 6498 2643 8453», «5018-0000-0000-09»",
                "Visa-13 «4222222222222», Visa-19 «4000 0000 0000 0000 006»", "«4111 1111 1111 1111» 2024",
                "Card number: «4111111111111111»",
            ])
    }

    // Broken to see it fail: the Luhn check skipped — `4111 1111 1111 1112` and `4964 0421 6446 8021` became
    // placeholders; the order-label rule dropped — `Order #4111111111111111` did.
    @Test("card: Luhn-invalid runs, bad prefixes, order numbers, ISBNs, phones and mixed separators are kept")
    func cardLookAlikes() {
        RedactionFixture.expectKept([
            "4111 1111 1111 1112", "4111111111111112", "4964 0421 6446 8021", "1234567812345670", "1234 5678 1234 5670",
            "9783161484100", "Order #4111111111111111", "invoice 4111111111111111", "ticket: 4111111111111111",
            "4111-1111 1111-1111", "41111111111111111111", "4111 1111 1111", "x4111111111111111",
        ])
    }

    // Broken to see it fail: the trunk-0 rule dropped — the `030 …`, `(030) …`, `020 …`, `06 …` shapes were kept;
    // the label lookup dropped — `Tel: 4815162342`, `Teléfono: 912345678` and `电话：13812345678` were kept.
    @Test("phone: E.164 with any grouping, 00 prefixes, NANP, national with trunk 0, without trunk, labelled")
    func phones() {
        RedactionFixture.expectRedacted(
            .phone,
            [
                "Call me on «+49 30 1234567».", "«+49-30-123 4567»", "«+44 (0)20 7946 0958»", "«+1 (555) 123-4567»",
                "«+1.555.123.4567»", "«+493012345678»", "«+33 6 12 34 56 78»", "«+7 (495) 123-45-67»",
                "«0049 30 1234567»", "«(555) 123-4567»", "«555-123-4567»", "«555.123.4567»", "«555 123 4567»",
                "«1-800-555-1234»", "«030 1234567»", "«(030) 1234567»", "«030/1234567»", "«020 7946 0958»",
                "«06 12 34 56 78»", "«06.12.34.56.78»", "«0151 12345678»", "«03-1234-5678»", "«8 (495) 123-45-67»",
                "«612 34 56 78»", "«347 1234567»", "«512-345-678»", "我的电话是 «138 1234 5678»。",
                "Tel: «4815162342»", "Tel.: «12345678»", "Tél : «01 23 45 67 89»", "Teléfono: «912345678»",
                "Phone: «555 1234»", "Mobile: «+49 171 1234567»", "Fax: «030-12345-67»", "Telefon:«0301234567»",
                "电话：«13812345678»", "Тел.: «8 912 345 67 89»", "Call «030 1234567» 2 times",
            ])
    }

    // Broken to see it fail: the date check dropped — `05.01.2024 10:30` became a phone; the ISBN check dropped —
    // `ISBN 978-0-306-40615-7` did (as a national number after the 978 rule was also dropped).
    @Test("phone: dates, times, prices, order numbers, versions, ISBNs, units and IBAN pieces are kept")
    func phoneLookAlikes() {
        RedactionFixture.expectKept([
            "2024-01-05", "05.01.2024", "2024/01/05", "01/05/2024", "05.01.2024 10:30", "2024-01-05 12:30:45",
            "12:30:45", "10:30", "$1,234.56", "€120", "1.234,50 €", "USD 12,345.00", "Order #123456789",
            "INV-2024-000123", "ticket 4815162342", "ticket #48151", "PO 4500012345", "case 12345678", "2.14.3",
            "v10.2.1", "10.0.19041.1234", "978-3-16-148410-0", "ISBN 0-306-40615-2", "ISBN-13: 978-0-306-40615-7",
            "ISBN 0-8044-2957-X", "979-10-90636-07-1", "1920x1080", "DE89 3704 0044 0532 0130 01", "12345-6789",
            "1 500 000 EUR", "Date: Mon, 05 Jan 2015 08:27:33 +0000", "+5 points", "2+3 = 5", "room 101, floor 3",
            "tracking 1Z999AA10123456784", "555-1234", "0-306-40615-2", "3.5 x 2.5 cm",
        ])
    }

    // Broken to see it fail: the `(0)` trunk kept in the normalised value — `+44 (0)20 7946 0958` got another
    // placeholder than `+44 20 7946 0958`.
    @Test("phone and IBAN: one value written several ways gets one placeholder")
    func normalisation() {
        let phone = RedactionFixture.placeholder(.phone, "+49301234567")
        for written in [
            "+49 30 1234567", "+49-30-123 4567", "+49.30.123.45.67", "0049 30 1234567", "+49 (0)30 1234567",
        ] {
            #expect(RedactionFixture.redact("Tel \(written) ok").text == "Tel \(phone) ok", "\(written)")
        }
        let london = RedactionFixture.placeholder(.phone, "+442079460958")
        #expect(RedactionFixture.redact("+44 (0)20 7946 0958 / +44 20 7946 0958").text == "\(london) / \(london)")
        let iban = RedactionFixture.placeholder(.iban, "GB29NWBK60161331926819")
        for written in ["GB29 NWBK 6016 1331 9268 19", "GB29NWBK60161331926819", "gb29 nwbk 6016 1331 9268 19"] {
            #expect(RedactionFixture.redact(written).text == iban, "\(written)")
        }
        let card = RedactionFixture.placeholder(.card, "4111111111111111")
        #expect(RedactionFixture.redact("4111 1111 1111 1111 or 4111-1111-1111-1111").text == "\(card) or \(card)")
    }
}
