/// ISO 9564 PIN blocks, format 0 (ANSI X9.8): the PIN field `0 L PPPP...F` XORed with the PAN
/// field `0000` and the rightmost twelve digits of the PAN before its check digit.
public enum PINBlock {
    /// Why a block is not a PIN block of format 0 for the PAN.
    public enum Problem: Error, Sendable, Equatable, CustomStringConvertible {
        /// A PIN of other than 4 to 12 digits.
        case pinLength(Int)
        /// A PIN with a character that is not a digit.
        case pinNotDigits
        /// A PAN of fewer than 13 digits, or with one that is not a digit.
        case pan
        /// A block that is not 8 bytes.
        case blockLength(Int)
        /// The clear block's first nibble: the ISO 9564 format it says it is (not 0).
        case format(Int)
        /// The clear block's length nibble, outside 4 to 12.
        case lengthNibble(Int)
        /// A PIN nibble above 9, or a filler nibble not F.
        case digits

        public var description: String {
            switch self {
            case .pinLength(let count): "a PIN has 4 to 12 digits, not \(count)"
            case .pinNotDigits: "a PIN has digits only"
            case .pan: "a PAN has 13 to 19 digits"
            case .blockLength(let count): "a PIN block is 8 bytes, not \(count)"
            case .format(let format): "the clear block is ISO 9564 format \(format), not format 0"
            case .lengthNibble(let length): "the clear block says its PIN has \(length) digits (4 to 12)"
            case .digits: "the clear block's PIN digits or F filler are wrong (not this PAN's block, or the wrong key)"
            }
        }
    }

    /// A clear format-0 block read back.
    public struct Clear: Sendable, Equatable {
        /// The block after the PAN field is taken off: `0 L PIN F...`.
        public var pinField: [UInt8]
        /// The PIN.
        public var pin: String
    }

    /// The clear format-0 PIN block of `pin` for `pan`.
    public static func encode(pin: String, pan: String) throws(Problem) -> [UInt8] {
        guard (4...12).contains(pin.count) else { throw .pinLength(pin.count) }
        let pinDigits = pin.utf8.map { $0 &- 0x30 }
        guard pinDigits.allSatisfy({ $0 <= 9 }) else { throw .pinNotDigits }
        let nibbles = [0, UInt8(pin.count)] + pinDigits + [UInt8](repeating: 0xF, count: 14 - pin.count)
        return zip(bytes(nibbles), try panField(pan)).map { $0 ^ $1 }
    }

    /// The clear format-0 PIN block of `pin` for `pan`, encrypted under `key`.
    public static func encrypt(pin: String, pan: String, key: DESKey) throws(Problem) -> [UInt8] {
        key.encrypt(try encode(pin: pin, pan: pan))
    }

    /// The PIN in a clear format-0 block for `pan`.
    public static func decode(_ block: [UInt8], pan: String) throws(Problem) -> Clear {
        guard block.count == 8 else { throw .blockLength(block.count) }
        let field = zip(block, try panField(pan)).map { $0 ^ $1 }
        let nibbles = field.flatMap { [$0 >> 4, $0 & 0x0F] }
        guard nibbles[0] == 0 else { throw .format(Int(nibbles[0])) }
        let length = Int(nibbles[1])
        guard (4...12).contains(length) else { throw .lengthNibble(length) }
        let digits = nibbles[2..<(2 + length)], filler = nibbles[(2 + length)...]
        guard digits.allSatisfy({ $0 <= 9 }), filler.allSatisfy({ $0 == 0xF }) else { throw .digits }
        return Clear(pinField: field, pin: String(decoding: digits.map { $0 + 0x30 }, as: UTF8.self))
    }

    /// The PIN in a format-0 block encrypted under `key`.
    public static func decrypt(_ block: [UInt8], pan: String, key: DESKey) throws(Problem) -> Clear {
        guard block.count == 8 else { throw .blockLength(block.count) }
        return try decode(key.decrypt(block), pan: pan)
    }

    /// A block encrypted under `from` re-encrypted under `to` (what a host's security module does
    /// at each hop), checked to be a format-0 block for `pan` on the way.
    public static func translate(_ block: [UInt8], pan: String, from: DESKey, to: DESKey) throws(Problem) -> [UInt8] {
        let clear = try decrypt(block, pan: pan, key: from)
        return to.encrypt(zip(clear.pinField, try panField(pan)).map { $0 ^ $1 })
    }

    /// `0000` and the rightmost twelve PAN digits before the check digit, as 8 bytes.
    static func panField(_ pan: String) throws(Problem) -> [UInt8] {
        let digits = pan.utf8.map { $0 &- 0x30 }
        guard (13...19).contains(digits.count), digits.allSatisfy({ $0 <= 9 }) else { throw .pan }
        return bytes([0, 0, 0, 0] + digits.dropLast().suffix(12))
    }

    private static func bytes(_ nibbles: [UInt8]) -> [UInt8] {
        stride(from: 0, to: nibbles.count, by: 2).map { nibbles[$0] << 4 | nibbles[$0 + 1] }
    }
}
