import ISO8583
import PaymentSecurity
import RunCore
import TestSupport
import Testing

/// `paylab decode --mac` and `--pin-key`, on UnionPay's vector and a PIN block psec made.
@Suite("decode checks a frame's MAC and PIN block")
struct DecodeSecurityTests {
    static let vector = "007f600003000060321032007202003020048000c08015000000000000001234000002030099303030303030303139353237313831383232313738373531353600192600000100060000000000435f01123238343431323334353637383930313233345f03063136303033365f04063230303832365c0230314233413039324145"

    @Test("--mac auto finds the algorithm, padding and span of UnionPay's vector, and only those")
    func auto() throws {
        let bytes = Hex.decode(Self.vector)!
        let (message, header) = try MessageInspector.decode(bytes, dialect: .unionPayPOS)
        #expect(header)
        let checks = try MessageInspector.searchMAC(Array(bytes.dropFirst(2)), message: message, dialect: .unionPayPOS, key: DESKey(hex: "0723C80DB5F4CD3D")!)
        #expect(checks.count == MACAlgorithm.allCases.count * 2 * 2)
        let matching = checks.filter(\.matches)
        #expect(matching.map(\.algorithm) == [.cupECB] && matching.map(\.padding) == [.zeros] && matching.map(\.span) == [.fromMTI])
        #expect(matching.first?.json.rendered() == #"{"algorithm":"cup-ecb","padding":1,"span":"mti","carried":"4233413039324145","computed":"4233413039324145","matches":true}"#)
        let wrongKey = try MessageInspector.searchMAC(Array(bytes.dropFirst(2)), message: message, dialect: .unionPayPOS, key: DESKey(hex: "0723C80DB5F4CD3F")!)
        #expect(wrongKey.filter(\.matches).isEmpty)
    }

    @Test("--pin-key reads a PIN block psec encrypted; the wrong key says the block is not one")
    func pin() async throws {
        let key = DESKey(hex: "0123456789ABCDEFFEDCBA9876543210")!
        let block = try await CryptoOracle.ask([["kind": "pinblock", "pan": "6222020000000001", "pin": "123456", "key": key.hex]])[0]
        var message = ISOMessage(mti: "0200")
        message[2] = "6222020000000001"
        message.setBytes(52, Hex.decode(block)!)
        let check = try MessageInspector.checkPIN(message, key: key)
        #expect(check.format == 0 && (try? check.pin.get()) == "123456")
        #expect(check.line(reveal: false).hasSuffix("PIN ****** (--reveal shows it)"))
        let wrong = try MessageInspector.checkPIN(message, key: DESKey(hex: "FEDCBA98765432100123456789ABCDEF")!)
        #expect((try? wrong.pin.get()) == nil)
        message.remove(52)
        #expect(throws: MessageInspector.Problem.self) { try MessageInspector.checkPIN(message, key: key) }
    }
}
