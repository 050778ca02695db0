import Crypto
import Foundation
import Testing
@testable import TransparencyLog

@Suite struct SignedNoteTests {
    // The example of c2sp.org/signed-note v1.0.0 ("Example" section).
    static let peterVkey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
    static let peterNote =
        "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n\n\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"

    @Test func c2spExampleVerifies() throws {
        let v = try NoteVerifier(encoded: Self.peterVkey)
        #expect(v.name == "PeterNeumann")
        #expect(v.keyID == 0xc74f20a3)
        #expect(v.encoded == Self.peterVkey)
        let text = try v.open(Self.peterNote)
        #expect(text == "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n")
    }

    @Test func everySingleBitFlipOfTheExampleIsRejected() throws {
        let v = try NoteVerifier(encoded: Self.peterVkey)
        let bytes = Array(Self.peterNote.utf8)
        var accepted = 0
        for i in bytes.indices {
            for bit in 0..<8 {
                var m = bytes
                m[i] ^= UInt8(1 << bit)
                guard let s = String(validating: m, as: UTF8.self) else { continue }
                if (try? v.open(s)) != nil { accepted += 1 }
            }
        }
        #expect(accepted == 0)
    }

    @Test func signAndVerifyWithOurKeyAndRejectOthers() throws {
        let signer = try NoteSigner(name: "leasehold.example/log", privateKey: .init())
        let cp = Checkpoint(origin: "leasehold.example/log", size: 3, root: MerkleHash.leaf([1]))
        let note = try signer.sign(cp.body)
        let text = try signer.verifier.open(note)
        #expect(try Checkpoint(body: text) == cp)
        let other = try NoteSigner(name: "leasehold.example/log", privateKey: .init())
        #expect(throws: SignedNote.FormatError.self) { try other.verifier.open(note) }
        // The verifier key round-trips through its text form.
        #expect(try NoteVerifier(encoded: signer.verifier.encoded) == signer.verifier)
        // A wrong key id in the text form is refused.
        var enc = signer.verifier.encoded
        let plus = enc.firstIndex(of: "+")!
        enc.replaceSubrange(enc.index(after: plus)...enc.index(plus, offsetBy: 8), with: "00000000")
        #expect(throws: SignedNote.FormatError.self) { try NoteVerifier(encoded: enc) }
    }

    /// The base64 part of a verifier key may itself contain '+': only the first two separate.
    @Test func verifierKeysWhoseBase64ContainsPlusRoundTrip() throws {
        var seen = 0
        for _ in 0..<200 where seen < 5 {
            let v = try NoteSigner(name: "a.example/log", privateKey: .init()).verifier
            guard v.encoded.split(separator: "+").count > 3 else { continue }
            seen += 1
            #expect(try NoteVerifier(encoded: v.encoded) == v)
        }
        #expect(seen > 0)
    }

    @Test func checkpointBodyIsStrict() {
        let root = MerkleHash.emptyRoot.base64
        #expect(throws: Checkpoint.FormatError.self) { try Checkpoint(body: "o\n007\n\(root)\n") }
        #expect(throws: Checkpoint.FormatError.self) { try Checkpoint(body: "o\n7\n\(root)") }
        #expect(throws: Checkpoint.FormatError.self) { try Checkpoint(body: "o\n7\n\(root.dropLast())A\n") }
        #expect(throws: Checkpoint.FormatError.self) { try Checkpoint(body: "\n7\n\(root)\n") }
        #expect(throws: Never.self) { try Checkpoint(body: "o\n7\n\(root)\next\n") }
    }
}
