import BackfillCore
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Walks the inputs: files as given, folders recursively in name order. Hidden files, and names matched by a
/// `.backfillignore` file in a walked folder (one glob a line; `dir/` matches a folder), are left out and counted.
public struct Discovery: Sendable {
    public struct Result: Sendable {
        /// Files to read, in a stable order.
        public var files: [SourceInput] = []
        /// Paths left out (hidden, ignored), with why.
        public var ignored: [(path: String, reason: String)] = []
        /// Inputs that do not exist or cannot be read.
        public var missing: [(path: String, reason: String)] = []
    }

    public init() {}

    public func discover(_ inputs: [String]) -> Result {
        var result = Result()
        for input in inputs {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: input, isDirectory: &isDirectory) else {
                result.missing.append((input, "does not exist; check the path"))
                continue
            }
            if isDirectory.boolValue {
                walk(directory: input, display: input, patterns: [], into: &result)
            } else {
                add(file: input, into: &result)
            }
        }
        return result
    }

    private func add(file path: String, into result: inout Result) {
        do {
            result.files.append(try SourceInput.file(path: path))
        } catch {
            result.missing.append((path, "cannot be read (\(error))"))
        }
    }

    private func walk(directory: String, display: String, patterns: [String], into result: inout Result) {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        } catch {
            result.missing.append((directory, "cannot list the folder (\(error.localizedDescription))"))
            return
        }
        var patterns = patterns
        let ignoreFile = (directory as NSString).appendingPathComponent(".backfillignore")
        if let text = try? String(contentsOfFile: ignoreFile, encoding: .utf8) {
            patterns += text.split(whereSeparator: \.isNewline)
                .map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty && !$0.hasPrefix("#") }
        }
        for name in names {
            let path = (directory as NSString).appendingPathComponent(name)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { continue }
            if name.hasPrefix(".") {
                if name != ".backfillignore" { result.ignored.append((path, "hidden")) }
                continue
            }
            if let pattern = Self.match(name: name, isDirectory: isDirectory.boolValue, patterns: patterns) {
                result.ignored.append((path, "matches '\(pattern)' in .backfillignore"))
                continue
            }
            if isDirectory.boolValue {
                // Symbolic links to folders are not followed (no loops).
                if let type = try? FileManager.default.attributesOfItem(atPath: path)[.type] as? FileAttributeType,
                    type == .typeSymbolicLink
                {
                    result.ignored.append((path, "symbolic link to a folder (not followed)"))
                    continue
                }
                walk(directory: path, display: path, patterns: patterns, into: &result)
            } else {
                add(file: path, into: &result)
            }
        }
    }

    static func match(name: String, isDirectory: Bool, patterns: [String]) -> String? {
        for pattern in patterns {
            var glob = pattern
            if glob.hasSuffix("/") {
                guard isDirectory else { continue }
                glob.removeLast()
            }
            if fnmatch(glob, name, 0) == 0 { return pattern }
        }
        return nil
    }
}

/// The adapters a run can use; picks one per file by sniffing.
public struct AdapterRegistry: Sendable {
    public let adapters: [any SourceAdapter]

    public init(_ adapters: [any SourceAdapter]) { self.adapters = adapters }

    /// The adapter with the highest confidence (registration order breaks ties), or nil.
    public func adapter(for probe: SourceProbe) -> (any SourceAdapter)? {
        var best: (any SourceAdapter)?
        var bestConfidence = SniffConfidence.no
        for adapter in adapters {
            let confidence = adapter.sniff(probe)
            if confidence > bestConfidence {
                best = adapter
                bestConfidence = confidence
            }
        }
        return best
    }

    public func adapter(named name: String) -> (any SourceAdapter)? {
        adapters.first { $0.name == name }
    }

    /// Reads the head of a source for sniffing.
    public static func probe(_ input: SourceInput) throws -> SourceProbe {
        let source = try input.open()
        var head: [UInt8] = []
        while head.count < SourceProbe.headLength {
            let chunk = try source.read(maxLength: SourceProbe.headLength - head.count)
            if chunk.isEmpty { break }
            head += chunk
        }
        return SourceProbe(fileName: input.fileName, displayPath: input.displayPath, head: head, size: input.size)
    }
}
