/// When a merchant is paid: `T+n` counts business days, `D+n` calendar days.
public struct SettlementTerms: Sendable, Hashable, CustomStringConvertible {
    /// Which days are counted.
    public enum Basis: String, Sendable { case businessDays = "T", calendarDays = "D" }

    /// Business or calendar days.
    public var basis: Basis
    /// How many days after the clearing date.
    public var days: Int

    /// Makes terms.
    public init(basis: Basis, days: Int) {
        self.basis = basis
        self.days = days
    }

    /// Parses `T+1`, `D+0`; nil when malformed.
    public init?(_ text: String) {
        guard text.count >= 3, let basis = Basis(rawValue: String(text.prefix(1))),
              text.dropFirst().first == "+", let days = Int(text.dropFirst(2)), days >= 0, days <= 366,
              text.dropFirst(2).allSatisfy(\.isNumber)
        else { return nil }
        self.init(basis: basis, days: days)
    }

    /// `T+1`.
    public var description: String { "\(basis.rawValue)+\(days)" }
}
