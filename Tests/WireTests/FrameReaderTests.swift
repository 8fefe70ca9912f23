import ISO8583
import NIOCore
import NIOEmbedded
import Testing
@testable import Wire

/// Collects what a FrameReader passes on, and the error it raises.
private final class Sink: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    var frames: [String] = []
    var errors: [String] = []
    func channelRead(context: ChannelHandlerContext, data: NIOAny) { frames.append(String(buffer: unwrapInboundIn(data))) }
    func errorCaught(context: ChannelHandlerContext, error: Error) { errors.append("\(error)") }
}

@Suite("Reading frames from a connection")
struct FrameReaderTests {
    private func channel(_ framing: Framing = .standard, stall: TimeAmount = .seconds(10)) throws -> (EmbeddedChannel, Sink) {
        let sink = Sink()
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandlers([FrameReader(framing: framing, stallLimit: stall), sink])
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return (channel, sink)
    }

    @Test("frames split across reads and packed into one read come out whole")
    func splitsAndJoins() throws {
        let (channel, sink) = try channel()
        let first = try Framing.standard.frame(Array("0200ABC".utf8))
        let second = try Framing.standard.frame(Array("0210".utf8))
        try channel.writeInbound(ByteBuffer(bytes: first.prefix(3)))
        #expect(sink.frames.isEmpty)
        try channel.writeInbound(ByteBuffer(bytes: Array(first.dropFirst(3)) + second))
        #expect(sink.frames == ["0200ABC", "0210"])
        _ = try? channel.finish()
    }

    @Test("every framing reads what it writes, one byte at a time", arguments: [
        Framing(length: .binary2), Framing(length: .bcd2), Framing(length: .ascii4),
        Framing(length: .binary2, includesLength: true), Framing(length: .ascii4, tpdu: [0x60, 0x00, 0x01, 0x00, 0x00]),
        Framing(length: .bcd2, includesLength: true, tpdu: [0x60, 0x00, 0x03, 0x00, 0x00], header: [0x60, 0x31, 0x00, 0x31, 0x01, 0x01]),
    ])
    func roundTrip(framing: Framing) throws {
        let (channel, sink) = try channel(framing)
        let bytes = try framing.frame(Array("0800A".utf8)) + framing.frame(Array("0810BB".utf8), answer: true)
        for byte in bytes { try channel.writeInbound(ByteBuffer(bytes: [byte])) }
        #expect(sink.frames == ["0800A", "0810BB"])
        #expect(sink.errors.isEmpty)
        _ = try? channel.finish()
    }

    @Test("bytes that are not a length header close the connection with the reason")
    func garbage() throws {
        let (channel, sink) = try channel(Framing(length: .ascii4))
        try channel.writeInbound(ByteBuffer(bytes: Array("GET / HTTP/1.1\r\n".utf8)))
        #expect(sink.errors == ["framing error (ascii4): length header 'GET ' is not four ASCII digits"])
        #expect(!channel.isActive)
    }

    @Test("half a frame held open closes the connection after the stall limit")
    func stall() throws {
        let (channel, sink) = try channel(stall: .milliseconds(500))
        try channel.writeInbound(ByteBuffer(bytes: [0xFF, 0xFF, 0x30, 0x32]))
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(499))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(2))
        #expect(sink.errors == ["framing error (binary2): half a frame held open: 4 bytes of a frame and nothing more for 500 ms"])
        #expect(!channel.isActive)
    }

    @Test("a half frame held while this side does not read (admission paused) is not the peer's stall: its limit runs from when reading resumes")
    func pausedIsNotAStall() throws {
        let (channel, sink) = try channel(stall: .milliseconds(500))
        try channel.writeInbound(ByteBuffer(bytes: [0xFF, 0xFF, 0x30, 0x32]))
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(300))
        channel.pipeline.fireUserInboundEventTriggered(FrameReader.Reading.paused)
        channel.embeddedEventLoop.advanceTime(by: .seconds(5))
        #expect(channel.isActive && sink.errors.isEmpty)
        channel.pipeline.fireUserInboundEventTriggered(FrameReader.Reading.resumed)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(499))
        #expect(channel.isActive && sink.errors.isEmpty)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(2))
        #expect(sink.errors == ["framing error (binary2): half a frame held open: 4 bytes of a frame and nothing more for 500 ms"])
        #expect(!channel.isActive)
    }

    @Test("bytes that arrive while paused are still read into frames, and a frame that completes stops the clock")
    func pausedThenCompleted() throws {
        let (channel, sink) = try channel(stall: .milliseconds(500))
        let frame = try Framing.standard.frame(Array("0200ABC".utf8))
        try channel.writeInbound(ByteBuffer(bytes: frame.prefix(4)))
        channel.pipeline.fireUserInboundEventTriggered(FrameReader.Reading.paused)
        channel.pipeline.fireUserInboundEventTriggered(FrameReader.Reading.resumed)
        try channel.writeInbound(ByteBuffer(bytes: Array(frame.dropFirst(4))))
        channel.embeddedEventLoop.advanceTime(by: .seconds(2))
        #expect(sink.frames == ["0200ABC"] && sink.errors.isEmpty && channel.isActive)
        _ = try? channel.finish()
    }

    @Test("a keep-alive (zero length) is skipped")
    func keepAlive() throws {
        let (channel, sink) = try channel()
        try channel.writeInbound(ByteBuffer(bytes: [0, 0] + (try Framing.standard.frame(Array("0800".utf8)))))
        #expect(sink.frames == ["0800"])
        _ = try? channel.finish()
    }
}
