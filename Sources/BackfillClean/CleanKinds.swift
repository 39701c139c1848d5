/// What `--strip` removes.
public enum StripKind: String, CaseIterable, Sendable, Codable {
    case quotes
    case signatures
}

/// What `--redact` replaces with typed placeholders.
public enum RedactionKind: String, CaseIterable, Sendable, Codable {
    case email
    case phone
    case card
    case iban
    case ip
    case secret
}
