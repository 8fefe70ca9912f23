import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import ISO8583
import Testing
@testable import Wire

/// Real TLS over loopback: only clients with a certificate from the run's CA get in.
@Suite("Mutual TLS between nodes")
struct MutualTLSTests {
    static let servers = ["Acquirer", "Scheme", "Issuer", "MerchantBank"]
    /// The nodes whose links each server serves: the only certificates it admits.
    static let clients: [String: Set<String>] = ["Acquirer": ["T0000001"], "Scheme": ["Acquirer"], "Issuer": ["Scheme"], "MerchantBank": ["Acquirer"]]

    /// Starts every server of a small network; returns it with the frames it received.
    func startNetwork(_ loop: any EventLoop) async throws -> (NIOLoopBound<WireNetwork>, NIOLockedValueBox<[String]>) {
        let received = NIOLockedValueBox<[String]>([])
        let authority = try CertificateAuthority()
        let bound = try await loop.submit { NIOLoopBound(WireNetwork(eventLoop: loop, authority: authority), eventLoop: loop) }.get()
        try await loop.flatSubmit {
            let network = bound.value
            network.onFrame = { node, peer, bytes in received.withLockedValue { $0.append("\(peer)->\(node):\(String(decoding: bytes, as: UTF8.self))") } }
            return EventLoopFuture.andAllSucceed(Self.servers.map { network.listen(node: $0, clients: Self.clients[$0]!).map { _ in () } }, on: loop)
        }.get()
        return (bound, received)
    }

    /// Connects to a server with a hand-made TLS configuration, sends one frame, and
    /// returns whether the connection was closed on us within ten seconds (a refusal comes in
    /// milliseconds; the bound is for a machine busy with every other suite at once, where two
    /// seconds were once not enough).
    func intrude(_ network: NIOLoopBound<WireNetwork>, server: String, configuration: TLSConfiguration, on loop: any EventLoop) async throws -> Bool {
        let port = try await loop.submit { network.value.port(of: server)! }.get()
        let context = try NIOSSLContext(configuration: configuration)
        let hostname = CertificateAuthority.hostname(for: server)
        let channel = try await ClientBootstrap(group: loop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: context, serverHostname: hostname))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        try? await channel.writeAndFlush(ByteBuffer(bytes: try Framing.standard.frame(Array("hello".utf8)))).get()
        let closed = loop.makePromise(of: Bool.self)
        channel.closeFuture.whenComplete { _ in closed.succeed(true) }
        loop.scheduleTask(in: .seconds(10)) { closed.succeed(false) }
        let result = try await closed.futureResult.get()
        try? await channel.close()
        return result
    }

    func clientConfiguration(trusting authority: CertificateAuthority, presenting identity: CertificateAuthority.Identity?) throws -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv13
        configuration.trustRoots = .certificates([try CertificateAuthority.nioCertificate(authority.certificate)])
        if let identity {
            configuration.certificateChain = [.certificate(try CertificateAuthority.nioCertificate(identity.certificate))]
            configuration.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(identity.privateKeyPEM.utf8), format: .pem))
        }
        return configuration
    }

    @Test("a client with a certificate from another CA is refused by every server")
    func foreignCertificateRefused() async throws {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let (network, received) = try await startNetwork(loop)
        let stranger = try CertificateAuthority(commonName: "Someone else's CA").issue(for: "Intruder")
        for server in Self.servers {
            let closed = try await intrude(network, server: server, configuration: try clientConfiguration(trusting: try await loop.submit { network.value.authority }.get(), presenting: stranger), on: loop)
            #expect(closed, "\(server) kept a connection from a foreign certificate open")
            let registered = try await loop.submit { network.value.isConnected(server, to: "Intruder") }.get()
            #expect(!registered)
        }
        #expect(received.withLockedValue { $0 }.isEmpty)
        let problems = try await loop.submit { network.value.problems }.get()
        for server in Self.servers {
            #expect(problems.contains { $0.hasPrefix(server) && $0.contains("TLS") }, "no TLS error reported by \(server): \(problems)")
        }
        try await loop.flatSubmit { network.value.shutdown() }.get()
    }

    @Test("a certificate from the run's own CA is refused on a listener whose links are not its own: the issuer's port does not take the acquirer, nor a SUT's certificate")
    func otherNodesRefused() async throws {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let (network, received) = try await startNetwork(loop)
        let authority = try await loop.submit { network.value.authority }.get()
        for (server, intruder) in [("Issuer", "Acquirer"), ("Scheme", "PayLab SUT"), ("Acquirer", "Scheme")] {
            let identity = try authority.issue(for: intruder)
            let closed = try await intrude(network, server: server, configuration: try clientConfiguration(trusting: authority, presenting: identity), on: loop)
            #expect(closed, "\(server) kept a connection from \(intruder) open")
            #expect(try await loop.submit { network.value.isConnected(server, to: intruder) }.get() == false)
        }
        #expect(received.withLockedValue { $0 }.isEmpty)
        let problems = try await loop.submit { network.value.problems }.get()
        #expect(problems.contains("Issuer: refused a TLS peer presenting the certificate of 'Acquirer': this link is Issuer's with Scheme only; closed"), "\(problems)")
        #expect(problems.contains { $0.hasPrefix("Scheme: refused a TLS peer presenting the certificate of 'PayLab SUT'") }, "\(problems)")
        try await loop.flatSubmit { network.value.shutdown() }.get()
    }

    @Test("a client without any certificate is refused by every server")
    func noCertificateRefused() async throws {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let (network, received) = try await startNetwork(loop)
        for server in Self.servers {
            let closed = try await intrude(network, server: server, configuration: try clientConfiguration(trusting: try await loop.submit { network.value.authority }.get(), presenting: nil), on: loop)
            #expect(closed, "\(server) kept a connection without a certificate open")
        }
        #expect(received.withLockedValue { $0 }.isEmpty)
        try await loop.flatSubmit { network.value.shutdown() }.get()
    }

    @Test("a client checks the server's name: the Scheme's port answering for 'Issuer' is refused")
    func serverNameChecked() async throws {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let (network, _) = try await startNetwork(loop)
        let port = try await loop.submit { network.value.port(of: "Scheme")! }.get()
        let context = try await loop.submit { try network.value.authority.clientContext(for: try network.value.identity(of: "Acquirer")) }.get()
        let failed = loop.makePromise(of: String.self)
        let channel = try await ClientBootstrap(group: loop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: context, serverHostname: CertificateAuthority.hostname(for: "Issuer")))
                    try channel.pipeline.syncOperations.addHandler(ErrorCatcher(promise: failed))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        loop.scheduleTask(in: .seconds(10)) { failed.succeed("no error") }
        let error = try await failed.futureResult.get()
        #expect(error.contains("certificate") || error.contains("CERTIFICATE") || error.contains("handshake"), "got: \(error)")
        try? await channel.close()
        try await loop.flatSubmit { network.value.shutdown() }.get()
    }

    @Test("a network shut down while a frame is in flight and a link is being set up fails both waits (none is left pending), and the link that comes up after is closed")
    func shutdownFailsWhatWaits() async throws {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let (network, _) = try await startNetwork(loop)
        try await loop.flatSubmit { network.value.connect(from: "T0000001", to: "Acquirer") }.get()
        let (quiet, connecting, leftWaiting) = try await loop.submit { () -> (EventLoopFuture<Void>, EventLoopFuture<Void>, Int) in
            let wire = network.value
            wire.send(from: "T0000001", to: "Acquirer", message: Array("0800".utf8))
            let quiet = wire.whenQuiet()
            let connecting = wire.connect(from: "Acquirer", to: "Scheme")
            #expect(wire.quietWaiters.count == 1 && wire.registrationWaiters.count == 1)
            _ = wire.shutdown()
            return (quiet, connecting, wire.quietWaiters.count + wire.registrationWaiters.count)
        }.get()
        #expect(leftWaiting == 0)
        await #expect { try await quiet.get() } throws: { ($0 as? WireError)?.message.contains("shut down") == true }
        // The dial itself may fail first (the listener closed): either way it does not succeed.
        await #expect(throws: (any Error).self) { try await connecting.get() }
        try await Task.sleep(for: .milliseconds(500))
        let links = try await loop.submit { network.value.links.count }.get()
        #expect(links == 0)
    }

    @Test("a node with a certificate from the run's CA connects, and its frames arrive named by its certificate")
    func memberAccepted() async throws {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let (network, received) = try await startNetwork(loop)
        try await loop.flatSubmit { network.value.connect(from: "T0000001", to: "Acquirer") }.get()
        try await loop.flatSubmit { () -> EventLoopFuture<Void> in
            network.value.send(from: "T0000001", to: "Acquirer", message: Array("0800".utf8))
            return network.value.whenQuiet()
        }.get()
        #expect(received.withLockedValue { $0 } == ["T0000001->Acquirer:0800"])
        // The answer travels back on the same connection.
        try await loop.flatSubmit { () -> EventLoopFuture<Void> in
            network.value.send(from: "Acquirer", to: "T0000001", message: Array("0810".utf8))
            return network.value.whenQuiet()
        }.get()
        #expect(received.withLockedValue { $0 }.last == "Acquirer->T0000001:0810")
        try await loop.flatSubmit { network.value.shutdown() }.get()
    }
}

/// Reports the first error a channel sees.
final class ErrorCatcher: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    let promise: EventLoopPromise<String>

    init(promise: EventLoopPromise<String>) { self.promise = promise }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        promise.succeed(String(describing: error))
        context.close(promise: nil)
    }
}
