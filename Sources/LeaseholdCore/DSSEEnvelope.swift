import TransparencyLog

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
        CanonicalJSON.encode(.dict([
            "payload": .string(Base64.encode(payload)),
            "payloadType": .string(payloadType),
            "signatures": .array(signatures.map { .dict(["keyid": .string($0.keyID), "sig": .string(Base64.encode($0.signature))]) }),
        ]))
    }

    /// Reads an envelope's JSON (any white space or key order).
    public init(json text: String) throws(ManifestError) {
        var r = try ManifestReader(try ManifestNode.parse(yaml: text), path: "")
        payloadType = try r.string("payloadType")
        guard let payload = Base64.decodeCanonical(try r.string("payload")) else {
            throw ManifestError("payload", "not canonical base64")
        }
        self.payload = payload
        var signatures: [Signature] = []
        for (i, node) in try ManifestReader.list(try r.require("signatures"), path: "signatures").enumerated() {
            var s = try ManifestReader(node, path: "signatures[\(i)]")
            let keyID = try s.optionalString("keyid") ?? ""
            guard let sig = Base64.decodeCanonical(try s.string("sig")) else {
                throw ManifestError(s.child("sig"), "not canonical base64")
            }
            try s.finish()
            signatures.append(Signature(keyID: keyID, signature: sig))
        }
        self.signatures = signatures
        try r.finish()
    }
}
