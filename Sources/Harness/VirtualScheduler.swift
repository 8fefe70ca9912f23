import SettlementCalendar

/// The virtual clock's timers: the earliest due first, and timers due at the same instant
/// in the order they were scheduled.
///
/// A node's timer is named by the node and a key; scheduling the same name again replaces it.
struct VirtualScheduler {
    struct Timer: Equatable {
        var at: Instant
        var sequence: UInt64
        var node: String
        var key: String
    }

    private var heap: [Timer] = []
    private var live: [String: UInt64] = [:]
    private var nextSequence: UInt64 = 0

    private static func name(_ node: String, _ key: String) -> String { node + "\u{0}" + key }

    /// Schedules (or reschedules) a node's timer.
    mutating func schedule(node: String, key: String, at: Instant) {
        let timer = Timer(at: at, sequence: nextSequence, node: node, key: key)
        nextSequence += 1
        live[Self.name(node, key)] = timer.sequence
        heap.append(timer)
        siftUp(heap.count - 1)
    }

    /// Forgets a node's timer.
    mutating func cancel(node: String, key: String) {
        live[Self.name(node, key)] = nil
    }

    /// The next live timer, without removing it.
    mutating func peek() -> Timer? {
        dropDead()
        return heap.first
    }

    /// Removes and returns the next live timer.
    mutating func pop() -> Timer? {
        dropDead()
        guard let top = heap.first else { return nil }
        removeTop()
        live[Self.name(top.node, top.key)] = nil
        return top
    }

    private mutating func dropDead() {
        while let top = heap.first, live[Self.name(top.node, top.key)] != top.sequence { removeTop() }
    }

    private static func before(_ a: Timer, _ b: Timer) -> Bool { (a.at, a.sequence) < (b.at, b.sequence) }

    private mutating func removeTop() {
        heap.swapAt(0, heap.count - 1)
        heap.removeLast()
        var index = 0
        while true {
            let left = 2 * index + 1, right = left + 1
            var smallest = index
            if left < heap.count, Self.before(heap[left], heap[smallest]) { smallest = left }
            if right < heap.count, Self.before(heap[right], heap[smallest]) { smallest = right }
            if smallest == index { return }
            heap.swapAt(index, smallest)
            index = smallest
        }
    }

    private mutating func siftUp(_ start: Int) {
        var index = start
        while index > 0 {
            let parent = (index - 1) / 2
            guard Self.before(heap[index], heap[parent]) else { return }
            heap.swapAt(index, parent)
            index = parent
        }
    }
}
