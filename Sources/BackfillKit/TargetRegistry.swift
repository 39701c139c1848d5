// The targets this build knows: the only place outside `targets/` that names them (their modules, one line per
// target in `TargetRegistry.standard` and, for its sandbox routes, one in `SandboxRegistry.standard`). Adding a
// target is a folder under `targets/` and a line in each registry here.
@_exported import BackfillGoodMemSandbox
@_exported import BackfillGoodMemTarget
@_exported import BackfillJSONLTarget
@_exported import BackfillMieltoSandbox
@_exported import BackfillMieltoTarget
@_exported import BackfillSandbox
@_exported import BackfillSynapSandbox
@_exported import BackfillSynapTarget
@_exported import BackfillTargetKit
import Logging

/// The destinations of one run, looked up by ``TargetKind``; the first is the default.
public struct TargetRegistry: Sendable {
    public private(set) var descriptors: [any TargetDescriptor]

    public init(_ descriptors: [any TargetDescriptor]) { self.descriptors = descriptors }

    /// Every target this build knows, the default first.
    public static let standard = TargetRegistry([
        SandboxTargetDescriptor(sandbox: .standard),
        SynapTargetDescriptor(),
        GoodMemTargetDescriptor(),
        MieltoTargetDescriptor(),
        JSONLTargetDescriptor(writingAs: SynapTargetDescriptor()),
    ])

    /// This registry with `descriptor` added (replacing one of the same kind).
    public func adding(_ descriptor: any TargetDescriptor) -> TargetRegistry {
        TargetRegistry(descriptors.filter { $0.kind != descriptor.kind } + [descriptor])
    }

    /// The default target (`--target` not given).
    public var defaultKind: TargetKind { (descriptors.first { $0.isDefault } ?? descriptors[0]).kind }

    /// Every target's name, in order.
    public var names: [String] { descriptors.map(\.kind.rawValue) }

    public func descriptor(named name: String) -> (any TargetDescriptor)? {
        descriptors.first { $0.kind.rawValue == name }
    }

    /// The descriptor of `kind`; an unknown one is a usage error.
    public func descriptor(for kind: TargetKind) throws -> any TargetDescriptor {
        guard let descriptor = descriptor(named: kind.rawValue) else {
            throw ValidationError(
                message: "unknown target '\(kind.rawValue)'; one of: \(names.joined(separator: ", "))")
        }
        return descriptor
    }

    /// The target-specific option with this flag (no dashes), if a target declares one.
    public func option(flag: String) -> TargetOption? { options.first { $0.flag == flag } }

    /// Every target-specific CLI option, once (targets may share one).
    public var options: [TargetOption] {
        var seen: Set<String> = []
        return descriptors.flatMap(\.options).filter { seen.insert($0.key).inserted }
    }
}

extension TargetKind {
    /// A target the standard registry knows, by name (`--target`, a job's spec); nil for any other name.
    public init?(rawValue: String) {
        guard let descriptor = TargetRegistry.standard.descriptor(named: rawValue) else { return nil }
        self = descriptor.kind
    }
}

extension SandboxRegistry {
    /// Every target's sandbox routes this build knows, the default (the embedded target's contract) first.
    public static let standard = SandboxRegistry([
        SynapSandbox(),
        GoodMemSandbox(),
        MieltoSandbox(),
    ])
}

extension SandboxServer {
    /// A sandbox serving every contract of ``SandboxRegistry/standard``.
    public convenience init(configuration: SandboxConfiguration, logger: Logger) throws {
        try self.init(configuration: configuration, providers: SandboxRegistry.standard.providers, logger: logger)
    }
}
