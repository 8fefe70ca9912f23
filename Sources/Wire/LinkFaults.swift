import PaymentNetwork
public import SettlementCalendar

/// The link faults of a run as a pure value: a frame goes in, a verdict comes out
/// (deliver these copies now, hold them until a virtual time, or nothing: dropped). It
/// knows no sockets and no clock; the time is handed in.
public struct LinkFaults: Sendable {
    /// What happens to one received frame.
    public enum Verdict: Sendable, Equatable {
        /// Hand these copies to the node now (none: the frame was dropped).
        case deliver([[UInt8]])
        /// Hand these copies to the node when the virtual clock reaches `until`.
        case hold(until: Instant, [[UInt8]])
        /// Write these copies as half frames now and their rest `pause` later: a node's
        /// framer has the whole frame, to hand on, `pause` later on the virtual clock (`until`).
        case slice(pause: Duration, until: Instant, [[UInt8]])
    }

    private var faults: [LinkFault]
    private var generator: SeededGenerator

    /// The faults of a run; `seed` drives which byte a corruption flips.
    public init(_ faults: [LinkFault], seed: UInt64) {
        self.faults = faults
        generator = SeededGenerator(seed: seed, stream: "wire faults")
    }

    /// Applies the faults in force at `now` to a frame `node` received from `peer`; returns
    /// the verdict and a line for the fault log per fault that acted. Network management
    /// (a terminal's sign-on, an echo) is only held by latency: drops, duplicates and
    /// corruptions, and their counts, are about the transactions' messages.
    public mutating func apply(to frame: [UInt8], at node: String, from peer: String, now: Instant, management: Bool = false) -> (verdict: Verdict, log: [String]) {
        var copies = [frame]
        var log: [String] = []
        for index in faults.indices where faults[index].isActive(at: now) {
            let fault = faults[index]
            let direction: LinkFault.Direction
            if fault.client == peer && fault.server == node {
                direction = .request
            } else if fault.client == node && fault.server == peer {
                direction = .response
            } else {
                continue
            }
            if management, case .latency = fault.kind {} else if management { continue }
            // A fault with a probability acts on a frame when the seed's draw says so (drawn
            // only for the frames it could act on, so the same run draws the same).
            if let probability = fault.probabilityPPM, actsOn(fault.kind, direction),
               Int64(generator.next(upperBound: UInt64(1_000_000))) >= probability { continue }
            switch fault.kind {
            case .latency(let base):
                var delay = base
                if let jitter = fault.jitter, jitter > .zero {
                    let spread = jitter.components.seconds * 1000 + jitter.components.attoseconds / 1_000_000_000_000_000
                    let offset = Int64(generator.next(upperBound: UInt64(2 * spread + 1))) - spread
                    delay = max(.zero, base + .milliseconds(offset))
                }
                log.append("held a \(direction) for \(delay.compact) on \(fault.linkName)")
                return (.hold(until: now.advanced(by: delay), copies), log)
            case .drop(let which) where which == direction:
                faults[index].remaining = fault.remaining.map { $0 - 1 }
                log.append("dropped a \(direction) on \(fault.linkName)")
                return (.deliver([]), log)
            case .duplicate(let which) where which == direction:
                faults[index].remaining = fault.remaining.map { $0 - 1 }
                log.append("delivered a \(direction) twice on \(fault.linkName)")
                copies += copies
            case .slice(let which, let pause) where which == direction:
                faults[index].remaining = fault.remaining.map { $0 - 1 }
                log.append("sliced a \(direction) on \(fault.linkName): its second half \(pause.compact) after its first")
                return (.slice(pause: pause, until: now.advanced(by: pause), copies), log)
            case .corrupt(let which) where which == direction:
                faults[index].remaining = fault.remaining.map { $0 - 1 }
                guard !frame.isEmpty else { continue }
                let position = Int(generator.next(upperBound: UInt64(frame.count)))
                let flip = UInt8(truncatingIfNeeded: generator.next(upperBound: UInt64(255)) + 1)
                copies = copies.map { var copy = $0; copy[position] ^= flip; return copy }
                log.append("flipped byte \(position) of a \(direction) on \(fault.linkName)")
            default:
                continue
            }
        }
        return (.deliver(copies), log)
    }

    /// Whether a fault of this kind acts on frames going this way.
    private func actsOn(_ kind: LinkFault.Kind, _ direction: LinkFault.Direction) -> Bool {
        switch kind {
        case .drop(let which), .duplicate(let which), .corrupt(let which), .slice(let which, _): which == direction
        case .latency, .disconnect, .slowClose: false
        }
    }

    /// How long the end still up is not told that the connection between `a` and `b` closed,
    /// when a slow close is in force on their link at `now`.
    public func slowClose(between a: String, _ b: String, at now: Instant) -> Duration? {
        for fault in faults where fault.isActive(at: now) && Set([fault.client, fault.server]) == Set([a, b]) {
            if case .slowClose(let delay) = fault.kind { return delay }
        }
        return nil
    }
}
