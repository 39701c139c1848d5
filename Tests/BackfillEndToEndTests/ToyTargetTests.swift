import BackfillKit
import BackfillTestSupport
import Foundation
import Logging
import Synchronization
import Testing

/// A target defined here and nowhere else, added through the registry alone: the pipeline, the ledger, the job and
/// the report take it like any other.
@Suite("A target added through the registry")
struct ToyTargetTests {
    /// What the toy target received, by document id.
    final class Inbox: Sendable {
        private let documents = Mutex<[String: String]>([:])
        private let batches = Mutex(0)

        func receive(_ batch: [EncodedDocument]) {
            batches.withLock { $0 += 1 }
            documents.withLock { stored in
                for document in batch { stored[document.documentID] = document.request.document }
            }
        }

        var received: [String: String] { documents.withLock { $0 } }
        var batchCount: Int { batches.withLock { $0 } }
    }

    /// Stores every document it is sent; refuses none.
    struct ToyClient: UploadTarget {
        let inbox: Inbox
        var name: String { "toy" }
        var endpointDescription: String { "the test's memory" }
        var maxBatchDocuments: Int { 2 }

        func send(_ batch: [EncodedDocument], failFast: Bool) async throws -> SendResult {
            inbox.receive(batch)
            return SendResult(
                outcomes: Dictionary(
                    uniqueKeysWithValues: batch.map {
                        ($0.documentID, ItemOutcome.accepted(ingestionID: "toy-\($0.documentID)"))
                    }))
        }

        func shutdown() async throws {}

        func verify(_ documents: [KnownDocument]) async throws -> [String: VerifyOutcome] {
            let received = inbox.received
            return Dictionary(
                uniqueKeysWithValues: documents.map {
                    ($0.documentID, received[$0.documentID] == nil ? .missing : .present)
                })
        }
    }

    struct ToyTarget: TargetDescriptor {
        let inbox: Inbox
        var kind: TargetKind { TargetKind("toy") }
        var summary: String { "a toy target, in memory" }

        func identity(_ options: TargetRunOptions) -> String { "toy" }

        func profile(_ options: TargetRunOptions) -> ValidationProfile {
            ValidationProfile(
                target: "toy", acceptedTypes: Set(DocumentType.accepted + DocumentType.comingSoon), comingSoonTypes: [],
                typeMap: options.typeMap, maxDocumentBytes: options.maxDocumentBytes)
        }

        func makeClient(_ options: TargetRunOptions, logger: Logger) throws -> any UploadTarget {
            ToyClient(inbox: inbox)
        }
    }

    static let texts = [
        "toy-1": "The first note: the toy target keeps it.",
        "toy-2": "A second one, with “quotes” and ünïcödé.",
        "toy-3": "Third, sent in the second batch of two.",
    ]

    @Test("import into a toy target: every document arrives by id with its content; verify reads them back")
    func importIntoToyTarget() async throws {
        let folder = try TestSupport.temporaryDirectory()
        let input = folder.appendingPathComponent("requests.jsonl")
        var lines = ""
        for (id, text) in Self.texts.sorted(by: { $0.key < $1.key }) {
            let line = try JSONEncoder().encode(["document_id": id, "document": text, "document_type": "document"])
            lines += String(decoding: line, as: UTF8.self) + "\n"
        }
        try lines.write(to: input, atomically: true, encoding: .utf8)

        let inbox = Inbox()
        var options = ImportOptions(inputs: [input.path])
        options.targets = TargetRegistry.standard.adding(ToyTarget(inbox: inbox))
        options.target = TargetKind("toy")
        options.ledger = folder.appendingPathComponent("ledger.sqlite").path
        options.environment = ["BACKFILL_HOME": folder.path]
        options.progress = nil

        let report = try await Backfill.runImport(options, logger: TestSupport.logger)
        #expect(report.exitCode == 0)
        #expect(report.documents.accepted == 3)
        #expect(report.documents.sent == 3)
        #expect(report.target?.name == "toy")
        #expect(inbox.received == Self.texts)
        #expect(inbox.batchCount == 2)

        // Again: the ledger knows them, nothing is sent.
        let again = try await Backfill.runImport(options, logger: TestSupport.logger)
        #expect(again.documents.sent == 0)
        #expect(again.documents.alreadyIngested == 3)
        #expect(inbox.batchCount == 2)

        let verified = try await Backfill.verify(
            job: report.job ?? "", ledgerPath: options.ledger ?? "", options: options, markMissing: false,
            logger: TestSupport.logger)
        #expect(verified.checked == 3)
        #expect(verified.present == 3)
        #expect(verified.exitCode == 0)
    }

    @Test("every option a target declares is a flag of `backfill import`, with the target's help")
    func everyTargetOptionIsAFlag() throws {
        let help = try TestSupport.runBackfill(["import", "--help"], environment: [:])
        #expect(help.status == 0, "\(help.output)")
        for option in TargetRegistry.standard.options {
            #expect(help.stdout.contains("--\(option.flag)"), "--\(option.flag) is missing")
            #expect(help.stdout.contains(String(option.help.prefix(20))), "the help of --\(option.flag)")
        }
        for name in TargetRegistry.standard.names { #expect(help.stdout.contains(name)) }
    }
}
