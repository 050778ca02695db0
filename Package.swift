// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Leasehold",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "leasehold", targets: ["leasehold"]),
        // What a TEE image carries: the workload client and the attesters, nothing else.
        .executable(name: "leasehold-workload", targets: ["leasehold-workload"]),
        // For the fuzzing package in fuzz/ (a separate package so that this build never links libFuzzer).
        .library(name: "Attestation", targets: ["Attestation"]),
        .library(name: "LeaseholdCore", targets: ["LeaseholdCore"]),
        .library(name: "TransparencyLog", targets: ["TransparencyLog"]),
        .library(name: "LeaseholdAPI", targets: ["LeaseholdAPI"]),
        .library(name: "Codecs", targets: ["Codecs"]),
        // The workload side, for other Swift packages: the client and the attesters, with no
        // broker, storage, server or verifier code in them.
        .library(name: "LeaseholdClient", targets: ["LeaseholdClient"]),
        .library(name: "Attesters", targets: ["Attesters"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", exact: "4.5.2"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-certificates.git", exact: "1.21.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        .target(name: "Codecs"),
        // Workload side: evidence from the platform's kernel interfaces. Foundation-free and
        // verifier-free, so the binary a TEE measures stays small (issue 13).
        .target(name: "Attesters"),
        .target(
            name: "TransparencyLog",
            dependencies: ["Codecs", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(
            name: "Storage",
            dependencies: ["Codecs", 
                "TransparencyLog",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "leasehold",
            dependencies: ["Codecs", 
                "TransparencyLog", "Storage", "Attestation", "Collateral", "LeaseholdCore", "Vault", "Broker", "LeaseholdAPI", "BrokerHTTP", "LeaseholdClient", "LeaseholdOwnerClient", "LeaseholdWorkloadCLI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "Attestation",
            dependencies: [
                "LeaseholdAPI",
                "Codecs",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "X509", package: "swift-certificates"),
            ]
        ),
        // The broker's own vendor collateral (Intel PCS / PCCS): fetched, verified, cached.
        .target(
            name: "Collateral",
            dependencies: ["Codecs", 
                "Attestation",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .target(
            name: "LeaseholdCore",
            dependencies: ["Codecs", 
                "LeaseholdAPI",
                "Attestation", "TransparencyLog",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .target(
            name: "Vault",
            dependencies: [
                "Codecs",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "LeaseholdAPI",
            dependencies: ["Codecs", "TransparencyLog", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(
            name: "Broker",
            dependencies: ["Codecs", 
                "LeaseholdAPI", "Attestation", "Collateral", "LeaseholdCore", "Storage", "TransparencyLog", "Vault",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ]
        ),
        .target(
            name: "BrokerHTTP",
            dependencies: [
                "Broker", "LeaseholdAPI", "LeaseholdClient", "Codecs", "TransparencyLog", "Vault",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            exclude: ["openapi.yaml"],
            // The console's page, script and style, compiled into the binary (ConsoleAssets).
            resources: [.embedInCode("Console/console.html"), .embedInCode("Console/console.js"), .embedInCode("Console/console.css")],
            // Fully optimised: the swift-frontend 6.3.1 crash that once cost this module -Onone is
            // avoided in HTTPBody.decode (docs/compiler-bugs/).
            swiftSettings: []
        ),
        .target(
            name: "LeaseholdClient",
            dependencies: ["Codecs", 
                "LeaseholdAPI", "Vault", "TransparencyLog", "Attesters",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        // The owner's side: registering, sealing keys to the vault, issuing and revoking leases.
        // Apart from LeaseholdClient because it needs the manifest code (LeaseholdCore), which
        // the workload side must not link.
        .target(
            name: "LeaseholdOwnerClient",
            dependencies: ["Codecs", 
                "LeaseholdClient", "LeaseholdAPI", "LeaseholdCore", "Vault", "TransparencyLog",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // `fetch` and the helpers both binaries share; must stay free of Broker, Storage and the
        // verifiers (integration/workload.sh checks the graph).
        .target(
            name: "LeaseholdWorkloadCLI",
            dependencies: ["Codecs", 
                "LeaseholdClient", "Attesters", "Vault", "TransparencyLog",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .executableTarget(
            name: "leasehold-workload",
            dependencies: ["LeaseholdWorkloadCLI", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // What the test suites share: fixture paths, a broker on a temporary directory, a
        // hand-moved clock. A plain target (not a test target), so suites can depend on it.
        .target(
            name: "LeaseholdTestSupport", dependencies: ["Broker", "Collateral", "LeaseholdAPI"],
            path: "Tests/LeaseholdTestSupport"),
        .testTarget(name: "BrokerTests", dependencies: ["LeaseholdTestSupport", "BrokerHTTP", "LeaseholdClient", "Codecs", "Broker", "LeaseholdAPI", "LeaseholdCore", "Storage", "TransparencyLog", "Vault", "Attestation",
                                                   .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(
            name: "BrokerHTTPTests",
            dependencies: ["LeaseholdTestSupport", "Codecs", 
                "BrokerHTTP", "Broker", "Collateral", "LeaseholdAPI", "LeaseholdClient", "LeaseholdOwnerClient", "LeaseholdCore", "Vault", "Attestation", "TransparencyLog",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .testTarget(
            name: "LeaseholdClientTests",
            dependencies: ["LeaseholdTestSupport", "Codecs", "LeaseholdClient", "LeaseholdOwnerClient", "Broker", "LeaseholdAPI", "LeaseholdCore", "Vault", "Attestation", "TransparencyLog",
                           .product(name: "Crypto", package: "swift-crypto")]
        ),
        .testTarget(name: "AttestationTests", dependencies: ["LeaseholdTestSupport", "Codecs", "Attestation", "Collateral", "LeaseholdAPI"]),
        .testTarget(name: "CollateralTests", dependencies: ["LeaseholdTestSupport", "Codecs", "Collateral", "Attestation",
                                                       .product(name: "Crypto", package: "swift-crypto"),
                                                       .product(name: "X509", package: "swift-certificates")]),
        .testTarget(name: "AttestersTests", dependencies: ["LeaseholdTestSupport", "Attesters"]),
        .testTarget(name: "LeaseholdWorkloadCLITests", dependencies: ["LeaseholdWorkloadCLI", "LeaseholdClient", "LeaseholdAPI", "Attesters",
                                                                      .product(name: "Crypto", package: "swift-crypto")]),
        .testTarget(name: "LeaseholdCoreTests", dependencies: ["LeaseholdTestSupport", "Codecs", "LeaseholdCore", "LeaseholdAPI", "Attestation", "TransparencyLog"]),
        .testTarget(name: "VaultTests", dependencies: ["Vault", "Codecs"]),
        .testTarget(name: "CodecsTests", dependencies: ["Codecs"]),
        .testTarget(name: "TransparencyLogTests", dependencies: ["LeaseholdTestSupport", "Codecs", "TransparencyLog"]),
        .testTarget(
            name: "StorageTests",
            dependencies: ["LeaseholdTestSupport", "Codecs", "Storage", "TransparencyLog", "Broker", "Collateral", "Attestation",
                           .product(name: "PostgresNIO", package: "postgres-nio"),
                           .product(name: "NIOPosix", package: "swift-nio"),
                           .product(name: "Logging", package: "swift-log")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
