/// The frames written on each link and not yet handled at the other end: the runner
/// moves the virtual clock only when there are none.
struct InFlightFrames {
    /// A direction of a link: frames from `node` to `peer`.
    struct Link: Hashable {
        var node: String
        var peer: String
    }

    private var pending: [Link: Int] = [:]
    /// All frames in flight.
    private(set) var count = 0

    /// The frames written on `link` and not yet handled.
    func pending(on link: Link) -> Int { pending[link] ?? 0 }

    /// A frame was written from `node` to `peer`.
    mutating func sent(from node: String, to peer: String) {
        pending[Link(node: node, peer: peer), default: 0] += 1
        count += 1
    }

    /// `node` handled a frame from `peer`; false when none was counted (it was already
    /// written off when its connection closed).
    mutating func handled(at node: String, from peer: String) -> Bool {
        lose(Link(node: peer, peer: node), all: false) > 0
    }

    /// Writes off one frame of a link (a failed write), or all of them (a closed
    /// connection); returns how many.
    @discardableResult
    mutating func lose(_ link: Link, all: Bool) -> Int {
        let waiting = pending[link] ?? 0
        guard waiting > 0 else { return 0 }
        let lost = all ? waiting : 1
        pending[link] = waiting - lost
        count -= lost
        return lost
    }
}
