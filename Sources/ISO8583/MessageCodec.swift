/// Packs messages to bytes and unpacks bytes to messages in one dialect.
///
/// Unpacking reads only inside the bytes it is given: every length is checked against
/// what is left before it is used, so a broken frame gives an ``ISO8583Error`` (which
/// field, which offset, what was wrong), never a crash or an allocation beyond the frame.
/// A message costs two allocations however many fields it has.
public struct MessageCodec: Sendable {
    /// How one field is written in this dialect, worked out once.
    @usableFromInline
    struct Plan: Sendable {
        var definition: FieldDefinition
        var allowed: CharacterClass
        /// Content is digits written as BCD.
        var bcd: Bool
        /// Content is binary written as hex characters.
        var hex: Bool
    }

    /// The wire encoding.
    public let dialect: Dialect
    let plans: [Plan?]

    /// Makes a codec for a dialect.
    public init(dialect: Dialect = .default) {
        self.dialect = dialect
        plans = (0...128).map { number in
            guard let definition = dialect.dictionary[number] else { return nil }
            let numeric = definition.type == .n || definition.type == .z || definition.type == .xn
            return Plan(
                definition: definition, allowed: .of(definition.type),
                bcd: numeric && dialect.numbers == .bcd,
                hex: definition.type == .b && dialect.binaryFields == .hex)
        }
    }

    // MARK: - Pack

    /// The bytes of a message, without any length header.
    public func pack(_ message: ISOMessage) throws(ISO8583Error) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(dialect.headerLength + 36 + message.storage.count * 2)
        try pack(message, into: &out)
        return out
    }

    /// Appends the bytes of a message to `out`.
    public func pack(_ message: ISOMessage, into out: inout [UInt8]) throws(ISO8583Error) {
        let start = out.count
        guard message.header.count == dialect.headerLength else {
            throw ISO8583Error(field: nil, offset: 0, reason: .wrongHeader(length: message.header.count, expected: dialect.headerLength))
        }
        out.append(contentsOf: message.header)
        var mti: (UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0)
        var mtiCount = 0
        for byte in message.mti.rawValue.utf8 {
            guard mtiCount < 4, CharacterClass.isDigit(byte) else { mtiCount = 5; break }
            switch mtiCount {
            case 0: mti.0 = byte
            case 1: mti.1 = byte
            case 2: mti.2 = byte
            default: mti.3 = byte
            }
            mtiCount += 1
        }
        guard mtiCount == 4 else { throw ISO8583Error(field: nil, offset: out.count - start, reason: .invalidMTI) }
        switch dialect.mti {
        case .ascii: out.append(mti.0); out.append(mti.1); out.append(mti.2); out.append(mti.3)
        case .bcd: out.append((mti.0 & 0x0F) << 4 | (mti.1 & 0x0F)); out.append((mti.2 & 0x0F) << 4 | (mti.3 & 0x0F))
        }
        var primary: UInt64 = 0, secondary: UInt64 = 0
        try message.forEachSpan { number, _ throws(ISO8583Error) in
            guard number >= 2 else { return }
            guard plans[number] != nil else { throw ISO8583Error(field: number, offset: out.count - start, reason: .undefinedField) }
            if number <= 64 { primary |= 1 << UInt64(64 - number) } else { secondary |= 1 << UInt64(128 - number) }
        }
        if secondary != 0 { primary |= 1 << 63 }
        appendBitmap(primary, to: &out)
        if secondary != 0 { appendBitmap(secondary, to: &out) }
        try message.storage.withUnsafeBufferPointer { storage throws(ISO8583Error) in
            try message.forEachSpan { number, span throws(ISO8583Error) in
                guard number >= 2 else { return }
                let value = UnsafeBufferPointer(rebasing: storage[Int(span >> 32)..<(Int(span >> 32) + Int(span & 0xFFFF_FFFF))])
                try packField(number, value, into: &out, start: start)
            }
        }
    }

    @inline(__always)
    private func appendBitmap(_ word: UInt64, to out: inout [UInt8]) {
        switch dialect.bitmap {
        case .binary:
            for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: word >> UInt64(shift))) }
        case .hex:
            for shift in stride(from: 60, through: 0, by: -4) { out.append(Self.hexDigit(UInt8(truncatingIfNeeded: word >> UInt64(shift)) & 0x0F)) }
        }
    }

    @inline(__always)
    static func hexDigit(_ nibble: UInt8) -> UInt8 { nibble < 10 ? nibble + 0x30 : nibble + 0x37 }

    private func packField(_ number: Int, _ value: UnsafeBufferPointer<UInt8>, into out: inout [UInt8], start: Int) throws(ISO8583Error) {
        let plan = plans[number]!
        let offset = out.count - start
        for (index, byte) in value.enumerated() where !plan.allowed.contains(byte) {
            throw ISO8583Error(field: number, offset: offset + index, reason: .invalidCharacter(byte))
        }
        switch plan.definition.length {
        case .fixed(let length):
            guard value.count == length else {
                throw ISO8583Error(field: number, offset: offset, reason: .wrongLength(length: value.count, expected: length))
            }
        case .llvar(let maximum), .lllvar(let maximum):
            guard value.count <= maximum else {
                throw ISO8583Error(field: number, offset: offset, reason: .tooLong(length: value.count, maximum: maximum))
            }
            appendLength(value.count, digits: plan.definition.length.prefixDigits, to: &out)
        }
        if plan.bcd {
            var digits = UnsafeBufferPointer(rebasing: value[...])
            if plan.definition.type == .xn, let sign = value.first {
                out.append(sign)
                digits = UnsafeBufferPointer(rebasing: value[1...])
            }
            appendBCD(digits, to: &out)
        } else if plan.hex {
            for byte in value { out.append(Self.hexDigit(byte >> 4)); out.append(Self.hexDigit(byte & 0x0F)) }
        } else {
            out.append(contentsOf: value)
        }
    }

    @inline(__always)
    private func appendLength(_ length: Int, digits: Int, to out: inout [UInt8]) {
        switch dialect.lengths {
        case .ascii:
            if digits == 3 { out.append(UInt8(truncatingIfNeeded: 0x30 + length / 100)) }
            out.append(UInt8(truncatingIfNeeded: 0x30 + length / 10 % 10))
            out.append(UInt8(truncatingIfNeeded: 0x30 + length % 10))
        case .bcd:
            if digits == 3 { out.append(UInt8(truncatingIfNeeded: length / 100)) }
            out.append(UInt8(truncatingIfNeeded: (length / 10 % 10) << 4 | length % 10))
        }
    }

    private func appendBCD(_ digits: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        @inline(__always) func nibble(_ byte: UInt8) -> UInt8 { byte == UInt8(ascii: "=") || byte == UInt8(ascii: "D") ? 0x0D : byte & 0x0F }
        var index = 0
        if digits.count % 2 == 1, dialect.alignment == .right {
            out.append(nibble(digits[0]))
            index = 1
        }
        while index + 1 < digits.count {
            out.append(nibble(digits[index]) << 4 | nibble(digits[index + 1]))
            index += 2
        }
        if index < digits.count { out.append(nibble(digits[index]) << 4) }
    }

    // MARK: - Unpack

    /// The message in these bytes (without a length header); all of them must be used.
    public func unpack(_ bytes: [UInt8]) throws(ISO8583Error) -> ISOMessage {
        try bytes.withUnsafeBufferPointer { buffer throws(ISO8583Error) in try unpack(buffer) }
    }

    /// The message in these bytes (without a length header); all of them must be used.
    public func unpack(_ bytes: UnsafeBufferPointer<UInt8>) throws(ISO8583Error) -> ISOMessage {
        var reader = Reader(bytes: bytes)
        let header = dialect.headerLength > 0 ? Array(try reader.take(dialect.headerLength, field: nil)) : []
        let mti: String
        switch dialect.mti {
        case .ascii:
            let mtiOffset = reader.offset
            let raw = try reader.take(4, field: nil)
            guard raw.allSatisfy(CharacterClass.isDigit) else { throw ISO8583Error(field: nil, offset: mtiOffset, reason: .invalidMTI) }
            mti = String(decoding: raw, as: UTF8.self)
        case .bcd:
            let mtiOffset = reader.offset
            let raw = try reader.take(2, field: nil)
            guard raw.allSatisfy({ $0 >> 4 < 10 && $0 & 0x0F < 10 }) else { throw ISO8583Error(field: nil, offset: mtiOffset, reason: .invalidMTI) }
            mti = String(decoding: [0x30 + raw[0] >> 4, 0x30 + raw[0] & 0x0F, 0x30 + raw[1] >> 4, 0x30 + raw[1] & 0x0F], as: UTF8.self)
        }
        var message = ISOMessage(mti: MTI(mti), header: header, capacity: bytes.count * (dialect.numbers == .bcd ? 2 : 1))
        let primary = try readBitmap(&reader, field: nil)
        let secondary = primary & (1 << 63) != 0 ? try readBitmap(&reader, field: 1) : 0
        var bits = primary & ~(1 << 63)
        var base = 0
        while true {
            while bits != 0 {
                let zeros = bits.leadingZeroBitCount
                bits &= ~(1 << UInt64(63 - zeros))
                try unpackField(base + zeros + 1, &reader, into: &message)
            }
            guard base == 0, secondary != 0 else { break }
            bits = secondary
            base = 64
        }
        guard reader.offset == bytes.count else {
            throw ISO8583Error(field: nil, offset: reader.offset, reason: .trailingBytes(bytes.count - reader.offset))
        }
        return message
    }

    private func readBitmap(_ reader: inout Reader, field: Int?) throws(ISO8583Error) -> UInt64 {
        var word: UInt64 = 0
        switch dialect.bitmap {
        case .binary:
            for byte in try reader.take(8, field: field) { word = word << 8 | UInt64(byte) }
        case .hex:
            let offset = reader.offset
            for byte in try reader.take(16, field: field) {
                guard let nibble = Hex.nibble(byte) else { throw ISO8583Error(field: field, offset: offset, reason: .invalidBitmap) }
                word = word << 4 | UInt64(nibble)
            }
        }
        return word
    }

    private func unpackField(_ number: Int, _ reader: inout Reader, into message: inout ISOMessage) throws(ISO8583Error) {
        guard let plan = plans[number] else {
            throw ISO8583Error(field: number, offset: reader.offset, reason: .undefinedField)
        }
        let fieldOffset = reader.offset
        let length: Int
        switch plan.definition.length {
        case .fixed(let fixed):
            length = fixed
        case .llvar(let maximum), .lllvar(let maximum):
            length = try readLength(digits: plan.definition.length.prefixDigits, &reader, field: number)
            guard length <= maximum else {
                throw ISO8583Error(field: number, offset: fieldOffset, reason: .tooLong(length: length, maximum: maximum))
            }
        }
        let valueOffset = reader.offset
        let start = message.storage.count
        if plan.bcd {
            var digits = length
            if plan.definition.type == .xn, length > 0 {
                let sign = try reader.take(1, field: number)[0]
                guard plan.allowed.contains(sign) else { throw ISO8583Error(field: number, offset: valueOffset, reason: .invalidCharacter(sign)) }
                message.storage.append(sign)
                digits -= 1
            }
            let packedOffset = reader.offset
            let packed = try reader.take((digits + 1) / 2, field: number)
            try decodeBCD(packed, digits: digits, track: plan.definition.type == .z, field: number, offset: packedOffset, into: &message.storage)
        } else if plan.hex {
            let text = try reader.take(length * 2, field: number)
            var index = 0
            while index < text.count {
                guard let high = Hex.nibble(text[index]), let low = Hex.nibble(text[index + 1]) else {
                    throw ISO8583Error(field: number, offset: valueOffset + index, reason: .invalidCharacter(text[index]))
                }
                message.storage.append(high << 4 | low)
                index += 2
            }
        } else {
            let value = try reader.take(length, field: number)
            for index in 0..<value.count where !plan.allowed.contains(value[index]) {
                throw ISO8583Error(field: number, offset: valueOffset + index, reason: .invalidCharacter(value[index]))
            }
            message.storage.append(contentsOf: value)
        }
        let count = message.storage.count - start
        message.setSpan(number, UInt64(start) << 32 | UInt64(count))
    }

    private func readLength(digits: Int, _ reader: inout Reader, field: Int) throws(ISO8583Error) -> Int {
        let offset = reader.offset
        var value = 0
        switch dialect.lengths {
        case .ascii:
            for byte in try reader.take(digits, field: field) {
                guard CharacterClass.isDigit(byte) else { throw ISO8583Error(field: field, offset: offset, reason: .invalidLength) }
                value = value * 10 + Int(byte - 0x30)
            }
        case .bcd:
            for byte in try reader.take((digits + 1) / 2, field: field) {
                guard byte >> 4 < 10, byte & 0x0F < 10 else { throw ISO8583Error(field: field, offset: offset, reason: .invalidLength) }
                value = value * 100 + Int(byte >> 4) * 10 + Int(byte & 0x0F)
            }
        }
        return value
    }

    private func decodeBCD(_ packed: UnsafeBufferPointer<UInt8>, digits: Int, track: Bool, field: Int, offset: Int, into out: inout [UInt8]) throws(ISO8583Error) {
        let padded = digits % 2 == 1
        let skipFirst = padded && dialect.alignment == .right
        for index in 0..<packed.count {
            let byte = packed[index]
            for position in 0..<2 {
                let nibble = position == 0 ? byte >> 4 : byte & 0x0F
                let isPad = (skipFirst && index == 0 && position == 0) || (padded && !skipFirst && index == packed.count - 1 && position == 1)
                if isPad {
                    // Terminals pad with 0 or F.
                    guard nibble == 0 || nibble == 0x0F else { throw ISO8583Error(field: field, offset: offset + index, reason: .invalidCharacter(byte)) }
                    continue
                }
                if nibble < 10 {
                    out.append(0x30 + nibble)
                } else if track && nibble == 0x0D {
                    out.append(UInt8(ascii: "="))
                } else {
                    throw ISO8583Error(field: field, offset: offset + index, reason: .invalidCharacter(byte))
                }
            }
        }
    }
}
