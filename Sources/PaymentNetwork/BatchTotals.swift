public import ISO8583

/// A terminal's batch totals as a 0500 carries them: purchases and completions are debits
/// (the cardholder pays), refunds credits; a number and an amount of each.
///
/// A UnionPay POS sends them in DE48: the domestic cards' debit count (n3) and amount (n12),
/// credit count (n3) and amount (n12) and reconciliation code (n1), then the same for foreign
/// cards (PayLab's are all domestic: zeros). The code is `0` in the request; the host answers
/// `1` (the totals agree) or `2` (they do not: the terminal uploads its batch). An ISO 8583:1987
/// terminal sends DE74, DE76, DE86 and DE88 instead, and is answered 00 or 95.
public struct BatchTotals: Sendable, Equatable {
    public var debits = 0, credits = 0
    public var debitAmount = Money.zero, creditAmount = Money.zero

    /// DE48's reconciliation codes.
    public enum Reconciliation: String, Sendable {
        case asked = "0", agree = "1", disagree = "2"
    }

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

    /// The totals a 0500 carries: DE48 when it reads as a UnionPay POS's, else DE74, DE76, DE86, DE88.
    public init(_ message: ISOMessage) {
        if let (totals, _) = Self.unionPay(message) {
            self = totals
            return
        }
        debits = Int(message[DE.debitsNumber] ?? "") ?? 0
        credits = Int(message[DE.creditsNumber] ?? "") ?? 0
        debitAmount = Money(minorUnits: Int64(message[DE.debitsAmount] ?? "") ?? 0)
        creditAmount = Money(minorUnits: Int64(message[DE.creditsAmount] ?? "") ?? 0)
    }

    /// DE48 as a UnionPay POS's totals and its reconciliation code; nil when it does not read as such.
    public static func unionPay(_ message: ISOMessage) -> (totals: BatchTotals, code: Reconciliation?)? {
        guard let text = message[DE.additionalData], text.count >= 31, text.allSatisfy(\.isASCIIDigit) else { return nil }
        let digits = Array(text)
        func number(_ range: Range<Int>) -> Int64 { Int64(String(digits[range])) ?? 0 }
        var totals = BatchTotals()
        totals.debits = Int(number(0..<3))
        totals.debitAmount = Money(minorUnits: number(3..<15))
        totals.credits = Int(number(15..<18))
        totals.creditAmount = Money(minorUnits: number(18..<30))
        return (totals, Reconciliation(rawValue: String(digits[30])))
    }

    /// Writes the totals into a 0500 as an ISO 8583:1987 terminal does (DE74, DE76, DE86, DE88).
    public func write(into message: inout ISOMessage) {
        message[DE.debitsNumber] = String(debits).leftPadded(to: 10)
        message[DE.creditsNumber] = String(credits).leftPadded(to: 10)
        message[DE.debitsAmount] = String(debitAmount.minorUnits).leftPadded(to: 16)
        message[DE.creditsAmount] = String(creditAmount.minorUnits).leftPadded(to: 16)
    }

    /// Writes the totals into DE48 as a UnionPay POS and its host do, with a reconciliation code.
    public func writeUnionPay(into message: inout ISOMessage, code: Reconciliation) {
        func count(_ value: Int) -> String { String(min(value, 999)).leftPadded(to: 3) }
        func amount(_ value: Money) -> String { String(value.minorUnits.magnitude).leftPadded(to: 12) }
        let domestic = count(debits) + amount(debitAmount) + count(credits) + amount(creditAmount) + code.rawValue
        let foreign = "000" + amount(.zero) + "000" + amount(.zero) + code.rawValue
        message[DE.additionalData] = domestic + foreign
    }

    /// `2 purchases of 150.00, 1 refund of 30.00`.
    public func text(exponent: Int) -> String {
        "\(debits) purchase\(debits == 1 ? "" : "s") of \(debitAmount.formatted(exponent: exponent)), \(credits) refund\(credits == 1 ? "" : "s") of \(creditAmount.formatted(exponent: exponent))"
    }
}
