import Codecs

/// A DSSE envelope (https://github.com/secure-systems-lab/dsse, "envelope.md"):
///
///     {"payload": <base64>, "payloadType": <string>, "signatures": [{"keyid": <string>, "sig": <base64>}]}
///
/// Signatures are over PAE(payloadType, payload), never over the JSON, so the envelope's own
/// spelling does not matter; it is still read strictly (unknown fields refused, canonical
/// base64) because an envelope is an owner's legal act and must have one reading.
public struct DSSEEnvelope: Sendable, Hashable {
    public struct Signature: Sendable, Hashable {
        public var keyID: String
        public var signature: [UInt8]

        public init(keyID: String, signature: [UInt8]) {
            self.keyID = keyID
            self.signature = signature
        }
    }

    public var payloadType: String
    public var payload: [UInt8]
    public var signatures: [Signature]

    public init(payloadType: String, payload: [UInt8], signatures: [Signature]) {
        self.payloadType = payloadType
        self.payload = payload
        self.signatures = signatures
    }

    /// DSSE's pre-authentication encoding, the bytes actually signed:
    /// `"DSSEv1" SP LEN(type) SP type SP LEN(body) SP body`, lengths in ASCII decimal bytes.
    /// Binding the type stops a signature over one kind of document being replayed as another.
    public static func pae(payloadType: String, payload: [UInt8]) -> [UInt8] {
        let type = Array(payloadType.utf8)
        var out = Array("DSSEv1 \(type.count) ".utf8)
        out += type
        out += Array(" \(payload.count) ".utf8)
        out += payload
        return out
    }

    public var pae: [UInt8] { Self.pae(payloadType: payloadType, payload: payload) }

    /// The envelope as canonical JSON (one line, keys sorted), as the CLI writes it.
    public var json: [UInt8] {
        CanonicalJSON.encode(
            .dict([
                "payload": .string(Base64.encode(payload)),
                "payloadType": .string(payloadType),
                "signatures": .array(signatures.map { .dict(["keyid": .string($0.keyID), "sig": .string(Base64.encode($0.signature))]) }),
            ]))
    }

    /// Reads an envelope's JSON (any white space or key order) with the strict JSON parser,
    /// never YAML: envelopes arrive unauthenticated at the broker, and JSON's cost is linear
    /// in its length (no aliases, 32 levels at most).
    public init(json text: String) throws(ManifestError) {
        try self.init(json: Array(text.utf8))
    }

    /// Reads an envelope from its exact bytes (see `init(json:)`).
    public init(json bytes: [UInt8]) throws(ManifestError) {
        let value: JSONValue
        do { value = try CanonicalJSON.parseStrict(bytes) } catch {
            throw ManifestError("", "the envelope is not strict JSON: \(error)")
        }
        guard case .object(let members) = value else { throw ManifestError("", "the envelope is not a JSON object") }
        try Self.onlyMembers(members, ["payload", "payloadType", "signatures"], path: "")
        guard let payloadType = value["payloadType"]?.stringValue else { throw ManifestError("payloadType", "a string is required") }
        guard let payloadText = value["payload"]?.stringValue else { throw ManifestError("payload", "a string is required") }
        guard let payload = Base64.decodeCanonical(payloadText) else { throw ManifestError("payload", "not canonical base64") }
        guard let list = value["signatures"]?.arrayValue else { throw ManifestError("signatures", "a list is required") }
        var signatures: [Signature] = []
        for (i, item) in list.enumerated() {
            let path = "signatures[\(i)]"
            guard case .object(let fields) = item else { throw ManifestError(path, "not a JSON object") }
            try Self.onlyMembers(fields, ["keyid", "sig"], path: path)
            let keyID: String
            switch item["keyid"] {
            case nil: keyID = ""
            case .string(let s)?: keyID = s
            default: throw ManifestError("\(path).keyid", "must be a string")
            }
            guard let sigText = item["sig"]?.stringValue else { throw ManifestError("\(path).sig", "a string is required") }
            guard let sig = Base64.decodeCanonical(sigText) else { throw ManifestError("\(path).sig", "not canonical base64") }
            signatures.append(Signature(keyID: keyID, signature: sig))
        }
        self.init(payloadType: payloadType, payload: payload, signatures: signatures)
    }

    private static func onlyMembers(_ members: [(String, JSONValue)], _ allowed: Set<String>, path: String) throws(ManifestError) {
        for (name, _) in members where !allowed.contains(name) {
            throw ManifestError(path.isEmpty ? name : "\(path).\(name)", "unknown field (expected only \(allowed.sorted().joined(separator: ", ")))")
        }
    }
}
