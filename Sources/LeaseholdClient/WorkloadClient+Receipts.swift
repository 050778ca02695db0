import Codecs
import LeaseholdAPI
import Foundation
import TransparencyLog

extension WorkloadClient {
    /// The `op` a receipt's signature covers.
    public static let receiptOp = ReceiptSignature.receiptOp
    /// The `op` a release's signature covers.
    public static let releaseOp = ReceiptSignature.releaseOp

    /// A receipt signed with the grant's one-time signing key.
    public static func receipt(
        for grant: ReleasedGrant, op: String, kind: String, outputDigest: String?,
        at time: Date
    ) throws(LeaseholdClientError) -> WorkloadReceipt {
        var r = WorkloadReceipt(grantId: grant.grantId, kind: kind, outputDigest: outputDigest, time: RFC3339.format(time), signature: "")
        do {
            r.signature = Base64.encode(
                try grant.signingKey.signature(for: ReceiptSignature.message(op: op, owner: grant.owner, leaseId: grant.leaseId, receipt: r)))
        } catch {
            throw LeaseholdClientError(LeaseholdClientError.badInput, "cannot sign the receipt: \(error)")
        }
        return r
    }

    /// `POST …/receipts`: `kind` `output` (with the hex digest of what the workload produced)
    /// or `shredded` (the keys are destroyed).
    public func postReceipt(_ grant: ReleasedGrant, kind: String, outputDigest: String? = nil) async throws(LeaseholdClientError) -> LogIndexResponse
    {
        let r = try Self.receipt(for: grant, op: Self.receiptOp, kind: kind, outputDigest: outputDigest, at: clock())
        return try await transport.receipt(owner: grant.owner, leaseId: grant.leaseId, r)
    }

    /// `POST …/release`: ends the lease early, recording that the keys were shredded.
    public func release(_ grant: ReleasedGrant) async throws(LeaseholdClientError) -> LogIndexResponse {
        let r = try Self.receipt(for: grant, op: Self.releaseOp, kind: "shredded", outputDigest: nil, at: clock())
        return try await transport.release(owner: grant.owner, leaseId: grant.leaseId, r)
    }
}
