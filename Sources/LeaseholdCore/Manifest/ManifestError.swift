/// Why a manifest (or a manifest envelope, or an owner key file) was refused.
///
/// `path` names the offending field the way a person would point at it in the YAML
/// (`workloads[1].measurement`), so an owner can fix the file without reading the parser.
/// An empty path means the document as a whole.
public struct ManifestError: Error, Sendable, Hashable, CustomStringConvertible {
    public var path: String
    public var message: String

    public init(_ path: String, _ message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { path.isEmpty ? message : "\(path): \(message)" }
}
