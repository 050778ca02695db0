import LeaseholdAPI
import Foundation
import TransparencyLog

extension WorkloadClient {
    /// The `op` a receipt's MAC covers.
    public static let receiptOp = "receipt"
    /// The `op` a release's MAC covers.
    public static let releaseOp = "release"

    /// A receipt authenticated with the grant's receipt key.
    public static func receipt(for grant: ReleasedGrant, op: String, kind: String, outputDigest: String?, at time: Date) -> WorkloadReceipt {
        var r = WorkloadReceipt(grantId: grant.grantId, kind: kind, outputDigest: outputDigest, time: RFC3339.format(time), mac: "")
        r.mac = ReceiptMAC.mac(key: grant.receiptKey, op: op, owner: grant.owner, leaseId: grant.leaseId, receipt: r)
        return r
    }

    /// `POST …/receipts`: `kind` `output` (with the hex digest of what the workload produced)
    /// or `shredded` (the keys are destroyed).
    public func postReceipt(_ grant: ReleasedGrant, kind: String, outputDigest: String? = nil) async throws(LeaseholdClientError) -> LogIndexResponse {
        let r = Self.receipt(for: grant, op: Self.receiptOp, kind: kind, outputDigest: outputDigest, at: clock())
        return try await transport.receipt(owner: grant.owner, leaseId: grant.leaseId, r)
    }

    /// `POST …/release`: ends the lease early, recording that the keys were shredded.
    public func release(_ grant: ReleasedGrant) async throws(LeaseholdClientError) -> LogIndexResponse {
        let r = Self.receipt(for: grant, op: Self.releaseOp, kind: "shredded", outputDigest: nil, at: clock())
        return try await transport.release(owner: grant.owner, leaseId: grant.leaseId, r)
    }
}
