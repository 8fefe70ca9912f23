/// A problem setting up the wire.
public struct WireError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public var message: String
    /// Nothing listened at the address (the peer may still be starting).
    public var refused: Bool
    /// Makes an error.
    public init(message: String, refused: Bool = false) {
        self.message = message
        self.refused = refused
    }
    public var description: String { message }
}
