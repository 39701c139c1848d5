import BackfillCore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// The last write bodies each contract received, byte for byte, so a test can check what a client really sent
/// (`GET /_sandbox/requests?target=<name>`, a provider's ``SandboxRoutesProvider/name``). Bounded by body count and by bytes; the oldest go first.
public final class SandboxRequestLog: Sendable {
    /// One received body and the route it came through (`POST /api/v1/memories/batch`).
    struct Entry: Sendable {
        var route: String
        var body: [UInt8]
    }

    private struct Ring: Sendable {
        var entries: [String: [Entry]] = [:]
        var bytes = 0
        var count = 0
    }

    /// At most this many bodies over all targets (0 records nothing).
    public let maxBodies: Int
    /// At most this many bytes over all targets.
    public let maxBytes: Int
    private let ring = Mutex(Ring())

    public init(maxBodies: Int = 20_000, maxBytes: Int = 256 * 1024 * 1024) {
        self.maxBodies = max(0, maxBodies)
        self.maxBytes = max(0, maxBytes)
    }

    /// Records the body of a write as received (called right after the handler collects it).
    package func record(_ target: String, _ request: Request, _ body: ByteBuffer) {
        guard maxBodies > 0, body.readableBytes <= maxBytes else { return }
        let entry = Entry(route: "\(request.method.rawValue) \(request.uri.path)", body: Array(body.readableBytesView))
        ring.withLock { ring in
            ring.entries[target, default: []].append(entry)
            ring.bytes += entry.body.count
            ring.count += 1
            while ring.count > maxBodies || ring.bytes > maxBytes {
                // Evict the oldest body of the fullest target (each target's list is in arrival order).
                guard let fullest = ring.entries.max(by: { $0.value.count < $1.value.count })?.key,
                    let dropped = ring.entries[fullest]?.first
                else { break }
                ring.entries[fullest]?.removeFirst()
                ring.bytes -= dropped.body.count
                ring.count -= 1
            }
        }
    }

    func entries(_ target: String) -> [Entry] {
        ring.withLock { $0.entries[target] ?? [] }
    }

    func clear() {
        ring.withLock { $0 = Ring() }
    }

    /// `{"requests":[…]}`: one entry per created item. A single create is `{"route","body"}` with the body exactly
    /// as received; a batch gives one `{"route","index","envelope","body"}` per item of its array (the key the
    /// target names: ``SandboxPart/batchItemsKey(route:)``), `envelope` holding the batch's other fields. A body
    /// that is not a JSON object is `{"route","body":null,"raw":"<text>"}`.
    func render(_ target: String, batchItemsKey: (String) -> String?) -> [UInt8] {
        var out = Array(#"{"requests":["#.utf8)
        var first = true
        func append(_ parts: [UInt8]...) {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            for part in parts { out.append(contentsOf: part) }
        }
        func encoded(_ value: JSONValue) -> [UInt8] {
            (try? SandboxHTTP.encoder.encode(value)).map { Array($0) } ?? Array("null".utf8)
        }
        for entry in entries(target) {
            let route = encoded(.string(entry.route))
            let itemsKey = batchItemsKey(entry.route)
            guard case .object(let fields)? = try? JSONBytesParser.parse(entry.body[...]) else {
                let raw = encoded(.string(String(decoding: entry.body, as: UTF8.self)))
                append(Array(#"{"route":"#.utf8), route, Array(#","body":null,"raw":"#.utf8), raw, [UInt8(ascii: "}")])
                continue
            }
            guard let itemsKey, case .array(let items)? = fields[itemsKey] else {
                append(Array(#"{"route":"#.utf8), route, Array(#","body":"#.utf8), entry.body, [UInt8(ascii: "}")])
                continue
            }
            var envelope = fields
            envelope[itemsKey] = nil
            let envelopeBytes = encoded(.object(envelope))
            for (index, item) in items.enumerated() {
                append(
                    Array(#"{"route":"#.utf8), route, Array(#","index":\#(index),"envelope":"#.utf8), envelopeBytes,
                    Array(#","body":"#.utf8), encoded(item), [UInt8(ascii: "}")])
            }
        }
        out.append(contentsOf: Array("]}".utf8))
        return out
    }

    /// `GET /_sandbox/requests?target=…` and `DELETE /_sandbox/requests`.
    /// `targets` are the mounted parts by name, in order.
    func add(to router: Router<SandboxRequestContext>, targets: [(name: String, part: any SandboxPart)]) {
        let admin = router.group("_sandbox")
        let names = targets.map(\.name)
        let choices = names.count < 2 ? names.joined() : names.dropLast().joined(separator: ", ") + " or " + names[names.count - 1]
        admin.get("requests") { request, _ in
            let name = request.uri.queryParameters.get("target") ?? ""
            guard let part = targets.first(where: { $0.name == name })?.part else {
                return SandboxHTTP.json(
                    .badRequest,
                    JSONValue.object(["error": .string("target must be \(choices)"), "code": "INVALID_INPUT"]))
            }
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(bytes: self.render(name, batchItemsKey: part.batchItemsKey))))
        }
        admin.delete("requests") { _, _ in
            self.clear()
            return Response(status: .noContent)
        }
    }
}
