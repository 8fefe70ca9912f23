import ISO8583
import PaymentSecurity
import Testing

/// The codec on a secured link: every message MACed but network management; a missing or wrong MAC refused.
@Suite("Packing and unpacking on a secured link")
struct SecuredCodecTests {
    static let zak = MACAuthenticator(algorithm: .x9_19, key: DESKey(hex: "0123456789ABCDEFFEDCBA9876543210")!)

    static func purchase() -> ISOMessage {
        var message = ISOMessage(mti: "0200")
        message[3] = "000000"
        message[4] = "000000010000"
        message[11] = "000001"
        return message
    }

    @Test("a request carries the X9.19 MAC of its bytes from the MTI; the right key takes it, another refuses it")
    func macs() throws {
        let codec = MessageCodec()
        let bytes = try codec.pack(Self.purchase(), securedBy: Self.zak)
        #expect(Array(bytes.suffix(8)) == MACAlgorithm.x9_19.mac(key: Self.zak.key, bytes.dropLast(8)))
        #expect(try codec.unpack(bytes, securedBy: Self.zak).bytes(64)?.count == 8)
        let other = MACAuthenticator(algorithm: .x9_19, key: DESKey(hex: "FEDCBA98765432100123456789ABCDEF")!)
        #expect(throws: ISO8583Error(field: 64, offset: bytes.count - 8, reason: .macMismatch)) { try codec.unpack(bytes, securedBy: other) }
    }

    @Test("network management carries no MAC, and is taken without one; any other message without one is a mismatch")
    func management() throws {
        let codec = MessageCodec()
        var signOn = ISOMessage(mti: "0800")
        signOn[11] = "000002"
        signOn[70] = "001"
        let bytes = try codec.pack(signOn, securedBy: Self.zak)
        #expect(try codec.unpack(bytes).has(64) == false && codec.unpack(bytes).has(128) == false)
        _ = try codec.unpack(bytes, securedBy: Self.zak)
        let plain = try codec.pack(Self.purchase())
        #expect(throws: ISO8583Error.self) { try codec.unpack(plain, securedBy: Self.zak) }
        // With no keys, a MAC another link put on is left out.
        var macd = Self.purchase()
        macd.setBytes(64, [1, 2, 3, 4, 5, 6, 7, 8])
        #expect(try codec.unpack(codec.pack(macd, securedBy: nil as MACAuthenticator?)).has(64) == false)
    }
}
