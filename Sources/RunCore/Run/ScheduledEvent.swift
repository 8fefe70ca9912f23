import Scenario
import PaymentNetwork
import SettlementCalendar

/// What the virtual clock runs: a node's timer, a held frame, or one of the harness's own events.
enum ScheduledEvent: Sendable, Hashable {
    /// A timer a node asked for.
    case timer(node: String, key: TimerKey)
    /// A fault window of the scenario opens (`starting`) or closes.
    case faultWindow(index: Int, starting: Bool)
    /// A frame a latency fault held is handed to its node (by the run's number for it).
    case release(frame: Int)
    /// A link's slow close ends: its connection closes (if still open) and its ends are told.
    case closeSlowly(client: String, server: String)
}
