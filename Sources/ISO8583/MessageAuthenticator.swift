/// A MAC algorithm for fields 64 and 128: given the bytes a MAC covers, the 8-byte MAC.
///
/// PayLab's wire carries the MAC in the last field of the message (64, or 128 when there
/// is a secondary bitmap); it covers everything from the MTI up to that field's value.
public protocol MessageAuthenticator: Sendable {
    /// The 8-byte MAC of `bytes`.
    func mac(_ bytes: [UInt8]) -> [UInt8]
}

extension MessageCodec {
    /// The field that carries a message's MAC: 128 when it has fields past 64, else 64.
    public static func macField(of message: ISOMessage) -> Int {
        message.fieldNumbers.contains { $0 > 64 && $0 != 128 } ? 128 : 64
    }

    /// Packs a message with its MAC filled in by `authenticator`.
    public func pack(_ message: ISOMessage, authenticator: some MessageAuthenticator) throws(ISO8583Error) -> [UInt8] {
        var copy = message
        let field = Self.macField(of: message)
        copy.remove(field == 64 ? 128 : 64)
        copy.setBytes(field, [UInt8](repeating: 0, count: 8))
        var bytes = try pack(copy)
        let width = dialect.binaryFields == .hex ? 16 : 8
        let covered = Array(bytes[dialect.headerLength..<(bytes.count - width)])
        let mac = authenticator.mac(covered)
        copy.setBytes(field, mac)
        bytes = try pack(copy)
        return bytes
    }

    /// Unpacks a message and checks its MAC; throws `.macMismatch` when it does not match.
    public func unpack(_ bytes: [UInt8], authenticator: some MessageAuthenticator) throws(ISO8583Error) -> ISOMessage {
        let message = try unpack(bytes)
        let field = Self.macField(of: message)
        let width = dialect.binaryFields == .hex ? 16 : 8
        guard let carried = message.bytes(field), bytes.count >= dialect.headerLength + width else {
            throw ISO8583Error(field: field, offset: bytes.count, reason: .macMismatch)
        }
        let covered = Array(bytes[dialect.headerLength..<(bytes.count - width)])
        guard authenticator.mac(covered) == carried else {
            throw ISO8583Error(field: field, offset: bytes.count - width, reason: .macMismatch)
        }
        return message
    }
}
