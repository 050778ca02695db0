import LeaseholdTestSupport
import Foundation

/// Locates ../shared/vectors (the real evidence captured on real hardware) from this file.
/// CI clones the repository with `shared/` beside it, as on the developers' machines.
enum Vectors {
    static let root = TestPaths.vectors

    static func bytes(_ relativePath: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: root.appendingPathComponent(relativePath)))
    }

    /// EXPECTED.json, parsed.
    static func expected() throws -> [String: Any] {
        let data = try Data(contentsOf: root.appendingPathComponent("EXPECTED.json"))
        return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    }

    /// Parses an ISO 8601 time such as EXPECTED.json's `valid_at`.
    static func time(_ iso: String) -> Date {
        let f = ISO8601DateFormatter()
        if let d = f.date(from: iso) { return d }
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.date(from: iso)!
    }
}

/// The index of the first occurrence of `needle` in `haystack`.
func firstIndex(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
    guard !needle.isEmpty, needle.count <= haystack.count else { return nil }
    for i in 0...(haystack.count - needle.count) where haystack[i..<(i + needle.count)].elementsEqual(needle) {
        return i
    }
    return nil
}
