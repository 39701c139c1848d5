import BackfillCore
import Foundation

/// Writes exactly the requests that would be sent, one JSON object per line.
public final class JSONLTarget: UploadTarget, @unchecked Sendable {
    // @unchecked: the handle is only touched under `lock`.
    private let handle: FileHandle
    private let lock = NSLock()
    public let path: String

    public init(path: String) throws {
        self.path = path
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        guard FileManager.default.createFile(atPath: path, contents: nil),
            let handle = FileHandle(forWritingAtPath: path)
        else {
            throw UploadError(
                kind: .stop, code: "cannot_write", message: "cannot write \(path); check the directory and --out")
        }
        self.handle = handle
    }

    public var name: String { "jsonl" }
    public var endpointDescription: String { path }
    public var maxBatchDocuments: Int { 100 }

    public func send(_ batch: [EncodedDocument], failFast: Bool) async throws -> SendResult {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(batch.reduce(0) { $0 + $1.json.count + 1 })
        for document in batch {
            bytes.append(contentsOf: document.json)
            bytes.append(0x0A)
        }
        try lock.withLock { try handle.write(contentsOf: bytes) }
        var outcomes: [String: ItemOutcome] = [:]
        for document in batch { outcomes[document.documentID] = .accepted(ingestionID: nil) }
        return SendResult(outcomes: outcomes)
    }

    public func shutdown() async throws {
        try lock.withLock { try handle.close() }
    }
}
