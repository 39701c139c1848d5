import BackfillCore
import BackfillTestSupport
import BackfillTranscriptAdapter
import Testing

@Suite("TTML roles")
struct TTMLRoleTests {
    @Test("a ttm:role labels a cue that has no ttm:agent")
    func roleAsSpeaker() async throws {
        let ttml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <tt xmlns="http://www.w3.org/ns/ttml" xmlns:ttm="http://www.w3.org/ns/ttml#metadata">
              <body><div>
                <p begin="00:00:01.000" end="00:00:03.000" ttm:role="narrator">The meeting starts.</p>
                <p begin="00:00:03.000" end="00:00:05.000" ttm:role="narrator">Everyone is here.</p>
              </div></body>
            </tt>
            """
        let outputs = try await read(ttml, name: "roles.ttml", with: TTMLAdapter())
        guard case .document(let document)? = outputs.first else {
            Issue.record("no document: \(outputs)")
            return
        }
        #expect(document.request.document.contains("Narrator:"))
        #expect(document.request.metadata?["speakers"] == .array(["Narrator"]))
    }
}
