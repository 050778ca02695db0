import Foundation

/// Where the tests' fixtures are, found once from this file's place in the repository
/// (`Tests/LeaseholdTestSupport/TestPaths.swift`), instead of each suite walking `#filePath`
/// up its own number of levels.
public enum TestPaths {
    /// The repository's root (holds Package.swift).
    public static let repository: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The real evidence captured on hardware (../shared/vectors beside the repository, see its
    /// SOURCES.md), or `LEASEHOLD_VECTORS` when set.
    public static let vectors: URL = {
        if let dir = ProcessInfo.processInfo.environment["LEASEHOLD_VECTORS"] { return URL(fileURLWithPath: dir) }
        return repository.deletingLastPathComponent().appendingPathComponent("shared/vectors")
    }()

    /// A path inside the repository (`docs/vectors`, `manifests`, `fuzz/crashes`, …).
    public static func inRepository(_ relativePath: String) -> URL {
        repository.appendingPathComponent(relativePath)
    }

    /// The bytes of a file under `vectors`.
    public static func vector(_ relativePath: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: vectors.appendingPathComponent(relativePath)))
    }
}
