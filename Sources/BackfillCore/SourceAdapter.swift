import Foundation

/// What an adapter says about itself (`backfill adapters` prints it).
public struct AdapterDescriptor: Sendable, Hashable {
    /// Unique short name: `text`, `requests-jsonl`, `mbox`, `chatgpt`, …
    public var name: String
    /// Source family: `document`, `email`, `chat`, `transcript`, `archive`, `requests`.
    public var family: String
    /// File name endings it handles, lower-case, without the dot (`md`, `tar.gz`).
    public var fileExtensions: [String]
    /// One line for people.
    public var summary: String
    /// Whether it can resume inside a file from a ``SourceCursor``.
    public var supportsCursor: Bool
    /// Whether it reads whole folders or archives (``SourceAdapter/claimsBundle(memberPaths:)``).
    public var readsBundles: Bool

    public init(
        name: String, family: String, fileExtensions: [String], summary: String, supportsCursor: Bool,
        readsBundles: Bool = false
    ) {
        self.name = name
        self.family = family
        self.fileExtensions = fileExtensions
        self.summary = summary
        self.supportsCursor = supportsCursor
        self.readsBundles = readsBundles
    }
}

/// What sniffing sees of a file: its name and its first bytes.
public struct SourceProbe: Sendable {
    public var fileName: String
    public var displayPath: String
    /// Up to ``SourceProbe/headLength`` first bytes.
    public var head: [UInt8]
    public var size: Int64?

    public static let headLength = 8192

    public init(fileName: String, displayPath: String, head: [UInt8], size: Int64?) {
        self.fileName = fileName
        self.displayPath = displayPath
        self.head = head
        self.size = size
    }

    /// The lower-cased name ends with `.ext`.
    public func hasExtension(_ ext: String) -> Bool {
        fileName.lowercased().hasSuffix("." + ext)
    }

    /// The head with a UTF-8 BOM and leading whitespace removed.
    public var trimmedHead: ArraySlice<UInt8> {
        var slice = head[...]
        if slice.starts(with: [0xEF, 0xBB, 0xBF]) { slice = slice.dropFirst(3) }
        while let first = slice.first, first == 0x20 || first == 0x09 || first == 0x0A || first == 0x0D {
            slice = slice.dropFirst()
        }
        return slice
    }

    /// The head holds a NUL byte: a binary file (UTF-16 text aside, which adapters check first).
    public var looksBinary: Bool { head.contains(0) }
}

/// How sure an adapter is that it reads a file. The registry picks the highest; ties go to registration order.
public enum SniffConfidence: Int, Sendable, Comparable {
    case no = 0
    /// The name fits, the content was not checked or is ambiguous.
    case possible = 1
    /// Name and content agree.
    case likely = 2
    /// A signature only this format has.
    case certain = 3

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A sequential byte reader over a file or an archive member. Not Sendable: confined to the task reading it.
public protocol ByteSource: AnyObject {
    /// Up to `maxLength` bytes; an empty array at the end of input.
    func read(maxLength: Int) throws -> [UInt8]
    /// Appends up to `maxLength` bytes to `buffer`, returning how many (0 at the end of input): a reader that keeps
    /// one buffer reads into memory already mapped (with a fresh array per read, 8 % of an mbox import's CPU samples
    /// were the kernel faulting its pages in while copying).
    func read(appendingTo buffer: inout [UInt8], maxLength: Int) throws -> Int
    /// Moves to an absolute byte offset, where the source can seek (files can; compressed members cannot).
    func seek(to offset: Int64) throws
    var canSeek: Bool { get }
}

extension ByteSource {
    public func read(appendingTo buffer: inout [UInt8], maxLength: Int) throws -> Int {
        let chunk = try read(maxLength: maxLength)
        if buffer.isEmpty { buffer = chunk } else { buffer.append(contentsOf: chunk) }
        return chunk.count
    }
}

/// A file or archive member an adapter is asked to read.
public struct SourceInput: Sendable {
    /// As the user would name it: `samples/docs/a.md`, or `export.zip!/conversations.json`.
    public var displayPath: String
    public var fileName: String
    /// The member path inside an archive.
    public var archiveEntry: String?
    public var size: Int64?
    public var modificationDate: Date?
    private let opener: @Sendable () throws -> any ByteSource

    public init(
        displayPath: String, fileName: String, archiveEntry: String? = nil, size: Int64?, modificationDate: Date?,
        open: @escaping @Sendable () throws -> any ByteSource
    ) {
        self.displayPath = displayPath
        self.fileName = fileName
        self.archiveEntry = archiveEntry
        self.size = size
        self.modificationDate = modificationDate
        self.opener = open
    }

    /// A file on disk.
    public static func file(path: String, displayPath: String? = nil) throws -> SourceInput {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        let size = (attributes[.size] as? NSNumber)?.int64Value
        let modified = attributes[.modificationDate] as? Date
        return SourceInput(
            displayPath: displayPath ?? path, fileName: (path as NSString).lastPathComponent, size: size,
            modificationDate: modified, open: { try FileByteSource(path: path) })
    }

    /// In-memory bytes (tests, spilled archive members).
    public static func bytes(_ bytes: [UInt8], displayPath: String, modificationDate: Date? = nil) -> SourceInput {
        SourceInput(
            displayPath: displayPath, fileName: (displayPath as NSString).lastPathComponent, size: Int64(bytes.count),
            modificationDate: modificationDate, open: { MemoryByteSource(bytes) })
    }

    public func open() throws -> any ByteSource { try opener() }
}

/// Options every adapter sees.
public struct AdapterContext: Sendable {
    /// Documents larger than this (UTF-8 bytes of `document`) are rejected by validation; adapters that can
    /// split long items into `#part-N` documents use it as the split size.
    public var maxDocumentBytes: Int
    /// Adapter-specific settings by name, from flags: `group-by` (message|thread|conversation|day|channel|window),
    /// `timezone` (IANA name for wall-clock times), `encoding` (charset of legacy text), `spec` (folder or file of
    /// declarative chat specs), `timestamps` (`true`: `[mm:ss]` stamps in transcripts), `created-at` (ISO 8601),
    /// `transcript-type` (`meeting-transcript` or `audio`), and any `--adapter-option KEY=VALUE`.
    public var options: [String: String]
    /// People's addresses, handles or names → `user_id`/`customer_id` (`--identity-map`).
    public var identities: IdentityMap
    /// What one input may cost (nesting, sizes, counts, time); see ``InputBudgets``.
    public var budgets: InputBudgets
    /// How many records an adapter may parse at once (`--parse-jobs`, default: the cores); 1 parses inline. The
    /// records still come out in the source's order, the same as with 1.
    public var parseJobs = ProcessInfo.processInfo.activeProcessorCount

    /// The framed bytes an adapter may hold ahead of the record it hands on while `parseJobs` parse them: 4 MiB a
    /// job, at most 32 MiB (a parsed message holds several times its bytes, and each job's parse is in memory at
    /// once). One record over it is still parsed, alone.
    public static func parseLookaheadBytes(jobs: Int) -> Int { min(32 << 20, max(1, jobs) * (4 << 20)) }

    /// The records an adapter may hold ahead (within ``parseLookaheadBytes(jobs:)``): 16 a job, so that the
    /// parse tasks keep working while the stages after the reader take their turn (2 a job left them idle more
    /// often: an mbox import took 3.2 s instead of 3.1; 128 a job gained nothing more).
    public static func parseLookaheadRecords(jobs: Int) -> Int { max(1, jobs) * 16 }

    public init(
        maxDocumentBytes: Int = ValidationProfile.defaultMaxDocumentBytes, options: [String: String] = [:],
        identities: IdentityMap = IdentityMap(), budgets: InputBudgets = InputBudgets()
    ) {
        self.maxDocumentBytes = maxDocumentBytes
        self.options = options
        self.identities = identities
        self.budgets = budgets
    }
}

/// Maps a person's key in a source (an email address, a Slack user id, a speaker name) to the scope ids sent
/// with their documents. Keys are matched case-insensitively.
public struct IdentityMap: Sendable, Hashable {
    public struct Identity: Sendable, Hashable {
        public var userID: String?
        public var customerID: String?
        public init(userID: String?, customerID: String?) {
            self.userID = userID
            self.customerID = customerID
        }
    }

    private var entries: [String: Identity]

    public init(_ entries: [String: Identity] = [:]) {
        self.entries = Dictionary(
            entries.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { _, last in last })
    }

    public var isEmpty: Bool { entries.isEmpty }

    /// The identity of `key`, if mapped.
    public func identity(for key: String) -> Identity? {
        entries[key.trimmingCharacters(in: .whitespaces).lowercased()]
    }

    /// The first mapped identity among `keys` (e.g. From, then To).
    public func firstIdentity(among keys: [String]) -> Identity? {
        for key in keys { if let found = identity(for: key) { return found } }
        return nil
    }
}

/// One thing an adapter yields: a document, or a record it had to skip (with why).
public enum AdapterOutput: Sendable {
    case document(MemoryDocument)
    case skipped(SkippedRecord)
}

/// Pulls the next output. Implemented by adapters; confined to the reading task.
public protocol RecordReader: AnyObject {
    /// The next output, or nil at the end. Throwing ends the source (the pipeline records the error with its
    /// position); a bad *record* should be yielded as `.skipped` instead.
    func next() async throws -> AdapterOutput?
}

/// A pull-based sequence of adapter outputs: nothing is read before it is asked for, so a slow upload
/// stops reading by itself.
public struct AdapterOutputs: AsyncSequence, Sendable {
    public typealias Element = AdapterOutput
    private let makeReader: @Sendable () -> any RecordReader

    public init(_ makeReader: @escaping @Sendable () -> any RecordReader) {
        self.makeReader = makeReader
    }

    public func makeAsyncIterator() -> Iterator { Iterator(reader: makeReader()) }

    public struct Iterator: AsyncIteratorProtocol {
        let reader: any RecordReader
        public mutating func next() async throws -> AdapterOutput? { try await reader.next() }
    }

    /// A sequence that yields exactly these outputs.
    public static func just(_ outputs: [AdapterOutput]) -> AdapterOutputs {
        AdapterOutputs { ArrayReader(outputs) }
    }
}

final class ArrayReader: RecordReader {
    private var outputs: [AdapterOutput]
    private var index = 0
    init(_ outputs: [AdapterOutput]) { self.outputs = outputs }
    func next() async throws -> AdapterOutput? {
        guard index < outputs.count else { return nil }
        defer { index += 1 }
        return outputs[index]
    }
}

/// A folder (or archive) whose layout one adapter reads as a whole — a Slack export, a ChatGPT export.
public struct SourceBundle: Sendable {
    /// The folder or archive as the user named it.
    public var displayPath: String
    /// Members by path relative to the bundle root (`/`-separated).
    public var members: [String: SourceInput]

    public init(displayPath: String, members: [String: SourceInput]) {
        self.displayPath = displayPath
        self.members = members
    }
}

/// A source-format reader. See the article "Writing an adapter" (`Sources/BackfillCore/BackfillCore.docc/WritingAnAdapter.md`).
///
/// Adapters are values: stateless, `Sendable`, registered once. All per-file state lives in the
/// ``RecordReader`` that ``read(_:context:resumeFrom:)`` creates.
public protocol SourceAdapter: Sendable {
    var descriptor: AdapterDescriptor { get }

    /// How sure this adapter is that it reads the file, from its name and first bytes only.
    func sniff(_ probe: SourceProbe) -> SniffConfidence

    /// Reads one file into outputs, pulled one at a time. With a cursor, starts there instead of the beginning.
    func read(_ input: SourceInput, context: AdapterContext, resumeFrom cursor: SourceCursor?) -> AdapterOutputs

    /// Whether a folder or archive with these member paths is an export this adapter reads whole
    /// (e.g. `channels.json` + per-channel folders). For folders the pipeline passes the folder's immediate
    /// children (sub-folders end with `/`); for archives every member path. Default: no.
    func claimsBundle(memberPaths: [String]) -> Bool

    /// Reads a claimed bundle. Default: nothing.
    func read(bundle: SourceBundle, context: AdapterContext) -> AdapterOutputs
}

extension SourceAdapter {
    public var name: String { descriptor.name }
    public func claimsBundle(memberPaths: [String]) -> Bool { false }
    public func read(bundle: SourceBundle, context: AdapterContext) -> AdapterOutputs { .just([]) }
}
