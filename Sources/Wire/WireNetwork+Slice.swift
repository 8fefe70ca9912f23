import ISO8583
import NIOCore

/// Half frames: a link fault's `slice` writes the first half of a frame's bytes (its length
/// header and part of its message) to a system under test, and the rest when the run's
/// clock comes to it, so that the receiver must hold a partial frame across reads.
extension WireNetwork {
    /// Writes the first half of a framed message from `node` to `peer`; its rest goes when
    /// the same message is sent with `restOfSlice`, and what is written meanwhile follows it.
    /// False when there is no link or the message cannot be framed.
    public func sendHalf(from node: String, to peer: String, message: [UInt8], answer: Bool = false) -> Bool {
        eventLoop.assertInEventLoop()
        let link = InFlightFrames.Link(node: node, peer: peer)
        guard let channel = links[link], behindSlice[link] == nil,
              let bytes = try? (framings[link] ?? .standard).frame(message, answer: answer), bytes.count > 1 else { return false }
        var rest = channel.allocator.buffer(bytes: bytes)
        let half = rest.readSlice(length: bytes.count / 2)!
        channel.writeAndFlush(half, promise: nil)
        restOfSlice[link] = rest
        behindSlice[link] = []
        return true
    }

    /// Writes a frame on `link`: after the half frame it waits behind, if one does; the
    /// waiting half's rest (in place of the whole) when `restOfSlice`, then what waited.
    func write(_ frame: ByteBuffer, on link: InFlightFrames.Link, _ channel: any Channel, promise: EventLoopPromise<Void>, restOfSlice rest: Bool) {
        guard behindSlice[link] != nil else {
            channel.write(frame, promise: promise)
            flushSoon(channel)
            return
        }
        guard rest, let second = restOfSlice.removeValue(forKey: link) else {
            behindSlice[link]!.append((frame, promise))
            return
        }
        channel.write(second, promise: promise)
        for waiting in behindSlice.removeValue(forKey: link) ?? [] { channel.write(waiting.frame, promise: waiting.promise) }
        flushSoon(channel)
    }

    /// A closed link's half frame and what waited behind it are lost with it.
    func dropSlice(_ link: InFlightFrames.Link) {
        restOfSlice[link] = nil
        for waiting in behindSlice.removeValue(forKey: link) ?? [] { waiting.promise.fail(ChannelError.ioOnClosedChannel) }
    }
}
