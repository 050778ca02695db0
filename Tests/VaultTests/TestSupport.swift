import Codecs
@testable import Vault

/// Hex literal to bytes; test fixtures only (a typo fails the test loudly).
func hex(_ text: String) -> [UInt8] {
    guard let bytes = Hex.decode(text) else { fatalError("bad hex fixture: \(text)") }
    return bytes
}

/// The same bytes with one bit flipped at `index`.
func flipped(_ bytes: [UInt8], at index: Int, bit: UInt8 = 0x01) -> [UInt8] {
    var copy = bytes
    copy[index] ^= bit
    return copy
}

/// Runs `body` and returns the VaultError code it throws, or nil if it does not throw.
/// Any other error type comes back as `not-a-vault-error`, which no expectation matches.
func vaultErrorCode<T>(_ body: () throws -> T) -> VaultError.Code? {
    do {
        _ = try body()
        return nil
    } catch let error as VaultError {
        return error.code
    } catch {
        return VaultError.Code(rawValue: "not-a-vault-error")
    }
}

func bytes(of key: DataKey) -> [UInt8] { key.withUnsafeBytes { Array($0) } }
