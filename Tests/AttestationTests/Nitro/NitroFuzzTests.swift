import Foundation
import Testing
@testable import Attestation

/// Seeded random mutations of the real documents: the decoder, the document parser and the
/// verifier must never crash, and no mutation that changes the signed bytes may be accepted.
@Suite struct NitroFuzzTests {
    /// One random edit: flip 1-4 bits, truncate, insert 1-8 random bytes, delete a run, or
    /// overwrite a byte with a value that is interesting to a CBOR head.
    static func mutate(_ input: [UInt8], using rng: inout SeededGenerator) -> [UInt8] {
        var bytes = input
        guard !bytes.isEmpty else { return [UInt8.random(in: 0...255, using: &rng)] }
        switch Int.random(in: 0..<5, using: &rng) {
        case 0:
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                bytes[Int.random(in: 0..<bytes.count, using: &rng)] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
            }
        case 1:
            bytes.removeLast(Int.random(in: 1...bytes.count, using: &rng))
        case 2:
            let at = Int.random(in: 0...bytes.count, using: &rng)
            bytes.insert(contentsOf: (0..<Int.random(in: 1...8, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }, at: at)
        case 3:
            let at = Int.random(in: 0..<bytes.count, using: &rng)
            bytes.removeSubrange(at..<min(bytes.count, at + Int.random(in: 1...16, using: &rng)))
        default:
            let interesting: [UInt8] = [0x00, 0x17, 0x18, 0x1B, 0x1F, 0x5F, 0x7F, 0x9F, 0xBF, 0xFF, 0xF6, 0xF9, 0xD2, 0x5B, 0x9B, 0xBB]
            bytes[Int.random(in: 0..<bytes.count, using: &rng)] = interesting[Int.random(in: 0..<interesting.count, using: &rng)]
        }
        return bytes
    }

    @Test func mutatedDocumentsNeverCrashAndSignedChangesAreRefused() throws {
        let vectors = NitroVector.loaded
        try #require(!vectors.isEmpty)
        let verifier = NitroVerifier()
        var rng = SeededGenerator(state: 0x4E17_F022)
        let total = 20_000
        var refused = 0, acceptedUnchangedSignedBytes = 0, identical = 0
        var codes: [String: Int] = [:]
        for n in 0..<total {
            let v = vectors[n % vectors.count]
            let original = try v.cose
            let mutated = Self.mutate(v.bytes, using: &rng)
            if mutated == v.bytes { identical += 1; continue }
            _ = try? CBORDecoder.decode(mutated)
            do {
                _ = try verifier.verifyDocument(mutated, at: v.validAt)
                // Accepted: only bytes outside the signature's coverage may have changed
                // (for instance a COSE tag 18 inserted in front).
                let cose = try CoseSign1.parse(mutated, limits: NitroVerifier.limits)
                #expect(
                    cose.protectedBytes == original.protectedBytes && cose.payload == original.payload && cose.signature == original.signature,
                    "mutation \(n) changed signed bytes and was accepted")
                acceptedUnchangedSignedBytes += 1
            } catch {
                refused += 1
                codes[error.code.rawValue, default: 0] += 1
            }
        }
        print(
            "Nitro fuzz: \(total) mutations of \(vectors.count) documents: \(refused) refused, \(acceptedUnchangedSignedBytes) accepted with signed bytes unchanged, \(identical) no-ops; refusals by code: \(codes.sorted { $0.key < $1.key })"
        )
        #expect(refused + acceptedUnchangedSignedBytes + identical == total)
    }

    @Test func mutatedPayloadsNeverCrashTheDocumentParser() throws {
        let vectors = NitroVector.loaded
        try #require(!vectors.isEmpty)
        var rng = SeededGenerator(state: 0x4E17_D0C5)
        let total = 20_000
        var parsed = 0
        for n in 0..<total {
            let payload = try vectors[n % vectors.count].cose.payload
            let mutated = Self.mutate(payload, using: &rng)
            if (try? NitroAttestationDocument.parse(mutated, limits: NitroVerifier.limits)) != nil { parsed += 1 }
        }
        print(
            "Nitro fuzz: \(total) payload mutations: \(parsed) still parse (e.g. a flipped bit inside a PCR or certificate), \(total - parsed) refused"
        )
    }
}
