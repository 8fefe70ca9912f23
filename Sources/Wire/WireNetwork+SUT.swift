public import NIOCore
import NIOPosix
import NIOSSL
import ISO8583
import PaymentNetwork
import SettlementCalendar

/// The links to systems under test: PayLab's nodes dialling a SUT, listening for SUTs that dial them (each connection checked, counted and, when the network is full, not read), and their TLS.
extension WireNetwork {
    /// Connects PayLab's `node` to the system under test `peer` at `host:port`, secured and
    /// framed as `link` says; completes when the link is registered (after TLS, if any).
    public func dial(from node: String, to peer: String, host: String, port: Int, link: ExternalLink) -> EventLoopFuture<Void> {
        eventLoop.assertInEventLoop()
        let key = InFlightFrames.Link(node: node, peer: peer)
        externalPeers.insert(peer)
        framings[key] = link.framing
        let context: NIOSSLContext?
        do {
            context = try sutContext(of: node, link: link, server: false)
        } catch {
            return eventLoop.makeFailedFuture(error)
        }
        let registered = eventLoop.makePromise(of: Void.self)
        registrationWaiters[key] = registered
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        let where_ = "\(node) -> \(peer) (SUT at \(host):\(port))"
        let report = Self.reporter(bound, prefix: where_)
        let verifier = PeerVerifier(roots: link.verifier.roots, rootsSource: link.verifier.rootsSource, expectedHost: host)
        let connected = ClientBootstrap(group: eventLoop)
            .connectTimeout(link.timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handlers = channel.pipeline.syncOperations
                    if let context {
                        // An IP address is checked against the certificate's IP names; a host name is sent as SNI too.
                        let name = PeerVerifier.isIP(host) ? nil : host
                        try handlers.addHandler(NIOSSLClientHandler(context: context, serverHostname: name, customVerificationCallback: verifier.callback(report: report)))
                    }
                    try handlers.addHandlers([
                        FrameReader(framing: link.framing, stallLimit: link.timeout),
                        LinkHandler(network: bound.value, node: node, identity: .fixed(peer, tls: context != nil), identifyWithin: link.timeout),
                    ])
                }
            }
            .connect(host: host, port: port)
        awaitRegistration(key, registered, dialled: connected, named: where_)
        return registered.futureResult
    }

    /// Listens for systems under test that dial PayLab's `node` (port 0: any free port);
    /// `peers` are the SUTs it serves: one is known at once, several by `identify` on their
    /// first message. Returns the port.
    public func listenForSUTs(
        node: String, host: String, port: Int, peers: [String], link: ExternalLink, identify: @escaping @Sendable ([UInt8]) -> String?
    ) -> EventLoopFuture<Int> {
        eventLoop.assertInEventLoop()
        for peer in peers {
            externalPeers.insert(peer)
            framings[InFlightFrames.Link(node: node, peer: peer)] = link.framing
        }
        let context: NIOSSLContext?
        do {
            context = try sutContext(of: node, link: link, server: true)
        } catch {
            return eventLoop.makeFailedFuture(error)
        }
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        let report = Self.reporter(bound, prefix: "\(node) <- a SUT client")
        let identity: LinkHandler.Identity = peers.count == 1 ? .fixed(peers[0], tls: context != nil) : .firstFrame(identify)
        return ServerBootstrap(group: eventLoop)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.backlog, value: 64)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let network = bound.value
                    // A flood of connections: past the limit each is closed at once, with a word in the log.
                    guard network.sutConnections[node, default: 0] < link.connectionLimit else {
                        network.report("\(node): refused a connection from \(channel.remoteAddress.map { "\($0)" } ?? "a peer"): \(link.connectionLimit) connections from systems under test are already open")
                        channel.close(promise: nil)
                        return
                    }
                    network.sutConnections[node, default: 0] += 1
                    network.admitted[ObjectIdentifier(channel)] = channel
                    if !network.admitting { try channel.syncOptions?.setOption(.autoRead, value: false) }
                    channel.closeFuture.whenComplete { _ in
                        bound.value.sutConnections[node, default: 1] -= 1
                        bound.value.admitted[ObjectIdentifier(channel)] = nil
                    }
                    let handlers = channel.pipeline.syncOperations
                    if let context {
                        if link.security == .mutual {
                            try handlers.addHandler(NIOSSLServerHandler(context: context, customVerificationCallback: link.verifier.callback(report: report)))
                        } else {
                            try handlers.addHandler(NIOSSLServerHandler(context: context))
                        }
                    }
                    try handlers.addHandlers([
                        FrameReader(framing: link.framing, stallLimit: link.timeout),
                        LinkHandler(network: network, node: node, identity: identity, identifyWithin: link.timeout),
                    ])
                    if !network.admitting { channel.pipeline.fireUserInboundEventTriggered(FrameReader.Reading.paused) }
                }
            }
            .bind(host: host, port: port)
            .map { channel in
                let network = bound.value
                network.sutServers[node] = channel
                let port = channel.localAddress?.port ?? 0
                network.sutPorts[node] = port
                return port
            }
    }

    /// The TLS context of a link to a SUT: TLS 1.2 or 1.3 (many hosts still run 1.2), the node's
    /// certificate where it presents one; nil for plain TCP.
    func sutContext(of node: String, link: ExternalLink, server: Bool) throws -> NIOSSLContext? {
        guard link.security != .none else { return nil }
        let identity = try credentials.externalIdentity(of: node)
        let chain: [NIOSSLCertificateSource] = [.certificate(try CertificateAuthority.nioCertificate(identity.certificate))]
        let key = NIOSSLPrivateKeySource.privateKey(try identity.nioKey())
        var configuration: TLSConfiguration
        if server {
            configuration = .makeServerConfiguration(certificateChain: chain, privateKey: key)
            configuration.certificateVerification = link.security == .mutual ? .noHostnameVerification : .none
        } else {
            configuration = .makeClientConfiguration()
            if link.security == .mutual {
                configuration.certificateChain = chain
                configuration.privateKey = key
            }
            configuration.certificateVerification = .fullVerification
        }
        configuration.trustRoots = .certificates(try link.verifier.roots.map(CertificateAuthority.nioCertificate))
        configuration.minimumTLSVersion = .tlsv12
        configuration.maximumTLSVersion = .tlsv13
        configuration.keyLogCallback = credentials.keyLog
        return try NIOSSLContext(configuration: configuration)
    }

    static func reporter(_ bound: NIOLoopBound<WireNetwork>, prefix: String) -> @Sendable (String) -> Void {
        let loop = bound.eventLoop
        return { problem in loop.execute { bound.value.report("\(prefix): \(problem)") } }
    }
}
