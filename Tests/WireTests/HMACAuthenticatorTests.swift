import Foundation
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

    @Test("the MAC is HMAC-SHA256 truncated to 8 bytes (Python's hmac gives the same), and one authenticator gives the same MAC every time")
    func vectors() {
        let authenticator = HMACAuthenticator(key: Array(0..<16))
        let hex = { (bytes: [UInt8]) in bytes.map { String(format: "%02x", $0) }.joined() }
        for _ in 0..<3 {
            #expect(hex(authenticator.mac(Array("0200 hello world".utf8))) == "5108bd45aa705a9d")
            #expect(hex(authenticator.mac(Array("another message".utf8))) == "5d92f1eafa0f6bc1")
        }
    }
}
