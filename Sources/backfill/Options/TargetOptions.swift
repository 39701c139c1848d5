import ArgumentParser
import BackfillKit

/// Where documents go. The targets come from the registry (`TargetRegistry.standard`): the `--target` names, and
/// each target's own options' help, choices and settings keys (`TargetOption`). swift-argument-parser needs every
/// flag declared here, so a target's flags are listed below by name only; `validate` and `apply` go through the
/// registry, and a test (`ToyTargetTests`) checks that every option a target declares has its flag here.
struct TargetOptions: ParsableArguments {
    static let registry = TargetRegistry.standard

    /// A target option's help, from the target that declares it.
    static func help(_ flag: String) -> ArgumentHelp { ArgumentHelp(registry.option(flag: flag)?.help ?? "") }

    /// Every target's name, the default marked.
    static var targetHelp: ArgumentHelp {
        let names = registry.descriptors.map {
            $0.isDefault ? "\($0.kind) (default, embedded local server)" : "\($0.kind)"
        }
        return ArgumentHelp("Where to send: \(names.joined(separator: ", ")).")
    }

    @Option(help: TargetOptions.targetHelp)
    var target: String = TargetOptions.registry.defaultKind.rawValue

    @Option(name: .customLong("base-url"), help: "Target base URL (default: the target's own; see its README).")
    var baseURL: String?

    @Option(help: "Output file, for a target that writes one.")
    var out: String?

    @Option(name: .customLong("ca-cert"), help: "PEM CA certificate of a self-hosted target over HTTPS.")
    var caCert: String?

    @Flag(name: .customLong("insecure-localhost"), help: "Skip certificate checks for a target on localhost.")
    var insecureLocalhost = false

    // Target-specific options (help from the registry).
    @Option(help: TargetOptions.help("routes"))
    var routes: String = TargetOptions.registry.option(flag: "routes")?.defaultValue?.stringValue ?? ""

    @Option(name: .customLong("space-id"), help: TargetOptions.help("space-id"))
    var spaceID: String?

    @Option(name: .customLong("space-name"), help: TargetOptions.help("space-name"))
    var spaceName: String?

    @Flag(name: .customLong("create-space"), help: TargetOptions.help("create-space"))
    var createSpace = false

    @Option(name: .customLong("workspace-id"), help: TargetOptions.help("workspace-id"))
    var workspaceID: String?

    /// The target-specific values given, by flag (flags as "true"/"false").
    var targetValues: [(flag: String, value: String?)] {
        [
            ("routes", routes), ("space-id", spaceID), ("space-name", spaceName),
            ("create-space", createSpace ? "true" : "false"), ("workspace-id", workspaceID),
        ]
    }

    /// The flags declared above for target options.
    static let declaredTargetFlags: Set<String> = ["routes", "space-id", "space-name", "create-space", "workspace-id"]

    func validate() throws {
        guard TargetKind(rawValue: target) != nil else {
            throw ArgumentParser.ValidationError(
                "--target must be one of: \(Self.registry.names.joined(separator: ", ")) (got '\(target)')")
        }
        for (flag, value) in targetValues {
            guard let option = Self.registry.option(flag: flag), !option.choices.isEmpty, let value else { continue }
            guard option.choices.contains(value) else {
                throw ArgumentParser.ValidationError(
                    "--\(flag) must be \(option.choices.joined(separator: " or ")) (got '\(value)')")
            }
        }
    }

    func apply(to options: inout ImportOptions) {
        options.target = TargetKind(rawValue: target) ?? Self.registry.defaultKind
        options.baseURL = baseURL
        options.out = out
        options.tls = TLSOptions(caCertificatePath: caCert, insecureLocalhost: insecureLocalhost)
        for (flag, value) in targetValues {
            guard let option = Self.registry.option(flag: flag) else { continue }
            if option.isFlag {
                options.targetSettings.setFlag(option.key, value == "true")
            } else {
                options.targetSettings.setString(option.key, value)
            }
        }
    }
}
