/// A failure reading a source: which file, where, what happened and what to do.
public struct AdapterError: Error, Sendable, CustomStringConvertible {
    public var code: String
    public var file: String
    public var position: RecordPosition
    public var message: String

    public init(code: String, file: String, position: RecordPosition, message: String) {
        self.code = code
        self.file = file
        self.position = position
        self.message = message
    }

    public var description: String {
        position == .wholeFile ? "\(file): \(message)" : "\(file) (\(position)): \(message)"
    }
}
