import BackfillMarkup
import Testing

@Suite("HTML to text")
struct HTMLTextTests {
    private func text(_ html: String, encoding: String? = "UTF-8") -> String {
        HTMLText.convert(Array(html.utf8), encoding: encoding).text
    }

    @Test func scriptsStylesAndHeadAreDropped() {
        let html = """
            <html><head><title>T</title><style>p { color: red }</style><script>var x = 1;</script></head>
            <body><script>alert("no")</script><p>Visible</p><noscript>Turn on JS</noscript>
            <template><p>later</p></template><style>.a{}</style></body></html>
            """
        #expect(text(html) == "Visible")
    }

    @Test func blocksBecomeLines() {
        #expect(text("<p>one</p><p>two</p>") == "one\n\ntwo")
        #expect(text("<div>one</div><div>two</div>") == "one\ntwo")
        #expect(text("one<br>two<br/><br>three") == "one\ntwo\n\nthree")
        #expect(text("<h1>Title</h1>text<blockquote>quoted</blockquote>after") == "Title\n\ntext\n\nquoted\n\nafter")
        #expect(text("<p>a</p><p></p><p></p><div></div><p>b</p>") == "a\n\nb")
    }

    @Test func inlineWhitespaceCollapses() {
        #expect(text("  <p>  lots   of \n\t space <b>bold</b>  <i> it </i>.</p>  ") == "lots of space bold it .")
        #expect(text("no<span>space</span>between") == "nospacebetween")
    }

    @Test func entitiesAreDecoded() {
        #expect(
            text("<p>&amp; &lt;tag&gt; &eacute;t&eacute; &#x41;&#66; &euro;5&nbsp;&nbsp;each &quot;q&quot;</p>")
                == "& <tag> été AB €5 each \"q\"")
    }

    @Test func titleIsCaptured() {
        let result = HTMLText.convert(
            Array("<html><head><title>  Release\n notes &amp; more </title></head><body>x</body></html>".utf8))
        #expect(result.title == "Release notes & more")
        #expect(result.text == "x")
        #expect(HTMLText.convert(Array("<p>no title</p>".utf8)).title == nil)
    }

    @Test func nestedLists() {
        let html = """
            <ul>
              <li>one
                <ul><li>inner a</li><li>inner <b>b</b></li></ul>
              </li>
              <li>two</li>
            </ul>
            <ol><li>first</li><li>second</li></ol>
            """
        #expect(text(html) == "- one\n  - inner a\n  - inner b\n- two\n\n- first\n- second")
    }

    @Test func preKeepsItsSpacing() {
        let html = "<p>before</p><pre>line 1\n    indented   wide\n\nafter blank</pre><p>after</p>"
        #expect(text(html) == "before\n\nline 1\n    indented   wide\n\nafter blank\n\nafter")
    }

    @Test func tablesJoinCells() {
        let html = "<table><tr><th>Name</th><th>Qty</th></tr><tr><td>Pens</td><td>3</td></tr></table>"
        #expect(text(html) == "Name | Qty\nPens | 3")
    }

    @Test func brokenAndOddInput() {
        #expect(text("") == "")
        #expect(text("just text, no tags") == "just text, no tags")
        #expect(text("<p>unclosed <b>bold <i>italic") == "unclosed bold italic")
        #expect(text("<!-- only a comment -->") == "")
        #expect(text("<div><div><div>" + String(repeating: "<span>", count: 200) + "deep") == "deep")
        // Past libxml2's nesting limit the rest is lost, but what came before is kept and nothing crashes.
        #expect(text("<p>before</p>" + String(repeating: "<div>", count: 5000) + "deep").hasPrefix("before"))
    }

    @Test func declaredCharsetIsHonouredWithoutAnEncoding() {
        // "café" in Latin-1, declared in <meta>.
        var bytes = Array("<html><head><meta charset=\"iso-8859-1\"></head><body><p>caf".utf8)
        bytes.append(0xE9)
        bytes.append(contentsOf: Array("</p></body></html>".utf8))
        #expect(HTMLText.convert(bytes).text == "café")
    }

    @Test func undeclaredUTF8IsDetected() {
        #expect(HTMLText.convert(Array("<p>café — 😀</p>".utf8)).text == "café — 😀")
        #expect(HTMLText.convert(Array("<p>café</p>".utf8), encoding: "utf-8").text == "café")
    }

    @Test func concurrentCallsAgree() async {
        let html = Array(
            "<html><head><title>t</title></head><body><ul><li>a &amp; b</li></ul><p>c</p></body></html>".utf8)
        let expected = HTMLText.convert(html)
        let results = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    (0..<200).allSatisfy { _ in HTMLText.convert(html) == expected }
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results.allSatisfy { $0 })
        #expect(expected.text == "- a & b\n\nc")
    }
}
