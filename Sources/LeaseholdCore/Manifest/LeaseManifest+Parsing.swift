import Codecs
import Attestation
import LeaseholdAPI

extension LeaseManifest {
    /// Reads a manifest written in YAML.
    public init(yaml text: String) throws(ManifestError) {
        try self.init(node: try ManifestNode.parse(yaml: text))
    }

    /// Reads a manifest written in JSON (any white space and key order; it is parsed as the
    /// YAML subset it is, with the same strictness).
    public init(json text: String) throws(ManifestError) {
        try self.init(node: try ManifestNode.parse(yaml: text))
    }

    /// Reads a manifest from its canonical JSON bytes, refusing any other form of it: the
    /// bytes must be exactly what `canonicalJSON` writes for the manifest they describe, so a
    /// signed payload has one meaning and one digest.
    public init(canonicalJSON bytes: [UInt8]) throws(ManifestError) {
        let value: JSONValue
        do {
            value = try CanonicalJSON.parse(bytes)
        } catch {
            throw ManifestError("", "the payload is not canonical JSON (\(error))")
        }
        try self.init(node: try ManifestNode(value))
        guard canonicalJSON == bytes else {
            throw ManifestError(
                "", "the payload is JSON of a valid manifest but not its canonical form (defaults written out, times in UTC, hex in lower case)")
        }
    }

    static let namePattern = LeaseholdName.pattern

    /// `[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}`: `LeaseholdName`, the one grammar the broker, the manifest
    /// reader and the workload client share.
    public static func isName(_ s: String) -> Bool { LeaseholdName.isValid(s) }

    init(node: ManifestNode) throws(ManifestError) {
        var r = try ManifestReader(node, path: "")

        owner = try r.string("owner")
        guard Self.isName(owner) else { throw ManifestError("owner", "must match \(Self.namePattern)") }
        leaseId = try r.string("leaseId")
        guard Self.isName(leaseId) else { throw ManifestError("leaseId", "must match \(Self.namePattern)") }
        purpose = try r.string("purpose")
        guard !purpose.allSatisfy(\.isWhitespace), purpose.utf8.count <= 4096 else {
            throw ManifestError("purpose", "state the purpose in 1 to 4096 bytes of text")
        }

        if let text = try r.optionalString("notBefore") {
            guard let t = ManifestTime.parse(text) else {
                throw ManifestError("notBefore", "not an RFC 3339 time such as 2026-07-01T00:00:00Z (whole seconds)")
            }
            notBefore = t
        } else {
            notBefore = nil
        }
        let notAfterText = try r.optionalString("notAfter")
        let ttlText = try r.optionalString("ttl")
        switch (notAfterText, ttlText) {
        case (nil, nil):
            throw ManifestError("notAfter", "say when the lease ends: notAfter (a time) or ttl (a duration such as 2h)")
        case (.some, .some):
            throw ManifestError("ttl", "give notAfter or ttl, not both")
        case (let text?, nil):
            guard let t = ManifestTime.parse(text) else {
                throw ManifestError("notAfter", "not an RFC 3339 time such as 2026-07-01T00:00:00Z (whole seconds)")
            }
            if let notBefore, t <= notBefore { throw ManifestError("notAfter", "must be after notBefore") }
            expiry = .notAfter(t)
        case (nil, let text?):
            guard let d = Duration(text) else {
                throw ManifestError("ttl", "write a whole number and a unit: 90s, 30m, 2h or 7d (at most 3650 days)")
            }
            expiry = .ttl(d)
        }

        maxGrants = try r.integer("maxGrants", range: 1...Int64(Int32.max))

        let keyNodes = try ManifestReader.list(try r.require("keys"), path: "keys")
        guard !keyNodes.isEmpty else { throw ManifestError("keys", "name at least one vault key") }
        guard keyNodes.count <= LeaseManifest.maximumKeys else {
            throw ManifestError("keys", "at most \(LeaseManifest.maximumKeys) keys per lease (each grant's log entry lists them all)")
        }
        var keys: [String] = []
        for (i, node) in keyNodes.enumerated() {
            let k = try ManifestReader.string(node, path: "keys[\(i)]")
            guard Self.isName(k) else { throw ManifestError("keys[\(i)]", "a key id must match \(Self.namePattern)") }
            guard !keys.contains(k) else { throw ManifestError("keys[\(i)]", "\(k) is listed twice") }
            keys.append(k)
        }
        self.keys = keys

        let workloadNodes = try ManifestReader.list(try r.require("workloads"), path: "workloads")
        guard !workloadNodes.isEmpty else { throw ManifestError("workloads", "name at least one workload; a lease no software can match is useless") }
        guard workloadNodes.count <= LeaseManifest.maximumWorkloads else {
            throw ManifestError("workloads", "at most \(LeaseManifest.maximumWorkloads) workload entries per lease")
        }
        var workloads: [WorkloadEntry] = []
        for (i, node) in workloadNodes.enumerated() {
            workloads.append(try WorkloadEntry(node, path: "workloads[\(i)]"))
        }
        self.workloads = workloads

        if let text = try r.optionalString("receipts") {
            guard let value = Receipts(rawValue: text) else { throw ManifestError("receipts", "must be required or optional") }
            receipts = value
        } else {
            receipts = .optional
        }
        if let text = try r.optionalString("broker") {
            guard !text.isEmpty, text.utf8.count <= 512, text.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
                throw ManifestError("broker", "the broker's log key as GET /v1/broker shows it (name+keyid+base64)")
            }
            broker = text
        } else {
            broker = nil
        }
        if let text = try r.optionalString("suite") {
            guard Self.suites.contains(text) else {
                throw ManifestError("suite", "one of \(Self.suites.sorted().joined(separator: ", ")) (the key transport grants must use)")
            }
            suite = text
        } else {
            suite = nil
        }
        if let text = try r.optionalString("issueBefore") {
            guard let t = ManifestTime.parse(text) else {
                throw ManifestError("issueBefore", "not an RFC 3339 time such as 2026-07-01T00:00:00Z (whole seconds)")
            }
            issueBefore = t
        } else {
            issueBefore = nil
        }
        try r.finish()
    }
}

extension WorkloadEntry {
    init(_ node: ManifestNode, path: String) throws(ManifestError) {
        var r = try ManifestReader(node, path: path)
        let teeText = try r.string("tee")
        guard let tee = TEE(rawValue: teeText) else {
            throw ManifestError(r.child("tee"), "unknown TEE \(teeText); one of \(TEE.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        switch tee {
        case .sevSNP: self = .sevSNP(try SNPWorkload(reading: &r))
        case .tdx: self = .tdx(try TDXWorkload(reading: &r))
        case .sgx: self = .sgx(try SGXWorkload(reading: &r))
        case .nitro: self = .nitro(try NitroWorkload(reading: &r))
        case .sandbox: self = .sandbox(try SandboxWorkload(reading: &r))
        }
        try r.finish()
    }
}
