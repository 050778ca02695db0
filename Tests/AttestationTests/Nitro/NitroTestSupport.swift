import Foundation
@testable import Attestation

/// The code of the `AttestationError` `body` throws, or nil if it returns. (Untyped so that
/// closures mixing verifier calls with test helpers type-check; any other error shows up as
/// an "unexpected" code no test expects.)
func refusal<T>(_ body: () throws -> T) -> AttestationError.Code? {
    do {
        _ = try body()
        return nil
    } catch let error as AttestationError {
        return error.code
    } catch {
        return AttestationError.Code(rawValue: "unexpected: \(error)")
    }
}

/// A small seeded generator (SplitMix64) so fuzz and sampling runs are reproducible.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The DER of the first certificate in a PEM file.
func derFromPEM(_ pem: [UInt8]) throws -> [UInt8] {
    let text = String(decoding: pem, as: UTF8.self)
    guard let begin = text.range(of: "-----BEGIN CERTIFICATE-----"),
        let end = text.range(of: "-----END CERTIFICATE-----", range: begin.upperBound..<text.endIndex),
        let data = Data(base64Encoded: text[begin.upperBound..<end.lowerBound].filter { !$0.isWhitespace })
    else { throw AttestationError(.malformed, "no PEM certificate") }
    return [UInt8](data)
}
