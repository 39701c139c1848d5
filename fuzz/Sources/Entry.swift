import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The target chosen at start (libFuzzer: `FUZZ_TARGET`; replay: the first argument). Set once before any input.
nonisolated(unsafe) var selectedTarget: FuzzTarget?

/// libFuzzer's per-input entry point.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let target = selectedTarget else { return 0 }
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    target.run(bytes)
    return 0
}

/// One line per target: its name and its dictionary under `fuzz/dict/` (`-` for none).
func listTargets() {
    for target in FuzzTargets.all { print(target.name, target.dictionary ?? "-") }
}

#if FUZZING
    /// libFuzzer calls this once before the first input: pick the target named by `FUZZ_TARGET`.
    @_cdecl("LLVMFuzzerInitialize")
    public func fuzzInitialize(
        _ argc: UnsafeMutablePointer<CInt>?,
        _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?
    ) -> CInt {
        let name = ProcessInfo.processInfo.environment["FUZZ_TARGET"] ?? ""
        if name == "list" {
            listTargets()
            exit(0)
        }
        guard let target = FuzzTargets.named(name) else {
            FileHandle.standardError.write(
                Data("FUZZ_TARGET must name one of: \(FuzzTargets.all.map(\.name).joined(separator: " "))\n".utf8))
            exit(2)
        }
        selectedTarget = target
        return 0
    }
#else
    /// Without sanitizers: replays inputs (files, or every file in a folder) through a target, so a finding can be
    /// reproduced in a plain build. `backfill-fuzz --list` prints the targets and their dictionaries.
    @main
    enum Replay {
        static func main() {
            let arguments = Array(CommandLine.arguments.dropFirst())
            if arguments.first == "--list" { return listTargets() }
            guard let name = arguments.first, let target = FuzzTargets.named(name), arguments.count > 1 else {
                print("usage: backfill-fuzz TARGET FILE-OR-FOLDER...   (targets: backfill-fuzz --list)")
                exit(2)
            }
            selectedTarget = target
            var count = 0
            for path in arguments.dropFirst() {
                for file in files(at: path) {
                    guard let data = FileManager.default.contents(atPath: file) else {
                        print("unreadable: \(file)")
                        exit(1)
                    }
                    let bytes = [UInt8](data)
                    _ = bytes.withUnsafeBufferPointer { fuzzOneInput($0.baseAddress, $0.count) }
                    count += 1
                }
            }
            print("\(name): \(count) input(s) replayed, all returned; \(Tally.shared.summary)")
        }

        /// The file itself, or the files under a folder (recursively), sorted.
        static func files(at path: String) -> [String] {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue else {
                return [path]
            }
            let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
            return names.sorted().flatMap { files(at: path + "/" + $0) }
        }
    }
#endif
