import ISO8583
import PaymentSecurity
import Testing

/// The public UnionPay POS vectors: a genuine 0200 with its MAC, and a working key under a TMK.
@Suite("UnionPay's published vectors")
struct UnionPayVectorTests {
    static let frame = "007f600003000060321032007202003020048000c08015000000000000001234000002030099303030303030303139353237313831383232313738373531353600192600000100060000000000435f01123238343431323334353637383930313233345f03063136303033365f04063230303832365c0230314233413039324145"

    @Test("A working key under the TMK decrypts to its TAK")
    func workingKey() throws {
        let tmk = try #require(DESKey(hex: "70F2A84CCBC2AE8625CBB0F2C22AB923"))
        #expect(DESKey(tmk.decrypt(Hex.decode("96D605EA176B7E9E")!))?.hex == "C24A8FB57AA20123")
    }

    @Test("The frame's DE64 is the UnionPay ECB MAC under its TAK, from the MTI to the byte before DE64")
    func mac() throws {
        let tak = try #require(DESKey(hex: "0723C80DB5F4CD3D"))
        let bytes = try #require(Hex.decode(Self.frame))
        // Length (2), TPDU (5) and header (6) off; the MAC is the last 8 bytes.
        let body = Array(bytes[13..<(bytes.count - 8)])
        #expect(String(decoding: MACAlgorithm.cupECB.mac(key: tak, body), as: UTF8.self) == "B3A092AE")
        #expect(Array(bytes.suffix(8)) == Array("B3A092AE".utf8))
    }

    @Test("The frame decodes in the cup dialect: DE49 an3 156, DE60 of 19 digits, and its MAC checks")
    func decodes() throws {
        let bytes = try #require(Hex.decode(Self.frame))
        let codec = MessageCodec(dialect: .unionPayPOS)
        let message = try codec.unpack(Array(bytes.dropFirst(2)))
        #expect(message.mti.description == "0200")
        #expect(message[49] == "156")
        #expect(message[60] == "2600000100060000000")
        let tak = DESKey(hex: "0723C80DB5F4CD3D")!
        _ = try codec.unpack(Array(bytes.dropFirst(2)), authenticator: MACAuthenticator(algorithm: .cupECB, key: tak))
        #expect(throws: ISO8583Error.self) {
            try codec.unpack(Array(bytes.dropFirst(2)), authenticator: MACAuthenticator(algorithm: .cupECB, key: DESKey(hex: "0723C80DB5F4CD3F")!))
        }
    }
}
