import BackfillKit
import BackfillTestSupport
import Foundation
import Testing

/// GoodMem and Mielto end to end over HTTP against the sandbox: import, re-import, kill -9 and resume, item
/// failures inside a 200 answer, and `verify` finding what was deleted behind the ledger's back.
@Suite("GoodMem and Mielto targets")
struct OtherTargetsTests {
    static let goodmemKey = "gm_e2e_secret_key"
    static let mieltoKey = "mielto_e2e_secret_key"

    static func environment(home: URL) -> [String: String] {
        ["GOODMEM_API_KEY": goodmemKey, "MIELTO_API_KEY": mieltoKey, "BACKFILL_HOME": home.path]
    }

    static func options(_ target: TargetKind, inputs: [URL], port: Int, ledger: URL) -> ImportOptions {
        var options = ImportOptions(inputs: inputs.map(\.path))
        options.target = target
        options.ledger = ledger.path
        options.environment = ["GOODMEM_API_KEY": goodmemKey, "MIELTO_API_KEY": mieltoKey]
        switch target {
        case .goodmem:
            options.baseURL = "http://127.0.0.1:\(port)/goodmem"
            options.spaceName = "backfill-e2e"
            options.createSpace = true
        default:
            options.baseURL = "http://127.0.0.1:\(port)/mielto/api/v1"
            options.userID = "user-e2e"
        }
        options.progress = nil
        return options
    }

    @Test("import, then re-import stores nothing new; an item failure inside a 200 answer is rejected with its message",
          arguments: [TargetKind.goodmem, .mielto])
    func importAndReimport(target: TargetKind) async throws {
        let folder = try TestSupport.temporaryDirectory()
        let input = folder.appendingPathComponent("requests.jsonl")
        var ids = try TestSupport.writeRequestsJSONL(to: input, numbers: 1...250)
        // One document too long for the sandbox: refused inside an otherwise good answer.
        var text = try String(contentsOf: input, encoding: .utf8)
        text += #"{"document":"\#(String(repeating: "x", count: 3000))","document_type":"document","document_id":"doc-long"}"# + "\n"
        try text.write(to: input, atomically: true, encoding: .utf8)
        ids.append("doc-long")
        let expectedIDs = Set(ids.dropLast())
        let ledger = folder.appendingPathComponent("ledger.sqlite")
        let server = try TestSupport.sandbox { $0.maxDocumentBytes = 2000 }
        try await server.withRunning { port in
            let first = try await Backfill.runImport(
                Self.options(target, inputs: [input], port: port, ledger: ledger), logger: TestSupport.logger)
            #expect(first.documents.accepted == 250)
            #expect(first.documents.rejected == 1)
            #expect(first.exitCode == 1)
            let rejection = first.rejections.first
            #expect(rejection?.examples.first?.documentID == "doc-long")
            #expect(!(rejection?.examples.first?.message.isEmpty ?? true))
            let stored = target == .goodmem ? try await server.goodmemMemories() : try await server.mieltoMemories()
            #expect(stored.count == 250)
            #expect(Set(stored.compactMap(\.documentID)) == expectedIDs)

            let second = try await Backfill.runImport(
                Self.options(target, inputs: [input], port: port, ledger: ledger), logger: TestSupport.logger)
            #expect(second.documents.sent == 0)
            let again = target == .goodmem ? try await server.goodmemMemories() : try await server.mieltoMemories()
            #expect(again.count == 250)
        }
    }

    @Test("kill -9 mid-run under faults, resume: nothing missing, nothing stored twice", arguments: [TargetKind.goodmem, .mielto])
    func killAndResume(target: TargetKind) async throws {
        let folder = try TestSupport.temporaryDirectory()
        let input = folder.appendingPathComponent("requests.jsonl")
        let count = target == .goodmem ? 4000 : 800
        let ids = try TestSupport.writeRequestsJSONL(to: input, numbers: 1...count)
        let ledger = folder.appendingPathComponent("ledger.sqlite")
        let environment = Self.environment(home: folder.appendingPathComponent("home"))
        let server = try TestSupport.sandbox {
            $0.faults.failRate = 0.03
            $0.faults.resetRate = 0.02
            $0.faults.acceptThenFailRate = 0.03
            $0.faults.seed = 77
        }
        try await server.withRunning { port in
            var arguments = ["import", input.path, "--target", target.rawValue, "--job", "kill", "--ledger", ledger.path,
                             "--json", "--progress", "none", "--concurrency", "4", "--rate", "60"]
            if target == .goodmem {
                arguments += ["--base-url", "http://127.0.0.1:\(port)/goodmem", "--space-name", "kill", "--create-space",
                              "--batch-size", "20"]
            } else {
                arguments += ["--base-url", "http://127.0.0.1:\(port)/mielto/api/v1", "--user-id", "user-kill"]
            }
            var rng = SeededGenerator(seed: 4242)
            for _ in 0..<4 {
                let child = try TestSupport.startBackfill(arguments, environment: environment)
                let delay = Double.random(in: 0.6...1.6, using: &rng)
                if await child.waitForExit(timeout: .seconds(delay)) == nil {
                    child.send(signal: SIGKILL)
                    _ = await child.waitForExit(timeout: .seconds(20))
                }
            }
            let final = try await TestSupport.runBackfillAsync(
                ["resume", "--job", "kill", "--ledger", ledger.path, "--json", "--progress", "none"],
                environment: environment, timeout: .seconds(180))
            #expect(final.status == 0, "\(final.stderr.suffix(2000))\n\(final.stdout.suffix(2000))")
            let stored = target == .goodmem ? try await server.goodmemMemories() : try await server.mieltoMemories()
            let storedIDs = stored.compactMap(\.documentID)
            let missing = Set(ids).subtracting(storedIDs)
            #expect(missing.isEmpty, "missing \(missing.count): \(missing.sorted().prefix(5))")
            #expect(storedIDs.count == Set(storedIDs).count, "stored twice: \(storedIDs.count - Set(storedIDs).count)")
            let counts = try Ledger(path: ledger.path).stateCounts()
            #expect((counts[.accepted] ?? 0) + (counts[.duplicate] ?? 0) == count)
        }
    }

    @Test("verify finds documents deleted behind the ledger's back, and retry restores them",
          arguments: [TargetKind.goodmem, .mielto])
    func verifyFindsDeleted(target: TargetKind) async throws {
        let folder = try TestSupport.temporaryDirectory()
        let input = folder.appendingPathComponent("requests.jsonl")
        _ = try TestSupport.writeRequestsJSONL(to: input, numbers: 1...120)
        let ledger = folder.appendingPathComponent("ledger.sqlite")
        let server = try TestSupport.sandbox()
        try await server.withRunning { port in
            let options = Self.options(target, inputs: [input], port: port, ledger: ledger)
            let report = try await Backfill.runImport(options, logger: TestSupport.logger)
            #expect(report.documents.accepted == 120)
            let clean = try await Backfill.verify(
                job: "v", ledgerPath: ledger.path, options: options, markMissing: false, logger: TestSupport.logger)
            #expect(clean.present == 120 && clean.missing == 0)

            let victims = target == .goodmem ? try await server.goodmemMemories() : try await server.mieltoMemories()
            for record in victims.prefix(3) {
                if target == .goodmem {
                    try await server.deleteGoodMemMemory(id: record.id)
                } else {
                    try await server.deleteMieltoMemory(id: record.id)
                }
            }
            let found = try await Backfill.verify(
                job: "v", ledgerPath: ledger.path, options: options, markMissing: true, logger: TestSupport.logger)
            #expect(found.missing == 3)
            #expect(Set(found.missingExamples) == Set(victims.prefix(3).compactMap(\.documentID)))
            #expect(found.exitCode == 1)

            var retry = options
            retry.resendRejected = false
            let repaired = try await Backfill.runImport(retry, logger: TestSupport.logger)
            #expect(repaired.documents.sent == 3)
            let after = try await Backfill.verify(
                job: "v", ledgerPath: ledger.path, options: options, markMissing: false, logger: TestSupport.logger)
            #expect(after.missing == 0 && after.present == 120)
        }
    }
}
