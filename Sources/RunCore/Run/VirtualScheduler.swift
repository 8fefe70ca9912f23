import Scenario
import PaymentNetwork
import SettlementCalendar

/// The virtual clock's queue: the earliest due first, and events due at the same instant
/// in the order they were scheduled (first in, first out).
///
/// Scheduling an event that is already queued moves it: a node has one timer per key.
struct VirtualScheduler {
    struct Entry: Equatable {
        var at: Instant
        var sequence: UInt64
        var event: ScheduledEvent
    }

    private var heap: [Entry] = []
    private var live: [ScheduledEvent: UInt64] = [:]
    private var nextSequence: UInt64 = 0

    /// Makes room for this many events.
    mutating func reserve(_ count: Int) { heap.reserveCapacity(count) }

    /// Schedules (or reschedules) an event.
    mutating func schedule(_ event: ScheduledEvent, at: Instant) {
        let entry = Entry(at: at, sequence: nextSequence, event: event)
        nextSequence += 1
        live[event] = entry.sequence
        heap.append(entry)
        siftUp(heap.count - 1)
    }

    /// Forgets an event.
    mutating func cancel(_ event: ScheduledEvent) {
        live[event] = nil
    }

    /// The next live timer, without removing it.
    mutating func peek() -> Entry? {
        dropDead()
        return heap.first
    }

    /// Removes and returns the next live timer.
    mutating func pop() -> Entry? {
        dropDead()
        guard let top = heap.first else { return nil }
        removeTop()
        live[top.event] = nil
        return top
    }

    private mutating func dropDead() {
        while let top = heap.first, live[top.event] != top.sequence { removeTop() }
    }

    private static func before(_ a: Entry, _ b: Entry) -> Bool { (a.at, a.sequence) < (b.at, b.sequence) }

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
