import BackfillCore
import BackfillTestSupport
import Foundation
import Testing

@testable import BackfillChatAdapter

/// Findings of the chat fuzz targets (fuzz/README.md), each with its minimised input from `fuzz/regressions/`.
@Suite("Fuzz findings: chat")
struct ChatFuzzFindingTests {
    static func regression(_ path: String) throws -> [UInt8] {
        Array(try Data(contentsOf: TestSupport.packageRoot.appendingPathComponent("fuzz/regressions/" + path)))
    }

    /// Target `messenger` (commit 29c65d7): `"timestamp_ms": 1e22` became a date 3·10¹¹ years away, and the day
    /// grouper's millisecond id suffix (`Int64(ms)`) trapped: "Double value cannot be converted to Int64". Fix: a source
    /// time becomes a date only within the years 1–9999 (`ChatText.date(secondsSince1970:)`); the message is imported
    /// without its date. Checked by breaking the fix (the range guard in `ChatText.date` removed): this test traps.
    @Test("Messenger: a timestamp_ms far past year 9999 is no date; the message is still imported")
    func messengerHugeTimestamp() async throws {
        let outputs = try await read(
            MessengerAdapter(), try Self.regression("messenger/huge-timestamp-ms.json"),
            name: "inbox/someone_1/message_1.json")
        let documents = outputs.compactMap { output -> MemoryDocument? in
            if case .document(let document) = output { return document }
            return nil
        }
        #expect(documents.count == 1)
        #expect(documents.first?.request.document.contains("N") == true)
        #expect(documents.first?.createdAtOrigin != .source)
    }

    /// The same gate serves every adapter that reads epoch numbers (ChatGPT, Telegram, chat specs, Slack `ts`,
    /// Messenger). Checked by breaking the fix (the range guard removed): the out-of-range cases fail.
    @Test(
        "epoch values outside the years 1–9999, or not finite, are no dates",
        arguments: [
            (JSONValue.number(1e22), 1.0, false), (.number(.infinity), 1, false), (.number(-.infinity), 1, false),
            (.string("nan"), 1, false), (.string("1e300"), 1, false), (.integer(Int64.max), 1, false),
            (.integer(Int64.min), 1000, false), (.number(1_700_000_000), 1, true),
            (.integer(1_700_000_000_000), 1000, true), (.string("253402300799"), 1, true),
            (.number(-62_135_596_800), 1, true),
        ])
    func epochRange(value: JSONValue, perSecond: Double, isDate: Bool) {
        #expect((ChatText.epoch(value, perSecond: perSecond) != nil) == isDate)
    }
}
