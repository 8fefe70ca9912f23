public import ISO8583

/// A message a node keeps for later (its journal's copy of a request or an answer), held
/// frozen: its live values in one buffer (`FrozenISOMessage`), thawed when read. A long load
/// run keeps hundreds of thousands while their purchases wait for a payout (three days'
/// worth over a weekend); each kept live would hold two buffers and the spare room of buffers
/// that grew by doubling as it was built hop by hop.
@propertyWrapper
public struct Kept<Message: KeepableMessage>: Sendable {
    private var frozen: Message.Frozen

    public init(wrappedValue: Message) { frozen = wrappedValue.frozen() }

    public var wrappedValue: Message {
        get { Message.thawed(frozen) }
        set { frozen = newValue.frozen() }
    }
}

/// A message, or an optional one, that can be kept frozen.
public protocol KeepableMessage: Sendable {
    associatedtype Frozen: Sendable
    func frozen() -> Frozen
    static func thawed(_ frozen: Frozen) -> Self
}

extension ISOMessage: KeepableMessage {
    public func frozen() -> FrozenISOMessage { FrozenISOMessage(self) }
    public static func thawed(_ frozen: FrozenISOMessage) -> ISOMessage { frozen.message }
}

extension Optional: KeepableMessage where Wrapped == ISOMessage {
    public func frozen() -> FrozenISOMessage? { map(FrozenISOMessage.init) }
    public static func thawed(_ frozen: FrozenISOMessage?) -> ISOMessage? { frozen?.message }
}
