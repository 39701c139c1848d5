import BackfillCore
import Foundation

/// The package root, from this file's path.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
let samplesRoot = packageRoot.appendingPathComponent("samples")

func collect(_ outputs: AdapterOutputs) async throws -> [AdapterOutput] {
    var all: [AdapterOutput] = []
    for try await output in outputs { all.append(output) }
    return all
}

extension AdapterOutput {
    var document: MemoryDocument? {
        if case .document(let document) = self { return document }
        return nil
    }
    var skipped: SkippedRecord? {
        if case .skipped(let skipped) = self { return skipped }
        return nil
    }
}
