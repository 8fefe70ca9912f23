import NIOCore
import NIOSSL
import NIOTLS

/// The last handler of every connection: once TLS has named the peer it registers the
/// connection with the network, then hands each frame to it with the peer attached.
///
/// It knows no business rules and no faults: frames are bytes here.
final class LinkHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    private let network: WireNetwork
    /// The node this end of the connection belongs to.
    private let node: String
    /// The peer, once known (from the certificate on a server, by choice on a client).
    private var peer: String?

    init(network: WireNetwork, node: String, expectedPeer: String?) {
        self.network = network
        self.node = node
        self.peer = nil
        self.expectedPeer = expectedPeer
    }

    private let expectedPeer: String?

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case TLSUserEvent.handshakeCompleted = event {
            let certificate = try? context.pipeline.syncOperations.handler(type: NIOSSLHandler.self).peerCertificate
            let name = certificate.flatMap(CertificateAuthority.commonName(of:))
            if let name, expectedPeer == nil || expectedPeer == name {
                peer = name
                network.register(node: node, peer: name, channel: context.channel)
            } else {
                network.report("\(node): peer certificate names \(name ?? "nobody"), expected \(expectedPeer ?? "a node of this run"); closing")
                context.close(promise: nil)
            }
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        guard let peer else {
            network.report("\(node): frame before the TLS handshake named the peer; dropped")
            return
        }
        network.received(Array(frame.readableBytesView), at: node, from: peer)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let peer { network.unregister(node: node, peer: peer, channel: context.channel) }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        network.report("\(node)\(peer.map { " <- \($0)" } ?? ""): \(WireNetwork.describe(error)); connection closed")
        context.close(promise: nil)
    }
}
