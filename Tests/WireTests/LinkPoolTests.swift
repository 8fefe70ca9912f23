import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing
@testable import Wire

/// Links kept open from one network to the next of the same runner.
@Suite("Links kept between runs")
struct LinkPoolTests {
    /// A network on `loop` with the shared `credentials` and `pool`, its two servers listening;
    /// the frames it receives go to `received`.
    func network(_ loop: any EventLoop, _ credentials: TLSCredentials, _ pool: NIOLoopBound<LinkPool>, _ name: String,
                 _ received: NIOLockedValueBox<[String]>) async throws -> NIOLoopBound<WireNetwork> {
        try await loop.flatSubmit { () -> EventLoopFuture<NIOLoopBound<WireNetwork>> in
            let wire = WireNetwork(eventLoop: loop, credentials: credentials)
            wire.pool = pool.value
            wire.onFrame = { node, peer, bytes in received.withLockedValue { $0.append("\(name): \(peer)->\(node):\(String(decoding: bytes, as: UTF8.self))") } }
            let bound = NIOLoopBound(wire, eventLoop: loop)
            return wire.listen(node: "Acquirer", clients: ["T0000001"])
                .and(wire.listen(node: "Scheme", clients: ["Acquirer"]))
                .map { _ in bound }
        }.get()
    }

    /// What a runner has: an event loop, the CA's credentials, an empty pool; and a record of the frames received.
    func runner() async throws -> (any EventLoop, TLSCredentials, NIOLoopBound<LinkPool>, NIOLockedValueBox<[String]>) {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let pool = try await loop.submit { NIOLoopBound(LinkPool(eventLoop: loop), eventLoop: loop) }.get()
        return (loop, TLSCredentials(authority: try CertificateAuthority()), pool, NIOLockedValueBox([]))
    }

    func send(_ wire: NIOLoopBound<WireNetwork>, _ from: String, _ to: String, _ text: String, on loop: any EventLoop) async throws {
        try await loop.flatSubmit { () -> EventLoopFuture<Void> in
            #expect(wire.value.send(from: from, to: to, message: Array(text.utf8)))
            return wire.value.whenQuiet()
        }.get()
    }

    @Test("a link its network left clean is taken over by the next network's dial, and its frames go to that network; a link with a frame still in flight is closed, not kept")
    func cleanLinksAreTakenOver() async throws {
        let (loop, credentials, pool, received) = try await runner()
        let first = try await network(loop, credentials, pool, "first", received)
        try await loop.flatSubmit { first.value.connect(from: "T0000001", to: "Acquirer").and(first.value.connect(from: "Acquirer", to: "Scheme")).map { _ in () } }.get()
        try await send(first, "T0000001", "Acquirer", "0200", on: loop)
        // A frame written and not yet handled when the network shuts down: its link is not clean.
        let kept = try await loop.flatSubmit { () -> EventLoopFuture<Int> in
            first.value.send(from: "Acquirer", to: "Scheme", message: Array("0200".utf8))
            return first.value.shutdown().map { pool.value.count }
        }.get()
        #expect(kept == 1, "only the terminal's link was clean")

        let second = try await network(loop, credentials, pool, "second", received)
        try await loop.flatSubmit { second.value.connect(from: "T0000001", to: "Acquirer").and(second.value.connect(from: "Acquirer", to: "Scheme")).map { _ in () } }.get()
        #expect(try await loop.submit { pool.value.reused }.get() == 1)
        try await send(second, "T0000001", "Acquirer", "0100", on: loop)
        try await send(second, "Acquirer", "T0000001", "0110", on: loop)
        try await send(second, "Acquirer", "Scheme", "0100", on: loop)
        let frames = received.withLockedValue { $0 }
        #expect(frames.filter { $0.hasPrefix("second") } == ["second: T0000001->Acquirer:0100", "second: Acquirer->T0000001:0110", "second: Acquirer->Scheme:0100"])
        #expect(frames.filter { $0.hasPrefix("first") }.allSatisfy { $0.hasSuffix(":0200") }, "\(frames)")
        #expect(try await loop.submit { second.value.problems }.get().isEmpty)

        try await loop.flatSubmit { second.value.shutdown() }.get()
        #expect(try await loop.submit { pool.value.count }.get() == 2)
        try await loop.flatSubmit { pool.value.close() }.get()
        #expect(try await loop.submit { pool.value.count }.get() == 0)
    }

    @Test("a kept link whose connection closed meanwhile is not taken over: the next network dials anew")
    func deadLinksAreDialledAgain() async throws {
        let (loop, credentials, pool, received) = try await runner()
        let first = try await network(loop, credentials, pool, "first", received)
        let ends = try await loop.flatSubmit { () -> EventLoopFuture<[any Channel]> in
            let wire = first.value
            return wire.connect(from: "T0000001", to: "Acquirer").map {
                [wire.links[.init(node: "T0000001", peer: "Acquirer")]!, wire.links[.init(node: "Acquirer", peer: "T0000001")]!]
            }
        }.get()
        try await loop.flatSubmit { first.value.shutdown() }.get()
        #expect(try await loop.submit { pool.value.count }.get() == 1)
        try await ends[1].close()

        let second = try await network(loop, credentials, pool, "second", received)
        try await loop.flatSubmit { second.value.connect(from: "T0000001", to: "Acquirer") }.get()
        #expect(try await loop.submit { pool.value.reused }.get() == 0)
        try await send(second, "T0000001", "Acquirer", "0100", on: loop)
        #expect(received.withLockedValue { $0 } == ["second: T0000001->Acquirer:0100"])
        try await loop.flatSubmit { second.value.shutdown() }.get()
        try await loop.flatSubmit { pool.value.close() }.get()
    }
}
