import ISO8583
import SettlementCalendar

/// A bank: as issuer it authorizes purchases on its cards; as the merchant's bank it
/// credits the payouts the acquirer sends.
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

    public let configuration: Configuration
    public var name: String { configuration.name }
    public private(set) var ledger = Ledger()
    private var generator: SeededGenerator
    private var cards: [String: Card] = [:]
    private var status: [String: AccountStatus] = [:]
    private var spent: [String: (date: LocalDate, total: Money)] = [:]

    /// Makes a bank with its accounts opened.
    public init(configuration: Configuration, seed: UInt64) {
        self.configuration = configuration
        generator = SeededGenerator(seed: seed, stream: configuration.name)
        for card in configuration.cards { cards[card.pan] = card }
        for account in configuration.accounts {
            ledger.open(account.number, balance: account.balance)
            status[account.number] = account.status
        }
    }

    public mutating func receive(_ message: ISOMessage, from peer: String, now: Instant) -> [NodeAction] {
        guard message.mti == "0200" else { return [] }
        switch message[DE.processingCode] {
        case ProcessingCode.purchase: return authorize(message, from: peer, now: now)
        case ProcessingCode.payoutCredit: return credit(message, from: peer, now: now)
        default: return [.send(message.response(code: "12"), to: peer)]
        }
    }

    public mutating func timerFired(_ key: TimerKey, now: Instant) -> [NodeAction] { [] }

    /// The response code a purchase gets, before any money moves.
    private func check(_ request: ISOMessage, card: Card?, amount: Money?, today: LocalDate) -> String {
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
        let code = check(request, card: card, amount: amount, today: today)
        var response = request.response(code: code)
        let reference = request.transactionReference
        let exponent = configuration.currency.exponent
        guard code == "00", let card, let amount else {
            return [
                .send(response, to: scheme),
                .record(TimelineEvent(at: now, node: name, kind: .declined, reference: reference,
                                      detail: "declined with \(code) (\(ResponseCode.meaning(code)))",
                                      facts: .init(responseCode: code))),
            ]
        }
        ledger.transfer(amount, from: card.pan, to: Ledger.settlement(with: scheme), memo: "purchase \(reference)")
        let previous = spent[card.pan].flatMap { $0.date == today ? $0.total : nil } ?? .zero
        spent[card.pan] = (today, previous + amount)
        let authorization = generator.digits(6)
        response[DE.authorizationCode] = authorization
        return [
            .send(response, to: scheme),
            .record(TimelineEvent(at: now, node: name, kind: .authorized, reference: reference,
                                  detail: "approved \(amount.formatted(exponent: exponent)), authorization code \(authorization), card debited",
                                  facts: .init(responseCode: "00", clearingDate: nil, amount: amount))),
        ]
    }

    private mutating func credit(_ request: ISOMessage, from acquirer: String, now: Instant) -> [NodeAction] {
        let reference = "payout/\(request[DE.rrn] ?? "")"
        let account = request[DE.creditAccount] ?? ""
        let exponent = configuration.currency.exponent
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
                                      facts: .init(responseCode: code, amount: amount))),
            ]
        }
        ledger.transfer(amount, from: Ledger.settlement(with: acquirer), to: account, memo: reference)
        return [
            .send(request.response(code: "00"), to: acquirer),
            .record(TimelineEvent(at: now, node: name, kind: .arrived, reference: reference,
                                  detail: "\(amount.formatted(exponent: exponent)) credited to account \(account)",
                                  facts: .init(responseCode: "00", amount: amount))),
        ]
    }
}
