/// A currency: its ISO 4217 code, numeric code (DE49) and number of decimals.
public struct Currency: Sendable, Hashable {
    /// The alphabetic code (`CNY`).
    public var code: String
    /// The numeric code as DE49 carries it (`156`).
    public var numeric: String
    /// The number of decimals of the minor unit.
    public var exponent: Int

    /// Makes a currency.
    public init(code: String, numeric: String, exponent: Int) {
        self.code = code
        self.numeric = numeric
        self.exponent = exponent
    }

    /// The currencies PayLab knows, by code.
    public static let known: [String: Currency] = [
        "CNY": .init(code: "CNY", numeric: "156", exponent: 2),
        "USD": .init(code: "USD", numeric: "840", exponent: 2),
        "EUR": .init(code: "EUR", numeric: "978", exponent: 2),
        "GBP": .init(code: "GBP", numeric: "826", exponent: 2),
        "HKD": .init(code: "HKD", numeric: "344", exponent: 2),
        "JPY": .init(code: "JPY", numeric: "392", exponent: 0),
        "SGD": .init(code: "SGD", numeric: "702", exponent: 2),
    ]
}
