// swift-tools-version: 6.0
// Fuzz targets for Leasehold's parsers: a separate package so that the main build
// (`swift build --build-tests` at the root) never links libFuzzer. Build and run with
// `fuzz/run.sh` (it passes -sanitize=fuzzer,address and -enable-testing, which
// `@testable import` of the internal parsers needs).
import PackageDescription

let package = Package(
    name: "LeaseholdFuzz",
    dependencies: [
        .package(name: "Leasehold", path: ".."),
        // The same versions as the root manifest (the fuzz harness builds certificates and keys).
        .package(url: "https://github.com/apple/swift-crypto.git", exact: "4.5.2"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-certificates.git", exact: "1.21.1"),
    ],
    targets: [
        // `Sources/BrokerHTTP/StrictJSON.swift` (a symlink) compiled on its own against the
        // wire types (LeaseholdAPI), so that fuzzing it does not pull in Hummingbird, NIO,
        // PostgreSQL and SQLite.
        .target(
            name: "StrictJSONShim",
            dependencies: [.product(name: "LeaseholdAPI", package: "Leasehold"), .product(name: "Codecs", package: "Leasehold")],
            path: "Sources/StrictJSONShim"
        ),
        .executableTarget(
            name: "LeaseholdFuzz",
            dependencies: [
                "StrictJSONShim",
                .product(name: "Attestation", package: "Leasehold"),
                .product(name: "LeaseholdCore", package: "Leasehold"),
                .product(name: "TransparencyLog", package: "Leasehold"),
                .product(name: "Codecs", package: "Leasehold"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "X509", package: "swift-certificates"),
            ],
            path: "Sources/LeaseholdFuzz"
        ),
    ],
    swiftLanguageModes: [.v6]
)
