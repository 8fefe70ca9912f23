import NIOCore
import NIOPosix

/// The links a runner keeps from one run to the next (``LinkPool``): what a network gives the
/// pool when it shuts down, and how a dial takes one over.
extension WireNetwork {
    /// Takes over `node`'s end of a link kept open from an earlier run: its frames come here now.
    func adopt(_ channel: any Channel, of node: String, from peer: String) throws {
        try channel.pipeline.syncOperations.handler(type: LinkHandler.self).adopt(by: self)
        register(node: node, peer: peer, channel: channel)
    }

    /// Moves to `pool` every link between two of PayLab's nodes that its run left clean: both
    /// ends registered, nothing in flight either way, no half frame at either end.
    func keepClean(in pool: LinkPool) {
        for (key, first) in links where key.node < key.peer {
            let back = InFlightFrames.Link(node: key.peer, peer: key.node)
            guard let second = links[back], !isExternal(key),
                  inFlight.pending(on: key) == 0, inFlight.pending(on: back) == 0,
                  restOfSlice[key] == nil, restOfSlice[back] == nil, behindSlice[key] == nil, behindSlice[back] == nil,
                  [first, second].allSatisfy({ (try? $0.pipeline.syncOperations.handler(type: FrameReader.self).holdsPartOfAFrame) == false })
            else { continue }
            links[key] = nil
            links[back] = nil
            for channel in [first, second] { try? channel.pipeline.syncOperations.handler(type: LinkHandler.self).adopt(by: nil) }
            pool.keep(key.node, first, key.peer, second)
        }
    }

    /// Closes connections whose both ends are PayLab's at once, with a reset: a TCP connection
    /// closed the usual way waits two minutes in TIME_WAIT at the end that closed it (at both,
    /// when both close together), holding its port. Runs that follow one another by the
    /// hundred (`explore`) filled the ephemeral range so, and every bind and connect searched
    /// a crowded table; a reset leaves nothing behind.
    static func reset(_ channels: [any Channel], on eventLoop: any EventLoop) -> EventLoopFuture<Void> {
        for channel in channels {
            (channel as? any SocketOptionProvider)?.setSoLinger(linger(l_onoff: 1, l_linger: 0)).whenFailure { _ in }
        }
        return EventLoopFuture.andAllComplete(channels.map { $0.close() }, on: eventLoop)
    }
}
