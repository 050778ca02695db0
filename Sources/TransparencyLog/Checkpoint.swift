/// A C2SP tlog-checkpoint body (https://c2sp.org/tlog-checkpoint):
///
/// ```
/// <origin>\n
/// <tree size, decimal, no leading zeros>\n
/// <root hash, standard base64>\n
/// [extension lines]\n
/// ```
///
/// It commits the log to its size and root. It is always signed, inside a `SignedNote`.
public struct Checkpoint: Sendable, Hashable {
    public var origin: String
    public var size: UInt64
    public var root: LogHash
    public var extensions: [String]

    public init(origin: String, size: UInt64, root: LogHash, extensions: [String] = []) {
        self.origin = origin
        self.size = size
        self.root = root
        self.extensions = extensions
    }

    public var body: String {
        ([origin, String(size), root.base64] + extensions).map { $0 + "\n" }.joined()
    }

    public struct FormatError: Error, Sendable, Hashable, CustomStringConvertible {
        public var description: String
    }

    public init(body: String) throws(Checkpoint.FormatError) {
        guard body.hasSuffix("\n") else { throw FormatError(description: "checkpoint body must end with a newline") }
        let lines = body.dropLast().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard lines.count >= 3 else { throw FormatError(description: "checkpoint body needs origin, size and root lines") }
        guard !lines[0].isEmpty else { throw FormatError(description: "empty origin line") }
        let sizeText = lines[1]
        guard let size = UInt64(sizeText), String(size) == sizeText else {
            throw FormatError(description: "tree size \"\(sizeText)\" is not a canonical decimal")
        }
        guard let root = LogHash(base64: lines[2]) else { throw FormatError(description: "root hash is not 32 bytes of canonical base64") }
        let ext = Array(lines.dropFirst(3))
        guard ext.allSatisfy({ !$0.isEmpty }) else { throw FormatError(description: "empty extension line") }
        self.init(origin: lines[0], size: size, root: root, extensions: ext)
    }
}
