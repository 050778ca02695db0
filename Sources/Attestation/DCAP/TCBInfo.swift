import Foundation

/// Intel PCS TCB info, version 3 (SGX and TDX): the TCB levels Intel currently recognises for
/// one FMSPC, newest first, each with its status and the advisories that apply.
///
/// JSON (Intel PCS API v4, "TCB Info V3"): `id` ("SGX"/"TDX"), `version` (3), `issueDate`,
/// `nextUpdate`, `fmspc` (hex 6), `pceId` (hex 2), `tcbType` (0), `tcbEvaluationDataNumber`,
/// TDX only `tdxModule` {mrsigner, attributes, attributesMask} and `tdxModuleIdentities`
/// [{id "TDX_nn", mrsigner, attributes, attributesMask, tcbLevels [{tcb {isvsvn}, tcbDate,
/// tcbStatus, advisoryIDs?}]}], and `tcbLevels` [{tcb {sgxtcbcomponents [16 × {svn}], pcesvn,
/// tdxtcbcomponents [16 × {svn}] (TDX)}, tcbDate, tcbStatus, advisoryIDs?}].
struct TCBInfo: Sendable, Hashable, Decodable {
    struct Component: Sendable, Hashable, Decodable { var svn: Int }
    struct TCB: Sendable, Hashable, Decodable {
        var sgxtcbcomponents: [Component]
        var pcesvn: Int
        var tdxtcbcomponents: [Component]?
    }
    typealias Level = IntelTCBLevel<TCB>
    typealias ModuleLevel = IntelTCBLevel<IntelISVSVN>
    struct Module: Sendable, Hashable, Decodable {
        var mrsigner: String
        var attributes: String
        var attributesMask: String
    }
    struct ModuleIdentity: Sendable, Hashable, Decodable {
        var id: String
        var mrsigner: String
        var attributes: String
        var attributesMask: String
        var tcbLevels: [ModuleLevel]
    }

    var id: String
    var version: Int
    var issueDate: String
    var nextUpdate: String
    var fmspc: String
    var pceId: String
    var tcbType: Int
    var tcbEvaluationDataNumber: Int
    var tdxModule: Module?
    var tdxModuleIdentities: [ModuleIdentity]?
    var tcbLevels: [Level]

    /// Decodes the signed `tcbInfo` text; refuses versions other than 3 and the shapes Intel's
    /// QVL parser refuses (`TcbInfo::parsePartV3`, `TdxModuleIdentity`): a TDX TCB info without
    /// `tdxModule`, an SGX one with TDX fields, empty `tcbLevels` / `tdxModuleIdentities` /
    /// identity `tcbLevels`, duplicated levels, component SVNs outside 0...255.
    ///
    /// Levels come back in the order Intel's QVL evaluates them, which is not taken on trust from
    /// the JSON: TCB levels highest first (`TcbLevel::operator>`: SGX components, then PCESVN,
    /// then for TDX the TDX components, each compared lexicographically), module identity levels
    /// by ISVSVN highest first (`TdxModuleTcbLevel::operator>`). Intel publishes them in this
    /// order already, so for genuine collateral this changes nothing.
    static func parse(_ json: [UInt8]) throws(AttestationError) -> TCBInfo {
        var info: TCBInfo
        do { info = try JSONDecoder().decode(TCBInfo.self, from: Data(json)) } catch {
            throw AttestationError(.collateralInvalid, "TCB info JSON does not decode: \(AttestationError.libraryReason(error))")
        }
        guard info.version == 3, info.id == "SGX" || info.id == "TDX", info.tcbType == 0 else {
            throw AttestationError(
                .collateralInvalid,
                "TCB info \(info.id) version \(info.version) tcbType \(info.tcbType) is not supported (SGX/TDX version 3, tcbType 0)")
        }
        let tdx = info.id == "TDX"
        guard tdx == (info.tdxModule != nil), tdx || info.tdxModuleIdentities == nil else {
            throw AttestationError(.collateralInvalid, tdx ? "TDX TCB info lacks tdxModule" : "SGX TCB info carries TDX module fields")
        }
        guard !info.tcbLevels.isEmpty else {
            throw AttestationError(.collateralInvalid, "TCB info has no TCB levels")
        }
        for i in info.tcbLevels.indices where !tdx {
            info.tcbLevels[i].tcb.tdxtcbcomponents = nil  // ignored for SGX, as Intel's TcbLevel parser does
        }
        for level in info.tcbLevels {
            guard level.tcb.sgxtcbcomponents.count == 16, !tdx || level.tcb.tdxtcbcomponents?.count == 16,
                (level.tcb.sgxtcbcomponents + (level.tcb.tdxtcbcomponents ?? [])).allSatisfy({ (0...255).contains($0.svn) }),
                (0...0xFFFF).contains(level.tcb.pcesvn)
            else {
                throw AttestationError(
                    .collateralInvalid,
                    "TCB info level \(level.tcbDate) does not have 16 SGX\(tdx ? " and 16 TDX" : "") component SVNs in 0...255 and a PCESVN in 0...65535"
                )
            }
        }
        info.tcbLevels.sort { Self.ranksAbove($0.tcb, $1.tcb) }
        for (higher, lower) in zip(info.tcbLevels, info.tcbLevels.dropFirst()) where !Self.ranksAbove(higher.tcb, lower.tcb) {
            throw AttestationError(.collateralInvalid, "TCB info lists the TCB level of \(lower.tcbDate) twice")
        }
        if let identities = info.tdxModuleIdentities {
            guard !identities.isEmpty else {
                throw AttestationError(.collateralInvalid, "TCB info has an empty tdxModuleIdentities")
            }
            for i in identities.indices {
                var levels = identities[i].tcbLevels
                guard !levels.isEmpty, levels.allSatisfy({ (0...0xFFFF).contains($0.tcb.isvsvn) }) else {
                    throw AttestationError(
                        .collateralInvalid, "TDX module identity \(identities[i].id) has no TCB levels or an ISVSVN outside 0...65535")
                }
                levels.sort { $0.tcb.isvsvn > $1.tcb.isvsvn }
                for (higher, lower) in zip(levels, levels.dropFirst()) where higher.tcb.isvsvn == lower.tcb.isvsvn {
                    throw AttestationError(.collateralInvalid, "TDX module identity \(identities[i].id) lists ISVSVN \(lower.tcb.isvsvn) twice")
                }
                info.tdxModuleIdentities?[i].tcbLevels = levels
            }
        }
        return info
    }

    /// Intel's order of TCB levels (QVL `TcbLevel::operator>`): SGX components compared
    /// lexicographically; if equal, PCESVN; if that is equal too, for TDX the TDX components.
    static func ranksAbove(_ a: TCB, _ b: TCB) -> Bool {
        let sgxA = a.sgxtcbcomponents.map(\.svn), sgxB = b.sgxtcbcomponents.map(\.svn)
        guard sgxA == sgxB else { return sgxA.lexicographicallyPrecedes(sgxB, by: >) }
        guard a.pcesvn == b.pcesvn else { return a.pcesvn > b.pcesvn }
        let tdxA = (a.tdxtcbcomponents ?? []).map(\.svn), tdxB = (b.tdxtcbcomponents ?? []).map(\.svn)
        return tdxA != tdxB && tdxA.lexicographicallyPrecedes(tdxB, by: >)
    }
}
