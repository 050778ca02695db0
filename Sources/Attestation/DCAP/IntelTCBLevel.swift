/// One TCB level as Intel's TCB info and enclave identity JSON list them: the minimum
/// component SVNs (`tcb`), the date of the TCB recovery it belongs to, its status and the
/// security advisories that apply to platforms at this level.
struct IntelTCBLevel<TCB: Sendable & Hashable & Decodable>: Sendable, Hashable, Decodable {
    var tcb: TCB
    var tcbDate: String
    var tcbStatus: String
    var advisoryIDs: [String]?
}

/// The `tcb` of a QE identity or TDX module identity level: a single ISVSVN.
struct IntelISVSVN: Sendable, Hashable, Decodable {
    var isvsvn: Int
}
