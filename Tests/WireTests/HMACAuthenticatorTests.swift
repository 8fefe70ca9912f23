import ISO8583
import Testing
@testable import Wire

@Suite("HMAC message authentication")
struct HMACAuthenticatorTests {
    @Test("a MAC made with one key checks with it and fails with another")
    func keys() throws {
        let codec = MessageCodec()
        var message = ISOMessage(mti: "0200")
        message[3] = "000000"
        message[4] = "000000010000"
        let bytes = try codec.pack(message, authenticator: HMACAuthenticator(key: Array("key one".utf8)))
        #expect(try codec.unpack(bytes, authenticator: HMACAuthenticator(key: Array("key one".utf8))).bytes(64)?.count == 8)
        #expect(throws: ISO8583Error.self) { try codec.unpack(bytes, authenticator: HMACAuthenticator(key: Array("key two".utf8))) }
    }
}
