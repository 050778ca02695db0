import Codecs
import Crypto
import Foundation
import LeaseholdAPI
import LeaseholdCore

/// How owner-signed requests (vault put, revoke) are built and checked. Shared by the client
/// that signs and the broker that verifies, so both use one definition of the signed bytes.
public enum OwnerRequestSigning {
    public static let payloadType = "application/vnd.leasehold.request+json"
    /// How far a request's `time` may be from the broker's clock.
    public static let maxSkew: TimeInterval = 300

    /// Signs `fields` (which must include `op` and `owner`; `time` and `broker` are added) with
    /// the owner key. `broker` is the audience: the log key (`BrokerInfo.logKey`) of the one
    /// broker the request is meant for, so a request captured on one broker cannot be replayed
    /// to another that has the same owner registered (SECURITY-REVIEW-2026-12, M3).
    public static func sign(_ fields: [String: JSONValue], key: OwnerSigningKey, at time: Date, broker: String) throws -> SignedOwnerRequest {
        var all = fields
        all["time"] = .string(RFC3339.format(time))
        all["broker"] = .string(broker)
        let payload = CanonicalJSON.encode(.dict(all))
        let sig = try key.signature(for: DSSEEnvelope.pae(payloadType: payloadType, payload: payload))
        return SignedOwnerRequest(payload: Base64.encode(payload), signature: Base64.encode(sig))
    }

    /// Checks the signature with the owner's registered key, that the payload is canonical JSON
    /// for `op` by `owner` addressed to `broker` (this broker's log key), and that its time is
    /// within `maxSkew` of `now`. Returns the fields.
    public static func verify(
        _ request: SignedOwnerRequest, op: String, owner: String, key: OwnerPublicKey, now: Date,
        broker: String
    ) throws(BrokerError) -> [String: JSONValue] {
        guard let payload = Base64.decodeCanonical(request.payload), let sig = Base64.decodeCanonical(request.signature) else {
            throw BrokerError(.badRequest, "payload and signature must be canonical base64")
        }
        guard key.isValidSignature(sig, for: DSSEEnvelope.pae(payloadType: payloadType, payload: payload)) else {
            throw BrokerError(.signatureInvalid, "the request is not signed by \(owner)'s registered key")
        }
        let value: JSONValue
        do { value = try CanonicalJSON.parse(payload) } catch { throw BrokerError(.badRequest, "signed payload is not canonical JSON: \(error)") }
        guard case .object(let pairs) = value else { throw BrokerError(.badRequest, "signed payload must be a JSON object") }
        let fields = Dictionary(pairs, uniquingKeysWith: { a, _ in a })
        guard fields["op"]?.stringValue == op else { throw BrokerError(.badRequest, "signed payload is not a \(op) request") }
        guard fields["owner"]?.stringValue == owner else { throw BrokerError(.badRequest, "signed payload names another owner") }
        guard fields["broker"]?.stringValue == broker else {
            throw BrokerError(
                .badRequest, "the signed request is addressed to another broker (its \"broker\" must be this broker's log key, \(broker))")
        }
        guard let t = fields["time"]?.stringValue.flatMap(RFC3339.parse), abs(t.timeIntervalSince(now)) <= maxSkew else {
            throw BrokerError(.requestStale, "signed request time is missing or more than \(Int(maxSkew)) s from the broker's clock")
        }
        return fields
    }
}
