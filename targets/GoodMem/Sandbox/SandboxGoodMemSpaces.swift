import BackfillSandbox
import BackfillCore
import Foundation
import HTTPTypes
import Hummingbird
import Logging

extension SandboxGoodMemRoutes {
    // MARK: Spaces

    /// `GET /v1/embedders`: the sandbox's one embedder, in the SDK's `EmbedderResponse` shape.
    static func listEmbedders() -> Response {
        let embedder: JSONValue = [
            "embedderId": .string(embedderID), "displayName": "sandbox embedder", "providerType": "TEI",
            "endpointUrl": "http://127.0.0.1/sandbox-embedder", "modelIdentifier": "sandbox-embedding",
            "dimensionality": 8, "distributionType": "DENSE", "supportedModalities": ["TEXT"], "labels": [:],
            "ownerId": .string(principalID), "createdAt": 0, "updatedAt": 0, "createdById": .string(principalID),
            "updatedById": .string(principalID),
        ]
        return SandboxHTTP.json(.ok, JSONValue.object(["embedders": [embedder]]))
    }

    /// `GET /v1/spaces`: `nameFilter` (glob), `maxResults` (default 50, clamped to 1...1000), `nextToken`, `sortBy`
    /// (`created_time`, `updated_time`, `name`), `sortOrder` (default `DESCENDING`).
    func listSpaces(_ request: Request) async throws -> Response {
        var problems: [GoodMemProblem] = []
        let limit = Self.clampedSize(
            Self.query(request, "maxResults", "max_results"), default: Self.defaultSpaceResults,
            maximum: Self.maxSpaceResults)
        if limit == nil {
            problems.append(GoodMemProblem(field: "maxResults", message: "maxResults must be an integer"))
        }
        var offset = 0
        if let token = Self.query(request, "nextToken", "next_token"), !token.isEmpty {
            if let value = SandboxCursor.decode(token), value >= 0 {
                offset = Int(value)
            } else {
                problems.append(
                    GoodMemProblem(field: "nextToken", message: "nextToken is not a token this server gave"))
            }
        }
        let sortBy = Self.query(request, "sortBy", "sort_by") ?? "created_time"
        if !["created_time", "updated_time", "name"].contains(sortBy) {
            problems.append(
                GoodMemProblem(field: "sortBy", message: "sortBy must be created_time, updated_time or name"))
        }
        let order = (Self.query(request, "sortOrder", "sort_order") ?? "DESCENDING").uppercased()
        if !["ASCENDING", "DESCENDING"].contains(order) {
            problems.append(GoodMemProblem(field: "sortOrder", message: "sortOrder must be ASCENDING or DESCENDING"))
        }
        guard problems.isEmpty, let limit else { return Self.invalid(problems) }
        var spaces = try await store.goodmemSpaces()
        if let pattern = Self.query(request, "nameFilter", "name_filter"), !pattern.isEmpty {
            spaces = spaces.filter { SandboxGlob.matches(pattern, $0.name) }
        }
        // Creation order is the tiebreak; a stable sort keeps it.
        if sortBy == "name" { spaces.sort { $0.name < $1.name } }
        if order == "DESCENDING" { spaces.reverse() }
        let page = spaces.dropFirst(offset).prefix(limit)
        let end = offset + page.count
        let next: JSONValue = end < spaces.count ? .string(SandboxCursor.encode(Int64(end))) : .null
        return SandboxHTTP.json(.ok, JSONValue.object(["spaces": .array(page.map(Self.spaceJSON)), "nextToken": next]))
    }

    func getSpace(_ context: SandboxRequestContext) async throws -> Response {
        let raw = context.parameters.get("spaceId") ?? ""
        guard let id = GoodMemValidator.normalizedUUID(raw) else {
            return Self.invalid([GoodMemProblem(field: "id", message: "the space id must be a UUID")])
        }
        guard let space = try await store.goodmemSpace(id: id) else {
            return Self.error(.notFound, "NOT_FOUND: space \(id)")
        }
        return SandboxHTTP.json(.ok, Self.spaceJSON(space))
    }

    func createSpace(_ request: Request) async throws -> Response {
        let body = try await request.body.collect(upTo: 1024 * 1024)
        store.received.record("goodmem", request, body)
        guard let fields = WireValue.parse(body.readableBytesView)?.object else {
            return Self.invalid([GoodMemProblem(field: "body", message: "the body is not a JSON object")])
        }
        var problems: [GoodMemProblem] = []
        var spaceID = UUID().uuidString.lowercased()
        switch GoodMemValidator.optionalUUID(fields, "spaceId") {
        case .success(let id?): spaceID = id
        case .success(nil): break
        case .failure(let problem): problems.append(problem)
        }
        let name = fields["name"]?.string ?? ""
        if name.trimmingCharacters(in: .whitespaces).isEmpty {
            problems.append(GoodMemProblem(field: "name", message: "name is required and must be a non-empty string"))
        }
        var labels: JSONValue = [:]
        if let field = fields["labels"], !field.isNull {
            if let object = field.object, object.values.allSatisfy({ $0.string != nil }) {
                labels = field.jsonValue
            } else {
                problems.append(GoodMemProblem(field: "labels", message: "labels must map strings to strings"))
            }
        }
        let (embedders, unknownEmbedder) = Self.spaceEmbedders(fields["spaceEmbedders"], problems: &problems)
        if embedders.isEmpty && !problems.contains(where: { $0.field.hasPrefix("spaceEmbedders") }) {
            problems.append(
                GoodMemProblem(
                    field: "spaceEmbedders", message: "at least one embedder configuration is required"))
        }
        var chunking: JSONValue?
        if let field = fields["defaultChunkingConfig"], !field.isNull {
            if field.object != nil {
                chunking = field.jsonValue
            } else {
                problems.append(
                    GoodMemProblem(field: "defaultChunkingConfig", message: "defaultChunkingConfig must be an object"))
            }
        }
        guard problems.isEmpty else { return Self.invalid(problems) }
        if let unknownEmbedder { return Self.error(.notFound, "NOT_FOUND: embedder \(unknownEmbedder)") }
        let space = GoodMemSpace(
            spaceID: spaceID, name: name, createdAt: Self.nowMillis(), labels: labels, embedders: .array(embedders),
            chunking: chunking)
        switch try await store.goodmemCreateSpace(space) {
        case .created(let space): return SandboxHTTP.json(.created, Self.spaceJSON(space))
        case .idExists: return Self.error(.conflict, "ALREADY_EXISTS: space \(spaceID) exists")
        case .nameExists: return Self.error(.conflict, "ALREADY_EXISTS: a space named '\(name)' exists")
        }
    }

    // At least one embedder configuration is required (the SDK's SpaceCreationRequest), each naming an
    // existing embedder: the sandbox has one (GET /v1/embedders).
    static func spaceEmbedders(_ field: WireValue?, problems: inout [GoodMemProblem]) -> ([JSONValue], String?) {
        var embedders: [JSONValue] = []
        var unknownEmbedder: String?
        if let field, !field.isNull {
            if case .array(let items) = field {
                for (index, item) in items.enumerated() {
                    guard let object = item.object, let id = object["embedderId"]?.string,
                        let embedderID = GoodMemValidator.normalizedUUID(id)
                    else {
                        problems.append(
                            GoodMemProblem(
                                field: "spaceEmbedders[\(index)].embedderId", message: "embedderId must be a UUID"))
                        continue
                    }
                    var weight: JSONValue = .number(1)
                    switch object["defaultRetrievalWeight"] {
                    case nil, .null?: break
                    case .integer(let value)?: weight = .number(Double(value))
                    case .number(let value)?: weight = .number(value)
                    default:
                        problems.append(
                            GoodMemProblem(
                                field: "spaceEmbedders[\(index)].defaultRetrievalWeight",
                                message: "defaultRetrievalWeight must be a number"))
                    }
                    if embedderID != Self.embedderID { unknownEmbedder = embedderID }
                    embedders.append(["embedderId": .string(embedderID), "defaultRetrievalWeight": weight])
                }
            } else {
                problems.append(GoodMemProblem(field: "spaceEmbedders", message: "spaceEmbedders must be an array"))
            }
        }
        return (embedders, unknownEmbedder)
    }
}
