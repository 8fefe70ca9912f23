import Testing
@testable import ISO8583

@Suite("ISO 8583 codec, default dialect")
struct MessageCodecTests {
    let codec = MessageCodec(dialect: .default)

    static func purchase() -> ISOMessage {
        var message = ISOMessage(mti: "0200")
        message[2] = "6222020000000001"
        message[3] = "000000"
        message[4] = "000000010000"
        message[7] = "0508073000"
        message[11] = "123456"
        message[12] = "153000"
        message[13] = "0508"
        message[14] = "2812"
        message[22] = "021"
        message[25] = "00"
        message[41] = "T0000001"
        message[42] = "898440354110001"
        message[49] = "156"
        return message
    }

    @Test("a purchase packs to the exact bytes of the default dialect and unpacks to the same message")
    func purchaseRoundTrip() throws {
        let message = Self.purchase()
        let bytes = try codec.pack(message)
        // ASCII MTI, then the 8-byte binary bitmap of fields 2,3,4,7,11,12,13,14,22,25,41,42,49.
        #expect(Array(bytes[0..<4]) == Array("0200".utf8))
        #expect(Array(bytes[4..<12]) == [0x72, 0x3C, 0x04, 0x80, 0x00, 0xC0, 0x80, 0x00])
        // DE2 is LLVAR: "16" then the PAN.
        #expect(String(decoding: bytes[12..<30], as: UTF8.self) == "166222020000000001")
        #expect(try codec.unpack(bytes) == message)
    }

    @Test("a response with fields past 64 gets a secondary bitmap and round-trips")
    func secondaryBitmap() throws {
        var message = ISOMessage(mti: "0210")
        message[3] = "280000"
        message[4] = "000000009940"
        message[39] = "00"
        message[103] = "6214830000000001"
        let bytes = try codec.pack(message)
        #expect(bytes[4] & 0x80 != 0)
        #expect(bytes.count == 4 + 16 + 6 + 12 + 2 + 2 + 16)
        #expect(try codec.unpack(bytes) == message)
    }

    @Test("a binary field keeps its raw bytes")
    func binaryField() throws {
        var message = ISOMessage(mti: "0200")
        message[3] = "000000"
        message.setBytes(52, [0x00, 0xFF, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60])
        let unpacked = try codec.unpack(try codec.pack(message))
        #expect(unpacked.bytes(52) == [0x00, 0xFF, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60])
    }

    @Test("a frozen message keeps only the values it has, in one buffer, and thaws into the same message that packs the same")
    func frozen() throws {
        var message = try codec.unpack(codec.pack(Self.purchase()))
        // Replaced and removed values leave their bytes behind in the buffer they were appended to.
        for stan in 100_001...100_020 { message[11] = String(stan) }
        message[37] = "123456789012"
        message[41] = nil
        message.setBytes(128, Array(repeating: 0xA5, count: 8))
        #expect(message.storage.count > message.liveBytes)
        #expect(try codec.pack(FrozenISOMessage(message).message) == codec.pack(message))
        // A dialect's header (a TPDU) is kept as it came.
        message.header = [0x60, 0x00, 0x03, 0x00, 0x00]
        let frozen = FrozenISOMessage(message)
        let thawed = frozen.message
        #expect(thawed == message)
        #expect(thawed.mti == message.mti && thawed.header == message.header)
        #expect(thawed.storage.count == thawed.liveBytes)
        #expect(thawed.spans.count == message.spans.count)
        #expect(thawed[11] == "100020" && thawed[41] == nil && thawed[37] == "123456789012" && thawed.bytes(128) == Array(repeating: 0xA5, count: 8))
        // The values and a length byte each; the MTI and the header after their lengths; the
        // values' total; which bitmap words follow, and the two that are not zero (fields 2-63, 128).
        #expect(message.liveBytes < 128 && message.has(128) && !message.has(90))
        #expect(frozen.byteCount == message.liveBytes + message.spans.count + (1 + 4) + (1 + 5) + 1 + 1 + 2 * 8)
        // A value of 128 bytes or more takes a two-byte length; a message with no fields thaws empty.
        var long = ISOMessage(mti: "0100")
        long[48] = String(repeating: "x", count: 300)
        #expect(FrozenISOMessage(long).message == long)
        #expect(FrozenISOMessage(long).message[48]?.count == 300)
        #expect(FrozenISOMessage(ISOMessage(mti: "0800")).message == ISOMessage(mti: "0800"))
    }

    @Test("a truncated frame names the field and the offset")
    func truncated() throws {
        let bytes = try codec.pack(Self.purchase())
        #expect(throws: ISO8583Error(field: 49, offset: bytes.count - 3, reason: .truncated(needed: 3, available: 2))) {
            try codec.unpack(Array(bytes.dropLast()))
        }
    }

    @Test("a letter in a numeric field is a format error at its offset")
    func invalidCharacter() throws {
        var bytes = try codec.pack(Self.purchase())
        // DE3 starts after MTI (4), bitmap (8) and DE2 (2 + 16).
        bytes[30] = UInt8(ascii: "X")
        #expect(throws: ISO8583Error(field: 3, offset: 30, reason: .invalidCharacter(UInt8(ascii: "X")))) {
            try codec.unpack(bytes)
        }
    }

    @Test("packing refuses a fixed field of the wrong length")
    func wrongLength() {
        var message = Self.purchase()
        message[11] = "12345"
        #expect(throws: ISO8583Error.self) { try codec.pack(message) }
    }

    @Test("PANs are masked when a message is printed")
    func masking() {
        let text = Self.purchase().description
        #expect(text.contains("2=622202******0001"))
        #expect(!text.contains("6222020000000001"))
    }

    @Test("random and mutated frames give errors, never a crash")
    func mutatedFrames() throws {
        var generator = SystemRandomNumberGenerator()
        let valid = try codec.pack(Self.purchase())
        var decoded = 0
        for round in 0..<5000 {
            var bytes: [UInt8]
            if round % 2 == 0 {
                bytes = (0..<Int.random(in: 0...80, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            } else {
                bytes = valid
                for _ in 0..<Int.random(in: 1...4, using: &generator) {
                    bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
                }
                if Bool.random(using: &generator) { bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &generator))) }
            }
            if (try? codec.unpack(bytes)) != nil { decoded += 1 }
        }
        // Some mutations land in values and still decode; most do not.
        #expect(decoded < 5000)
    }
}
