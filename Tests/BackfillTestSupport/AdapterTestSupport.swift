import BackfillCore
import Foundation

/// Every output of an adapter's read, in order.
public func collect(_ outputs: AdapterOutputs) async throws -> [AdapterOutput] {
    var all: [AdapterOutput] = []
    for try await output in outputs { all.append(output) }
    return all
}

extension AdapterOutput {
    /// The document, when this output is one.
    public var document: MemoryDocument? {
        if case .document(let document) = self { return document }
        return nil
    }

    /// The skipped record, when this output is one.
    public var skipped: SkippedRecord? {
        if case .skipped(let skipped) = self { return skipped }
        return nil
    }
}

/// A byte source that cannot seek, like a compressed archive member.
public final class StreamOnlyByteSource: ByteSource {
    private let inner: MemoryByteSource
    public init(_ bytes: [UInt8]) { inner = MemoryByteSource(bytes) }
    public func read(maxLength: Int) throws -> [UInt8] { try inner.read(maxLength: maxLength) }
    public var canSeek: Bool { false }
    public func seek(to offset: Int64) throws {
        throw AdapterError(code: SkipCode.seekError, file: "stream", position: .wholeFile, message: "cannot seek")
    }
}

/// A byte source that cannot seek and hands out tiny chunks (an archive member read in pieces).
public final class TrickleSource: ByteSource {
    private let bytes: [UInt8]
    private var offset = 0
    private let step: Int
    public init(_ bytes: [UInt8], step: Int) {
        self.bytes = bytes
        self.step = step
    }
    public func read(maxLength: Int) throws -> [UInt8] {
        let end = min(bytes.count, offset + min(step, maxLength))
        defer { offset = end }
        return Array(bytes[offset..<end])
    }
    public var canSeek: Bool { false }
    public func seek(to offset: Int64) throws {
        throw AdapterError(code: SkipCode.seekError, file: "t", position: .wholeFile, message: "cannot seek")
    }
}
