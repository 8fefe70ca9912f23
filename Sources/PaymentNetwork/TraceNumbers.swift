
/// A STAN counter: six digits, wrapping after 999999, starting from a seeded number.
public struct TraceNumbers: Sendable {
    private var next: Int

    /// Starts at a number drawn from the generator.
    public init(_ generator: inout SeededGenerator) {
        next = Int(generator.next(upperBound: UInt64(900_000))) + 1
    }

    /// The next STAN.
    public mutating func take() -> String {
        let value = next
        next = next % 999_999 + 1
        let text = String(value)
        return String(repeating: "0", count: 6 - text.count) + text
    }
}
