public import ISO8583

/// DE54 of a balance inquiry's answer, as ISO 8583:1987 and UnionPay lay it out: sets of 20
/// characters, each the account type (n2, `10` a debit card's savings account, `30` a credit
/// card's), the amount type (n2, `01` the ledger balance, `02` the available balance), the
/// currency (n3), `C` or `D` and the amount (n12, minor units).
public struct Balances: Sendable, Equatable {
    /// The ledger balance (amount type 01).
    public var ledger: Money
    /// What can be spent (amount type 02): the ledger less what pre-authorizations hold.
    public var available: Money
    /// DE49's numeric code.
    public var currency: String

    public init(ledger: Money, available: Money, currency: String) {
        self.ledger = ledger
        self.available = available
        self.currency = currency
    }

    /// The balances a message's DE54 shows; nil when it has none that reads (an untrusted answer's
    /// DE54 is data: anything else is nil, never a crash).
    public init?(_ message: ISOMessage) {
        guard let text = message[DE.additionalAmounts], text.count >= 20, text.count % 20 == 0 else { return nil }
        var found: [String: Money] = [:]
        var currency = ""
        var rest = Substring(text)
        while !rest.isEmpty {
            let set = Array(rest.prefix(20))
            rest = rest.dropFirst(20)
            let digits = String(set[8..<20])
            guard digits.allSatisfy(\.isASCIIDigit), let units = Int64(digits), set[7] == "C" || set[7] == "D" else { return nil }
            found[String(set[2..<4])] = Money(minorUnits: set[7] == "D" ? -units : units)
            currency = String(set[4..<7])
        }
        guard let ledger = found["01"] ?? found["02"] else { return nil }
        self.init(ledger: ledger, available: found["02"] ?? ledger, currency: currency)
    }

    /// Writes DE54: the ledger balance, then the available balance.
    public func write(into message: inout ISOMessage, accountType: String = "10") {
        func set(_ type: String, _ amount: Money) -> String {
            accountType + type + currency + (amount < .zero ? "D" : "C") + String(amount.minorUnits.magnitude).leftPadded(to: 12)
        }
        message[DE.additionalAmounts] = set("01", ledger) + set("02", available)
    }
}
