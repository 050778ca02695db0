import Codecs
import Attestation
import TransparencyLog

/// A `tee: tdx` workload entry: an Intel TDX trust domain.
public struct TDXWorkload: Sendable, Hashable, WorkloadRequirement {
    /// MRTD, the digest of the TD's initial contents (48 bytes).
    public var mrTd: [UInt8]
    /// RTMR0..3 by index (48 bytes each); indices not named are not checked.
    public var rtmrs: [Int: [UInt8]]
    public var mrConfigId: [UInt8]?
    /// TEE_TCB_SVN minimum, 16 bytes compared byte by byte.
    public var minimumTeeTcbSvn: [UInt8]?
    public var allowDebug: Bool
    /// Intel TCB statuses accepted; `UpToDate` only unless the owner widens it.
    public var acceptTcb: [String]

    public init(
        mrTd: [UInt8], rtmrs: [Int: [UInt8]] = [:], mrConfigId: [UInt8]? = nil, minimumTeeTcbSvn: [UInt8]? = nil,
        allowDebug: Bool = false, acceptTcb: [String] = [DCAPTCBStatus.upToDate.rawValue]
    ) {
        self.mrTd = mrTd
        self.rtmrs = rtmrs
        self.mrConfigId = mrConfigId
        self.minimumTeeTcbSvn = minimumTeeTcbSvn
        self.allowDebug = allowDebug
        self.acceptTcb = acceptTcb
    }

    public var policy: TDXPolicy {
        TDXPolicy(
            mrTd: mrTd, rtmrs: rtmrs, mrConfigId: mrConfigId, minimumTeeTcbSvn: minimumTeeTcbSvn,
            allowDebug: allowDebug, acceptedTCBStatuses: Set(acceptTcb))
    }

    init(reading r: inout ManifestReader) throws(ManifestError) {
        mrTd = try r.hex("mrTd", count: 48)
        var rtmrs: [Int: [UInt8]] = [:]
        for i in 0..<4 {
            if let v = try r.optionalHex("rtmr\(i)", count: 48) { rtmrs[i] = v }
        }
        self.rtmrs = rtmrs
        mrConfigId = try r.optionalHex("mrConfigId", count: 48)
        minimumTeeTcbSvn = try r.optionalHex("minimumTeeTcbSvn", count: 16)
        allowDebug = try r.bool("allowDebug", default: false)
        acceptTcb = try Self.readAcceptTcb(&r)
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
            "mrTd": .hex(mrTd), "allowDebug": .bool(allowDebug),
            "acceptTcb": .array(acceptTcb.map(JSONValue.string)),
        ]
        for (i, v) in rtmrs { f["rtmr\(i)"] = .hex(v) }
        f.set("mrConfigId", mrConfigId.map(JSONValue.hex))
        f.set("minimumTeeTcbSvn", minimumTeeTcbSvn.map(JSONValue.hex))
        return f
    }

    func check(_ claims: any TEEClaims) throws(AttestationError) {
        guard let tdx = claims as? TDXClaims else {
            throw AttestationError(.teeNotAllowed, "a tdx entry cannot judge \(claims.tee.rawValue) evidence")
        }
        try policy.check(tdx)
    }
}
