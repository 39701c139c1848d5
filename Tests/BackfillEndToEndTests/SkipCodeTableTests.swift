import BackfillArchiveAdapter
import BackfillChatAdapter
import BackfillCore
import BackfillDocumentAdapter
import BackfillEmailAdapter
import BackfillRequestsAdapter
import BackfillTranscriptAdapter
import Foundation
import Testing

/// Every skip code is one case of one enum, and the documentation lists exactly those: README.md's budget and
/// "Skip codes" tables are ``SkipCode``, each family README's "Skip reasons" table is its family enum (plus the
/// shared codes it also gives).
/// Broken to see it fail: (1) `case noHeaders = "no_headers"` renamed to `"no_header"` in `EmailSkipCode` — the
/// Email README's `no_headers` was not a code and `no_header` had no row; (2) `case emptyFile = "empty_file"`
/// added to `TranscriptSkipCode` again — `empty_file` was defined twice; (3) the `unreadable_input` row deleted
/// from README.md — a shared code was undocumented.
@Suite("Skip codes")
struct SkipCodeTableTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Each family: its README and its own codes.
    static let families: [(readme: String, codes: [String])] = [
        ("adapters/Archive/README.md", ArchiveSkipCode.allCases.map(\.rawValue)),
        ("adapters/Chat/README.md", ChatSkipCode.allCases.map(\.rawValue)),
        ("adapters/Document/README.md", DocumentSkipCode.allCases.map(\.rawValue)),
        ("adapters/Email/README.md", EmailSkipCode.allCases.map(\.rawValue)),
        ("adapters/Requests/README.md", RequestsSkipCode.allCases.map(\.rawValue)),
        ("adapters/Transcript/README.md", TranscriptSkipCode.allCases.map(\.rawValue)),
    ]

    /// The backticked codes in column `column` (1 = the first) of the table rows under the first heading starting
    /// `heading`.
    static func tableCodes(_ file: String, heading: String, column: Int = 1) throws -> [String] {
        let text = try String(contentsOf: root.appendingPathComponent(file), encoding: .utf8)
        let lines = text.components(separatedBy: "\n")
        guard let start = lines.firstIndex(where: { $0.hasPrefix(heading) }) else { return [] }
        var codes: [String] = []
        for line in lines[(start + 1)...] {
            if line.hasPrefix("#") { break }
            guard line.hasPrefix("|") else { continue }
            let cells = line.split(separator: "|", omittingEmptySubsequences: false)
            guard cells.count > column + 1 else { continue }
            let parts = cells[column].split(separator: "`", omittingEmptySubsequences: false)
            codes += stride(from: 1, to: parts.count, by: 2).map { String(parts[$0]) }
        }
        return codes
    }

    @Test func noCodeIsDefinedTwice() {
        let all = SkipCode.allCases.map(\.rawValue) + Self.families.flatMap(\.codes)
        let counts = Dictionary(all.map { ($0, 1) }, uniquingKeysWith: +)
        #expect(counts.filter { $0.value > 1 }.keys.sorted() == [])
    }

    @Test func readmeListsTheSharedCodes() throws {
        let budgets = try Self.tableCodes("README.md", heading: "### Budgets", column: 4)
        let shared = try Self.tableCodes("README.md", heading: "### Skip codes")
        #expect(Set(budgets) == Set(InputBudgets.Budget.allCases.map(\.code.rawValue)))
        #expect((budgets + shared).sorted() == SkipCode.allCases.map(\.rawValue).sorted())
    }

    @Test(arguments: families.map(\.readme))
    func familyReadmeListsItsCodes(readme: String) throws {
        let own = Self.families.first { $0.readme == readme }!.codes
        let listed = try Self.tableCodes(readme, heading: "## Skip reasons")
        #expect(!listed.isEmpty, "\(readme) has no table under '## Skip reasons'")
        #expect(Set(own).subtracting(listed).sorted() == [], "codes of \(readme)'s family missing from its table")
        let known = Set(own).union(SkipCode.allCases.map(\.rawValue))
        #expect(Set(listed).subtracting(known).sorted() == [], "\(readme) lists codes no enum defines")
        #expect(listed.count == Set(listed).count, "\(readme) lists a code twice")
    }
}
