import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import ISO8583
import Testing
@testable import Wire

/// A link fault's slice on the wire to a system under test: the first half of a frame goes
/// alone, the rest when it is sent, and what is written meanwhile follows the rest.
@Suite("Half frames to a system under test")
struct HalfFrameTests {
    /// Records every read of a plain TCP server, as the chunks the socket gave.
    final class Recorder: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let chunks = NIOLockedValueBox<[[UInt8]]>([])
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = unwrapInboundIn(data)
            chunks.withLockedValue { $0.append(Array(buffer.readableBytesView)) }
        }
        /// What arrived, once it is at least `count` bytes or 30 s have passed (a loaded
        /// machine may take seconds to run the server's loop).
        func received(atLeast count: Int) async throws -> [UInt8] {
            let deadline = ContinuousClock.now + .seconds(30)
            while true {
                let bytes = chunks.withLockedValue { $0.flatMap { $0 } }
                if bytes.count >= count || ContinuousClock.now > deadline { return bytes }
                try await Task.sleep(for: .milliseconds(10))
            }
        }
    }

    @Test("the SUT reads the length header and half the message, and nothing more until the rest is sent; a frame sent meanwhile comes after the rest")
    func halfThenRest() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let recorder = Recorder()
        let server = try await ServerBootstrap(group: loop)
            .childChannelInitializer { channel in channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(recorder) } }
            .bind(host: "127.0.0.1", port: 0).get()
        let port = server.localAddress!.port!
        let authority = try CertificateAuthority()
        let network = try await loop.submit { NIOLoopBound(WireNetwork(eventLoop: loop, authority: authority), eventLoop: loop) }.get()
        let link = WireNetwork.ExternalLink(security: .none, verifier: PeerVerifier(roots: [], rootsSource: "-", expectedHost: nil), framing: .standard, timeout: .seconds(30))
        try await loop.flatSubmit { network.value.dial(from: "Scheme", to: "Host", host: "127.0.0.1", port: port, link: link) }.get()
        let first = Array(repeating: UInt8(ascii: "a"), count: 100), second = Array(repeating: UInt8(ascii: "b"), count: 10)
        let halfSent = try await loop.submit { network.value.sendHalf(from: "Scheme", to: "Host", message: first) }.get()
        #expect(halfSent)
        // Written while the first waits for its rest: it must not cut into it.
        _ = try await loop.submit { network.value.send(from: "Scheme", to: "Host", message: second) }.get()
        // The half's 51 bytes, then a pause in which nothing more may come.
        var before = try await recorder.received(atLeast: 51)
        try await Task.sleep(for: .milliseconds(400))
        before = recorder.chunks.withLockedValue { $0.flatMap { $0 } }
        #expect(before == [0x00, 100] + Array(first.prefix(49)))
        _ = try await loop.submit { network.value.send(from: "Scheme", to: "Host", message: first, restOfSlice: true) }.get()
        let after = try await recorder.received(atLeast: 2 + 100 + 2 + 10)
        #expect(after == [0x00, 100] + first + [0x00, 10] + second)
        try await loop.flatSubmit { network.value.shutdown() }.get()
        try await server.close()
        try await group.shutdownGracefully()
    }
}
