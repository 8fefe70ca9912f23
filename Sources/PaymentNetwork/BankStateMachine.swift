public import ISO8583
public import SettlementCalendar

/// A bank: as issuer it authorizes purchases on its cards, reverses them, voids them (and
/// undoes a void that is itself reversed) and applies the scheme's stand-in advices; as the
/// merchant's bank it credits the payouts the acquirer sends, or refuses them when the
/// account is frozen. In maintenance it reads requests and answers nothing; payouts that
/// came in meanwhile land when it ends.
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
        /// A defect planted for `explore --self-test`; nil in every real run.
        public var planted: PlantedDefect?

        /// Makes a configuration.
        public init(name: String, cards: [Card], accounts: [(number: String, balance: Money, status: AccountStatus)], zone: Zone, currency: Currency, planted: PlantedDefect? = nil) {
            self.planted = planted
            self.name = name
            self.cards = cards
            self.accounts = accounts
            self.zone = zone
            self.currency = currency
        }
    }

    /// A purchase the bank debited, and what became of the debit.
    private struct Authorization: Sendable {
        enum State: Sendable { case debited, reversed, voided }
        var pan: String
        var amount: Money
        var scheme: String
        /// The day it counts against the card's daily limit.
        var day: LocalDate
        var state: State
    }

    public let configuration: Configuration
    public var name: String { configuration.name }
    public private(set) var ledger = Ledger()
    private var generator: SeededGenerator
    private var cards: [String: Card] = [:]
    private var status: [String: AccountStatus] = [:]
    private var configuredStatus: [String: AccountStatus] = [:]
    /// What each card spent on the day it last spent, for its daily limit.
    private var spent: [String: (date: LocalDate, total: Money)] = [:]
    private var authorizations: [TransactionReference: Authorization] = [:]
    /// Every purchase request seen, approved or not: the same one again is a duplicate.
    private var purchasesSeen: Set<TransactionReference> = []
    /// The answer given to each payout credit, by RRN: a repeat gets it again, and no money moves twice.
    private var credits: [String: ResponseCode] = [:]
    /// Originals reversed before this bank saw them: a stand-in advice for one that comes later debits nothing.
    private var reversedUnseen: Set<TransactionReference> = []
    /// Voids this bank approved, by the void's own reference: the purchase each undid.
    private var voids: [TransactionReference: TransactionReference] = [:]
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
            if message.isPayout, message.mti.original == .financialRequest { queuedCredits.append((message, peer)) }
            return []
        }
        if message.isResponse { return [] }
        if message.isReversal { return reverse(message, from: peer, now: now) }
        if message.mti.original == .financialAdvice { return applyAdvice(message, from: peer, now: now) }
        if message.isPayout, message.mti.original == .financialRequest { return credit(message, from: peer, now: now) }
        guard message.mti == .financialRequest else { return [] }
        switch message[DE.processingCode] {
        case ProcessingCode.purchase: return authorize(message, from: peer, now: now)
        case ProcessingCode.void: return void(message, from: peer, now: now)
        default: return [.send(message.response(code: .invalidTransaction), to: peer)]
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

    /// What a card spent today so far.
    private func spentToday(_ pan: String, today: LocalDate) -> Money {
        spent[pan].flatMap { $0.date == today ? $0.total : nil } ?? .zero
    }

    /// The response code a purchase gets, before any money moves.
    private func check(card: Card?, amount: Money?, today: LocalDate) -> ResponseCode {
        guard let card else { return .invalidCardNumber }
        if let refusal = CardRules.refusal(status: status[card.pan] ?? card.status, expiry: card.expiry, today: today) { return refusal }
        guard let amount, amount > .zero else { return .invalidAmount }
        if let limit = card.dailyLimit, spentToday(card.pan, today: today) + amount > limit { return .overDailyLimit }
        if ledger.balance(card.pan) < amount { return .insufficientFunds }
        return .approved
    }

    private mutating func authorize(_ request: ISOMessage, from scheme: String, now: Instant) -> [NodeAction] {
        let reference = request.transactionReference
        guard purchasesSeen.insert(reference).inserted else {
            // The same request again (duplicated on the way): it was answered once, and no money moves twice.
            return [
                .send(request.response(code: .duplicateTransmission), to: scheme),
                .record(TimelineEvent(at: now, node: name, kind: .duplicate, reference: .transaction(reference),
                                      detail: "the same STAN \(reference.stan) again: answered 94, the card is not charged twice",
                                      facts: .init(responseCode: .duplicateTransmission))),
            ]
        }
        if reversedUnseen.contains(reference) {
            // Its reversal came first (the sender gave up on it): it must not take the money now.
            return [
                .send(request.response(code: .invalidTransaction), to: scheme),
                .record(TimelineEvent(at: now, node: name, kind: .declined, reference: .transaction(reference),
                                      detail: "declined with 12: this purchase was already reversed", facts: .init(responseCode: .invalidTransaction))),
            ]
        }
        let today = configuration.zone.local(now).date
        let card = request[DE.pan].flatMap { cards[$0] }
        let amount = request.amount
        let code = check(card: card, amount: amount, today: today)
        var response = request.response(code: code)
        guard code.isApproval, let card, let amount else {
            return [
                .send(response, to: scheme),
                .record(TimelineEvent(at: now, node: name, kind: .declined, reference: .transaction(reference),
                                      detail: "declined with \(code) (\(code.meaning))",
                                      facts: .init(responseCode: code))),
            ]
        }
        debit(card: card.pan, amount: amount, scheme: scheme, reference: reference, today: today)
        let authorization = generator.digits(6)
        response[DE.authorizationCode] = authorization
        return [
            .send(response, to: scheme),
            .record(TimelineEvent(at: now, node: name, kind: .authorized, reference: .transaction(reference),
                                  detail: "approved \(amount.formatted(exponent: exponent)), authorization code \(authorization), card debited",
                                  facts: .init(responseCode: .approved, amount: amount))),
        ]
    }

    private mutating func debit(card pan: String, amount: Money, scheme: String, reference: TransactionReference, today: LocalDate) {
        ledger.transfer(amount, from: pan, to: Ledger.settlement(with: scheme), memo: "purchase \(reference)")
        spent[pan] = (today, spentToday(pan, today: today) + amount)
        authorizations[reference] = Authorization(pan: pan, amount: amount, scheme: scheme, day: today, state: .debited)
    }

    /// Gives the card its money back for a reversed or voided purchase, and the headroom of
    /// its daily limit; nil when there is nothing to undo.
    private mutating func undo(_ reference: TransactionReference, to state: Authorization.State, memo: String) -> Authorization? {
        guard let entry = authorizations[reference], entry.state == .debited else { return nil }
        authorizations[reference]?.state = state
        let planted = configuration.planted == .reversalNotCredited && state == .reversed
        ledger.transfer(entry.amount, from: Ledger.settlement(with: entry.scheme), to: planted ? "lost" : entry.pan, memo: "\(memo) \(reference)")
        if let day = spent[entry.pan], day.date == entry.day { spent[entry.pan] = (day.date, day.total - entry.amount) }
        return entry
    }

    private mutating func reverse(_ reversal: ISOMessage, from scheme: String, now: Instant) -> [NodeAction] {
        let original = reversal.originalReference
        if let purchase = voids[original] { return reverseVoid(reversal, of: purchase, from: scheme, now: now) }
        guard authorizations[original] != nil else {
            reversedUnseen.insert(original)
            return [.send(reversal.response(code: .originalNotFound), to: scheme)]
        }
        guard let entry = undo(original, to: .reversed, memo: "reversal") else {
            // Already reversed or voided: acknowledge again, move nothing.
            return [.send(reversal.response(code: .approved), to: scheme)]
        }
        return [
            .send(reversal.response(code: .approved), to: scheme),
            .record(TimelineEvent(at: now, node: name, kind: .reversed, reference: .transaction(original),
                                  detail: "\(entry.amount.formatted(exponent: exponent)) given back to the card",
                                  facts: .init(responseCode: .approved, amount: entry.amount, operation: .reversal))),
        ]
    }

    /// A void whose answer was lost is reversed: the purchase stands again and the card is debited again.
    private mutating func reverseVoid(_ reversal: ISOMessage, of purchase: TransactionReference, from scheme: String, now: Instant) -> [NodeAction] {
        let voidReference = reversal.originalReference
        voids[voidReference] = nil
        guard var entry = authorizations[purchase], entry.state == .voided else {
            return [.send(reversal.response(code: .approved), to: scheme)]
        }
        entry.state = .debited
        authorizations[purchase] = entry
        ledger.transfer(entry.amount, from: entry.pan, to: Ledger.settlement(with: entry.scheme), memo: "void reversed \(purchase)")
        if let day = spent[entry.pan], day.date == entry.day { spent[entry.pan] = (day.date, day.total + entry.amount) }
        return [
            .send(reversal.response(code: .approved), to: scheme),
            .record(TimelineEvent(at: now, node: name, kind: .reversed, reference: .transaction(purchase),
                                  detail: "void reversed: \(entry.amount.formatted(exponent: exponent)) taken from the card again",
                                  facts: .init(responseCode: .approved, amount: entry.amount, operation: .voidReversal))),
        ]
    }

    private mutating func void(_ void: ISOMessage, from scheme: String, now: Instant) -> [NodeAction] {
        let original = void.originalReference
        guard let entry = undo(original, to: .voided, memo: "void") else {
            return [.send(void.response(code: .invalidTransaction), to: scheme)]
        }
        voids[void.transactionReference] = original
        return [
            .send(void.response(code: .approved), to: scheme),
            .record(TimelineEvent(at: now, node: name, kind: .voided, reference: .transaction(original),
                                  detail: "voided: \(entry.amount.formatted(exponent: exponent)) given back to the card",
                                  facts: .init(responseCode: .approved, amount: entry.amount, operation: .void))),
        ]
    }

    /// The scheme approved in our place: post the debit, even past the balance, once.
    private mutating func applyAdvice(_ advice: ISOMessage, from scheme: String, now: Instant) -> [NodeAction] {
        let reference = advice.transactionReference
        let response = advice.response(code: .approved)
        guard authorizations[reference] == nil, !reversedUnseen.contains(reference), let pan = advice[DE.pan], cards[pan] != nil,
              let amount = advice.amount else {
            return [.send(response, to: scheme)]
        }
        debit(card: pan, amount: amount, scheme: scheme, reference: reference, today: configuration.zone.local(now).date)
        return [
            .send(response, to: scheme),
            .record(TimelineEvent(at: now, node: name, kind: .authorized, reference: .transaction(reference),
                                  detail: "stand-in advice applied: card debited \(amount.formatted(exponent: exponent))",
                                  facts: .init(amount: amount, operation: .advice))),
        ]
    }

    private mutating func credit(_ request: ISOMessage, from acquirer: String, now: Instant) -> [NodeAction] {
        let reference = request.payoutReference
        let rrn = request[DE.rrn] ?? ""
        if let earlier = credits[rrn] {
            // A repeat of a credit already answered (its answer was lost, or it came twice): the same answer, no money.
            return [.send(request.response(code: earlier), to: acquirer)]
        }
        let account = request[DE.creditAccount] ?? ""
        guard let amount = request.amount, amount > .zero else {
            return [.send(request.response(code: .invalidAmount), to: acquirer)]
        }
        let code: ResponseCode
        switch status[account] {
        case nil: code = .invalidCardNumber
        case .active?: code = .approved
        case .some: code = .restrictedCard
        }
        credits[rrn] = code
        guard code.isApproval else {
            return [
                .send(request.response(code: code), to: acquirer),
                .record(TimelineEvent(at: now, node: name, kind: .returned, reference: reference,
                                      detail: "credit of \(amount.formatted(exponent: exponent)) to account \(account) refused with \(code) (\(code.meaning))",
                                      facts: .init(responseCode: code, amount: amount, operation: .payout))),
            ]
        }
        ledger.transfer(amount, from: Ledger.settlement(with: acquirer), to: account, memo: "\(reference)")
        if configuration.planted == .payoutPaidTwice { ledger.transfer(amount, from: Ledger.settlement(with: acquirer), to: account, memo: "\(reference) again") }
        return [
            .send(request.response(code: .approved), to: acquirer),
            .record(TimelineEvent(at: now, node: name, kind: .arrived, reference: reference,
                                  detail: "\(amount.formatted(exponent: exponent)) credited to account \(account)",
                                  facts: .init(responseCode: .approved, amount: amount, operation: .payout))),
        ]
    }
}
