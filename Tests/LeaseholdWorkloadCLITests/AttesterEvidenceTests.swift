import Attesters
import Crypto
import LeaseholdAPI
import LeaseholdClient
import Testing

/// Records what the client asked the platform for.
struct RecordingAttester: Attester {
    let tee: AttesterTEE
    var interface: String { "fake" }
    let seen: @Sendable (AttestationRequest) -> Void

    func attest(_ request: AttestationRequest) async throws(AttesterError) -> AttesterEvidence {
        seen(request)
        return AttesterEvidence(tee: tee, evidence: [1, 2, 3], collateral: [[4], [5]], interface: interface)
    }
}

@Suite struct AttesterEvidenceTests {
    let binding = LeaseBinding(
        nonce: Array(repeating: 7, count: 32), suiteID: "x25519-sha256-aes256gcm",
        publicKey: Array(repeating: 9, count: 32), owner: "acme", leaseID: "l1",
        manifestDigest: Array(repeating: 1, count: 32))

    final class Box: @unchecked Sendable { var request: AttestationRequest? }

    @Test(arguments: [AttesterTEE.sevSNP, .tdx, .sgx, .nitro])
    func theBindingGoesInAsReportDataAndNitroAlsoGetsNonceAndKey(_ tee: AttesterTEE) async throws {
        let box = Box()
        let provider = EvidenceProviders.attester(RecordingAttester(tee: tee, seen: { box.request = $0 }))
        let produced = try await provider(binding)
        #expect(box.request?.reportData == binding.reportData)
        #expect(box.request?.nonce == (tee == .nitro ? binding.nonce : nil))
        #expect(box.request?.publicKey == (tee == .nitro ? binding.publicKey : nil))
        #expect(produced.tee == tee.rawValue)
        #expect(produced.evidence == [1, 2, 3] && produced.collateral == [[4], [5]])
    }
}
