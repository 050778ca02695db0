import Crypto
import TransparencyLog

/// Receipts and release are authenticated with HMAC-SHA256 under the grant's receipt key:
/// 32 bytes exported (RFC 9180 §5.3) under `receiptKeyContext` from the HPKE context that
/// sealed the grant's first key to the workload's one-time key. Only the holder of that
/// private key can derive it, so only it can produce them (an HPKE key cannot sign); the
/// broker keeps its copy sealed in the vault under the grant id.
public enum ReceiptMAC {
    public static let receiptKeyContext = Array("leasehold/v1 receipt-key".utf8)

    /// The canonical bytes a receipt's MAC covers.
    public static func message(op: String, owner: String, leaseId: String, receipt r: WorkloadReceipt) -> [UInt8] {
        var f: [String: JSONValue] = ["op": .string(op), "owner": .string(owner), "leaseId": .string(leaseId),
                                      "grantId": .string(r.grantId), "kind": .string(r.kind), "time": .string(r.time)]
        if let d = r.outputDigest { f["outputDigest"] = .string(d) }
        return CanonicalJSON.encode(.dict(f))
    }

    public static func mac(key: SymmetricKey, op: String, owner: String, leaseId: String, receipt: WorkloadReceipt) -> String {
        Base64.encode(Array(HMAC<SHA256>.authenticationCode(for: message(op: op, owner: owner, leaseId: leaseId, receipt: receipt), using: key)))
    }

    public static func isValid(key: SymmetricKey, op: String, owner: String, leaseId: String, receipt: WorkloadReceipt) -> Bool {
        guard let mac = Base64.decodeCanonical(receipt.mac) else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: message(op: op, owner: owner, leaseId: leaseId, receipt: receipt), using: key)
    }
}
