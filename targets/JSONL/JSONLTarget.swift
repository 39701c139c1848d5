import BackfillCore
import BackfillTargets
import Foundation

/// Writes exactly the requests that would be sent, one JSON object per line, to `--out` — in place (see
/// ``OutputFile``): a device, a FIFO or a symbolic link stays what it is, `-` is standard output.
///
/// In a regular file each document's line is recorded as its ingestion id, `jsonl:START-END` (byte offsets), so
/// a resumed job knows how much of the file its ledger vouches for (``ingestionPrefix``).
public final class JSONLTarget: UploadTarget, Sendable {
    /// The ingestion ids this target gives documents written to a regular file: `jsonl:START-END`.
    public static let ingestionPrefix = "jsonl:"

    public let output: OutputFile
    public var path: String { output.path }

    /// Opens `path` in place (see ``OutputFile``).
    public init(path: String) throws {
        output = try OutputFile(path: path)
    }

    public init(output: OutputFile) {
        self.output = output
    }

    public var name: String { "jsonl" }
    public var endpointDescription: String { output.isStandardOutput ? "standard output" : path }
    public var maxBatchDocuments: Int { 100 }

    public func send(_ batch: [EncodedDocument], failFast: Bool) async throws -> SendResult {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(batch.reduce(0) { $0 + $1.json.count + 1 })
        var ends: [Int] = []
        for document in batch {
            bytes.append(contentsOf: document.json)
            bytes.append(0x0A)
            ends.append(bytes.count)
        }
        let range: Range<Int64>
        do {
            range = try output.write(bytes)
        } catch let error as ValidationError {
            throw UploadError(kind: .stop, code: "cannot_write", message: error.message)
        }
        var outcomes: [String: ItemOutcome] = [:]
        var start = 0
        for (document, end) in zip(batch, ends) {
            let id =
                output.isRegularFile
                ? "\(Self.ingestionPrefix)\(range.lowerBound + Int64(start))-\(range.lowerBound + Int64(end))" : nil
            outcomes[document.documentID] = .accepted(ingestionID: id)
            start = end
        }
        return SendResult(outcomes: outcomes)
    }

    public func shutdown() async throws {
        output.close()
    }
}
