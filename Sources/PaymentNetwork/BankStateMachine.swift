public import ISO8583
public import SettlementCalendar
public import PaymentSecurity

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
        /// Its PIN, needed on every purchase and pre-authorization (nil: none).
        public var pin: String?
        /// Wrong PINs in a day before it is locked for the rest of the day.
        public var pinTries = 3
        /// Its chip: the issuer master key for application cryptograms and the PSN (nil: a stripe card).
        public var chip: Chip?
        /// A credit card's limit: its account may go this far below zero (nil: a debit card, never below zero).
        public var creditLimit: Money?

        /// A card's chip as its issuer knows it.
        public struct Chip: Sendable, Equatable {
            public var imk: DESKey
            public var psn: String
            public init(imk: DESKey, psn: String) {
                self.imk = imk
                self.psn = psn
            }
        }

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
        /// Its zone keys, by peer.
        public var security = NodeSecurity()
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
        /// How many days a pre-authorization holds funds if it is not completed (the scheme's rule).
        public var preauthDays: Int
        /// The scheme it issues cards through, if it issues cards: a maintenance window is a sign-off to it.
        public var scheme: String?
        /// How long it waits for the scheme to acknowledge a chargeback before sending it again.
        public var timeout: Duration
        /// Its card verification key (CVK A and B): the CVN in a stripe's track 2 is checked under it (nil: not checked).
        public var cvk: DESKey?
        /// The scheme's fee model, by which the bank books what it earns as an issuer.
        public var fees = SchemeFees.none

        /// Makes a configuration.
        public init(
            name: String, cards: [Card], accounts: [(number: String, balance: Money, status: AccountStatus)], zone: Zone, currency: Currency,
            preauthDays: Int = 30, timeout: Duration = .seconds(30), scheme: String? = nil
        ) {
            self.scheme = scheme
            self.preauthDays = preauthDays
            self.timeout = timeout
            self.name = name
            self.cards = cards
            self.accounts = accounts
            self.zone = zone
            self.currency = currency
        }
    }

    /// A purchase (or a completion) the bank debited, and what became of the debit.
    struct Authorization: Sendable {
        enum State: Sendable { case debited, reversed, voided }
        var pan: String
        var amount: Money
        var scheme: String
        /// The day it counts against the card's daily limit.
        var day: LocalDate
        var state: State
        /// The request, as a chargeback refers to it.
        var request: ISOMessage?
        /// The pre-authorization a completion completed: undoing the completion makes it hold again.
        var preauthorization: TransactionReference?
        /// What was refunded to the card of it.
        var refunded: Money = .zero
        /// Whether the bank charged it back.
        var disputed = false
        /// What the bank earns on it once cleared: the issuer's fee less its network fee.
        var fees: Money = .zero
    }

    /// Funds a pre-authorization holds on a card: not taken, but not available either.
    struct Hold: Sendable {
        enum State: Sendable, Equatable { case holding, completed, cancelled, expired, reversed }
        var pan: String
        var amount: Money
        var state: State
    }

    public let configuration: Configuration
    public var name: String { configuration.name }
    public internal(set) var ledger = Ledger()
    var generator: SeededGenerator
    var trace: TraceNumbers
    var cards: [String: Card] = [:]
    var status: [String: AccountStatus] = [:]
    var configuredStatus: [String: AccountStatus] = [:]
    /// What each card spent on the day it last spent, for its daily limit.
    /// The ATCs each chip card has used: a cryptogram with one seen before is a replay.
    var seenATCs: [String: Set<UInt16>] = [:]
    /// Wrong PINs entered for each card, on the day they were entered.
    var pinTries: [String: (day: LocalDate, wrong: Int)] = [:]
    var spent: [String: (date: LocalDate, total: Money)] = [:]
    var authorizations: [TransactionReference: Authorization] = [:]
    /// Every purchase request seen, approved or not: the same one again is a duplicate.
    var purchasesSeen: Set<TransactionReference> = []
    /// The answer given to each payout credit, by RRN: a repeat gets it again, and no money moves twice.
    var credits: [String: ResponseCode] = [:]
    /// Originals reversed before this bank saw them: a stand-in advice for one that comes later debits nothing.
    var reversedUnseen: Set<TransactionReference> = []
    /// Voids this bank approved, by the void's own reference: the purchase each undid.
    var voids: [TransactionReference: TransactionReference] = [:]
    var holds: [TransactionReference: Hold] = [:]
    /// Refund advices applied, by the refund's reference: a repeat credits nothing.
    var refundsApplied: Set<TransactionReference> = []
    /// Chargebacks sent and not yet acknowledged, and for each the purchase and the card's provisional credit.
    var chargebacks: Retransmissions
    /// Chargebacks sent and not yet answered; `again`: the purchase was charged back already
    /// (a second dispute goes to the scheme, which refuses it, and the first one stands).
    var disputes: [TransactionReference: (purchase: TransactionReference, pan: String, amount: Money, scheme: String, again: Bool)] = [:]
    var inMaintenance = false
    var queuedCredits: [(message: ISOMessage, from: String)] = []

    /// Makes a bank with its accounts opened.
    /// `stans`: the STANs it numbers what it sends from (all unless a load part's share).
    public init(configuration: Configuration, seed: UInt64, stans: ClosedRange<Int> = TraceNumbers.all) {
        self.configuration = configuration
        generator = SeededGenerator(seed: seed, stream: configuration.name)
        trace = TraceNumbers(&generator, within: stans)
        chargebacks = Retransmissions(timeout: configuration.timeout)
        for card in configuration.cards { cards[card.pan] = card }
        for account in configuration.accounts {
            ledger.open(account.number, balance: account.balance)
            status[account.number] = account.status
            configuredStatus[account.number] = account.status
        }
    }

    public mutating func reserve(transactions: Int) {
        authorizations.reserveCapacity(transactions)
        purchasesSeen.reserveCapacity(transactions)
    }

    public var waitingOn: [NodeWait] {
        queuedCredits.map { NodeWait(.queuedCredit, "queued payout \($0.message[DE.rrn] ?? "")") } + chargebacks.pending.keys.sorted().map { NodeWait(.chargeback, "chargeback \($0)") }
    }

    /// What a card may still spend: its balance (and a credit card's limit) less what pre-authorizations hold on it.
    func available(_ pan: String) -> Money {
        let line = cards[pan]?.creditLimit ?? .zero
        return holds.values.filter { $0.pan == pan && $0.state == .holding }.reduce(ledger.balance(pan) + line) { $0 - $1.amount }
    }

    public var auditFailures: [AuditFailure] {
        let holding = held.sorted { $0.key < $1.key }.compactMap { pan, amount -> AuditFailure? in
            let balance = ledger.balance(pan) + (cards[pan]?.creditLimit ?? .zero)
            return amount > balance
                ? AuditFailure(.holdAboveBalance, "pre-authorizations hold \(amount.formatted(exponent: exponent)) on card \(PAN.mask(pan)), more than it can spend \(balance.formatted(exponent: exponent))")
                : nil
        }
        // A debit card's account is never overdrawn.
        let overdrawn = cards.values.filter { $0.creditLimit == nil && ledger.balance($0.pan) < .zero }.sorted { $0.pan < $1.pan }.map { card in
            AuditFailure(.debitOverdrawn, "debit card \(PAN.mask(card.pan)) is overdrawn: its balance is \(ledger.balance(card.pan).formatted(exponent: exponent))")
        }
        return holding + overdrawn
    }

    /// What pre-authorizations hold on each card (for the invariant that a hold never exceeds the balance).
    public var held: [String: Money] {
        holds.values.filter { $0.state == .holding }.reduce(into: [:]) { $0[$1.pan, default: .zero] += $1.amount }
    }

    var exponent: Int { configuration.currency.exponent }
    /// While `bad_arpc` lasts: its answers' ARPCs do not verify at the card.
    var spoilingARPC = false

    public mutating func receive(_ message: ISOMessage, from peer: String, now: Instant) -> [NodeAction] {
        if inMaintenance {
            // Incoming credits wait for the end of the window; everything else goes unanswered.
            if message.isPayout, message.mti.original == .financialRequest { queuedCredits.append((message, peer)) }
            return []
        }
        if message.isResponse { return message.isChargeback ? chargebackAnswered(message, now: now) : [] }
        if message.isReversal { return reverse(message, from: peer, now: now) }
        if message.isRefund { return applyRefund(message, from: peer, now: now) }
        if message.isCompletion { return complete(message, from: peer, now: now) }
        if message.isStandInAdvice { return applyAdvice(message, from: peer, now: now) }
        if message.isPayout, message.mti.original == .financialRequest { return credit(message, from: peer, now: now) }
        if message.isPreauthorization { return authorize(message, from: peer, now: now) }
        if message.isCancellation { return cancel(message, from: peer, now: now) }
        if message.isBalanceInquiry { return inquire(message, from: peer, now: now) }
        guard message.mti == .financialRequest else { return [] }
        switch message[DE.processingCode] {
        case ProcessingCode.purchase: return authorize(message, from: peer, now: now)
        case ProcessingCode.void: return void(message, from: peer, now: now)
        default: return [.send(message.response(code: .invalidTransaction), to: peer)]
        }
    }

    public mutating func timerFired(_ key: TimerKey, now: Instant) -> [NodeAction] {
        switch key {
        case .expiry(let reference):
            guard let hold = holds[reference], hold.state == .holding else { return [] }
            holds[reference]?.state = .expired
            return [.record(TimelineEvent(at: now, node: name, kind: .expired, reference: .transaction(reference),
                                          detail: "not completed within \(configuration.preauthDays) days: the hold of \(hold.amount.formatted(exponent: exponent)) is released",
                                          facts: .init(amount: hold.amount, operation: .preauthorization)))]
        case .repeat(let reference):
            return chargebacks.fire(reference, now: now)
        default:
            return []
        }
    }

    public mutating func perform(_ command: NodeCommand, now: Instant) -> [NodeAction] {
        switch command {
        case .spoilARPC(let on):
            spoilingARPC = on
            return []
        case .maintenance(true):
            inMaintenance = true
            return networkManagement(.signOff, now: now)
        case .maintenance(false):
            inMaintenance = false
            let queued = queuedCredits
            queuedCredits.removeAll()
            return networkManagement(.signOn, now: now) + queued.flatMap { credit($0.message, from: $0.from, now: now) }
        case .dispute(let id, let original, let reason):
            return dispute(id: id, of: original, reason: reason, now: now)
        case .freeze(let account, let frozen):
            guard status[account] != nil else { return [] }
            status[account] = frozen ? .frozen : configuredStatus[account] ?? .active
            return []
        default:
            return []
        }
    }

    /// A sign-off or sign-on to the scheme, for an issuer.
    mutating func networkManagement(_ management: NetworkManagement, now: Instant) -> [NodeAction] {
        guard let scheme = configuration.scheme else { return [] }
        return [.send(management.request(stan: trace.take(), now: now), to: scheme)]
    }

    /// What a card spent today so far.
    func spentToday(_ pan: String, today: LocalDate) -> Money {
        spent[pan].flatMap { $0.date == today ? $0.total : nil } ?? .zero
    }

    /// The response code a purchase gets, before any money moves.
    func check(card: Card?, amount: Money?, today: LocalDate) -> ResponseCode {
        guard let card else { return .invalidCardNumber }
        if let refusal = CardRules.refusal(status: status[card.pan] ?? card.status, expiry: card.expiry, today: today) { return refusal }
        guard let amount, amount > .zero else { return .invalidAmount }
        if let limit = card.dailyLimit, spentToday(card.pan, today: today) + amount > limit { return .overDailyLimit }
        if available(card.pan) < amount { return .insufficientFunds }
        return .approved
    }

    mutating func authorize(_ request: ISOMessage, from scheme: String, now: Instant) -> [NodeAction] {
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
        let chip = card.map { checkChip(request, card: $0) } ?? .none
        if case .refused(let code, let kind, let detail) = chip {
            return [.send(request.response(code: code), to: scheme),
                    .record(TimelineEvent(at: now, node: name, kind: kind, reference: .transaction(reference), detail: detail, facts: .init(responseCode: code)))]
        }
        if let card, let refused = checkPIN(request, card: card, from: scheme, today: today) {
            return [.send(answering(chip, request.response(code: refused.code)), to: scheme),
                    .record(TimelineEvent(at: now, node: name, kind: refused.kind, reference: .transaction(reference), detail: refused.detail,
                                          facts: .init(responseCode: refused.code)))]
        }
        let code = check(card: card, amount: amount, today: today)
        var response = answering(chip, request.response(code: code))
        guard code.isApproval, let card, let amount else {
            return [
                .send(response, to: scheme),
                .record(TimelineEvent(at: now, node: name, kind: .declined, reference: .transaction(reference),
                                      detail: "declined with \(code) (\(code.meaning))",
                                      facts: .init(responseCode: code))),
            ]
        }
        let authorization = generator.digits(6)
        response[DE.authorizationCode] = authorization
        if request.isPreauthorization {
            holds[reference] = Hold(pan: card.pan, amount: amount, state: .holding)
            let expires = now.advanced(by: .seconds(Int64(configuration.preauthDays) * 86_400))
            return [
                .send(response, to: scheme),
                .record(TimelineEvent(at: now, node: name, kind: .preauthorized, reference: .transaction(reference),
                                      detail: "pre-authorized \(amount.formatted(exponent: exponent)), authorization code \(authorization): held on the card, not taken",
                                      facts: .init(responseCode: .approved, amount: amount, operation: .preauthorization))),
                .startTimer(.expiry(reference), at: expires),
            ]
        }
        debit(card: card.pan, amount: amount, scheme: scheme, reference: reference, today: today, request: request)
        return [
            .send(response, to: scheme),
            .record(TimelineEvent(at: now, node: name, kind: .authorized, reference: .transaction(reference),
                                  detail: "approved \(amount.formatted(exponent: exponent)), authorization code \(authorization), card debited",
                                  facts: .init(responseCode: .approved, amount: amount))),
        ]
    }

    mutating func debit(
        card pan: String, amount: Money, scheme: String, reference: TransactionReference, today: LocalDate, request: ISOMessage?,
        preauthorization: TransactionReference? = nil
    ) {
        ledger.transfer(amount, from: pan, to: Ledger.settlement(with: scheme), memo: "purchase \(reference)")
        // The scheme will settle it less the issuer's fee, plus the network fee (the scheme's price list).
        let charged = configuration.fees.fees(on: amount, pan: pan, merchant: request?[DE.merchantID], wireMCC: request?[DE.merchantType])
        let fees = charged.issuer - charged.network
        if fees != .zero { ledger.transfer(fees, from: Ledger.settlement(with: scheme), to: Self.feeIncome, memo: "fees \(reference)") }
        spent[pan] = (today, spentToday(pan, today: today) + amount)
        authorizations[reference] = Authorization(pan: pan, amount: amount, scheme: scheme, day: today, state: .debited, request: request, preauthorization: preauthorization,
                                                  fees: fees)
    }

    /// Gives the card its money back for a reversed or voided purchase, and the headroom of
    /// its daily limit; nil when there is nothing to undo.
    mutating func undo(_ reference: TransactionReference, to state: Authorization.State, memo: String) -> Authorization? {
        guard let entry = authorizations[reference], entry.state == .debited else { return nil }
        authorizations[reference]?.state = state
        // An undone completion: its pre-authorization holds again.
        if let preauthorization = entry.preauthorization, holds[preauthorization]?.state == .completed { holds[preauthorization]?.state = .holding }
        ledger.transfer(entry.amount, from: Ledger.settlement(with: entry.scheme), to: entry.pan, memo: "\(memo) \(reference)")
        if entry.fees != .zero { ledger.transfer(entry.fees, from: Self.feeIncome, to: Ledger.settlement(with: entry.scheme), memo: "fees back \(reference)") }
        if let day = spent[entry.pan], day.date == entry.day { spent[entry.pan] = (day.date, day.total - entry.amount) }
        return entry
    }

    mutating func credit(_ request: ISOMessage, from acquirer: String, now: Instant) -> [NodeAction] {
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
        // No such account (a wrong number) or a closed one: 14, and the acquirer parks the
        // payout; frozen: 62, and it tries again; frozen for debits only: the credit lands.
        let code: ResponseCode
        switch status[account] {
        case nil, .closed?: code = .invalidCardNumber
        case .active?, .debitFrozen?: code = .approved
        case .some: code = .restrictedCard
        }
        credits[rrn] = code
        guard code.isApproval else {
            return [
                .send(request.response(code: code), to: acquirer),
                .record(TimelineEvent(at: now, node: name, kind: .returned, reference: reference,
                                      detail: "credit of \(amount.formatted(exponent: exponent)) to account \(account) refused with \(code) (\(status[account] == nil ? "no such account" : status[account] == .closed ? "the account is closed" : code.meaning))",
                                      facts: .init(responseCode: code, amount: amount, operation: .payout))),
            ]
        }
        ledger.transfer(amount, from: Ledger.settlement(with: acquirer), to: account, memo: "\(reference)")
        return [
            .send(request.response(code: .approved), to: acquirer),
            .record(TimelineEvent(at: now, node: name, kind: .arrived, reference: reference,
                                  detail: "\(amount.formatted(exponent: exponent)) credited to account \(account)",
                                  facts: .init(responseCode: .approved, amount: amount, operation: .payout, merchant: request[DE.merchantID]))),
        ]
    }
}

extension BankStateMachine {
    /// The account of an issuer's fee income (the issuer's fees less the network fees it pays).
    static let feeIncome = "fees"

    public func security(towards peer: String) -> LinkSecurity? { configuration.security.zones[peer] }
}
