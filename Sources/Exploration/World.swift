import ISO8583
import PaymentNetwork
import SettlementCalendar
import RunCore

/// One random world of `paylab explore`: a network, faults and steps, as values the
/// shrinker can cut down, written out as a scenario file that `paylab run` reproduces.
struct World: Sendable {
    struct Merchant: Sendable {
        var id: String
        var terminal: String
        var terms: String
        /// Fee in millionths (0.6% is 6000).
        var feePartsPerMillion: Int64
        var feeCap: Money?
        var payoutAt: TimeOfDay
        var account: String
        var accountBank: String
    }

    struct Bank: Sendable {
        var name: String
        var bins: [String]
    }

    struct Card: Sendable {
        var pan: String
        var bank: String
        var balance: Money
        var expiry: String
        var status: AccountStatus
        var dailyLimit: Money?
    }

    struct Fault: Sendable {
        /// The fault's own lines, without `from`/`to` (`maintenance: ICBC`, or `network: A -> B` and `drop: response`).
        var lines: [String]
        var from: LocalDateTime
        var to: LocalDateTime?
    }

    enum Action: Sendable {
        case swipe(id: String, merchant: Int, card: Int, amount: Money, keyed: Money?)
        case void(of: String)
        case again(id: String, of: String)
    }

    struct Step: Sendable {
        var at: LocalDateTime
        var action: Action
    }

    var seed: UInt64
    var timezone: String
    var currency: String
    var scheme: String
    var acquirer: String
    var banks: [Bank]
    var calendar: String
    var start: LocalDateTime
    var cutoff: TimeOfDay
    var standInLimit: Money?
    var merchants: [Merchant]
    var cards: [Card]
    var faults: [Fault]
    var steps: [Step]

    /// The ids of swipes (not repeats) still in the world.
    var swipeIDs: Set<String> {
        Set(steps.compactMap { if case .swipe(let id, _, _, _, _) = $0.action { return id } else { return nil } })
    }

    /// The scenario file.
    func yaml(description: String) -> String {
        func money(_ value: Money) -> String { value.formatted(exponent: 2) }
        func quoted(_ text: String) -> String { "\"\(text)\"" }
        var lines = [
            "# yaml-language-server: $schema=../docs/scenario.schema.json",
            "name: explored world \(seed)",
            "description: >",
        ]
        lines += description.split(separator: "\n").map { "  " + $0 }
        lines += [
            "tags: [explore]",
            "seed: \(seed)",
            "timezone: \(timezone)",
            "currency: \(currency)",
            "calendar: \(calendar)",
            "start: \(quoted(start.description))",
            "horizon: 30d",
            "network:",
            "  scheme: { name: \(quoted(scheme)), cutoff: \(quoted(cutoff.description)), stand_in: \(standInLimit.map { "{ limit: \(money($0)) }" } ?? "false") }",
            "  acquirer: { name: \(quoted(acquirer)) }",
            "  banks:",
        ]
        for bank in banks {
            lines.append("    - { name: \(quoted(bank.name)), bins: [\(bank.bins.map(quoted).joined(separator: ", "))] }")
        }
        lines.append("  merchants:")
        for merchant in merchants {
            var fields = ["id: \(quoted(merchant.id))", "terminals: [\(quoted(merchant.terminal))]", "settlement: \(merchant.terms)",
                          "fee: \(Self.rate(merchant.feePartsPerMillion))"]
            if let cap = merchant.feeCap { fields.append("fee_cap: \(money(cap))") }
            fields.append("payout_at: \(quoted(merchant.payoutAt.description))")
            fields.append("account: { bank: \(quoted(merchant.accountBank)), number: \(quoted(merchant.account)) }")
            lines.append("    - { \(fields.joined(separator: ", ")) }")
        }
        lines.append("  cards:")
        for card in cards {
            var fields = ["pan: \(quoted(card.pan))", "bank: \(quoted(card.bank))", "balance: \(money(card.balance))", "expiry: \(quoted(card.expiry))"]
            if card.status != .active { fields.append("status: \(card.status.rawValue)") }
            if let limit = card.dailyLimit { fields.append("daily_limit: \(money(limit))") }
            lines.append("    - { \(fields.joined(separator: ", ")) }")
        }
        lines.append(faults.isEmpty ? "faults: []" : "faults:")
        for fault in faults {
            lines.append("  - " + fault.lines[0])
            lines += fault.lines.dropFirst().map { "    " + $0 }
            lines.append("    from: \(quoted(fault.from.description))")
            if let to = fault.to { lines.append("    to: \(quoted(to.description))") }
        }
        lines.append(steps.isEmpty ? "steps: []" : "steps:")
        for step in steps {
            lines.append("  - at: \(quoted(step.at.description))")
            switch step.action {
            case .swipe(let id, let merchant, let card, let amount, let keyed):
                let keyedText = keyed.map { ", keyed: \(money($0))" } ?? ""
                lines.append("    swipe: { id: \(id), terminal: \(merchants[merchant].terminal), card: \(quoted(cards[card].pan)), amount: \(money(amount))\(keyedText) }")
            case .void(let original):
                lines.append("    void: \(original)")
            case .again(let id, let original):
                lines.append("    swipe: { id: \(id), repeat: \(original) }")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `0.6%` from millionths.
    static func rate(_ partsPerMillion: Int64) -> String {
        var text = String(partsPerMillion / 10_000)
        let fraction = partsPerMillion % 10_000
        if fraction != 0 {
            var digits = String(fraction)
            digits = digits.leftPadded(to: 4)
            while digits.hasSuffix("0") { digits.removeLast() }
            text += "." + digits
        }
        return text + "%"
    }
}
