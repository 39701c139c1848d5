import BackfillCore

/// Reads a JSON file whose records are the elements of one array (ChatGPT's and Claude's `conversations.json`, a
/// Discord channel's `messages`), one element at a time, turning each into outputs with `convert`.
///
/// Resumes from a cursor by seeking to its byte offset when the source can (top-level arrays only), else by
/// skipping (framing, not parsing) the elements up to its record index.
final class ArrayExportReader: RecordReader {
    typealias Convert = (
        _ value: JSONValue, _ element: JSONArrayStream.Element, _ cursorAfter: SourceCursor, _ stream: JSONArrayStream
    ) -> [AdapterOutput]
    /// A conversion that needs neither the stream nor the reader's order, so it can run on the parse task.
    typealias ElementConvert =
        @Sendable (
            _ value: JSONValue, _ element: JSONArrayStream.Element, _ cursorAfter: SourceCursor
        ) -> [AdapterOutput]

    private let input: SourceInput
    private let builder: ChatDocumentBuilder
    private let path: [String]
    private let cursor: SourceCursor?
    private let convert: Convert
    /// Set by the parallel init: what the parse tasks run after parsing.
    private var elementConvert: ElementConvert?
    /// Called once at the end of the file (e.g. to flush a group being built).
    private let finish: ((JSONArrayStream) -> [AdapterOutput])?
    private let what: String
    private var stream: JSONArrayStream?
    private var canSeek = false
    private var skipThrough = 0
    private var ended = false
    private var queue: [AdapterOutput] = []
    private var queueIndex = 0
    /// Elements parsed on tasks of their own, ahead of the one converted (`parallel` readers, ``ParseWindow``).
    private var window: ParseWindow?

    init(
        input: SourceInput, builder: ChatDocumentBuilder, path: [String] = [], cursor: SourceCursor?,
        what: String = "conversation", convert: @escaping Convert,
        finish: ((JSONArrayStream) -> [AdapterOutput])? = nil
    ) {
        self.input = input
        self.builder = builder
        self.path = path
        self.cursor = cursor
        self.what = what
        self.convert = convert
        self.finish = finish
    }

    /// A reader whose elements are parsed and converted on `parallelJobs` tasks (when more than one), handed on in
    /// file order: the outputs are those of one task doing it all.
    convenience init(
        input: SourceInput, builder: ChatDocumentBuilder, cursor: SourceCursor?, parallelJobs: Int,
        convert: @escaping ElementConvert
    ) {
        self.init(input: input, builder: builder, cursor: cursor) { value, element, after, _ in
            convert(value, element, after)
        }
        if parallelJobs > 1 {
            window = ParseWindow(jobs: parallelJobs)
            elementConvert = convert
        }
    }

    private func open() throws -> JSONArrayStream {
        let source = try input.open()
        canSeek = source.canSeek
        if let cursor, let offset = cursor.byteOffset, offset > 0, source.canSeek, path.isEmpty {
            try source.seek(to: offset)
            return JSONArrayStream(source: source, path: path, resumeAt: offset, resumeIndex: cursor.recordIndex ?? 0)
        }
        skipThrough = cursor?.recordIndex ?? 0
        return JSONArrayStream(source: source, path: path)
    }

    func next() async throws -> AdapterOutput? {
        while true {
            if queueIndex < queue.count {
                defer { queueIndex += 1 }
                return queue[queueIndex]
            }
            if ended { return nil }
            queue = window == nil ? try produce() : try await produceParallel()
            queueIndex = 0
        }
    }

    private func produce() throws -> [AdapterOutput] {
        let stream: JSONArrayStream
        if let existing = self.stream {
            stream = existing
        } else {
            stream = try open()
            self.stream = stream
        }
        do {
            while true {
                guard let element = try stream.next() else {
                    ended = true
                    return endOfArray(stream)
                }
                if element.index <= skipThrough { continue }
                if let outputs = outputs(of: element, ElementParser.parse(element), stream) { return outputs }
            }
        } catch let failure as JSONArrayStream.Failure {
            ended = true
            return framingFailed(failure, stream)
        }
    }

    /// The outputs of the next element, parsed and converted ahead on another task (the framing stays in order and
    /// the conversion is the same pure function, so they are those of ``produce()``).
    private func produceParallel() async throws -> [AdapterOutput] {
        if stream == nil { stream = try open() }
        guard let stream, let window else { return [] }
        while true {
            fill(window, stream)
            guard let (element, task) = window.pop() else {
                ended = true
                if let error = window.endError { throw error }
                return window.endOutputs
            }
            fill(window, stream)
            switch await task.value {
            case .failure(let problem): return skip(element, problem)
            case .success(let outputs): if !outputs.isEmpty { return outputs }
            }
        }
    }

    /// Frames elements until the window is full; the end of the array (or a framing failure) is kept for last.
    private func fill(_ window: ParseWindow, _ stream: JSONArrayStream) {
        guard let convert = elementConvert else { return }
        let seekable = canSeek && path.isEmpty
        while !window.framingEnded && window.hasRoom {
            do {
                guard let element = try stream.next() else {
                    window.end(with: endOfArray(stream))
                    return
                }
                if element.index <= skipThrough { continue }
                window.start(element, file: input.displayPath) { element in
                    ElementParser.parse(element).map { value in
                        convert(value, element, Self.cursor(after: element, seekable: seekable))
                    }
                }
            } catch let failure as JSONArrayStream.Failure {
                window.end(with: framingFailed(failure, stream))
            } catch {
                window.end(with: [], error: error)
            }
        }
    }

    /// A file that stops being the array it began as: the place and why, then what `finish` still has.
    private func framingFailed(_ failure: JSONArrayStream.Failure, _ stream: JSONArrayStream) -> [AdapterOutput] {
        let (code, offset, message) = ElementParser.describe(failure)
        return [builder.skip(code, message, at: RecordPosition(byteOffset: offset))] + (finish?(stream) ?? [])
    }

    private func endOfArray(_ stream: JSONArrayStream) -> [AdapterOutput] {
        if !stream.enteredArray {
            return [
                builder.skip(
                    ChatSkipCode.unexpectedShape,
                    "no \"\(path.joined(separator: "."))\" array found; this file is not the export it looks like — check it was exported as JSON",
                    at: .wholeFile)
            ]
        }
        return finish?(stream) ?? []
    }

    /// One element's outputs (nil: none, go on).
    private func outputs(
        of element: JSONArrayStream.Element, _ parsed: Result<JSONValue, ElementParser.Problem>,
        _ stream: JSONArrayStream
    ) -> [AdapterOutput]? {
        switch parsed {
        case .failure(let problem):
            return skip(element, problem)
        case .success(let value):
            let outputs = convert(value, element, cursorAfter(element), stream)
            return outputs.isEmpty ? nil : outputs
        }
    }

    private func skip(_ element: JSONArrayStream.Element, _ problem: ElementParser.Problem) -> [AdapterOutput] {
        [
            builder.skip(
                problem.code, "\(what) \(element.index): \(problem.message); skipped, the rest of the file goes on",
                at: RecordPosition(byteOffset: element.offset, recordIndex: element.index))
        ]
    }

    /// The cursor after an element.
    func cursorAfter(_ element: JSONArrayStream.Element) -> SourceCursor {
        Self.cursor(after: element, seekable: canSeek && path.isEmpty)
    }

    /// The cursor after an element: its end offset when the reader can seek back to it, always its index.
    static func cursor(after element: JSONArrayStream.Element, seekable: Bool) -> SourceCursor {
        SourceCursor(byteOffset: seekable ? element.endOffset : nil, recordIndex: element.index)
    }
}
