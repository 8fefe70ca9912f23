import PaymentNetwork
public import SettlementCalendar

/// A fault on the link between two nodes, named in the direction its requests travel
/// (`client -> server`), active from `from` until `to` on the virtual clock.
public struct LinkFault: Sendable {
    /// Which frames a fault acts on.
    public enum Direction: String, Sendable {
        /// Frames from the client to the server.
        case request
        /// Frames from the server back to the client.
        case response
    }

    /// What the link does wrong.
    public enum Kind: Sendable {
        /// Every frame, both ways, is held this long (virtual time) before it is handed on.
        case latency(Duration)
        /// Frames are lost.
        case drop(Direction)
        /// Frames arrive twice.
        case duplicate(Direction)
        /// One byte of each frame is flipped in flight.
        case corrupt(Direction)
        /// The connection is cut for the window; nothing gets through.
        case disconnect
        /// Frames are written as half frames (the length header and half the message), the
        /// rest `pause` later: a receiver must hold a partial frame across reads.
        case slice(Direction, pause: Duration)
        /// When the connection closes (an outage of either end, a disconnect), the end still up
        /// is not told for this long: what it writes meanwhile is lost, as into a peer that
        /// vanished without closing.
        case slowClose(Duration)
    }

    /// The node that opens the connection and sends requests.
    public var client: String
    /// The node that listens and answers.
    public var server: String
    /// What goes wrong.
    public var kind: Kind
    /// When it starts.
    public var from: Instant
    /// When it ends; nil: at the end of the run.
    public var to: Instant?
    /// How many frames it may still act on; nil: all in the window.
    public var remaining: Int?
    /// A latency's spread, drawn per frame from the run's seed.
    public var jitter: Duration?
    /// The chance in millionths that a drop, duplicate or corruption acts on a frame (nil: always).
    public var probabilityPPM: Int64?

    /// Makes a fault.
    public init(client: String, server: String, kind: Kind, from: Instant, to: Instant?, count: Int?) {
        self.client = client
        self.server = server
        self.kind = kind
        self.from = from
        self.to = to
        self.remaining = count
    }

    /// Whether the fault is in force at an instant.
    public func isActive(at now: Instant) -> Bool {
        from <= now && (to.map { now < $0 } ?? true) && (remaining.map { $0 > 0 } ?? true)
    }

    /// `Leshua -> UnionPay`.
    public var linkName: String { "\(client) -> \(server)" }
}
