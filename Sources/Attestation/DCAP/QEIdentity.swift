import Foundation

/// Intel PCS enclave identity, version 2, for the SGX QE (`id` "QE") or the TDX QE ("TD_QE"):
/// what a genuine quoting enclave's report must contain, and its TCB levels by ISVSVN.
///
/// JSON (Intel PCS API v4, "Enclave Identity V2"): `id`, `version` (2), `issueDate`,
/// `nextUpdate`, `tcbEvaluationDataNumber`, `miscselect` (hex 4), `miscselectMask` (hex 4),
/// `attributes` (hex 16), `attributesMask` (hex 16), `mrsigner` (hex 32), `isvprodid`,
/// `tcbLevels` [{tcb {isvsvn}, tcbDate, tcbStatus, advisoryIDs?}].
struct QEIdentity: Sendable, Hashable, Decodable {
    typealias Level = IntelTCBLevel<IntelISVSVN>

    var id: String
    var version: Int
    var issueDate: String
    var nextUpdate: String
    var tcbEvaluationDataNumber: Int
    var miscselect: String
    var miscselectMask: String
    var attributes: String
    var attributesMask: String
    var mrsigner: String
    var isvprodid: Int
    var tcbLevels: [Level]

    static func parse(_ json: [UInt8]) throws(AttestationError) -> QEIdentity {
        let identity: QEIdentity
        do { identity = try JSONDecoder().decode(QEIdentity.self, from: Data(json)) } catch {
            throw AttestationError(.collateralInvalid, "QE identity JSON does not decode: \(AttestationError.libraryReason(error))")
        }
        guard identity.version == 2, identity.id == "QE" || identity.id == "TD_QE" else {
            throw AttestationError(.collateralInvalid, "QE identity \(identity.id) version \(identity.version) is not supported (QE/TD_QE version 2)")
        }
        return identity
    }
}
