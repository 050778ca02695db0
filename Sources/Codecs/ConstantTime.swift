/// Byte comparison whose time does not depend on where the first difference is: the broker
/// answers attackers, and must not tell them how much of a measurement or binding matched.
public enum ConstantTime {
    public static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for i in a.indices { difference |= a[i] ^ b[i] }
        return difference == 0
    }
}
