// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Leasehold",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "leasehold", targets: ["leasehold"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", exact: "4.5.2"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-certificates.git", exact: "1.21.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
    ],
    targets: [
        .target(name: "Codecs"),
        .target(
            name: "TransparencyLog",
            dependencies: ["Codecs", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(
            name: "Storage",
            dependencies: ["TransparencyLog", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .executableTarget(
            name: "leasehold",
            dependencies: [
                "TransparencyLog", "Storage", "Attestation", "LeaseholdCore", "Broker", "Vault",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "Attestation",
            dependencies: [
                "Codecs",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "X509", package: "swift-certificates"),
            ]
        ),
        .target(
            name: "LeaseholdCore",
            dependencies: [
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
            name: "Broker",
            dependencies: [
                "Attestation", "LeaseholdCore", "Storage", "TransparencyLog", "Vault",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(name: "BrokerTests", dependencies: ["Broker", "LeaseholdCore", "Storage", "TransparencyLog", "Vault", "Attestation"]),
        .testTarget(name: "AttestationTests", dependencies: ["Attestation"]),
        .testTarget(name: "LeaseholdCoreTests", dependencies: ["LeaseholdCore", "Attestation", "TransparencyLog"]),
        .testTarget(name: "VaultTests", dependencies: ["Vault", "Codecs"]),
        .testTarget(name: "TransparencyLogTests", dependencies: ["TransparencyLog"]),
        .testTarget(name: "StorageTests", dependencies: ["Storage", "TransparencyLog"]),
    ],
    swiftLanguageModes: [.v6]
)
