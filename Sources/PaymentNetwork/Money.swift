import ISO8583

/// An amount of money as an integer count of the currency's minor units (fen, cents).
public struct Money: Sendable, Hashable, Comparable, AdditiveArithmetic {
    /// The amount in minor units; negative for a debit balance.
    public var minorUnits: Int64

    /// Makes an amount from minor units.
    public init(minorUnits: Int64) {
        self.minorUnits = minorUnits
    }

    public static let zero = Money(minorUnits: 0)

    public static func + (lhs: Money, rhs: Money) -> Money { Money(minorUnits: lhs.minorUnits + rhs.minorUnits) }
    public static func - (lhs: Money, rhs: Money) -> Money { Money(minorUnits: lhs.minorUnits - rhs.minorUnits) }
    public static prefix func - (value: Money) -> Money { Money(minorUnits: -value.minorUnits) }
    public static func < (lhs: Money, rhs: Money) -> Bool { lhs.minorUnits < rhs.minorUnits }

    /// Parses a decimal (`1000.00`, `99.4`, `-5`) with at most `exponent` decimals,
    /// without going through a floating-point number; nil when malformed or too precise.
    public init?(decimal text: String, exponent: Int) {
        var body = Substring(text)
        var negative = false
        if body.first == "-" { negative = true; body = body.dropFirst() }
        let parts = body.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let whole = parts.first, !whole.isEmpty, whole.count <= 15,
              whole.allSatisfy(\.isASCIIDigit) else { return nil }
        var fraction = parts.count == 2 ? parts[1] : ""
        guard fraction.allSatisfy(\.isASCIIDigit), parts.count == 1 || !fraction.isEmpty else { return nil }
        guard fraction.count <= exponent else { return nil }
        fraction += String(repeating: "0", count: exponent - fraction.count)
        guard let units = Int64(whole + fraction) else { return nil }
        minorUnits = negative ? -units : units
    }

    /// The amount as a decimal with `exponent` decimals (`994.00`).
    public func formatted(exponent: Int) -> String {
        // Built as ASCII bytes: every timeline event's detail formats amounts.
        var digits = Array(String(minorUnits.magnitude).utf8)
        if exponent > 0 {
            if digits.count <= exponent { digits.insert(contentsOf: repeatElement(UInt8(ascii: "0"), count: exponent + 1 - digits.count), at: 0) }
            digits.insert(UInt8(ascii: "."), at: digits.count - exponent)
        }
        if minorUnits < 0 { digits.insert(UInt8(ascii: "-"), at: 0) }
        return String(decoding: digits, as: UTF8.self)
    }

    /// The amount times a rate in millionths (0.6% is 6000), rounded to the minor unit (up unless told).
    public func timesRate(partsPerMillion rate: Int64, rounding: Rounding = .up) -> Money {
        let product = minorUnits.magnitude * UInt64(rate)
        let rounded: UInt64
        switch rounding {
        case .up: rounded = (product + 999_999) / 1_000_000
        case .halfUp: rounded = (product + 500_000) / 1_000_000
        case .down: rounded = product / 1_000_000
        }
        return Money(minorUnits: minorUnits < 0 ? -Int64(rounded) : Int64(rounded))
    }

    /// How a product is rounded to the minor unit (away from zero for `up`, to the nearest
    /// with halves away from zero for `halfUp`, towards zero for `down`).
    public enum Rounding: String, Sendable, CaseIterable {
        case up
        case halfUp = "half_up"
        case down
    }
}

extension Character {
    /// `0` to `9` (not other scripts' digits, which `isNumber` admits).
    var isASCIIDigit: Bool { isASCII && isNumber }
}
