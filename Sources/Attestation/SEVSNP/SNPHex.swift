/// Fixed-width hex for the 64-bit values (TCB, policy, platform info) that AMD tools and
/// KDS URLs print zero-padded, so logs can be compared with them character for character.
enum SNPHex {
    static func u64(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: max(0, 16 - digits.count)) + digits
    }
}
