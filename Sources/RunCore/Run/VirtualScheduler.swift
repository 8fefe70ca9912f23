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

    /// A place in the queue: plain numbers, so that the heap's moves copy no event (an
    /// event holds strings, and under load the heap holds every timer a purchase set and
    /// cancelled until its instant comes: hundreds of thousands).
    private struct Slot {
        var at: Int64
        var sequence: UInt64
    }

    private var heap: [Slot] = []
    /// The live events by their sequence number, and each event's live sequence number.
    private var events: [UInt64: ScheduledEvent] = [:]
    private var live: [ScheduledEvent: UInt64] = [:]
    private var nextSequence: UInt64 = 0

    /// Makes room for this many events.
    mutating func reserve(_ count: Int) { heap.reserveCapacity(count) }

    /// Schedules (or reschedules) an event.
    mutating func schedule(_ event: ScheduledEvent, at: Instant) {
        let sequence = nextSequence
        nextSequence += 1
        if let earlier = live.updateValue(sequence, forKey: event) { events[earlier] = nil }
        events[sequence] = event
        heap.append(Slot(at: at.milliseconds, sequence: sequence))
        siftUp(heap.count - 1)
    }

    /// Forgets an event.
    mutating func cancel(_ event: ScheduledEvent) {
        if let sequence = live.removeValue(forKey: event) { events[sequence] = nil }
    }

    /// The next live timer, without removing it.
    mutating func peek() -> Entry? {
        dropDead()
        guard let top = heap.first, let event = events[top.sequence] else { return nil }
        return Entry(at: Instant(milliseconds: top.at), sequence: top.sequence, event: event)
    }

    /// Removes and returns the next live timer.
    mutating func pop() -> Entry? {
        guard let top = peek() else { return nil }
        removeTop()
        events[top.sequence] = nil
        live[top.event] = nil
        return top
    }

    /// Drops the cancelled and rescheduled events at the top.
    private mutating func dropDead() {
        while let top = heap.first, events[top.sequence] == nil { removeTop() }
    }

    private static func before(_ a: Slot, _ b: Slot) -> Bool { (a.at, a.sequence) < (b.at, b.sequence) }

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
