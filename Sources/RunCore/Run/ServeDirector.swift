public import ISO8583
public import PaymentNetwork

/// Someone who watches and steers a served run from outside, on the run's event loop: `paylab
/// certify pos` plays the POS centre around PayLab's real acquirer, scheme and banks, case by
/// case, and decides per case what becomes of an answer to the POS under test.
public protocol ServeDirector: AnyObject, Sendable {
    /// A message a system under test sent one of PayLab's nodes, decoded in PayLab's terms, with
    /// the TPDU and header its dialect carries (its MAC is checked by the node it goes to: a failure
    /// is a `mac_failed` event and an A0 answer).
    func received(_ message: ISOMessage, bytes: [UInt8], from peer: String, at node: String)
    /// What becomes of a message a PayLab node is about to send a system under test.
    func outgoing(_ message: ISOMessage, to peer: String, from node: String) -> OutgoingFate
    /// The bytes a message to a system under test went as (after `outgoing` let it go).
    func wrote(_ bytes: [UInt8], of message: ISOMessage, to peer: String)
    /// Called about twenty times a second: commands for PayLab's nodes now, and whether the run is over.
    func orders() -> DirectorOrders
}

/// What becomes of one message to a system under test.
public enum OutgoingFate: Sendable {
    /// It goes as the node made it.
    case send
    /// It is lost on the way (the SUT's own timeout must act).
    case drop
    /// It goes with its MAC one bit off.
    case spoilMAC
    /// Another message goes in its place (the POS centre answers as a case needs).
    case replace(ISOMessage)
}

/// A director's orders for this moment.
public struct DirectorOrders: Sendable {
    public var commands: [(node: String, command: NodeCommand)]
    public var stop: Bool

    public init(commands: [(node: String, command: NodeCommand)] = [], stop: Bool = false) {
        self.commands = commands
        self.stop = stop
    }
}
