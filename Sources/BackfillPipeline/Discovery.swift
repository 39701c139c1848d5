import BackfillCore
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Walks the inputs: files as given, folders recursively in name order. Hidden files, and names matched by a
/// `.backfillignore` file in a walked folder (one glob a line; `dir/` matches a folder), are left out and counted.
public struct Discovery: Sendable {
    /// A file, or a folder one adapter reads whole (an export layout).
    public enum Item: Sendable {
        case file(SourceInput)
        case bundle(SourceBundle, adapter: String)
    }

    public struct Result: Sendable {
        /// Files and bundles to read, in a stable order.
        public var items: [Item] = []
        /// The files among the items.
        public var files: [SourceInput] {
            items.compactMap { if case .file(let input) = $0 { input } else { nil } }
        }
        /// Paths left out (hidden, ignored), with why.
        public var ignored: [(path: String, reason: String)] = []
        /// Inputs that do not exist or cannot be read.
        public var missing: [(path: String, reason: String)] = []
    }

    /// Asked with a folder's immediate children (sub-folders end with `/`): the name of an adapter that reads
    /// the folder whole, or nil.
    private let bundleClaim: @Sendable ([String]) -> String?

    public init(bundleClaim: @escaping @Sendable ([String]) -> String? = { _ in nil }) {
        self.bundleClaim = bundleClaim
    }

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
            result.items.append(.file(try SourceInput.file(path: path)))
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
        if let adapter = bundleClaim(children(of: directory, names: names)) {
            result.items.append(.bundle(bundle(at: directory), adapter: adapter))
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

    private func children(of directory: String, names: [String]) -> [String] {
        names.filter { !$0.hasPrefix(".") }.map { name in
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: (directory as NSString).appendingPathComponent(name), isDirectory: &isDirectory)
            return isDirectory.boolValue ? name + "/" : name
        }
    }

    /// Every regular file under `directory`, by `/`-separated relative path.
    private func bundle(at directory: String) -> SourceBundle {
        var members: [String: SourceInput] = [:]
        if let enumerator = FileManager.default.enumerator(atPath: directory) {
            for case let relative as String in enumerator {
                let path = (directory as NSString).appendingPathComponent(relative)
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
                    !(relative as NSString).lastPathComponent.hasPrefix("."),
                    let input = try? SourceInput.file(path: path)
                else { continue }
                members[relative] = input
            }
        }
        return SourceBundle(displayPath: directory, members: members)
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
    public let containers: [any ContainerAdapter]

    public init(_ adapters: [any SourceAdapter], containers: [any ContainerAdapter] = []) {
        self.adapters = adapters
        self.containers = containers
    }

    /// The adapter with the highest confidence (registration order breaks ties), or nil.
    public func adapter(for probe: SourceProbe) -> (any SourceAdapter)? {
        bestAdapter(for: probe)?.adapter
    }

    public func bestAdapter(for probe: SourceProbe) -> (adapter: any SourceAdapter, confidence: SniffConfidence)? {
        var best: (any SourceAdapter, SniffConfidence)?
        for adapter in adapters {
            let confidence = adapter.sniff(probe)
            if confidence > (best?.1 ?? .no) { best = (adapter, confidence) }
        }
        return best
    }

    public func bestContainer(for probe: SourceProbe) -> (container: any ContainerAdapter, confidence: SniffConfidence)? {
        var best: (any ContainerAdapter, SniffConfidence)?
        for container in containers {
            let confidence = container.sniff(probe)
            if confidence > (best?.1 ?? .no) { best = (container, confidence) }
        }
        return best
    }

    /// Whether any adapter reads bundles (so containers need a listing pass).
    public var hasBundleAdapters: Bool { adapters.contains { $0.descriptor.readsBundles } }

    /// The adapter that reads a folder or archive with these members whole, if any.
    public func bundleAdapter(for memberPaths: [String]) -> (any SourceAdapter)? {
        adapters.first { $0.descriptor.readsBundles && $0.claimsBundle(memberPaths: memberPaths) }
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
