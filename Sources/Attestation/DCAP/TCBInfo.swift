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

    /// Decodes the signed `tcbInfo` text; refuses versions other than 3.
    static func parse(_ json: [UInt8]) throws(AttestationError) -> TCBInfo {
        let info: TCBInfo
        do { info = try JSONDecoder().decode(TCBInfo.self, from: Data(json)) } catch {
            throw AttestationError(.collateralInvalid, "TCB info JSON does not decode: \(error)")
        }
        guard info.version == 3, info.id == "SGX" || info.id == "TDX", info.tcbType == 0 else {
            throw AttestationError(.collateralInvalid, "TCB info \(info.id) version \(info.version) tcbType \(info.tcbType) is not supported (SGX/TDX version 3, tcbType 0)")
        }
        for level in info.tcbLevels {
            guard level.tcb.sgxtcbcomponents.count == 16,
                  info.id == "SGX" || level.tcb.tdxtcbcomponents?.count == 16 else {
                throw AttestationError(.collateralInvalid, "TCB info level \(level.tcbDate) does not have 16 SGX\(info.id == "TDX" ? " and 16 TDX" : "") components")
            }
        }
        return info
    }
}
