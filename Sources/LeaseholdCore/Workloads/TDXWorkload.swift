import Attestation
import Codecs

/// A `tee: tdx` workload entry: an Intel TDX trust domain. The entry is a `TDXPolicy` in the
/// manifest's spelling:
///
/// | manifest key | policy field |
/// |---|---|
/// | `mrTd` (48 bytes hex) | `mrTd` |
/// | `rtmr0`..`rtmr3` (48) | `rtmrs[0...3]` |
/// | `mrConfigId` (48) | `mrConfigId` |
/// | `minimumTeeTcbSvn` (16) | `minimumTeeTcbSvn` |
/// | `allowDebug` | `allowDebug` |
/// | `acceptTcb` (default `[UpToDate]`) | `acceptedTCBStatuses` |
public struct TDXWorkload: Sendable, Hashable, WorkloadRequirement {
    public var policy: TDXPolicy

    public init(policy: TDXPolicy) {
        self.policy = policy
    }

    init(reading r: inout ManifestReader) throws(ManifestError) {
        let mrTd = try r.hex("mrTd", count: 48)
        var rtmrs: [Int: [UInt8]] = [:]
        for i in 0..<4 {
            if let v = try r.optionalHex("rtmr\(i)", count: 48) { rtmrs[i] = v }
        }
        policy = TDXPolicy(
            mrTd: mrTd, rtmrs: rtmrs, mrConfigId: try r.optionalHex("mrConfigId", count: 48),
            minimumTeeTcbSvn: try r.optionalHex("minimumTeeTcbSvn", count: 16), allowDebug: try r.bool("allowDebug", default: false),
            acceptedTCBStatuses: try Self.readAcceptTcb(&r))
    }

    /// `acceptTcb`: a non-empty list of distinct Intel TCB status names (shared by SGX).
    static func readAcceptTcb(_ r: inout ManifestReader) throws(ManifestError) -> [String] {
        guard let node = r.node("acceptTcb") else { return [DCAPTCBStatus.upToDate.rawValue] }
        let path = r.child("acceptTcb")
        let items = try ManifestReader.list(node, path: path)
        guard !items.isEmpty else { throw ManifestError(path, "name at least one TCB status (UpToDate is the safe choice)") }
        var out: [String] = []
        for (i, item) in items.enumerated() {
            let s = try ManifestReader.string(item, path: "\(path)[\(i)]")
            guard DCAPTCBStatus(rawValue: s) != nil else {
                throw ManifestError(
                    "\(path)[\(i)]", "unknown TCB status \(s); one of \(DCAPTCBStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard !out.contains(s) else { throw ManifestError("\(path)[\(i)]", "\(s) is listed twice") }
            out.append(s)
        }
        return out
    }

    var fields: [String: JSONValue] {
        var f: [String: JSONValue] = [
            "mrTd": .hex(policy.mrTd), "allowDebug": .bool(policy.allowDebug),
            "acceptTcb": .array(policy.acceptedTCBStatuses.map(JSONValue.string)),
        ]
        for (i, v) in policy.rtmrs { f["rtmr\(i)"] = .hex(v) }
        f.set("mrConfigId", policy.mrConfigId.map(JSONValue.hex))
        f.set("minimumTeeTcbSvn", policy.minimumTeeTcbSvn.map(JSONValue.hex))
        return f
    }

    func check(_ claims: any TEEClaims) throws(AttestationError) {
        guard let tdx = claims as? TDXClaims else {
            throw AttestationError(.teeNotAllowed, "a tdx entry cannot judge \(claims.tee.rawValue) evidence")
        }
        try policy.check(tdx)
    }
}
