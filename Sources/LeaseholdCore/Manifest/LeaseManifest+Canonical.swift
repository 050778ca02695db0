import Codecs
import Crypto

extension LeaseManifest {
    /// The manifest as a JSON value: every field with its default written out (so the signed
    /// bytes state the whole lease), optional identity values left out when absent, times in
    /// UTC, hex in lower case.
    public var jsonValue: JSONValue {
        var f: [String: JSONValue] = [
            "owner": .string(owner), "leaseId": .string(leaseId), "purpose": .string(purpose),
            "maxGrants": .int(maxGrants), "keys": .array(keys.map(JSONValue.string)),
            "workloads": .array(workloads.map(\.jsonValue)), "receipts": .string(receipts.rawValue),
        ]
        f.set("notBefore", notBefore.map { .string(ManifestTime.format($0)) })
        f.set("broker", broker.map { .string($0) })
        f.set("suite", suite.map { .string($0) })
        f.set("issueBefore", issueBefore.map { .string(ManifestTime.format($0)) })
        switch expiry {
        case .notAfter(let t): f["notAfter"] = .string(ManifestTime.format(t))
        case .ttl(let d): f["ttl"] = .string(d.description)
        }
        return .dict(f)
    }

    /// The canonical JSON bytes (RFC 8785 form, see `CanonicalJSON`): the DSSE payload.
    public var canonicalJSON: [UInt8] { CanonicalJSON.encode(jsonValue) }

    /// SHA-256 of `canonicalJSON`: the name of this exact lease in the log and in the
    /// workload's report-data binding.
    public var digest: [UInt8] { Array(SHA256.hash(data: canonicalJSON)) }
}

extension WorkloadEntry {
    var jsonValue: JSONValue {
        var f = requirement.fields
        f["tee"] = .string(tee.rawValue)
        return .dict(f)
    }
}
