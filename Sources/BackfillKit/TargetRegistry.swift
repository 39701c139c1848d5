// The targets this build knows: the only place outside `targets/` that names them (their modules, and the one
// registry line below). Adding a target is a folder under `targets/` and a line here.
@_exported import BackfillGoodMemTarget
@_exported import BackfillJSONLTarget
@_exported import BackfillMieltoTarget
@_exported import BackfillSynapTarget
@_exported import BackfillTargetKit

/// The destinations of one run, looked up by ``TargetKind``; the first is the default.
public struct TargetRegistry: Sendable {
    public private(set) var descriptors: [any TargetDescriptor]

    public init(_ descriptors: [any TargetDescriptor]) { self.descriptors = descriptors }

    /// Every target this build knows, the default first.
    public static let standard = TargetRegistry([
        SandboxTargetDescriptor(), SynapTargetDescriptor(), GoodMemTargetDescriptor(), MieltoTargetDescriptor(),
        JSONLTargetDescriptor(),
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
