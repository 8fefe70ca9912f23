import Testing
@testable import ISO8583

@Suite("Framing: length headers, TPDU and header bytes as data")
struct FramingTests {
    let message = Array("0200ABCDEFGHIJ".utf8)

    @Test("each length form writes the length as it should")
    func headers() throws {
        #expect(try Framing(length: .binary2).frame(message).prefix(2) == [0x00, 0x0E])
        #expect(try Framing(length: .bcd2).frame(message).prefix(2) == [0x00, 0x14])
        #expect(try Framing(length: .ascii4).frame(message).prefix(4) == Array("0014".utf8)[...])
        #expect(try Framing(length: .ascii4, includesLength: true).frame(message).prefix(4) == Array("0018".utf8)[...])
        #expect(try Framing(length: .none).frame(message) == message)
    }

    @Test("a TPDU goes before the message and is swapped on an answer; header bytes follow it")
    func tpdu() throws {
        let framing = Framing(length: .binary2, tpdu: [0x60, 0x00, 0x01, 0x00, 0x02], header: [0xAA, 0xBB])
        let request = try framing.frame(message)
        #expect(Array(request[2..<9]) == [0x60, 0x00, 0x01, 0x00, 0x02, 0xAA, 0xBB])
        let answer = try framing.frame(message, answer: true)
        #expect(Array(answer[2..<7]) == [0x60, 0x00, 0x02, 0x00, 0x01])
        let read = try #require(try framing.next(in: answer))
        #expect(read.frame.message == message)
        #expect(read.frame.tpdu == [0x60, 0x00, 0x02, 0x00, 0x01])
        #expect(read.frame.header == [0xAA, 0xBB])
        #expect(read.consumed == answer.count)
    }

    @Test("an incomplete frame asks for more; a length over the form's limit is refused on writing")
    func incompleteAndLimits() throws {
        let framed = try Framing(length: .ascii4).frame(message)
        #expect(try Framing(length: .ascii4).next(in: framed.dropLast()) == nil)
        #expect(try Framing(length: .ascii4).next(in: framed.prefix(3)) == nil)
        #expect(throws: Framing.Problem.self) { try Framing(length: .bcd2).frame([UInt8](repeating: 0x30, count: 10_000)) }
    }

    @Test("bytes that are no length header are a named problem")
    func problems() {
        #expect(throws: Framing.Problem("length header 'AB12' is not four ASCII digits")) { try Framing(length: .ascii4).next(in: Array("AB120200".utf8)) }
        #expect(throws: Framing.Problem("length header 1A00 is not BCD")) { try Framing(length: .bcd2).next(in: [0x1A, 0x00, 0x30]) }
        #expect(throws: Framing.Problem("length header 0001 says 1 bytes, less than the header itself (2), though it counts itself")) {
            try Framing(length: .binary2, includesLength: true).next(in: [0x00, 0x01, 0x30])
        }
        #expect(throws: Framing.Problem.self) { try Framing(length: .binary2, tpdu: [0x60, 0, 1, 0, 0]).next(in: [0x00, 0x03, 0x60, 0x00, 0x01]) }
    }
}
