import NIOCore
import NIOEmbedded
import Testing
@testable import Wire

@Suite("Length-prefixed framing")
struct FrameDecoderTests {
    @Test("frames split across reads and packed into one read come out whole")
    func splitsAndJoins() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(FrameDecoder()))
        var first = FrameDecoder.frame(Array("0200ABC".utf8), allocator: channel.allocator)
        let second = FrameDecoder.frame(Array("0210".utf8), allocator: channel.allocator)
        let head = first.readSlice(length: 3)!
        try channel.writeInbound(head)
        #expect(try channel.readInbound(as: ByteBuffer.self) == nil)
        var rest = first
        rest.writeImmutableBuffer(second)
        try channel.writeInbound(rest)
        #expect(try channel.readInbound(as: ByteBuffer.self).map { String(buffer: $0) } == "0200ABC")
        #expect(try channel.readInbound(as: ByteBuffer.self).map { String(buffer: $0) } == "0210")
        _ = try channel.finish()
    }

    @Test("a frame's header is its length, two bytes big-endian")
    func header() {
        let frame = FrameDecoder.frame([UInt8](repeating: 0x41, count: 300), allocator: ByteBufferAllocator())
        #expect(frame.getInteger(at: 0, as: UInt16.self) == 300)
        #expect(frame.readableBytes == 302)
    }
}
