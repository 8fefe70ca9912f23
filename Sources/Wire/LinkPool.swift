public import NIOCore

/// PayLab's own links kept open from one run to the next, as a connection pool keeps them
/// between requests: a run of one scenario after another (`explore` runs hundreds a second)
/// spent most of its time making connections and their TLS handshakes, and a closed TCP
/// connection holds its port for minutes after.
///
/// Only a link left clean by its run is kept: both ends connected and registered, nothing
/// written and not yet handled either way, no half frame waiting in either end's reader, and
/// neither end a system under test. What makes a link PayLab's (both ends' certificates from
/// the runner's CA, named after their nodes) is the same in the next run, and a node's keys,
/// counters and books are its run's, never the connection's: the next run that links the same
/// two nodes takes the connection over as if it had just dialled it. Anything else a run leaves
/// is closed with it.
///
/// It lives on its runner's one event loop, as the networks that give and take its links do.
public final class LinkPool {
    /// Two nodes, in name order: a link is the same whichever of them dialled.
    struct Pair: Hashable {
        var first: String, second: String

        init(_ a: String, _ b: String) {
            (first, second) = a < b ? (a, b) : (b, a)
        }
    }

    /// An idle connection's two ends: `first`'s and `second`'s channel.
    private var idle: [Pair: (first: any Channel, second: any Channel)] = [:]
    /// The order links were kept in, oldest first: past `capacity` the oldest is closed.
    private var kept: [Pair] = []
    /// The most idle links kept at once.
    public let capacity: Int
    /// How many links a run took over from the pool instead of dialling.
    public private(set) var reused = 0
    public let eventLoop: any EventLoop

    /// Makes an empty pool on `eventLoop`, keeping at most `capacity` idle links.
    public init(eventLoop: any EventLoop, capacity: Int = 64) {
        self.eventLoop = eventLoop
        self.capacity = capacity
    }

    /// How many idle links the pool holds.
    public var count: Int { idle.count }

    /// Keeps the connection between `a` (its end `aEnd`) and `b` (`bEnd`); one already kept
    /// for the same two nodes, or the oldest past the capacity, is closed.
    func keep(_ a: String, _ aEnd: any Channel, _ b: String, _ bEnd: any Channel) {
        eventLoop.assertInEventLoop()
        let pair = Pair(a, b)
        if let old = take(pair) { close(old) }
        idle[pair] = a == pair.first ? (aEnd, bEnd) : (bEnd, aEnd)
        kept.append(pair)
        while kept.count > capacity, let oldest = take(kept[0]) { close(oldest) }
    }

    /// An idle connection between `a` and `b` whose ends are both still open: (a's end, b's end).
    func take(_ a: String, _ b: String) -> (any Channel, any Channel)? {
        eventLoop.assertInEventLoop()
        let pair = Pair(a, b)
        guard let ends = take(pair) else { return nil }
        guard ends.first.isActive, ends.second.isActive else {
            close(ends)
            return nil
        }
        reused += 1
        return a == pair.first ? (ends.first, ends.second) : (ends.second, ends.first)
    }

    private func take(_ pair: Pair) -> (first: any Channel, second: any Channel)? {
        guard let ends = idle.removeValue(forKey: pair) else { return nil }
        kept.removeAll { $0 == pair }
        return ends
    }

    /// Closes every idle link.
    public func close() -> EventLoopFuture<Void> {
        eventLoop.assertInEventLoop()
        let all = idle.values.flatMap { [$0.first, $0.second] }
        idle.removeAll()
        kept.removeAll()
        return WireNetwork.reset(all, on: eventLoop)
    }

    private func close(_ ends: (first: any Channel, second: any Channel)) {
        _ = WireNetwork.reset([ends.first, ends.second], on: eventLoop)
    }
}
