/// Packs messages to bytes and unpacks bytes to messages in one dialect.
///
/// Unpacking reads only inside the bytes it is given: every length is checked against
/// what is left before it is used, so a broken frame gives an ``ISO8583Error``, never a
/// crash or an allocation beyond the frame.
public struct MessageCodec: Sendable {
    /// The wire encoding.
    public var dialect: Dialect

    /// Makes a codec for a dialect.
    public init(dialect: Dialect = .default) {
        self.dialect = dialect
    }

    /// The bytes of a message, without any length header.
    public func pack(_ message: ISOMessage) throws(ISO8583Error) -> [UInt8] {
        let mti = Array(message.mti.utf8)
        guard mti.count == 4, mti.allSatisfy(Self.isDigit) else {
            throw ISO8583Error(field: nil, offset: 0, reason: .invalidMTI)
        }
        let numbers = message.fieldNumbers
        let secondary = numbers.contains { $0 > 64 }
        var bitmap = [UInt8](repeating: 0, count: secondary ? 16 : 8)
        if secondary { bitmap[0] |= 0x80 }
        for number in numbers {
            guard dialect.dictionary[number] != nil else {
                throw ISO8583Error(field: number, offset: 0, reason: .undefinedField)
            }
            bitmap[(number - 1) / 8] |= 0x80 >> UInt8((number - 1) % 8)
        }
        var out = mti + bitmap
        out.reserveCapacity(128)
        for number in numbers {
            let definition = dialect.dictionary[number]!
            let value = message.bytes(number)!
            try validate(value, definition, offset: out.count)
            switch definition.length {
            case .fixed(let length):
                guard value.count == length else {
                    throw ISO8583Error(field: number, offset: out.count, reason: .wrongLength(length: value.count, expected: length))
                }
            case .llvar(let maximum), .lllvar(let maximum):
                guard value.count <= maximum else {
                    throw ISO8583Error(field: number, offset: out.count, reason: .tooLong(length: value.count, maximum: maximum))
                }
                let digits = definition.length.prefixDigits
                var prefix = [UInt8](repeating: UInt8(ascii: "0"), count: digits)
                var length = value.count
                for index in stride(from: digits - 1, through: 0, by: -1) {
                    prefix[index] = UInt8(ascii: "0") + UInt8(length % 10)
                    length /= 10
                }
                out += prefix
            }
            out += value
        }
        return out
    }

    /// The message in these bytes (without a length header); all of them must be used.
    public func unpack(_ bytes: [UInt8]) throws(ISO8583Error) -> ISOMessage {
        try bytes.withUnsafeBufferPointer { buffer throws(ISO8583Error) in
            try unpack(buffer)
        }
    }

    /// The message in these bytes (without a length header); all of them must be used.
    public func unpack(_ bytes: UnsafeBufferPointer<UInt8>) throws(ISO8583Error) -> ISOMessage {
        var offset = 0
        func take(_ count: Int, field: Int?) throws(ISO8583Error) -> UnsafeBufferPointer<UInt8> {
            guard count <= bytes.count - offset else {
                throw ISO8583Error(field: field, offset: offset, reason: .truncated(needed: count, available: bytes.count - offset))
            }
            defer { offset += count }
            return UnsafeBufferPointer(rebasing: bytes[offset..<(offset + count)])
        }
        let mtiBytes = try take(4, field: nil)
        guard mtiBytes.allSatisfy(Self.isDigit) else {
            throw ISO8583Error(field: nil, offset: 0, reason: .invalidMTI)
        }
        var message = ISOMessage(mti: String(decoding: mtiBytes, as: UTF8.self))
        let primary = try take(8, field: nil)
        var bitmap = Array(primary)
        if primary[0] & 0x80 != 0 {
            bitmap += try take(8, field: 1)
        }
        for number in 2...(bitmap.count * 8) where bitmap[(number - 1) / 8] & (0x80 >> UInt8((number - 1) % 8)) != 0 {
            guard let definition = dialect.dictionary[number] else {
                throw ISO8583Error(field: number, offset: offset, reason: .undefinedField)
            }
            let start = offset
            let length: Int
            switch definition.length {
            case .fixed(let fixed):
                length = fixed
            case .llvar(let maximum), .lllvar(let maximum):
                let prefix = try take(definition.length.prefixDigits, field: number)
                var value = 0
                for byte in prefix {
                    guard Self.isDigit(byte) else {
                        throw ISO8583Error(field: number, offset: start, reason: .invalidLength)
                    }
                    value = value * 10 + Int(byte - UInt8(ascii: "0"))
                }
                guard value <= maximum else {
                    throw ISO8583Error(field: number, offset: start, reason: .tooLong(length: value, maximum: maximum))
                }
                length = value
            }
            let valueOffset = offset
            let value = try take(length, field: number)
            try validate(value, definition, offset: valueOffset)
            message.setBytes(number, Array(value))
        }
        guard offset == bytes.count else {
            throw ISO8583Error(field: nil, offset: offset, reason: .trailingBytes(bytes.count - offset))
        }
        return message
    }

    private func validate<C: Collection<UInt8>>(_ value: C, _ definition: FieldDefinition, offset: Int) throws(ISO8583Error) {
        let allowed: (UInt8) -> Bool
        switch definition.type {
        case .b: return
        case .n: allowed = Self.isDigit
        case .a: allowed = { Self.isLetter($0) || $0 == 0x20 }
        case .an: allowed = { Self.isDigit($0) || Self.isLetter($0) || $0 == 0x20 }
        case .ans, .ns: allowed = { $0 >= 0x20 && $0 < 0x7F }
        case .z: allowed = { Self.isDigit($0) || $0 == UInt8(ascii: "=") || $0 == UInt8(ascii: "D") }
        case .xn: allowed = { Self.isDigit($0) || $0 == UInt8(ascii: "C") || $0 == UInt8(ascii: "D") }
        }
        var position = offset
        for byte in value {
            guard allowed(byte) else {
                throw ISO8583Error(field: definition.number, offset: position, reason: .invalidCharacter(byte))
            }
            position += 1
        }
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
    static func isLetter(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")) || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
    }
}
