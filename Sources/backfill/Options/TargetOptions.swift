import ArgumentParser
import BackfillKit

struct TargetOptions: ParsableArguments {
    @Option(help: "Where to send: sandbox (default, embedded local server), synap, goodmem, mielto, jsonl.")
    var target: String = "sandbox"

    @Option(
        name: .customLong("base-url"), help: "Target base URL (synap: default per route profile, or $SYNAP_BASE_URL).")
    var baseURL: String?

    @Option(help: "Synap route profile: sdk (/api/v1/memories/…, default) or documented (/v1/memories/…).")
    var routes: String = "sdk"

    @Option(help: "Output file for --target jsonl.")
    var out: String?

    @Option(name: .customLong("space-id"), help: "GoodMem space id.")
    var spaceID: String?

    @Option(name: .customLong("space-name"), help: "GoodMem space name (resolved through GET /v1/spaces).")
    var spaceName: String?

    @Flag(name: .customLong("create-space"), help: "GoodMem: create --space-name when it does not exist.")
    var createSpace = false

    @Option(name: .customLong("ca-cert"), help: "PEM CA certificate of a self-hosted target (GoodMem over HTTPS).")
    var caCert: String?

    @Flag(name: .customLong("insecure-localhost"), help: "Skip certificate checks for a target on localhost.")
    var insecureLocalhost = false

    @Option(name: .customLong("workspace-id"), help: "Mielto workspace (X-Workspace-Id).")
    var workspaceID: String?

    func validate() throws {
        guard TargetKind(rawValue: target) != nil else {
            throw ArgumentParser.ValidationError(
                "--target must be one of: sandbox, synap, goodmem, mielto, jsonl (got '\(target)')")
        }
        guard SynapRoutes(rawValue: routes) != nil else {
            throw ArgumentParser.ValidationError("--routes must be sdk or documented (got '\(routes)')")
        }
    }

    func apply(to options: inout ImportOptions) {
        options.target = TargetKind(rawValue: target) ?? .sandbox
        options.baseURL = baseURL
        options.routes = SynapRoutes(rawValue: routes) ?? .sdk
        options.out = out
        options.spaceID = spaceID
        options.spaceName = spaceName
        options.createSpace = createSpace
        options.tls = TLSOptions(caCertificatePath: caCert, insecureLocalhost: insecureLocalhost)
        options.workspaceID = workspaceID
    }
}
