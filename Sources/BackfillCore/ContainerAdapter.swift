import Foundation

/// One entry of a container (an archive): a file to hand to the adapters, or a member skipped with a reason.
public enum ContainerEntry: Sendable {
    case file(SourceInput)
    case skipped(SkippedRecord)
}

/// Pulls the next entry. Confined to the reading task.
public protocol ContainerReader: AnyObject {
    /// The next entry, or nil at the end. A `.file` entry's input is valid only until the next call.
    func next() async throws -> ContainerEntry?
}

/// A pull-based sequence of container entries, in storage order (archives stream; nothing is extracted to disk).
public struct ContainerEntries: AsyncSequence, Sendable {
    public typealias Element = ContainerEntry
    private let makeReader: @Sendable () -> any ContainerReader

    public init(_ makeReader: @escaping @Sendable () -> any ContainerReader) {
        self.makeReader = makeReader
    }

    public func makeAsyncIterator() -> Iterator { Iterator(reader: makeReader()) }

    public struct Iterator: AsyncIteratorProtocol {
        let reader: any ContainerReader
        public mutating func next() async throws -> ContainerEntry? { try await reader.next() }
    }
}

/// Limits a container applies to what it unpacks (zip bombs, hostile names, nesting); part of ``InputBudgets``.
public struct ContainerLimits: Sendable, Hashable {
    /// One entry, expanded (`--max-entry-bytes`).
    public var maxEntryBytes: Int64 = 8 << 30
    /// One archive, all entries expanded (`--max-expanded-bytes`).
    public var maxTotalBytes: Int64 = 64 << 30
    /// Expanded ÷ compressed, past the first 8 MiB of an entry (`--max-compression-ratio`).
    public var maxCompressionRatio: Double = 200
    /// Entries of one archive (`--max-archive-entries`).
    public var maxEntries: Int = 1_000_000
    /// Archives inside archives, counting the outermost as 1 (`--max-archive-depth`).
    public var maxDepth: Int = 4
    /// Compression filters stacked on one archive (`a.tar.gz` has 1; `x.gz.gz.gz` 3) (`--max-compression-layers`).
    public var maxCompressionLayers: Int = 4
    /// Largest bundle spilled to a temporary folder for random access (e.g. a Slack export inside a zip).
    public var maxSpillBytes: Int64 = 2 << 30

    public init() {}
}

/// A reader of containers — zip, tar, compressed files, 7z — whose entries are read by the other adapters.
///
/// Entries are yielded in storage order and streamed: a `.file` entry's ``SourceInput`` reads from the current
/// entry and is valid only until the next entry is asked for. Its `open()` may be called more than once before
/// then (the pipeline sniffs, then the adapter reads) and starts at byte 0 each time. The entry's
/// ``SourceInput/displayPath`` is `outer!/inner/path` (nested: `a.tar!/b.zip!/c.json`), its `archiveEntry` the
/// inner path.
public protocol ContainerAdapter: Sendable {
    var descriptor: AdapterDescriptor { get }
    func sniff(_ probe: SourceProbe) -> SniffConfidence
    func entries(of input: SourceInput, context: AdapterContext, limits: ContainerLimits) -> ContainerEntries

    /// The member paths (for recognising an export layout), in a first pass; nil when listing is not possible.
    func memberPaths(of input: SourceInput, limits: ContainerLimits) async throws -> [String]?

    /// Unpacks the members into `directory` (within `limits.maxSpillBytes`) so a bundle adapter can read them in
    /// any order; returns the bundle, nil when it cannot.
    func spill(_ input: SourceInput, to directory: URL, limits: ContainerLimits) async throws -> SourceBundle?
}

extension ContainerAdapter {
    public var name: String { descriptor.name }
    public func memberPaths(of input: SourceInput, limits: ContainerLimits) async throws -> [String]? { nil }
    public func spill(_ input: SourceInput, to directory: URL, limits: ContainerLimits) async throws -> SourceBundle? {
        nil
    }
}
