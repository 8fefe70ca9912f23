/// The card verification value of a magnetic stripe (UnionPay's CVN, Visa's CVV, Mastercard's CVC
/// 1): what track 2's discretionary data carries and the issuer checks, as the payment-industry
/// algorithm computes it from the card verification key (a double-length key, CVK A and B), the
/// PAN, the expiry (`YYMM`) and the service code.
public enum CardVerification {
    /// The three digits: PAN ‖ expiry ‖ service code, padded with zeros to 32 digits; the first 16
    /// encrypted under CVK A, XORed with the last 16, encrypted under the double-length key (EDE);
    /// the result's decimal digits in order, then its letters less ten, the first three.
    public static func value(key: DESKey, pan: String, expiry: String, serviceCode: String, digits: Int = 3) -> String? {
        let data = pan + expiry + serviceCode
        guard key.length == .double, data.allSatisfy(\.isNumber), data.count <= 32 else { return nil }
        let padded = data + String(repeating: "0", count: 32 - data.count)
        guard let first = bytes(of: padded.prefix(16)), let second = bytes(of: padded.suffix(16)) else { return nil }
        let step = key.k1.ecb(first, encrypt: true)
        let mixed = zip(step, second).map { $0 ^ $1 }
        let result = key.encrypt(mixed)
        let nibbles = result.flatMap { [$0 >> 4, $0 & 0x0F] }
        let decimals = nibbles.filter { $0 < 10 } + nibbles.filter { $0 >= 10 }.map { $0 - 10 }
        return String(decimals.prefix(digits).map { Character(String($0)) })
    }

    private static func bytes(of digits: Substring) -> [UInt8]? {
        var out: [UInt8] = []
        var index = digits.startIndex
        while index < digits.endIndex {
            let next = digits.index(index, offsetBy: 2)
            guard let byte = UInt8(digits[index..<next], radix: 16) else { return nil }
            out.append(byte)
            index = next
        }
        return out
    }
}
