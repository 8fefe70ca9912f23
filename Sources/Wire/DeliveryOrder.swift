import NIOCore

/// The order in which frames between PayLab's own nodes are handed on: the order they were
/// written, whatever order the sockets deliver them in. Two frames written at one virtual
/// instant on different links (an approval to the terminal and a payout credit to the bank)
/// reach their nodes in a race of the kernel's scheduling; handed on by this rule, every node
/// sees the same sequence in every run, and the same seed gives the same bytes.
///
/// Each frame gets a number when it is written; a connection keeps order, so the n-th frame
/// to arrive on a link is the n-th written on it. A frame that arrives is handed on once
/// every frame written before it was handed on or is lost (a failed write, a closed
/// connection): frames on loopback arrive or are lost, so nothing waits for ever.
struct DeliveryOrder {
    typealias Link = InFlightFrames.Link
    /// A frame that arrived and waits for those written before it.
    struct Arrival {
        var frame: [UInt8]
        var node: String
        var peer: String
    }

    /// The number the next frame written gets.
    private var nextNumber: UInt64 = 0
    /// Every frame numbered below this is handed on or lost.
    private var lowest: UInt64 = 0
    /// The numbers of the frames written on each link and not yet arrived, in order.
    private var sequence: [Link: CircularBuffer<UInt64>] = [:]
    /// Numbers at or above `lowest` that are handed on or lost.
    private var done: Set<UInt64> = []
    private var waiting: [UInt64: Arrival] = [:]

    /// Frames that arrived and are not handed on yet.
    var isEmpty: Bool { waiting.isEmpty }

    /// A frame is written on `link`: its number.
    mutating func written(on link: Link) -> UInt64 {
        let number = nextNumber
        nextNumber += 1
        sequence[link, default: CircularBuffer(initialCapacity: 16)].append(number)
        return number
    }

    /// A frame arrived on `link`; false when none was written there in order (it is handed on at once).
    mutating func arrived(_ frame: [UInt8], at node: String, from peer: String) -> Bool {
        let link = Link(node: peer, peer: node)
        guard let number = sequence[link]?.popFirst() else { return false }
        waiting[number] = Arrival(frame: frame, node: node, peer: peer)
        return true
    }

    /// A frame arrived on `link` and is handed on at once (ordering is off): its number, if it
    /// had one, is done.
    mutating func arrivedUnordered(at node: String, from peer: String) {
        guard !sequence.isEmpty else { return }   // nothing was ever numbered
        let link = Link(node: peer, peer: node)
        guard let number = sequence[link]?.popFirst() else { return }
        if number >= lowest { done.insert(number) }
    }

    /// The write of frame `number` on `link` failed: it never arrives.
    mutating func lost(_ number: UInt64, on link: Link) {
        guard let index = sequence[link]?.firstIndex(of: number) else { return }
        sequence[link]!.remove(at: index)
        if number >= lowest { done.insert(number) }
    }

    /// The connection of `link` closed: what was written on it and has not arrived never will.
    mutating func lostAll(on link: Link) {
        guard let numbers = sequence.removeValue(forKey: link) else { return }
        done.formUnion(numbers.filter { $0 >= lowest })
    }

    /// The next frame to hand on, if it arrived: the lowest-numbered one not handed on or lost.
    /// `skippingGaps`: the lowest-numbered one that arrived, whatever is missing before it
    /// (ordering stops; what is missing is handed on when it comes).
    mutating func next(skippingGaps: Bool = false) -> Arrival? {
        while lowest < nextNumber {
            if done.remove(lowest) != nil {
                lowest += 1
                continue
            }
            guard let arrival = waiting.removeValue(forKey: lowest) else {
                // A gap: unless ordering stops, the frames after it wait. When it stops, the
                // missing frame is handed on whenever it comes.
                guard skippingGaps, !waiting.isEmpty else { return nil }
                lowest += 1
                continue
            }
            lowest += 1
            return arrival
        }
        return nil
    }
}
