
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
        return Self.text(value)
    }

    /// A STAN as DE11 carries it: six digits, zero-padded (`000042`); `value` in 0...999999.
    public static func text(_ value: Int) -> String {
        String(unsafeUninitializedCapacity: 6) { digits in
            var rest = value
            for index in (0..<6).reversed() {
                digits[index] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            }
            return 6
        }
    }
}
