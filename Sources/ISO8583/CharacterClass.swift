/// A set of bytes as a 256-bit mask: checking a byte is two shifts, no allocation.

struct CharacterClass: Sendable {
    var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    init(_ allowed: (UInt8) -> Bool) {
        for byte in 0...255 where allowed(UInt8(byte)) {
            let bit = UInt64(1) << UInt64(byte & 63)
            switch byte >> 6 {
            case 0: words.0 |= bit
            case 1: words.1 |= bit
            case 2: words.2 |= bit
            default: words.3 |= bit
            }
        }
    }

    func contains(_ byte: UInt8) -> Bool {
        let word: UInt64
        switch byte >> 6 {
        case 0: word = words.0
        case 1: word = words.1
        case 2: word = words.2
        default: word = words.3
        }
        return word >> UInt64(byte & 63) & 1 == 1
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
    static func isLetter(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")) || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
    }

    static let digits = CharacterClass(isDigit)

    /// The bytes a field type allows in its content.
    static func of(_ type: FieldType) -> CharacterClass {
        switch type {
        case .n: return CharacterClass(isDigit)
        case .a: return CharacterClass { isLetter($0) || $0 == 0x20 }
        case .an: return CharacterClass { isDigit($0) || isLetter($0) || $0 == 0x20 }
        case .ans, .ns: return CharacterClass { $0 >= 0x20 && $0 < 0x7F }
        case .z: return CharacterClass { isDigit($0) || $0 == UInt8(ascii: "=") || $0 == UInt8(ascii: "D") }
        case .xn: return CharacterClass { isDigit($0) || $0 == UInt8(ascii: "C") || $0 == UInt8(ascii: "D") }
        case .b: return CharacterClass { _ in true }
        }
    }
}
