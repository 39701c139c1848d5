/// IBAN lengths by country: the 89 countries of the SWIFT IBAN registry (2025). Territories that use another
/// country's code (Jersey `GB`, Réunion `FR`) are covered by it.
enum RedactionIBANRegistry {
    static let entries = """
        AD24 AE23 AL28 AT20 AZ28 BA20 BE16 BG22 BH22 BI27 BR29 BY28 CH21 CR22 CY28 CZ24 DE22 DJ27 DK18 DO28 EE20 \
        EG29 ES24 FI18 FK18 FO18 FR27 GB22 GE22 GI23 GL18 GR27 GT28 HN28 HR21 HU28 IE22 IL23 IQ23 IS26 IT27 JO30 \
        KW30 KZ20 LB28 LC32 LI21 LT20 LU20 LV21 LY25 MC27 MD24 ME22 MK19 MN20 MR27 MT31 MU30 NI28 NL18 NO15 OM23 \
        PK24 PL28 PS29 PT25 QA29 RO24 RS22 RU33 SA24 SC31 SD18 SE24 SI19 SK24 SM27 SO23 ST25 SV28 TL23 TN24 TR26 \
        UA29 VA22 VG24 XK20 YE30
        """

    /// The length for country `(first - "A") * 26 + (second - "A")`, 0 for a code without IBANs.
    static let lengths: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 26 * 26)
        for entry in entries.split(separator: " ") {
            let bytes = Array(entry.utf8)
            guard bytes.count == 4 else { continue }
            let index = Int(bytes[0] - 0x41) * 26 + Int(bytes[1] - 0x41)
            table[index] = (bytes[2] - 0x30) * 10 + (bytes[3] - 0x30)
        }
        return table
    }()
}
