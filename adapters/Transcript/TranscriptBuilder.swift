import BackfillCore
import Foundation

/// Turns parsed cues into documents: speaker turns, optional stamps, the identity rule, the date, parts.
struct TranscriptBuilder {
    let adapterName: String
    let input: SourceInput
    let context: AdapterContext
    /// How the text was decoded (BOM, `--encoding` or detection); its name goes to metadata when not UTF-8.
    var charset: SourceCharset?

    /// A pause of this many seconds or more starts a new paragraph in text without speakers.
    static let unlabelledPause = 2.0
    /// Unattributed paragraphs are broken at a cue boundary past this many characters.
    static let unlabelledParagraph = 1000

    func outputs(for parsed: ParsedTranscript) -> [AdapterOutput] {
        var outputs: [AdapterOutput] = parsed.skips.map { skip in
            .skipped(
                SkippedRecord(
                    adapter: adapterName, file: input.displayPath, position: skip.position, code: skip.code,
                    message: skip.message))
        }
        let turns = Self.turns(from: parsed.cues)
        guard !turns.isEmpty else {
            outputs.append(
                .skipped(
                    SkippedRecord(
                        adapter: adapterName, file: input.displayPath, position: .wholeFile,
                        code: TranscriptSkipCode.emptyTranscript,
                        message: parsed.cues.isEmpty && parsed.skips.isEmpty
                            ? "no cue or speaker line with text was found; check that this is a \(parsed.format) transcript (an empty export or a wrong extension)"
                            : "no cue with text could be read (see the skipped cues above); fix them or re-export the transcript"
                    )))
            return outputs
        }
        outputs.append(contentsOf: documents(parsed: parsed, turns: turns))
        return outputs
    }

    // MARK: - Turns

    /// Consecutive segments of one speaker merged. A segment without a speaker continues the current turn (SRT and
    /// Zoom name the speaker only when it changes); in text without any speaker, a pause or a long paragraph
    /// starts a new one.
    static func turns(from cues: [Cue]) -> [Turn] {
        var turns: [Turn] = []
        var previousEnd: Double?
        for cue in cues {
            var countedCue = false
            for segment in cue.segments where !segment.text.isEmpty {
                let newTurn: Bool
                if let last = turns.last {
                    if let speaker = segment.speaker {
                        newTurn = speaker != last.speaker
                    } else if last.speaker == nil {
                        let pause = (cue.start ?? 0) - (previousEnd ?? cue.start ?? 0)
                        newTurn = !countedCue && (pause >= unlabelledPause || last.text.count > unlabelledParagraph)
                    } else {
                        newTurn = false
                    }
                } else {
                    newTurn = true
                }
                if newTurn {
                    turns.append(
                        Turn(
                            speaker: segment.speaker, start: cue.start, end: cue.end, texts: [segment.text],
                            cueCount: countedCue ? 0 : 1, line: cue.line))
                } else {
                    turns[turns.count - 1].texts.append(segment.text)
                    if !countedCue { turns[turns.count - 1].cueCount += 1 }
                    if let end = cue.end { turns[turns.count - 1].end = max(turns[turns.count - 1].end ?? end, end) }
                    if turns[turns.count - 1].start == nil { turns[turns.count - 1].start = cue.start }
                }
                countedCue = true
            }
            if let end = cue.end { previousEnd = end } else if let start = cue.start { previousEnd = start }
        }
        return turns
    }

    // MARK: - Documents

    /// Speakers in order of first appearance, with their cue counts.
    static func speakers(of cues: [Cue]) -> ([String], cuesBySpeaker: [String: Int]) {
        var speakers: [String] = []
        var cuesBySpeaker: [String: Int] = [:]
        for cue in cues {
            var seen = Set<String>()
            for segment in cue.segments where !segment.text.isEmpty {
                guard let speaker = segment.speaker, seen.insert(speaker).inserted else { continue }
                if cuesBySpeaker[speaker] == nil { speakers.append(speaker) }
                cuesBySpeaker[speaker, default: 0] += 1
            }
        }
        return (speakers, cuesBySpeaker)
    }

    /// Speakers → scope ids: the first mapped speaker (in order of appearance) owns the document.
    private func identities(of speakers: [String]) -> ([String: JSONValue], owner: IdentityMap.Identity?) {
        var speakerUserIDs: [String: JSONValue] = [:]
        var owner: IdentityMap.Identity?
        for speaker in speakers {
            guard let identity = context.identities.identity(for: speaker) else { continue }
            if let userID = identity.userID { speakerUserIDs[speaker] = .string(userID) }
            if owner == nil { owner = identity }
        }
        return (speakerUserIDs, owner)
    }

    private func documents(parsed: ParsedTranscript, turns: [Turn]) -> [AdapterOutput] {
        let stamps =
            context.options["timestamps"].map { ["true", "1", "yes", "on"].contains($0.lowercased()) } ?? false
        let type: DocumentType =
            context.options["transcript-type"]?.lowercased() == "audio" ? .audio : .meetingTranscript

        let (speakers, cuesBySpeaker) = Self.speakers(of: parsed.cues)
        let cueCount = parsed.cues.filter { $0.segments.contains { !$0.text.isEmpty } }.count
        let duration = parsed.cues.compactMap { $0.end ?? $0.start }.max()
        let withHours = (duration ?? 0) >= 3600

        // Identity: the turns without stamps, so re-exports (another format, another name, with or without
        // --timestamps) of the same meeting share the id.
        let identityText = turns.map { Self.render($0, stamp: nil) }.joined(separator: "\n\n")
        let baseID = DocumentID.contentHash(prefix: "transcript", content: Array(identityText.utf8))

        let rendered = turns.map { turn in
            Self.label(turn, stamp: stamps ? turn.start.map { formatStamp($0, withHours: withHours) } : nil)
        }
        let parts = Self.pack(rendered, turns: turns, limit: max(64, context.maxDocumentBytes))

        let date = CreatedAtResolver(input: input, options: context.options).resolve()

        let (speakerUserIDs, owner) = identities(of: speakers)

        var metadata: [String: JSONValue] = [
            "source_format": .string(parsed.format),
            "file_name": .string(input.fileName),
            "speakers": .array(speakers.map { .string($0) }),
            "cues_by_speaker": .object(cuesBySpeaker.mapValues { .integer(Int64($0)) }),
            "cue_count": .integer(Int64(cueCount)),
            "turn_count": .integer(Int64(turns.count)),
        ]
        if let duration { metadata["duration_seconds"] = secondsValue(duration) }
        if let title = date.title ?? parsed.title { metadata["title"] = .string(title) }
        if let language = parsed.language { metadata["language"] = .string(language) }
        if let charset, charset.name != "UTF-8" { metadata["encoding"] = .string(charset.name) }
        if !speakerUserIDs.isEmpty { metadata["speaker_user_ids"] = .object(speakerUserIDs) }
        if let origin = date.originLabel { metadata["created_at_from"] = .string(origin) }
        var warnings = parsed.warnings
        if parsed.droppedWarnings > 0 { warnings.append("… and \(parsed.droppedWarnings) more") }
        if !warnings.isEmpty { metadata["parse_warnings"] = .array(warnings.map { .string($0) }) }
        for (key, value) in parsed.extraMetadata { metadata[key] = value }

        return parts.enumerated().map { index, part in
            var partMetadata = metadata
            if parts.count > 1 {
                partMetadata["part"] = .integer(Int64(index + 1))
                partMetadata["part_count"] = .integer(Int64(parts.count))
                if let start = part.start { partMetadata["part_start_seconds"] = secondsValue(start) }
                if let end = part.end { partMetadata["part_end_seconds"] = secondsValue(end) }
            }
            let request = CreateMemoryRequest(
                document: part.text, documentType: type,
                documentID: parts.count > 1 ? DocumentID.part(baseID, index + 1) : baseID,
                documentCreatedAt: date.date.map(Timestamp.format), userID: owner?.userID,
                customerID: owner?.customerID, metadata: partMetadata)
            let position =
                parts.count > 1 ? RecordPosition(line: part.line, recordIndex: index) : RecordPosition.wholeFile
            var document = MemoryDocument(
                request: request,
                provenance: Provenance(
                    adapter: adapterName, file: input.displayPath, archiveEntry: input.archiveEntry,
                    position: position),
                createdAtOrigin: date.origin, createdAtFallback: date.fallback)
            document.charset = charset
            return .document(document)
        }
    }

    static func render(_ turn: Turn, stamp: String?) -> String {
        label(turn, stamp: stamp) + turn.text
    }

    /// `[mm:ss] Name: ` (each part optional).
    static func label(_ turn: Turn, stamp: String?) -> String {
        var line = stamp.map { $0 + " " } ?? ""
        if let speaker = turn.speaker { line += speaker + ": " }
        return line
    }

    struct Part {
        var text: String
        var start: Double?
        var end: Double?
        var line: Int
    }

    /// Packs rendered turns into documents of at most `limit` UTF-8 bytes, breaking only between turns; a single
    /// turn longer than the limit is cut at spaces, each piece keeping the speaker label.
    static func pack(_ labels: [String], turns: [Turn], limit: Int) -> [Part] {
        var parts: [Part] = []
        var current: Part?
        var currentBytes = 0
        func flush() {
            if let part = current { parts.append(part) }
            current = nil
            currentBytes = 0
        }
        for (label, turn) in zip(labels, turns) {
            let text = label + turn.text
            let pieces = text.utf8.count <= limit ? [text] : cut(turn.text, label: label, limit: limit)
            for piece in pieces {
                let bytes = piece.utf8.count
                if var part = current, currentBytes + 2 + bytes <= limit {
                    part.text += "\n\n" + piece
                    part.end = turn.end ?? part.end
                    current = part
                    currentBytes += 2 + bytes
                } else {
                    flush()
                    current = Part(text: piece, start: turn.start, end: turn.end, line: turn.line)
                    currentBytes = bytes
                }
            }
        }
        flush()
        return parts
    }

    /// A too-long turn cut at spaces into pieces of at most `limit` bytes, each with the speaker label again.
    private static func cut(_ text: String, label: String, limit: Int) -> [String] {
        var pieces: [String] = []
        var piece = ""
        var pieceBytes = 0
        for word in text.split(separator: " ", omittingEmptySubsequences: true) {
            var word = Substring(word)
            // A "word" longer than the limit (no spaces at all) is cut by characters.
            while !word.isEmpty {
                let room = limit - pieceBytes - (piece.isEmpty ? label.utf8.count : 1)
                let wordBytes = word.utf8.count
                if wordBytes <= room {
                    piece += piece.isEmpty ? label + word : " " + word
                    pieceBytes = piece.utf8.count
                    word = ""
                } else if piece.isEmpty || pieceBytes == label.utf8.count {
                    // Fill the piece with as much of the word as fits.
                    var taken = 0
                    var end = word.startIndex
                    for character in word {
                        let size = character.utf8.count
                        if taken + size > max(1, room) { break }
                        taken += size
                        end = word.index(after: end)
                    }
                    if end == word.startIndex { end = word.index(after: end) }
                    piece = (piece.isEmpty ? label : piece) + word[..<end]
                    pieces.append(piece)
                    piece = ""
                    pieceBytes = 0
                    word = word[end...]
                } else {
                    pieces.append(piece)
                    piece = ""
                    pieceBytes = 0
                }
            }
        }
        if !piece.isEmpty { pieces.append(piece) }
        return pieces
    }
}
