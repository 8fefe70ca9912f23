public import ISO8583

/// A terminal's batch totals as a 0500 carries them: purchases and completions are debits
/// (the cardholder pays), refunds credits; a number and an amount of each.
public struct BatchTotals: Sendable, Equatable {
    public var debits = 0, credits = 0
    public var debitAmount = Money.zero, creditAmount = Money.zero

    public init() {}

    /// Adds a transaction of the batch.
    public mutating func add(_ amount: Money, refund: Bool) {
        if refund {
            credits += 1
            creditAmount += amount
        } else {
            debits += 1
            debitAmount += amount
        }
    }

    /// The totals a 0500 carries (DE74, DE76, DE86, DE88).
    public init(_ message: ISOMessage) {
        debits = Int(message[DE.debitsNumber] ?? "") ?? 0
        credits = Int(message[DE.creditsNumber] ?? "") ?? 0
        debitAmount = Money(minorUnits: Int64(message[DE.debitsAmount] ?? "") ?? 0)
        creditAmount = Money(minorUnits: Int64(message[DE.creditsAmount] ?? "") ?? 0)
    }

    /// Writes the totals into a 0500.
    public func write(into message: inout ISOMessage) {
        message[DE.debitsNumber] = String(debits).leftPadded(to: 10)
        message[DE.creditsNumber] = String(credits).leftPadded(to: 10)
        message[DE.debitsAmount] = String(debitAmount.minorUnits).leftPadded(to: 16)
        message[DE.creditsAmount] = String(creditAmount.minorUnits).leftPadded(to: 16)
    }

    /// `2 purchases of 150.00, 1 refund of 30.00`.
    public func text(exponent: Int) -> String {
        "\(debits) purchase\(debits == 1 ? "" : "s") of \(debitAmount.formatted(exponent: exponent)), \(credits) refund\(credits == 1 ? "" : "s") of \(creditAmount.formatted(exponent: exponent))"
    }
}
