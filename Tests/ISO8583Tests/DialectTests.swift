import Foundation
import Testing
@testable import ISO8583

@Suite("Dialects")
struct DialectTests {
    func purchase(header: [UInt8] = []) -> ISOMessage {
        var message = ISOMessage(mti: "0200", header: header)
        message[2] = "6222020000000001"
        message[3] = "000000"
        message[4] = "000000010000"
        message[11] = "123456"
        message[22] = "021"
        message[25] = "00"
        message[35] = "6222020000000001=2812"
        message[41] = "T0000001"
        message[49] = "156"
        return message
    }

    @Test("the hex-bitmap dialect writes each bitmap as 16 uppercase hex characters")
    func hexBitmap() throws {
        let codec = MessageCodec(dialect: .hexBitmap)
        let bytes = try codec.pack(purchase())
        #expect(String(decoding: bytes[0..<20], as: UTF8.self) == "02007020048020808000")
        #expect(try codec.unpack(bytes) == purchase())
        var broken = bytes
        broken[6] = UInt8(ascii: "G")
        #expect(throws: ISO8583Error(field: nil, offset: 4, reason: .invalidBitmap)) { try codec.unpack(broken) }
    }

    @Test("the UnionPay POS dialect packs TPDU, header, BCD MTI, BCD numbers left-aligned and BCD lengths")
    func unionPay() throws {
        let header: [UInt8] = [0x60, 0x00, 0x03, 0x00, 0x00, 0x60, 0x31, 0x00, 0x31, 0x00, 0x00]
        let codec = MessageCodec(dialect: .unionPayPOS)
        let bytes = try codec.pack(purchase(header: header))
        var expected = header
        expected += [0x02, 0x00]                                            // MTI
        expected += [0x70, 0x20, 0x04, 0x80, 0x20, 0x80, 0x80, 0x00]        // bitmap: 2,3,4,11,22,25,35,41,49
        expected += [0x16, 0x62, 0x22, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01]  // DE2: length 16, 8 BCD bytes
        expected += [0x00, 0x00, 0x00]                                      // DE3
        expected += [0x00, 0x00, 0x00, 0x01, 0x00, 0x00]                    // DE4
        expected += [0x12, 0x34, 0x56]                                      // DE11
        expected += [0x02, 0x10]                                            // DE22 n3, left-aligned: 021 then a 0 nibble
        expected += [0x00]                                                  // DE25
        expected += [0x21, 0x62, 0x22, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0xD2, 0x81, 0x20]  // DE35: 21 digits, = as D
        expected += Array("T0000001".utf8)                                  // DE41 stays ASCII
        expected += Array("156".utf8)                                       // DE49 an3
        #expect(bytes == expected)
        #expect(try codec.unpack(bytes) == purchase(header: header))
    }

    @Test("a BCD nibble over 9 is a format error at its byte")
    func badBCD() throws {
        let header = [UInt8](repeating: 0, count: 11)
        let codec = MessageCodec(dialect: .unionPayPOS)
        var bytes = try codec.pack(purchase(header: header))
        bytes[11 + 2 + 8 + 1] = 0x6A   // the first byte of the PAN
        #expect(throws: ISO8583Error(field: 2, offset: 22, reason: .invalidCharacter(0x6A))) { try codec.unpack(bytes) }
    }

    @Test("a dialect described in a JSON file changes encodings and fields without Swift")
    func dialectFile() throws {
        let json = """
            {"name": "acme", "base": "default", "bitmap": "hex",
             "fields": [{"number": 48, "type": "n", "length": "llvar", "max": 10, "name": "Loyalty number"}]}
            """
        let dialect = try DialectFile.load(json: Data(json.utf8))
        #expect(dialect.bitmap == .hex)
        #expect(dialect.dictionary[48] == FieldDefinition(48, "Loyalty number", .n, .llvar(max: 10)))
        var message = ISOMessage(mti: "0100")
        message[48] = "12345"
        let codec = MessageCodec(dialect: dialect)
        let bytes = try codec.pack(message)
        #expect(String(decoding: bytes, as: UTF8.self) == "0100000000000001000005" + "12345")
        message[48] = "12A"
        #expect(throws: ISO8583Error.self) { try codec.pack(message) }
        #expect(throws: DialectFile.Problem.self) {
            try DialectFile.load(json: Data(#"{"name": "x", "fields": [{"number": 48, "type": "q", "length": "fixed", "max": 3}]}"#.utf8))
        }
    }

    @Test("random and mutated frames never crash any dialect", arguments: ["default", "hex-bitmap", "cup"])
    func fuzz(name: String) throws {
        let dialect = Dialect.builtIn[name]!
        let codec = MessageCodec(dialect: dialect)
        let valid = try codec.pack(purchase(header: [UInt8](repeating: 0x60, count: dialect.headerLength)))
        var generator = SystemRandomNumberGenerator()
        var failures = 0
        for round in 0..<3000 {
            var bytes = valid
            if round % 3 == 0 {
                bytes = (0..<Int.random(in: 0...96, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            } else {
                for _ in 0..<Int.random(in: 1...3, using: &generator) {
                    bytes[Int.random(in: 0..<bytes.count, using: &generator)] ^= UInt8.random(in: 1...255, using: &generator)
                }
                if round % 3 == 2 { bytes = Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &generator))) }
            }
            do {
                let message = try codec.unpack(bytes)
                // Whatever decodes must pack back to a frame that decodes to the same message.
                #expect(try codec.unpack(codec.pack(message)) == message)
            } catch {
                failures += 1
                #expect(error.offset <= bytes.count)
            }
        }
        #expect(failures > 1000)
    }
}

@Suite("EMV data and MACs")
struct EMVAndMACTests {
    @Test("field 55 reads and writes as BER-TLV data objects")
    func tlv() throws {
        let objects = [
            BERTLV(tag: [0x9F, 0x02], value: [0, 0, 0, 1, 0, 0]),
            BERTLV(tag: [0x5F, 0x2A], value: [0x01, 0x56]),
            BERTLV(tag: [0x95], value: [0, 0, 0, 0, 0]),
            BERTLV(tag: [0x9F, 0x10], value: [UInt8](repeating: 7, count: 200)),
        ]
        var message = ISOMessage(mti: "0200")
        message.setEMVData(objects)
        let codec = MessageCodec()
        let unpacked = try codec.unpack(codec.pack(message))
        #expect(try unpacked.emvData() == objects)
        #expect(BERTLV.encode([objects[3]]).prefix(4) == [0x9F, 0x10, 0x81, 200])
        #expect(throws: BERTLV.ParseError.self) { try BERTLV.parse([0x9F, 0x02, 0x06, 0x00]) }
    }

    /// A checksum stands in for a real algorithm: the codec only needs the slot.
    struct SumMAC: MessageAuthenticator {
        func mac(_ bytes: UnsafeBufferPointer<UInt8>) -> [UInt8] {
            var sums = [UInt8](repeating: 0, count: 8)
            for (index, byte) in bytes.enumerated() { sums[index % 8] &+= byte &* UInt8(truncatingIfNeeded: index + 1) }
            return sums
        }
    }

    @Test("the MAC goes in field 64, or 128 with a secondary bitmap, and a changed byte is caught")
    func mac() throws {
        let codec = MessageCodec()
        var message = ISOMessage(mti: "0200")
        message[3] = "000000"
        message[4] = "000000010000"
        let bytes = try codec.pack(message, authenticator: SumMAC())
        let checked = try codec.unpack(bytes, authenticator: SumMAC())
        #expect(checked.has(64))
        var tampered = bytes
        tampered[20] = UInt8(ascii: "9")
        #expect(throws: ISO8583Error(field: 64, offset: bytes.count - 8, reason: .macMismatch)) {
            try codec.unpack(tampered, authenticator: SumMAC())
        }
        message[103] = "6214830000000001"
        #expect(try codec.unpack(codec.pack(message, authenticator: SumMAC()), authenticator: SumMAC()).has(128))
    }
}
