import NIOCore
import NIOSSL
import NIOTLS

/// The last handler of every connection: once the peer is known it registers the
/// connection with the network, then hands each frame to it with the peer attached.
///
/// PayLab's own nodes are named by their certificates; a system under test by the link's
/// configuration (or, where several SUTs share a listener, by its first message).
/// It knows no business rules and no faults: frames are bytes here.
final class LinkHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    /// How the peer of a connection is known.
    enum Identity: Sendable {
        /// By the common name of its certificate, which must be one of `allowed`: a listener
        /// admits only the nodes whose links it serves, a client only the server it dialled.
        case certificate(allowed: Set<String>)
        /// By configuration, once TLS (if any) completes.
        case fixed(String, tls: Bool)
        /// By its first frame (nil: no peer of this listener; the connection closes).
        case firstFrame(@Sendable ([UInt8]) -> String?)
    }

    /// The network whose run this connection serves; nil while the link waits in a ``LinkPool``
    /// (it holds no finished run's network in memory meanwhile, and what it hears goes nowhere).
    private var network: WireNetwork?
    /// The node this end of the connection belongs to.
    private let node: String
    private let identity: Identity
    /// The peer, once known.
    private var peer: String?
    /// Closes a connection whose peer is not known in time (a handshake that never ends).
    private var deadline: Scheduled<Void>?
    private let identifyWithin: TimeAmount?
    /// Whether this side has stopped reading (a network with too much inside): a peer's time to identify does not run.
    private var readingPaused = false

    init(network: WireNetwork, node: String, identity: Identity, identifyWithin: TimeAmount? = nil) {
        self.network = network
        self.node = node
        self.identity = identity
        self.identifyWithin = identifyWithin
    }

    /// This end of a link kept open from an earlier run (``LinkPool``) now belongs to `network`'s
    /// run; nil: to none, while it waits in the pool.
    func adopt(by network: WireNetwork?) {
        self.network = network
    }

    func channelActive(context: ChannelHandlerContext) {
        if case .fixed(let name, tls: false) = identity { known(name, context) }
        armDeadline(context)
        context.fireChannelActive()
    }

    /// Gives a peer not yet known `identifyWithin` to become known; not while this side does not read.
    private func armDeadline(_ context: ChannelHandlerContext) {
        guard peer == nil, deadline == nil, !readingPaused, let limit = identifyWithin else { return }
        let node = self.node, network = self.network
        let remote = context.channel.remoteAddress.map { "\($0)" } ?? "a peer"
        let tls: Bool
        switch identity {
        case .certificate: tls = true
        case .fixed(_, let secure): tls = secure
        case .firstFrame: tls = false
        }
        deadline = context.eventLoop.assumeIsolated().scheduleTask(in: limit) {
            network?.report("\(node): \(remote) \(tls ? "did not finish the TLS handshake" : "sent no message") within \(limit.nanoseconds / 1_000_000) ms; closed")
            context.close(promise: nil)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let reading = event as? FrameReader.Reading {
            // A handshake cannot finish while this side does not read: its time is not the peer's.
            // (A connection accepted while the network does not read is told so before it is
            // active: its deadline starts only when reading resumes.)
            readingPaused = reading == .paused
            if reading == .paused {
                deadline?.cancel()
                deadline = nil
            } else {
                armDeadline(context)
            }
            return
        }
        if case TLSUserEvent.handshakeCompleted = event {
            switch identity {
            case .certificate(let allowed):
                let certificate = try? context.pipeline.syncOperations.handler(type: NIOSSLHandler.self).peerCertificate
                let name = certificate.flatMap(CertificateAuthority.commonName(of:))
                if let name, allowed.contains(name) {
                    known(name, context)
                } else {
                    let whose = allowed.isEmpty ? "no node of this run" : allowed.sorted().joined(separator: ", ")
                    network?.report("\(node): refused a TLS peer presenting the certificate of '\(name ?? "nobody")': this link is \(node)'s with \(whose) only; closed")
                    context.close(promise: nil)
                }
            case .fixed(let name, _):
                known(name, context)
            case .firstFrame:
                break
            }
        }
        context.fireUserInboundEventTriggered(event)
    }

    private func known(_ name: String, _ context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
        peer = name
        network?.register(node: node, peer: name, channel: context.channel)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = Array(unwrapInboundIn(data).readableBytesView)
        if peer == nil, case .firstFrame(let identify) = identity {
            guard let name = identify(frame) else {
                network?.report("\(node): a connection from \(context.channel.remoteAddress.map { "\($0)" } ?? "a peer") sent a first message that names none of the systems under test this node serves; closed")
                context.close(promise: nil)
                return
            }
            known(name, context)
        }
        guard let peer else {
            network?.report("\(node): frame before the TLS handshake named the peer; dropped")
            return
        }
        network?.received(frame, at: node, from: peer)
    }

    func channelInactive(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
        if let peer { network?.unregister(node: node, peer: peer, channel: context.channel) }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // A peer that closes TCP without TLS's close_notify (many clients do) has simply gone.
        if let error = error as? NIOSSLError, case .uncleanShutdown = error {
            context.close(promise: nil)
            return
        }
        let remote = peer.map { " <- \($0)" } ?? context.channel.remoteAddress.map { " <- \($0)" } ?? ""
        network?.report("\(node)\(remote): \(WireNetwork.describe(error)); connection closed")
        context.close(promise: nil)
    }
}
