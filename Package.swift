// swift-tools-version:6.1
import PackageDescription

let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "Backfill",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "backfill", targets: ["backfill"]),
        .library(
            name: "Backfill",
            targets: [
                "BackfillCore", "BackfillMarkup", "BackfillClean", "BackfillLedger", "BackfillTargets",
                "BackfillPipeline",
                "BackfillSandbox", "BackfillKit", "BackfillDocumentAdapter", "BackfillRequestsAdapter",
                "BackfillEmailAdapter", "BackfillChatAdapter", "BackfillTranscriptAdapter", "BackfillArchiveAdapter",
                "BackfillTargetKit", "BackfillSynapTarget", "BackfillGoodMemTarget", "BackfillMieltoTarget",
                "BackfillJSONLTarget", "BackfillSynapSandbox", "BackfillGoodMemSandbox", "BackfillMieltoSandbox",
            ]
        ),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-async-algorithms.git", from: "1.1.4"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    ],
    targets: [
        // C libraries through pkg-config.
        .systemLibrary(
            name: "CArchive", path: "Sources/CArchive", pkgConfig: "libarchive",
            providers: [.apt(["libarchive-dev"])]),
        .systemLibrary(
            name: "CLibXML2", path: "Sources/CLibXML2", pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"])]),
        .systemLibrary(
            name: "CUchardet", path: "Sources/CUchardet", pkgConfig: "uchardet",
            providers: [.apt(["libuchardet-dev"])]),

        // Core model: no network, no database.
        .target(
            name: "BackfillCore",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict),
        // Text utilities shared by adapters: HTML → text (libxml2), charset detection (uchardet) and decoding (iconv).
        .target(
            name: "BackfillMarkup", dependencies: ["BackfillCore", "CLibXML2", "CUchardet"], exclude: ["README.md"],
            swiftSettings: strict),
        // Cleaning before upload: quoted replies and signatures out (email), personal data redacted (every family).
        .target(
            name: "BackfillClean", dependencies: ["BackfillCore", .product(name: "Crypto", package: "swift-crypto")],
            exclude: ["README.md"], swiftSettings: strict),
        .target(
            name: "BackfillLedger",
            dependencies: ["BackfillCore", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strict),
        .target(
            name: "BackfillTargets",
            dependencies: [
                "BackfillCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .target(
            name: "BackfillPipeline",
            dependencies: [
                "BackfillCore", "BackfillLedger", "BackfillTargets", "BackfillClean",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncAlgorithms", package: "swift-async-algorithms"),
            ],
            swiftSettings: strict),
        .target(
            name: "BackfillSandbox",
            dependencies: [
                "BackfillCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["README.md"],
            swiftSettings: strict),
        // What every destination provides (targets/README.md): the descriptor, its options, verification.
        .target(
            name: "BackfillTargetKit",
            dependencies: [
                "BackfillCore", "BackfillLedger", "BackfillPipeline", "BackfillTargets",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .target(
            name: "BackfillKit",
            dependencies: [
                "BackfillCore", "BackfillClean", "BackfillPipeline", "BackfillLedger", "BackfillTargets",
                "BackfillSandbox",
                "BackfillTargetKit", "BackfillSynapTarget", "BackfillGoodMemTarget", "BackfillMieltoTarget",
                "BackfillJSONLTarget", "BackfillSynapSandbox", "BackfillGoodMemSandbox", "BackfillMieltoSandbox",
                "BackfillDocumentAdapter", "BackfillRequestsAdapter", "BackfillEmailAdapter", "BackfillChatAdapter",
                "BackfillTranscriptAdapter", "BackfillArchiveAdapter",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strict),
        .executableTarget(
            name: "backfill",
            dependencies: [
                "BackfillKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),

        // The plug-in shelf: one target per source family.
        .target(
            name: "BackfillDocumentAdapter", dependencies: ["BackfillCore", "BackfillMarkup", "CLibXML2"],
            path: "adapters/Document", exclude: ["README.md"], swiftSettings: strict),
        .target(
            name: "BackfillRequestsAdapter", dependencies: ["BackfillCore"],
            path: "adapters/Requests", exclude: ["README.md"], swiftSettings: strict),
        .target(
            name: "BackfillEmailAdapter", dependencies: ["BackfillCore", "BackfillMarkup", "BackfillClean"],
            path: "adapters/Email", exclude: ["README.md"], swiftSettings: strict),
        .target(
            name: "BackfillChatAdapter",
            dependencies: ["BackfillCore", "BackfillMarkup", "BackfillClean", .product(name: "Yams", package: "Yams")],
            path: "adapters/Chat", exclude: ["README.md"], resources: [.copy("specs")], swiftSettings: strict),
        .target(
            name: "BackfillTranscriptAdapter", dependencies: ["BackfillCore", "BackfillMarkup", "CLibXML2"],
            path: "adapters/Transcript", exclude: ["README.md"], swiftSettings: strict),
        .target(
            name: "BackfillArchiveAdapter", dependencies: ["BackfillCore", "CArchive"],
            path: "adapters/Archive", exclude: ["README.md"], swiftSettings: strict),

        // The destinations: one target per memory API, each with its client, profile, options and verification.
        .target(
            name: "BackfillSynapTarget",
            dependencies: [
                "BackfillCore", "BackfillLedger", "BackfillPipeline", "BackfillTargets", "BackfillTargetKit",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "targets/Synap", exclude: ["README.md", "Sandbox"], swiftSettings: strict),
        .target(
            name: "BackfillGoodMemTarget",
            dependencies: [
                "BackfillCore", "BackfillPipeline", "BackfillTargets", "BackfillTargetKit",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "targets/GoodMem", exclude: ["README.md", "Sandbox"], swiftSettings: strict),
        .target(
            name: "BackfillMieltoTarget",
            dependencies: [
                "BackfillCore", "BackfillPipeline", "BackfillTargets", "BackfillTargetKit",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "targets/Mielto", exclude: ["README.md", "Sandbox"], swiftSettings: strict),
        .target(
            name: "BackfillJSONLTarget",
            dependencies: [
                "BackfillCore", "BackfillLedger", "BackfillPipeline", "BackfillTargets", "BackfillTargetKit",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "targets/JSONL", exclude: ["README.md"], swiftSettings: strict),

        // Each destination's sandbox routes (its contract served by BackfillSandbox), apart from its client so a
        // library user of the client does not pull in Hummingbird.
        .target(
            name: "BackfillSynapSandbox",
            dependencies: [
                "BackfillCore", "BackfillPipeline", "BackfillTargetKit", "BackfillTargets", "BackfillSandbox",
                "BackfillSynapTarget", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"), .product(name: "Logging", package: "swift-log"),
            ],
            path: "targets/Synap/Sandbox", swiftSettings: strict),
        .target(
            name: "BackfillGoodMemSandbox",
            dependencies: [
                "BackfillCore", "BackfillSandbox", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"), .product(name: "Logging", package: "swift-log"),
            ],
            path: "targets/GoodMem/Sandbox", swiftSettings: strict),
        .target(
            name: "BackfillMieltoSandbox",
            dependencies: [
                "BackfillCore", "BackfillSandbox", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"), .product(name: "Logging", package: "swift-log"),
            ],
            path: "targets/Mielto/Sandbox", swiftSettings: strict),

        // Fuzzing (fuzz/README.md): one libFuzzer entry per parser; a replay driver in a build without -DFUZZING.
        .executableTarget(
            name: "backfill-fuzz",
            dependencies: [
                "BackfillCore", "BackfillMarkup", "BackfillClean", "BackfillEmailAdapter", "BackfillChatAdapter",
                "BackfillTranscriptAdapter", "BackfillArchiveAdapter", "BackfillRequestsAdapter",
                "BackfillDocumentAdapter",
            ],
            path: "fuzz/Sources", swiftSettings: strict),

        // Tests.
        .target(
            name: "BackfillTestSupport",
            dependencies: ["BackfillKit", "BackfillSandbox", "BackfillCore"],
            path: "Tests/BackfillTestSupport", swiftSettings: strict),
        .testTarget(
            name: "BackfillCoreTests",
            dependencies: [
                "BackfillCore", "BackfillTargets", "BackfillPipeline", "BackfillTestSupport", "BackfillSynapTarget",
                "BackfillGoodMemTarget",
            ],
            swiftSettings: strict),
        .testTarget(
            name: "BackfillAdapterTests",
            dependencies: [
                "BackfillCore", "BackfillDocumentAdapter", "BackfillRequestsAdapter", "BackfillMarkup",
                "BackfillTestSupport", "BackfillSynapTarget",
            ],
            swiftSettings: strict),
        .testTarget(
            name: "BackfillCleanTests",
            dependencies: ["BackfillClean", "BackfillMarkup", "BackfillCore"], exclude: ["Goldens"],
            swiftSettings: strict),
        .testTarget(
            name: "BackfillEmailTests", dependencies: ["BackfillCore", "BackfillEmailAdapter", "BackfillTestSupport"],
            swiftSettings: strict),
        .testTarget(
            name: "BackfillChatTests", dependencies: ["BackfillCore", "BackfillChatAdapter", "BackfillTestSupport"],
            swiftSettings: strict),
        .testTarget(
            name: "BackfillTranscriptTests",
            dependencies: ["BackfillCore", "BackfillTranscriptAdapter", "BackfillTestSupport"],
            swiftSettings: strict),
        .testTarget(
            name: "BackfillCharsetTests",
            dependencies: [
                "BackfillMarkup", "BackfillDocumentAdapter", "BackfillTranscriptAdapter", "BackfillEmailAdapter",
                "BackfillChatAdapter", "BackfillPipeline", "BackfillCore", "BackfillTestSupport",
                "BackfillSynapTarget",
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["texts"], swiftSettings: strict),
        .testTarget(
            name: "BackfillArchiveTests",
            dependencies: ["BackfillArchiveAdapter", "BackfillKit", "BackfillTestSupport"],
            swiftSettings: strict),
        .testTarget(
            name: "BackfillFuzzTests", dependencies: ["backfill-fuzz"], swiftSettings: strict),
        .testTarget(
            name: "BackfillEndToEndTests",
            dependencies: [
                "BackfillKit", "BackfillSandbox", "BackfillLedger", "BackfillTargets", "BackfillTestSupport",
                "backfill",
                "BackfillArchiveAdapter", "BackfillChatAdapter", "BackfillDocumentAdapter", "BackfillEmailAdapter",
                "BackfillRequestsAdapter", "BackfillTranscriptAdapter",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict),
    ]
)
