import BackfillCore
import BackfillTestSupport
import BackfillTranscriptAdapter
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Issue 13, point 4: TTML is read with no external entity, no network and no entity expansion. One test per attack;
/// each input is generated here.
@Suite("XML safety", .serialized)
struct XMLSafetyTests {
    static func read(_ xml: String, name: String = "attack.ttml") async throws -> [AdapterOutput] {
        let input = SourceInput.bytes(Array(xml.utf8), displayPath: name)
        return try await collect(TTMLAdapter().read(input, context: AdapterContext(), resumeFrom: nil))
    }

    static func ttml(doctype: String, body: String) -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        \(doctype)
        <tt xmlns="http://www.w3.org/ns/ttml" xmlns:ttm="http://www.w3.org/ns/ttml#metadata" xml:lang="en">
          <body><div>\(body)</div></body>
        </tt>
        """
    }

    /// A TCP listener on 127.0.0.1 (port 0): counts the connections made to it.
    final class Listener {
        let fd: Int32
        let port: UInt16

        init() throws {
            let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = 0
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socketFD, $0, length) }
            }
            guard bound == 0, listen(socketFD, 16) == 0 else {
                close(socketFD)
                throw POSIXError(.EADDRINUSE)
            }
            _ = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socketFD, $0, &length) }
            }
            _ = fcntl(socketFD, F_SETFL, fcntl(socketFD, F_GETFL) | O_NONBLOCK)
            fd = socketFD
            port = UInt16(bigEndian: address.sin_port)
        }

        deinit { close(fd) }

        /// Connections waiting to be accepted.
        func connections() -> Int {
            var count = 0
            while true {
                let client = accept(fd, nil, nil)
                if client < 0 { return count }
                close(client)
                count += 1
            }
        }
    }

    // Broken to see it fail: `XML_PARSE_NOENT` added to the parser's flags (and `entityDecl` left in place) — the
    // caption read "secret: root:x:0:0:root:…".
    @Test("an external entity (file:///etc/passwd) is not included")
    func externalFileEntity() async throws {
        let outputs = try await Self.read(
            Self.ttml(
                doctype: #"<!DOCTYPE tt [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>"#,
                body: #"<p begin="1s" end="2s">secret: &xxe; :end</p>"#))
        let text = outputs.compactMap(\.document).map(\.request.document).joined()
        #expect(text.contains("secret:"), "\(outputs)")
        #expect(!text.contains("root:"))
    }

    // Broken to see it fail: `sax.pointee.entityDecl = nil` removed — the nine-level laugh expanded in the agent
    // attribute and in the text (libxml2 2.9's own amplification check stopped it only after ~10^8 bytes, 1–2 s).
    @Test("billion laughs ends fast, and nothing is expanded")
    func billionLaughs() async throws {
        var doctype = #"<!DOCTYPE tt [ <!ENTITY lol "lol">"#
        doctype += "<!ENTITY lol1 \"" + String(repeating: "&lol;", count: 10) + "\">"
        for n in 2...9 { doctype += "<!ENTITY lol\(n) \"" + String(repeating: "&lol\(n - 1);", count: 10) + "\">" }
        doctype += "]>"
        let started = ContinuousClock.now
        let outputs = try await Self.read(
            Self.ttml(doctype: doctype, body: #"<p begin="1s" end="2s" ttm:agent="&lol9;">laugh: &lol9; end</p>"#))
        let took = ContinuousClock.now - started
        #expect(took < .seconds(1), "took \(took)")
        let text = outputs.compactMap(\.document).map(\.request.document).joined()
        #expect(!text.contains("lollol"))
        #expect(text.contains("end"), "\(outputs)")
    }

    // Broken to see it fail: `sax.pointee.entityDecl = nil` and `XML_PARSE_NONET` removed, `XML_PARSE_NOENT |
    // XML_PARSE_DTDLOAD` added — libxml2 connected to the listener (2 connections: the DTD and the entity).
    @Test("a network entity and a network DTD are not fetched")
    func networkEntity() async throws {
        let listener = try Listener()
        let base = "http://127.0.0.1:\(listener.port)"
        let outputs = try await Self.read(
            Self.ttml(
                doctype: #"<!DOCTYPE tt SYSTEM "\#(base)/tt.dtd" [ <!ENTITY remote SYSTEM "\#(base)/entity"> ]>"#,
                body: #"<p begin="1s" end="2s">remote: &remote; :end</p>"#))
        #expect(listener.connections() == 0)
        let text = outputs.compactMap(\.document).map(\.request.document).joined()
        #expect(text.contains("remote:"), "\(outputs)")
    }

    // Broken to see it fail: `XMLSupport.nestsDeeper` always false — a document was made from the 100-deep divs.
    @Test("XML nested past the depth budget is skipped naming --max-depth")
    func deepNesting() async throws {
        let body =
            String(repeating: "<div>", count: 100) + #"<p begin="1s" end="2s">deep</p>"#
            + String(repeating: "</div>", count: 100)
        let outputs = try await Self.read(Self.ttml(doctype: "", body: body))
        #expect(outputs.compactMap(\.document).isEmpty, "\(outputs)")
        let skip = outputs.compactMap(\.skipped).first { $0.code == "nesting_too_deep" }
        #expect(skip?.message.contains("(budget --max-depth 64)") == true, "\(outputs)")
    }
}
