/// A problem setting up the wire.
public struct WireError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public var message: String
    /// Makes an error.
    public init(message: String) { self.message = message }
    public var description: String { message }
}
