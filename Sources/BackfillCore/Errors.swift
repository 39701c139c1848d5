/// A failure reading a source: which file, where, what happened and what to do.
public struct AdapterError: Error, Sendable, CustomStringConvertible {
    /// A ``SkipReason``'s raw value: the initialiser takes only typed codes.
    public private(set) var code: String
    public var file: String
    public var position: RecordPosition
    public var message: String

    public init(code: any SkipReason, file: String, position: RecordPosition, message: String) {
        self.code = code.rawValue
        self.file = file
        self.position = position
        self.message = message
    }

    public var description: String {
        position == .wholeFile ? "\(file): \(message)" : "\(file) (\(position)): \(message)"
    }
}
