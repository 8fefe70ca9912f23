import NIOCore

/// Applies the link faults in force to each frame a node receives, before the node sees
/// it: holds it for latency, loses it, doubles it or flips a byte. It never sleeps: a
/// held frame waits for the virtual clock, which the runner moves.
final class LinkFaultHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let network: WireNetwork
    private let node: String

    init(network: WireNetwork, node: String) {
        self.network = network
        self.node = node
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // The peer is known once TLS has named it; frames before that pass to LinkHandler, which drops them.
        guard let peer = network.peer(of: context.channel) else {
            context.fireChannelRead(data)
            return
        }
        let frame = unwrapInboundIn(data)
        for copy in network.applyFaults(to: Array(frame.readableBytesView), at: node, from: peer) {
            var buffer = context.channel.allocator.buffer(capacity: copy.count)
            buffer.writeBytes(copy)
            context.fireChannelRead(wrapInboundOut(buffer))
        }
        network.frameConsumed(at: node, from: peer)
    }
}
