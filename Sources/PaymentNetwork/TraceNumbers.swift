/// A STAN counter: six digits, wrapping within its range (all of 1...999999 unless told),
/// starting from a seeded number.
public struct TraceNumbers: Sendable {
    /// Every STAN DE11 can carry.
    public static let all = 1...999_999
    private var next: Int
    private let range: ClosedRange<Int>

    /// Starts at a number drawn from the generator, within `range` (a load generator's part
    /// numbers only its own share, so that parts never send one host the same STAN).
    public init(_ generator: inout SeededGenerator, within range: ClosedRange<Int> = all) {
        self.range = range
        let span = range == Self.all ? 900_000 : range.count
        next = range.lowerBound + Int(generator.next(upperBound: UInt64(span)))
    }

    /// The next STAN.
    public mutating func take() -> String {
        let value = next
        next = next == range.upperBound ? range.lowerBound : next + 1
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
