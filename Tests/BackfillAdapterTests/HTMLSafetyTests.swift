import BackfillMarkup
import Foundation
import Testing

/// Issue 13, point 4, for the HTML path (documents and email bodies): libxml2's HTML parser with `HTML_PARSE_NONET`
/// knows only HTML's named entities, so a declared entity is never expanded, nothing is read from disk or network.
@Suite("HTML safety")
struct HTMLSafetyTests {
    private func text(_ html: String) -> String { HTMLText.convert(Array(html.utf8), encoding: "UTF-8").text }

    // Broken to see it fail: `HTMLText` switched to `xmlCtxtReadMemory` with `XML_PARSE_NOENT` (XML parsing of the
    // same bytes) — the paragraph read "secret: root:x:0:0:…".
    @Test("an external entity in an HTML doctype is not included")
    func externalEntity() {
        let html = """
            <!DOCTYPE html [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
            <html><body><p>secret: &xxe; :end</p></body></html>
            """
        let result = text(html)
        #expect(result.contains("secret:"))
        #expect(!result.contains("root:"))
    }

    // Broken to see it fail: the same XML switch — the laugh expanded until libxml2's amplification check.
    @Test("billion laughs in HTML ends fast without expansion")
    func billionLaughs() {
        var doctype = #"<!DOCTYPE html [ <!ENTITY lol "lol">"#
        doctype += "<!ENTITY lol1 \"" + String(repeating: "&lol;", count: 10) + "\">"
        for n in 2...9 { doctype += "<!ENTITY lol\(n) \"" + String(repeating: "&lol\(n - 1);", count: 10) + "\">" }
        doctype += "]>"
        let started = ContinuousClock.now
        let result = text(doctype + "<html><body><p title=\"&lol9;\">laugh: &lol9; end</p></body></html>")
        #expect(ContinuousClock.now - started < .seconds(1))
        #expect(!result.contains("lollol"))
        #expect(result.contains("end"))
    }

    // Broken to see it fail: `shouldStop` ignored in `TreeWalker.walk` — the walk read all 200 000 paragraphs.
    @Test("the HTML walk ends early when asked to stop")
    func stopsWhenAsked() {
        let html = "<html><body>" + String(repeating: "<p>para</p>", count: 200_000) + "</body></html>"
        let result = HTMLText.convert(Array(html.utf8), encoding: "UTF-8", shouldStop: { true })
        #expect(result.text.components(separatedBy: "para").count < 10_000)
    }
}
