public import ISO8583

/// A message a node keeps for later (its journal's copy of a request or an answer), held
/// compacted: only its live bytes, in buffers no larger than they need (`ISOMessage.compacted()`).
/// A long load run keeps hundreds of thousands; built hop by hop, each carried the bytes of the
/// values it replaced and the spare room of buffers that grew by doubling.
@propertyWrapper
public struct Kept<Message: CompactableMessage>: Sendable {
    private var message: Message

    public init(wrappedValue: Message) { message = wrappedValue.compacted() }

    public var wrappedValue: Message {
        get { message }
        set { message = newValue.compacted() }
    }
}

/// A message, or an optional one, that can be kept compacted.
public protocol CompactableMessage: Sendable {
    func compacted() -> Self
}

extension ISOMessage: CompactableMessage {}

extension Optional: CompactableMessage where Wrapped == ISOMessage {
    public func compacted() -> ISOMessage? { map { $0.compacted() } }
}
