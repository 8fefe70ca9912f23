/// A MAC algorithm for fields 64 and 128: given the bytes a MAC covers, the 8-byte MAC.
///
/// PayLab's wire carries the MAC in the last field of the message (64, or 128 when there
/// is a secondary bitmap); it covers everything from the MTI up to that field's value.
public protocol MessageAuthenticator: Sendable {
    /// The 8-byte MAC of `bytes`.
    func mac(_ bytes: UnsafeBufferPointer<UInt8>) -> [UInt8]
}

extension MessageAuthenticator {
    /// The 8-byte MAC of `bytes`.
    public func mac(_ bytes: [UInt8]) -> [UInt8] { bytes.withUnsafeBufferPointer { mac($0) } }
}

extension MessageCodec {
    /// The field that carries a message's MAC: 128 when it has fields past 64, else 64.
    public static func macField(of message: ISOMessage) -> Int {
        message.hasFieldsPast64 ? 128 : 64
    }

    /// Packs a message with its MAC filled in by `authenticator`: packed once with the MAC
    /// field zeroed, then the MAC (the last field, fixed width) written over the zeros.
    public func pack(_ message: ISOMessage, authenticator: some MessageAuthenticator) throws(ISO8583Error) -> [UInt8] {
        var copy = message
        let field = Self.macField(of: message)
        copy.remove(field == 64 ? 128 : 64)
        copy.setBytes(field, Self.zeroMAC)
        var bytes = try pack(copy)
        let hex = dialect.binaryFields == .hex
        let width = hex ? 16 : 8
        let end = bytes.count - width
        let mac = bytes.withUnsafeBufferPointer { authenticator.mac(UnsafeBufferPointer(rebasing: $0[dialect.headerLength..<end])) }
        guard mac.count == 8 else { throw ISO8583Error(field: field, offset: end, reason: .wrongLength(length: mac.count, expected: 8)) }
        for (index, byte) in mac.enumerated() {
            if hex {
                bytes[end + 2 * index] = Self.hexDigit(byte >> 4)
                bytes[end + 2 * index + 1] = Self.hexDigit(byte & 0x0F)
            } else {
                bytes[end + index] = byte
            }
        }
        return bytes
    }

    private static let zeroMAC = [UInt8](repeating: 0, count: 8)

    /// Unpacks a message and checks its MAC; throws `.macMismatch` when it does not match.
    public func unpack(_ bytes: [UInt8], authenticator: some MessageAuthenticator) throws(ISO8583Error) -> ISOMessage {
        let message = try unpack(bytes)
        try verifyMAC(bytes, of: message, authenticator)
        return message
    }

    /// Checks the MAC `message` (unpacked from `bytes`) carries in its last field; throws `.macMismatch`
    /// when it has none or another.
    func verifyMAC(_ bytes: [UInt8], of message: ISOMessage, _ authenticator: some MessageAuthenticator) throws(ISO8583Error) {
        let field = Self.macField(of: message)
        let width = dialect.binaryFields == .hex ? 16 : 8
        guard bytes.count >= dialect.headerLength + width,
              let matches = message.withValue(field, { carried in
                  bytes.withUnsafeBufferPointer { all in
                      authenticator.mac(UnsafeBufferPointer(rebasing: all[dialect.headerLength..<(bytes.count - width)])).elementsEqual(carried)
                  }
              }), matches else {
            throw ISO8583Error(field: field, offset: bytes.count - width, reason: .macMismatch)
        }
    }
}

extension MessageCodec {
    /// Packs a message as a secured link carries it: MACed by `authenticator` when there is one and
    /// the message is neither network management (which carries no MAC) nor `exempt`; else with no
    /// MAC field at all.
    public func pack(_ message: ISOMessage, securedBy authenticator: (some MessageAuthenticator)?,
                     exempt: (ISOMessage) -> Bool = { _ in false }) throws(ISO8583Error) -> [UInt8] {
        if let authenticator, message.mti.messageClass != .networkManagement, !exempt(message) { return try pack(message, authenticator: authenticator) }
        guard message.has(64) || message.has(128) else { return try pack(message) }
        var plain = message
        plain.remove(64)
        plain.remove(128)
        return try pack(plain)
    }

    /// Unpacks a message from a secured link: its MAC checked by `authenticator` when there is one
    /// and the message is neither network management nor `exempt` (a message without one is a mismatch).
    public func unpack(_ bytes: [UInt8], securedBy authenticator: (some MessageAuthenticator)?,
                       exempt: (ISOMessage) -> Bool = { _ in false }) throws(ISO8583Error) -> ISOMessage {
        let message = try unpack(bytes)
        guard let authenticator, message.mti.messageClass != .networkManagement, !exempt(message) else { return message }
        try verifyMAC(bytes, of: message, authenticator)
        return message
    }
}

extension ISOMessage {
    /// The message with its values as `target` writes them, read from a message in `source`: a field
    /// binary in one and character data in the other is carried as hex characters on the character
    /// side (UnionPay's binary DE62 key block is hex text in PayLab's own ISO 8583:1987 dialect).
    public func recast(from source: Dialect, to target: Dialect) -> ISOMessage {
        var copy = self
        for number in fieldNumbers {
            let from = source.dictionary[number]?.type, to = target.dictionary[number]?.type
            guard let from, let to, (from == .b) != (to == .b), let value = bytes(number) else { continue }
            if to == .b {
                if let decoded = Hex.decode(String(decoding: value, as: UTF8.self)) { copy.setBytes(number, decoded) }
            } else {
                copy[number] = Hex.encode(value)
            }
        }
        return copy
    }
}
