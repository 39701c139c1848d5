import BackfillCore
import BackfillMarkup
import CLibXML2
import Foundation

/// TTML 1/2 and DFXP: `<p begin end dur>` cues under `body`/`div` (times relative to the parent's begin),
/// `<span>` and `<br/>`, clock-time and offset-time expressions (h, m, s, ms, f with `ttp:frameRate` ×
/// `ttp:frameRateMultiplier`, t with `ttp:tickRate`), speakers from `ttm:agent` (named by `ttm:name` in the head).
enum TTMLParser {
    struct TimeBase {
        var frameRate: Double = 30
        var subFrameRate: Double = 1
        var tickRate: Double = 1

        init(root: xmlNodePtr) {
            var rate = 30.0
            if let value = XMLSupport.attribute(root, "frameRate").flatMap({
                Double($0.trimmingCharacters(in: .whitespaces))
            }),
                value > 0
            {
                rate = value
            }
            if let multiplier = XMLSupport.attribute(root, "frameRateMultiplier") {
                let numbers = multiplier.split(separator: " ").compactMap { Double($0) }
                if numbers.count == 2, numbers[0] > 0, numbers[1] > 0 { rate = rate * numbers[0] / numbers[1] }
            }
            frameRate = rate
            if let sub = XMLSupport.attribute(root, "subFrameRate").flatMap({ Double($0) }), sub > 0 {
                subFrameRate = sub
            }
            if let tick = XMLSupport.attribute(root, "tickRate").flatMap({ Double($0) }), tick > 0 {
                tickRate = tick
            } else if XMLSupport.attribute(root, "frameRate") != nil {
                tickRate = frameRate * subFrameRate
            }
        }

        /// A TTML time expression → seconds; nil when unreadable.
        func seconds(_ expression: String) -> Double? {
            let text = expression.trimmingCharacters(in: .whitespaces)
            guard let last = text.last else { return nil }
            if text.contains(":") {
                // hh:mm:ss(.fraction) or hh:mm:ss:frames(.subframes)
                let fields = text.split(separator: ":", omittingEmptySubsequences: false)
                if fields.count == 4 {
                    guard let h = Double(fields[0]), let m = Double(fields[1]), let s = Double(fields[2]) else {
                        return nil
                    }
                    let frameParts = fields[3].split(separator: ".", maxSplits: 1)
                    guard let frames = frameParts.first.flatMap({ Double($0) }) else { return nil }
                    let subframes = frameParts.count > 1 ? (Double(frameParts[1]) ?? 0) : 0
                    return h * 3600 + m * 60 + s + (frames + subframes / subFrameRate) / frameRate
                }
                return TranscriptText.parseClock(text)
            }
            // Offset time: count + metric.
            let metrics: [(String, Double)] = [
                ("ms", 0.001), ("h", 3600), ("m", 60), ("s", 1), ("f", 1 / frameRate), ("t", 1 / tickRate),
            ]
            for (metric, scale) in metrics where text.hasSuffix(metric) {
                guard let count = Double(text.dropLast(metric.count)), count.isFinite else { return nil }
                return count * scale
            }
            // TTML1 allowed a bare number (seconds) in some profiles.
            if last.isNumber, let count = Double(text), count.isFinite { return count }
            return nil
        }
    }

    static func parse(_ bytes: [UInt8]) -> ParsedTranscript {
        var parsed = ParsedTranscript(format: "ttml")
        let result: Void? = XMLSupport.withDocument(bytes) { doc, wellFormed in
            if !wellFormed {
                parsed.warn("the XML is malformed or truncated; what libxml2 could recover was imported")
            }
            guard let root = xmlDocGetRootElement(doc) else { return }
            guard XMLSupport.name(root) == "tt" else {
                parsed.skips.append(
                    (
                        TranscriptSkipCode.notTTML,
                        "the root element is <\(XMLSupport.name(root))>, not <tt>: not a TTML/DFXP document",
                        .wholeFile
                    ))
                return
            }
            let budgets = InputBudgets.current
            if XMLSupport.nestsDeeper(root, than: budgets.maxDepth) {
                let error = budgets.exceeded(
                    .depth, "XML elements nested deeper than \(budgets.maxDepth) levels", file: "")
                parsed.skips.append((InputBudgets.Budget.depth.code, error.message, .wholeFile))
                return
            }
            let base = TimeBase(root: root)
            if let language = XMLSupport.attribute(root, "lang"), !language.isEmpty { parsed.language = language }
            var agents: [String: String] = [:]
            var roles: [String] = []
            for child in XMLSupport.children(root) where XMLSupport.name(child) == "head" {
                collectHead(child, agents: &agents, title: &parsed.title)
            }
            var state = WalkState(base: base, agents: agents)
            for child in XMLSupport.children(root) where XMLSupport.name(child) == "body" {
                walk(child, offset: 0, agent: nil, state: &state)
            }
            parsed.cues = state.cues
            for warning in state.warnings { parsed.warn(warning) }
            roles = state.roles
            if !roles.isEmpty { parsed.extraMetadata["ttml_roles"] = .array(roles.map { .string($0) }) }
            if state.outOfOrder > 0 {
                parsed.warn("\(state.outOfOrder) cue(s) start before the previous one; kept in document order")
            }
            if state.endBeforeStart > 0 {
                parsed.warn("\(state.endBeforeStart) cue(s) end before they start; their end was set to their start")
            }
        }
        if result == nil {
            parsed.skips.append(
                (
                    TranscriptSkipCode.malformedXML,
                    "libxml2 could not read anything from this file; check that it is TTML/DFXP XML", .wholeFile
                ))
        }
        return parsed
    }

    /// `<ttm:agent xml:id="a1"><ttm:name>Alice</ttm:name></ttm:agent>` and `<ttm:title>` in the head (any depth).
    private static func collectHead(_ node: xmlNodePtr, agents: inout [String: String], title: inout String?) {
        for child in XMLSupport.children(node) where child.pointee.type == XML_ELEMENT_NODE {
            switch XMLSupport.name(child) {
            case "agent":
                guard let id = XMLSupport.identifier(child) else { continue }
                let names = XMLSupport.children(child).filter { XMLSupport.name($0) == "name" }
                let full = names.first { XMLSupport.attribute($0, "type") == "full" } ?? names.first
                let name = full.map { normaliseText(textContent($0)) } ?? ""
                agents[id] = name.isEmpty ? id : name
            case "title":
                let text = normaliseText(textContent(child))
                if title == nil, !text.isEmpty { title = text }
            default:
                collectHead(child, agents: &agents, title: &title)
            }
        }
    }

    private static func textContent(_ node: xmlNodePtr) -> String {
        var out = ""
        for child in XMLSupport.children(node) {
            switch child.pointee.type {
            case XML_TEXT_NODE, XML_CDATA_SECTION_NODE: out += XMLSupport.text(child)
            case XML_ELEMENT_NODE: out += textContent(child)
            default: continue
            }
        }
        return out
    }

    struct WalkState {
        var base: TimeBase
        var agents: [String: String]
        var cues: [Cue] = []
        var warnings: [String] = []
        var roles: [String] = []
        var previousStart: Double?
        var outOfOrder = 0
        var endBeforeStart = 0
    }

    private static func speaker(_ node: xmlNodePtr, state: WalkState) -> String? {
        guard let agent = XMLSupport.attribute(node, "agent") else { return nil }
        // IDREFS: the first agent named.
        guard let first = agent.split(separator: " ").first.map(String.init) else { return nil }
        return state.agents[first] ?? first
    }

    /// Walks `body`/`div` containers; `p` elements are cues. Times are relative to the parent's begin (TTML's
    /// default `par` time containers).
    private static func walk(_ node: xmlNodePtr, offset: Double, agent: String?, state: inout WalkState) {
        let line = Int(xmlGetLineNo(node))
        let begin = XMLSupport.attribute(node, "begin")
        let beginSeconds = begin.flatMap { state.base.seconds($0) }
        if let begin, beginSeconds == nil {
            state.warnings.append(
                "unreadable time begin=“\(begin.prefix(40))” on <\(XMLSupport.name(node))> at line \(line), read as 0")
        }
        let start = offset + (beginSeconds ?? 0)
        let agent = speaker(node, state: state) ?? agent
        if let role = XMLSupport.attribute(node, "role"), !role.isEmpty, !state.roles.contains(role) {
            state.roles.append(role)
        }
        for child in XMLSupport.children(node) where child.pointee.type == XML_ELEMENT_NODE {
            let name = XMLSupport.name(child)
            if name == "p" {
                cue(child, offset: start, agent: agent, state: &state)
            } else if name == "div" || name == "body" {
                walk(child, offset: start, agent: agent, state: &state)
            }
        }
    }

    private static func cue(_ node: xmlNodePtr, offset: Double, agent: String?, state: inout WalkState) {
        let line = Int(xmlGetLineNo(node))
        let base = state.base
        let beginText = XMLSupport.attribute(node, "begin")
        let endText = XMLSupport.attribute(node, "end")
        let durText = XMLSupport.attribute(node, "dur")
        let begin = beginText.flatMap { base.seconds($0) }
        let end = endText.flatMap { base.seconds($0) }
        let dur = durText.flatMap { base.seconds($0) }
        let unreadable = [("begin", beginText, begin), ("end", endText, end), ("dur", durText, dur)]
            .filter { $0.1 != nil && $0.2 == nil }
        if let bad = unreadable.first {
            state.warnings.append(
                "unreadable time \(bad.0)=“\((bad.1 ?? "").prefix(40))” on <p> at line \(line); the text was kept without it"
            )
        }
        let start: Double? = begin.map { offset + $0 } ?? (end != nil || dur != nil ? offset : nil)
        var stop: Double? = end.map { offset + $0 } ?? dur.flatMap { d in start.map { $0 + d } }
        if let role = XMLSupport.attribute(node, "role"), !role.isEmpty, !state.roles.contains(role) {
            state.roles.append(role)
        }
        if let s = start, let e = stop, e < s {
            state.endBeforeStart += 1
            stop = s
        }
        if let s = start {
            if let previous = state.previousStart, s < previous { state.outOfOrder += 1 }
            state.previousStart = s
        }
        // `ttm:agent` names the speaker; lacking one, a `ttm:role` (e.g. "narrator") labels the cue.
        let role = XMLSupport.attribute(node, "role").flatMap { $0.isEmpty ? nil : $0 }
        let speaker = speaker(node, state: state) ?? agent ?? role.map { $0.prefix(1).uppercased() + $0.dropFirst() }
        var segments: [Segment] = []
        collectSpans(node, speaker: speaker, into: &segments, state: state)
        let cleaned = CueText.attributeInline(segments, allowInline: speaker == nil, hadVoice: false)
        guard !cleaned.isEmpty else { return }
        state.cues.append(Cue(start: start, end: stop, segments: cleaned, line: line))
    }

    /// Text of a `p`: spans (with their own agents), `br` as a line break; metadata and other markup skipped.
    private static func collectSpans(
        _ node: xmlNodePtr, speaker: String?, into segments: inout [Segment], state: WalkState
    ) {
        for child in XMLSupport.children(node) {
            switch child.pointee.type {
            case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                let text = XMLSupport.text(child)
                if let last = segments.last, last.speaker == speaker {
                    segments[segments.count - 1].text += text
                } else {
                    segments.append(Segment(speaker: speaker, text: text))
                }
            case XML_ELEMENT_NODE:
                switch XMLSupport.name(child) {
                case "br":
                    if !segments.isEmpty { segments[segments.count - 1].text += "\n" }
                case "span":
                    collectSpans(
                        child, speaker: self.speaker(child, state: state) ?? speaker, into: &segments, state: state)
                case "metadata", "set", "animate":
                    continue
                default:
                    collectSpans(child, speaker: speaker, into: &segments, state: state)
                }
            default:
                continue
            }
        }
    }

    /// The head looks like TTML: a `<tt` element with a TTML namespace.
    static func looksLikeTTML(_ text: String) -> Bool {
        guard text.contains("<tt") else { return false }
        return text.contains("http://www.w3.org/ns/ttml") || text.contains("http://www.w3.org/2006/10/ttaf1")
            || text.contains("http://www.w3.org/2006/04/ttaf1")
    }
}
