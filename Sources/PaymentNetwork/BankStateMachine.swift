import ISO8583
import SettlementCalendar

/// A bank: as issuer it authorizes purchases on its cards, reverses them, voids them and
/// applies the scheme's stand-in advices; as the merchant's bank it credits the payouts
/// the acquirer sends, or refuses them when the account is frozen. In maintenance it reads
/// requests and answers nothing; payouts that came in meanwhile land when it ends.
public struct BankStateMachine: NodeLogic {
    /// A card the bank issued.
    public struct Card: Sendable, Equatable {
        /// The card number, which is also its account in the bank's ledger.
        public var pan: String
        /// `YYMM`.
        public var expiry: String
        /// `active`, `frozen`, `lost` or `expired`.
        public var status: AccountStatus
        /// The most it may spend in a day, if limited.
        public var dailyLimit: Money?

        /// Makes a card.
        public init(pan: String, expiry: String, status: AccountStatus = .active, dailyLimit: Money? = nil) {
            self.pan = pan
            self.expiry = expiry
            self.status = status
            self.dailyLimit = dailyLimit
        }
    }

    /// The state of a card or an account.
    public enum AccountStatus: String, Sendable, CaseIterable {
        case active, frozen, lost, expired
    }

    /// What a bank is set up with.
    public struct Configuration: Sendable {
        /// The node's name.
        public var name: String
        /// The cards it issued.
        public var cards: [Card]
        /// Every account it keeps (cards' and others') with its opening balance and status.
        public var accounts: [(number: String, balance: Money, status: AccountStatus)]
        /// The local time zone.
        public var zone: Zone
        /// The currency.
        public var currency: Currency

        /// Makes a configuration.
        public init(name: String, cards: [Card], accounts: [(number: String, balance: Money, status: AccountStatus)], zone: Zone, currency: Currency) {
            self.name = name
            self.cards = cards
            self.accounts = accounts
            self.zone = zone
            self.currency = currency
        }
    }

    /// A purchase the bank approved, kept for reversals and voids.
    private struct Authorization: Sendable {
        var pan: String
        var amount: Money
        var scheme: String
        var undone: Bool
    }

    public let configuration: Configuration
    public var name: String { configuration.name }
    public private(set) var ledger = Ledger()
    private var generator: SeededGenerator
    private var cards: [String: Card] = [:]
    private var status: [String: AccountStatus] = [:]
    private var configuredStatus: [String: AccountStatus] = [:]
    private var spent: [String: (date: LocalDate, total: Money)] = [:]
    private var authorizations: [String: Authorization] = [:]
    private var inMaintenance = false
    private var queuedCredits: [(message: ISOMessage, from: String)] = []

    /// Makes a bank with its accounts opened.
    public init(configuration: Configuration, seed: UInt64) {
        self.configuration = configuration
        generator = SeededGenerator(seed: seed, stream: configuration.name)
        for card in configuration.cards { cards[card.pan] = card }
        for account in configuration.accounts {
            ledger.open(account.number, balance: account.balance)
            status[account.number] = account.status
            configuredStatus[account.number] = account.status
        }
    }

    public var waitingOn: [String] { queuedCredits.map { "queued payout \($0.message[DE.rrn] ?? "")" } }

    private var exponent: Int { configuration.currency.exponent }

    public mutating func receive(_ message: ISOMessage, from peer: String, now: Instant) -> [NodeAction] {
        if inMaintenance {
            // Incoming credits wait for the end of the window; everything else goes unanswered.
            if message.isPayout, message.mti == "0200" { queuedCredits.append((message, peer)) }
            return []
        }
        if message.isReversal { return reverse(message, from: peer, now: now) }
        if message.mti == "0220" || message.mti == "0221" { return applyAdvice(message, from: peer, now: now) }
        guard message.mti == "0200" else { return [] }
        switch message[DE.processingCode] {
        case ProcessingCode.purchase: return authorize(message, from: peer, now: now)
        case ProcessingCode.void: return void(message, from: peer, now: now)
        case ProcessingCode.payoutCredit: return credit(message, from: peer, now: now)
        default: return [.send(message.response(code: "12"), to: peer)]
        }
    }

    public mutating func timerFired(_ key: TimerKey, now: Instant) -> [NodeAction] { [] }

    public mutating func perform(_ command: NodeCommand, now: Instant) -> [NodeAction] {
        switch command {
        case .maintenance(true):
            inMaintenance = true
            return []
        case .maintenance(false):
            inMaintenance = false
            let queued = queuedCredits
            queuedCredits.removeAll()
            return queued.flatMap { credit($0.message, from: $0.from, now: now) }
        case .freeze(let account, let frozen):
            guard status[account] != nil else { return [] }
            status[account] = frozen ? .frozen : configuredStatus[account] ?? .active
            return []
        default:
            return []
        }
    }

    /// The response code a purchase gets, before any money moves.
    private func check(card: Card?, amount: Money?, today: LocalDate) -> String {
        guard let card else { return "14" }
        let cardStatus = status[card.pan] ?? card.status
        if cardStatus == .frozen || cardStatus == .lost { return "62" }
        let expiryValue = Int(card.expiry) ?? 0
        if cardStatus == .expired || expiryValue < (today.year % 100) * 100 + today.month { return "54" }
        guard let amount, amount > .zero else { return "13" }
        if let limit = card.dailyLimit {
            let already = spent[card.pan].flatMap { $0.date == today ? $0.total : nil } ?? .zero
            if already + amount > limit { return "61" }
        }
        if ledger.balance(card.pan) < amount { return "51" }
        return "00"
    }

    private mutating func authorize(_ request: ISOMessage, from scheme: String, now: Instant) -> [NodeAction] {
        let today = configuration.zone.local(now).date
        let card = request[DE.pan].flatMap { cards[$0] }
        let amount = request.amount
        let code = check(card: card, amount: amount, today: today)
        var response = request.response(code: code)
        let reference = request.transactionReference
        guard code == "00", let card, let amount else {
            return [
                .send(response, to: scheme),
                .record(TimelineEvent(at: now, node: name, kind: .declined, reference: reference,
                                      detail: "declined with \(code) (\(ResponseCode.meaning(code)))",
                                      facts: .init(responseCode: code))),
            ]
        }
        debit(card: card.pan, amount: amount, scheme: scheme, reference: reference, today: today)
        let authorization = generator.digits(6)
        response[DE.authorizationCode] = authorization
        return [
            .send(response, to: scheme),
            .record(TimelineEvent(at: now, node: name, kind: .authorized, reference: reference,
                                  detail: "approved \(amount.formatted(exponent: exponent)), authorization code \(authorization), card debited",
                                  facts: .init(responseCode: "00", amount: amount))),
        ]
    }

    private mutating func debit(card pan: String, amount: Money, scheme: String, reference: String, today: LocalDate) {
        ledger.transfer(amount, from: pan, to: Ledger.settlement(with: scheme), memo: "purchase \(reference)")
        let previous = spent[pan].flatMap { $0.date == today ? $0.total : nil } ?? .zero
        spent[pan] = (today, previous + amount)
        authorizations[reference] = Authorization(pan: pan, amount: amount, scheme: scheme, undone: false)
    }

    /// Gives the card its money back for a reversed or voided purchase; false when there is nothing to undo.
    private mutating func undo(_ reference: String, memo: String) -> Authorization? {
        guard let entry = authorizations[reference], !entry.undone else { return nil }
        authorizations[reference]?.undone = true
        ledger.transfer(entry.amount, from: Ledger.settlement(with: entry.scheme), to: entry.pan, memo: "\(memo) \(reference)")
        return entry
    }

    private mutating func reverse(_ reversal: ISOMessage, from scheme: String, now: Instant) -> [NodeAction] {
        let original = reversal.originalReference
        guard authorizations[original] != nil else {
            return [.send(reversal.response(code: "25"), to: scheme)]
        }
        guard let entry = undo(original, memo: "reversal") else {
            // Already reversed: acknowledge again, move nothing.
            return [.send(reversal.response(code: "00"), to: scheme)]
        }
        return [
            .send(reversal.response(code: "00"), to: scheme),
            .record(TimelineEvent(at: now, node: name, kind: .reversed, reference: original,
                                  detail: "\(entry.amount.formatted(exponent: exponent)) given back to the card",
                                  facts: .init(responseCode: "00", amount: entry.amount, operation: .reversal))),
        ]
    }

    private mutating func void(_ void: ISOMessage, from scheme: String, now: Instant) -> [NodeAction] {
        let original = void.originalReference
        guard let entry = undo(original, memo: "void") else {
            return [.send(void.response(code: "12"), to: scheme)]
        }
        return [
            .send(void.response(code: "00"), to: scheme),
            .record(TimelineEvent(at: now, node: name, kind: .voided, reference: original,
                                  detail: "voided: \(entry.amount.formatted(exponent: exponent)) given back to the card",
                                  facts: .init(responseCode: "00", amount: entry.amount, operation: .void))),
        ]
    }

    /// The scheme approved in our place: post the debit, even past the balance, once.
    private mutating func applyAdvice(_ advice: ISOMessage, from scheme: String, now: Instant) -> [NodeAction] {
        let reference = advice.transactionReference
        var response = advice.response(code: "00")
        response.mti = "0230"
        guard authorizations[reference] == nil, let pan = advice[DE.pan], cards[pan] != nil, let amount = advice.amount else {
            return [.send(response, to: scheme)]
        }
        debit(card: pan, amount: amount, scheme: scheme, reference: reference, today: configuration.zone.local(now).date)
        return [
            .send(response, to: scheme),
            .record(TimelineEvent(at: now, node: name, kind: .authorized, reference: reference,
                                  detail: "stand-in advice applied: card debited \(amount.formatted(exponent: exponent))",
                                  facts: .init(amount: amount, operation: .advice))),
        ]
    }

    private mutating func credit(_ request: ISOMessage, from acquirer: String, now: Instant) -> [NodeAction] {
        let reference = "payout/\(request[DE.rrn] ?? "")"
        let account = request[DE.creditAccount] ?? ""
        guard let amount = request.amount, amount > .zero else {
            return [.send(request.response(code: "13"), to: acquirer)]
        }
        let code: String
        switch status[account] {
        case nil: code = "14"
        case .active?: code = "00"
        case .some: code = "62"
        }
        guard code == "00" else {
            return [
                .send(request.response(code: code), to: acquirer),
                .record(TimelineEvent(at: now, node: name, kind: .returned, reference: reference,
                                      detail: "credit of \(amount.formatted(exponent: exponent)) to account \(account) refused with \(code) (\(ResponseCode.meaning(code)))",
                                      facts: .init(responseCode: code, amount: amount, operation: .payout))),
            ]
        }
        ledger.transfer(amount, from: Ledger.settlement(with: acquirer), to: account, memo: reference)
        return [
            .send(request.response(code: "00"), to: acquirer),
            .record(TimelineEvent(at: now, node: name, kind: .arrived, reference: reference,
                                  detail: "\(amount.formatted(exponent: exponent)) credited to account \(account)",
                                  facts: .init(responseCode: "00", amount: amount, operation: .payout))),
        ]
    }
}
