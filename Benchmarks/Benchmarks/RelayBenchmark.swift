import Foundation
import Histogram
import ISO8583
import PaymentSecurity
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization
import Wire
import RunCore
import Load
import PaymentNetwork
import SettlementCalendar

/// `paylab bench relay`: the floor under `paylab load`. Three mutual-TLS hops on 127.0.0.1,
/// like the acquirer, the scheme and the issuer (a relay, a relay, an echo), each chain on
/// one event loop as each of PayLab's networks is, `chains` of them side by side as
/// `paylab load --networks` serves, carrying frames the size of a purchase with no ISO 8583
/// and no logic; clients on `threads` threads keep `concurrency` round trips outstanding,
/// as `paylab load --concurrency` does, connection `i` on chain `i` mod `chains`.
public enum RelayBenchmark {
    public struct Result: Sendable {
        public var roundTrips: Int
        public var seconds: Double
        public var rate: Double { seconds > 0 ? Double(roundTrips) / seconds : 0 }
        public var p50Milliseconds: Double
        public var p99Milliseconds: Double
        /// Frames a hop could not unpack (or whose MAC failed) when relaying ISO 8583: 0 when it works.
        public var transcodeFailures = 0
    }

    /// The bytes of a 0200 purchase as PayLab's terminals send it, near enough.
    static let payloadSize = 140

    /// `iso8583`: every hop also does what any ISO 8583 hop must, and nothing more: it unpacks
    /// each frame and checks its MAC, then packs it again with a new MAC (the frames are real
    /// 0200s); no node logic, no books.
    public static func run(concurrency: Int, connections: Int, threads: Int, chains: Int = 1, iso8583: Bool = false, duration: Duration) async throws -> Result {
        let authority = try CertificateAuthority(commonName: "PayLab relay CA")
        let networks = (0..<max(1, chains)).map { _ in MultiThreadedEventLoopGroup(numberOfThreads: 1) }
        let clients = MultiThreadedEventLoopGroup(numberOfThreads: max(1, threads))
        do {
            let result = try await measure(authority: authority, networks: networks, clients: clients, concurrency: concurrency, connections: connections,
                                           transcoder: iso8583 ? Transcoder() : nil, duration: duration)
            try await clients.shutdownGracefully()
            for network in networks { try await network.shutdownGracefully() }
            return result
        } catch {
            try? await clients.shutdownGracefully()
            for network in networks { try? await network.shutdownGracefully() }
            throw error
        }
    }

    private static func measure(authority: CertificateAuthority, networks: [MultiThreadedEventLoopGroup], clients: MultiThreadedEventLoopGroup,
                                concurrency: Int, connections: Int, transcoder: Transcoder?, duration: Duration) async throws -> Result {
        func identity(_ name: String) throws -> CertificateAuthority.Identity {
            try authority.issue(for: name, hostname: CertificateAuthority.hostname(for: name), names: CertificateAuthority.loopbackNames, days: 1)
        }
        func server(_ name: String) throws -> NIOSSLContext {
            var configuration = try tls(identity(name), authority: authority, server: true)
            configuration.certificateVerification = .noHostnameVerification
            return try NIOSSLContext(configuration: configuration)
        }
        func client(_ name: String) throws -> NIOSSLContext {
            try NIOSSLContext(configuration: tls(identity(name), authority: authority, server: false))
        }
        var acquirers: [Int] = [], links: [any Channel] = []
        for network in networks {
            // The issuer: answers each frame with itself.
            let echo = try await listen(on: network, tls: server("Issuer")) { _ in Echo(transcoder: transcoder) }
            // The scheme: frames from the acquirer go to the issuer and back, untouched.
            let toIssuer = Forward(transcoder: transcoder)
            let issuerLink = try await dial(on: network, port: echo, tls: client("Scheme"), handler: toIssuer.upstream)
            toIssuer.up = issuerLink
            let scheme = try await listen(on: network, tls: server("Scheme")) { _ in toIssuer.downstream() }
            // The acquirer: frames from any terminal go to the scheme; answers back to the terminal that sent them.
            let toScheme = Forward(transcoder: transcoder)
            let schemeLink = try await dial(on: network, port: scheme, tls: client("Acquirer"), handler: toScheme.upstream)
            toScheme.up = schemeLink
            acquirers.append(try await listen(on: network, tls: server("Acquirer")) { _ in toScheme.downstream() })
            links += [issuerLink, schemeLink]
        }
        // The terminals.
        let started = NIODeadline.now()
        let stopAt = started + TimeAmount(duration)
        var drivers: [Driver] = []
        var channels: [any Channel] = []
        // As `paylab load` does: every chain the same number of connections.
        let chains = acquirers.count
        let count = max(chains, min((max(connections, chains) + chains - 1) / chains * chains, concurrency / chains * chains))
        for index in 0..<count {
            let share = concurrency / count + (index < concurrency % count ? 1 : 0)
            let driver = Driver(outstanding: share, stopAt: stopAt, payload: transcoder?.purchase ?? [UInt8](repeating: 0x30, count: payloadSize))
            channels.append(try await dial(on: clients, port: acquirers[index % acquirers.count], tls: client("T\(index)"), handler: driver))
            drivers.append(driver)
        }
        for (driver, channel) in zip(drivers, channels) { channel.eventLoop.execute { driver.start(channel) } }
        try await Task.sleep(for: duration)
        try await Task.sleep(for: .milliseconds(200))
        var latency = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
        var trips = 0
        for (driver, channel) in zip(drivers, channels) {
            let (histogram, done) = try await channel.eventLoop.submit { (driver.latency, driver.trips) }.get()
            latency.add(histogram)
            trips += done
            try? await channel.close()
        }
        for link in links { try? await link.close() }
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        return Result(roundTrips: trips, seconds: seconds,
                      p50Milliseconds: latency.totalCount == 0 ? 0 : Double(latency.valueAtPercentile(50)) / 1000,
                      p99Milliseconds: latency.totalCount == 0 ? 0 : Double(latency.valueAtPercentile(99)) / 1000,
                      transcodeFailures: transcoder?.failures.load(ordering: .relaxed) ?? 0)
    }

    static func tls(_ identity: CertificateAuthority.Identity, authority: CertificateAuthority, server: Bool) throws -> TLSConfiguration {
        let chain: [NIOSSLCertificateSource] = [.certificate(try NIOSSLCertificate(bytes: Array(try identity.certificatePEM().utf8), format: .pem))]
        let key = NIOSSLPrivateKeySource.privateKey(try NIOSSLPrivateKey(bytes: Array(identity.privateKeyPEM.utf8), format: .pem))
        var configuration = server ? TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: key) : TLSConfiguration.makeClientConfiguration()
        if !server {
            configuration.certificateChain = chain
            configuration.privateKey = key
            configuration.certificateVerification = .noHostnameVerification
        }
        configuration.trustRoots = .certificates([try NIOSSLCertificate(bytes: Array(try authority.certificatePEM().utf8), format: .pem)])
        configuration.minimumTLSVersion = .tlsv13
        return configuration
    }

    static func listen(on group: MultiThreadedEventLoopGroup, tls: NIOSSLContext, handler: @escaping @Sendable (any Channel) -> any ChannelHandler & Sendable) async throws -> Int {
        let channel = try await ServerBootstrap(group: group)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers([NIOSSLServerHandler(context: tls), FrameReader(), handler(channel)])
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return channel.localAddress?.port ?? 0
    }

    static func dial(on group: MultiThreadedEventLoopGroup, port: Int, tls: NIOSSLContext, handler: any ChannelHandler & Sendable) async throws -> any Channel {
        try await ClientBootstrap(group: group)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers([NIOSSLClientHandler(context: tls, serverHostname: nil), FrameReader(), handler])
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
    }

    static func framed(_ buffer: ByteBuffer, allocator: ByteBufferAllocator) -> ByteBuffer {
        var out = allocator.buffer(capacity: buffer.readableBytes + 2)
        out.writeInteger(UInt16(buffer.readableBytes))
        var copy = buffer
        out.writeBuffer(&copy)
        return out
    }

    /// What every ISO 8583 hop does to a frame whatever its logic: unpack it and check its
    /// MAC, pack it again and MAC it, by the algorithm of PayLab's links (X9.19 under a double-length ZAK).
    final class Transcoder: Sendable {
        let codec = MessageCodec(dialect: .default)
        let authenticator = MACAuthenticator(algorithm: .x9_19, key: KeyDerivation.key(seed: 1, purpose: "relay ZAK"))
        /// A 0200 purchase as PayLab's load terminals send it, with its MAC.
        let purchase: [UInt8]
        let failures = Atomic<Int>(0)

        init() {
            // As a load terminal sends it, and as the acquirer forwards it (DE32, DE37).
            var request = TerminalMessages(terminal: "L0000001", merchant: "898440354000001", currency: Currency.known["CNY"]!).purchase(
                pan: "6222020000000001", expiry: "2812", amount: Money(minorUnits: 4352), stan: "000001",
                now: Instant(milliseconds: 1_778_464_800_000), local: nil)
            request[DE.acquirerID] = "48020000"
            request[DE.rrn] = "000000000001"
            purchase = (try? codec.pack(request, authenticator: authenticator)) ?? []
        }

        func pass(_ buffer: ByteBuffer) -> ByteBuffer {
            guard let message = try? codec.unpack(Array(buffer.readableBytesView), authenticator: authenticator),
                  let bytes = try? codec.pack(message, authenticator: authenticator) else {
                failures.add(1, ordering: .relaxed)
                return buffer
            }
            return ByteBuffer(bytes: bytes)
        }
    }

    /// The issuer's place: every frame back as it came.
    final class Echo: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let transcoder: Transcoder?
        init(transcoder: Transcoder?) { self.transcoder = transcoder }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let frame = transcoder?.pass(unwrapInboundIn(data)) ?? unwrapInboundIn(data)
            context.write(wrapOutboundOut(RelayBenchmark.framed(frame, allocator: context.channel.allocator)), promise: nil)
        }
        func channelReadComplete(context: ChannelHandlerContext) { context.flush() }
    }

    /// A hop: frames from below go up one link, tagged with who sent them; answers come back
    /// in order on that link (one connection, nothing reordered) and go to whoever is first.
    final class Forward: @unchecked Sendable {
        var up: (any Channel)?
        private var waiting: [any Channel] = []
        let transcoder: Transcoder?
        init(transcoder: Transcoder?) { self.transcoder = transcoder }

        var upstream: Upstream { Upstream(forward: self) }

        func downstream() -> Downstream { Downstream(forward: self) }

        final class Downstream: ChannelInboundHandler, @unchecked Sendable {
            typealias InboundIn = ByteBuffer
            let forward: Forward
            init(forward: Forward) { self.forward = forward }
            func channelRead(context: ChannelHandlerContext, data: NIOAny) {
                guard let up = forward.up else { return }
                forward.waiting.append(context.channel)
                let frame = forward.transcoder?.pass(unwrapInboundIn(data)) ?? unwrapInboundIn(data)
                up.write(RelayBenchmark.framed(frame, allocator: context.channel.allocator), promise: nil)
            }
            func channelReadComplete(context: ChannelHandlerContext) { forward.up?.flush() }
        }

        final class Upstream: ChannelInboundHandler, @unchecked Sendable {
            typealias InboundIn = ByteBuffer
            let forward: Forward
            private var touched: [ObjectIdentifier: any Channel] = [:]
            init(forward: Forward) { self.forward = forward }
            func channelRead(context: ChannelHandlerContext, data: NIOAny) {
                guard !forward.waiting.isEmpty else { return }
                let back = forward.waiting.removeFirst()
                let frame = forward.transcoder?.pass(unwrapInboundIn(data)) ?? unwrapInboundIn(data)
                back.write(RelayBenchmark.framed(frame, allocator: context.channel.allocator), promise: nil)
                touched[ObjectIdentifier(back)] = back
            }
            func channelReadComplete(context: ChannelHandlerContext) {
                touched.values.forEach { $0.flush() }
                touched.removeAll(keepingCapacity: true)
            }
        }
    }

    /// A terminal connection keeping its share of round trips outstanding until the end.
    final class Driver: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        let outstanding: Int
        let stopAt: NIODeadline
        var sent: [NIODeadline] = []
        var latency = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
        var trips = 0
        private var head = 0
        private let payload: [UInt8]

        init(outstanding: Int, stopAt: NIODeadline, payload: [UInt8]) {
            self.outstanding = outstanding
            self.stopAt = stopAt
            self.payload = payload
        }

        func start(_ channel: any Channel) {
            for _ in 0..<outstanding { send(channel) }
            channel.flush()
        }

        private func send(_ channel: any Channel) {
            var buffer = channel.allocator.buffer(capacity: payload.count + 2)
            buffer.writeInteger(UInt16(payload.count))
            buffer.writeBytes(payload)
            sent.append(.now())
            channel.write(buffer, promise: nil)
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let now = NIODeadline.now()
            guard head < sent.count else { return }
            let started = sent[head]
            head += 1
            if head > 4096 {
                sent.removeFirst(head)
                head = 0
            }
            guard now <= stopAt else { return }
            trips += 1
            _ = latency.record(UInt64(max(0, (now - started).nanoseconds / 1000)))
            send(context.channel)
        }

        func channelReadComplete(context: ChannelHandlerContext) { context.flush() }
    }
}
