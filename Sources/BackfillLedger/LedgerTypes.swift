import BackfillCore
import Foundation
import GRDB

/// A document's state in the ledger.
public enum DocumentState: String, Sendable, Codable, CaseIterable {
    case pending, sending, accepted, duplicate, rejected, failed

    /// Done for good: the target has it.
    public var isSettled: Bool { self == .accepted || self == .duplicate }
}

/// What the ledger knows of one document.
public struct LedgerEntry: Sendable, Hashable {
    public var documentID: String
    public var state: DocumentState
    public var contentSHA256: String
    public var runID: Int64
}

/// What identifies a source file's content without reading all of it: size, modification time, and a hash of
/// its first 64 KiB.
public struct SourceFingerprint: Sendable, Hashable, Codable {
    public var size: Int64?
    public var modified: Double?
    public var headSHA256: String

    public init(size: Int64?, modified: Double?, headSHA256: String) {
        self.size = size
        self.modified = modified
        self.headSHA256 = headSHA256
    }
}

/// One document about to be sent, as the ledger records it.
public struct LedgerDocument: Sendable {
    public var documentID: String
    public var provenance: Provenance
    public var documentType: String
    /// The request's user_id (targets that list by user need it to reconcile and verify).
    public var userID: String?

    public init(documentID: String, provenance: Provenance, documentType: String, userID: String? = nil) {
        self.documentID = documentID
        self.provenance = provenance
        self.documentType = documentType
        self.userID = userID
    }
}

/// The final outcome of one document, written after its batch returns.
public struct LedgerOutcome: Sendable {
    public var documentID: String
    public var state: DocumentState
    public var ingestionID: String?
    public var errorCode: String?
    public var error: String?

    public init(
        documentID: String, state: DocumentState, ingestionID: String? = nil, errorCode: String? = nil,
        error: String? = nil
    ) {
        self.documentID = documentID
        self.state = state
        self.ingestionID = ingestionID
        self.errorCode = errorCode
        self.error = error
    }
}

/// What the target said of one document's processing.
public struct IngestionRecord: Sendable, Hashable, Codable {
    public var documentID: String
    /// `queued`, `processing`, `completed`, `failed`, `partial_success` (as the target spelled it).
    public var status: String
    /// The target's `error_message`, when it gave one.
    public var error: String?

    public init(documentID: String, status: String, error: String?) {
        self.documentID = documentID
        self.status = status
        self.error = error
    }

    enum CodingKeys: String, CodingKey {
        case documentID = "document_id"
        case status
        case error
    }
}

/// One run of a job, as the ledger recorded it.
public struct LedgerRun: Sendable, Hashable {
    public var id: Int64
    public var command: String
    public var target: String
    public var startedAt: Date
    /// Nil while running, or when the run was killed.
    public var finishedAt: Date?
    public var exitCode: Int32?
}

/// A failure of the ledger itself (the disk, the file): the run must stop, its state stays consistent.
public struct LedgerError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var message: String
    public var description: String { "ledger \(path): \(message)" }
}

/// Where a source stands in the job: being read (its cursor says how far is settled), or read to the end with
/// every batch of it finished without failures.
public enum SourceState: String, Sendable, Codable, CaseIterable {
    case reading, done
}

/// A source as the ledger remembers it: its fingerprint, its resume cursor and whether it is done.
public struct SourceRecord: Sendable, Hashable {
    public var path: String
    public var adapter: String
    public var fingerprint: SourceFingerprint
    /// Everything before this cursor is settled; a resumed run seeks here.
    public var cursor: SourceCursor?
    public var state: SourceState

    public init(
        path: String, adapter: String, fingerprint: SourceFingerprint, cursor: SourceCursor?, state: SourceState
    ) {
        self.path = path
        self.adapter = adapter
        self.fingerprint = fingerprint
        self.cursor = cursor
        self.state = state
    }
}
