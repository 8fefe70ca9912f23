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

    /// One transaction's life at the bank, keyed by its reference as the scheme sent it (a
    /// chargeback the bank raised: by its own, numbered by the bank).
    struct Entry: Sendable {
        enum State: Sendable, Equatable {
            /// Answered without moving money (declined): the same request again is a duplicate.
            case answered
            /// Reversed before the bank saw it (the sender gave up on it): the request, or a
            /// stand-in advice for it, that comes later moves nothing; `seen` once the request came.
            case reversedFirst(seen: Bool)
            /// The card was debited for it (a purchase, a completion, a stand-in advice).
            case debited
            /// The debit given back.
            case reversed, voided
            /// A pre-authorization: funds held on the card, not taken, not available either.
            case holding
            /// A pre-authorization completed, cancelled, expired or reversed: it holds nothing.
            case completed, cancelled, expired, holdReversed
            /// A void or cancellation the bank approved; `undone` once it was reversed.
            case approved, undone
            /// A refund credited to the card.
            case credited
            /// A chargeback sent to the scheme and not yet answered; `again`: the purchase was
            /// charged back already (a second dispute goes to the scheme, which refuses it).
            case disputing(again: Bool)
            /// A chargeback the scheme answered.
            case settled
        }
        var kind: TimelineEvent.Operation
        var state: State
        var pan = ""
        var amount: Money = .zero
        var scheme = ""
        /// The day a debit counts against the card's daily limit.
        var day: LocalDate?
        /// The request, as a chargeback refers to it.
        @Kept var request: ISOMessage? = nil
        /// The pre-authorization a completion completed (undoing the completion makes it hold
        /// again); the transaction a void, cancellation or chargeback undoes.
        @OutOfLine var original: TransactionReference? = nil
        /// What was refunded to the card of a debit.
        var refunded: Money = .zero
        /// Whether the bank charged a debit back.
        var disputed = false
        /// What the bank earns on a debit once cleared: the issuer's fee less its network fee.
        var fees: Money = .zero

        /// A debit, standing or given back.
        var isDebit: Bool { state == .debited || state == .reversed || state == .voided }
        /// A pre-authorization's hold, holding or not.
        var isHold: Bool { kind == .preauthorization && [.holding, .completed, .cancelled, .expired, .holdReversed].contains(state) }
        /// What became of a hold, in words.
        var holdState: String { state == .holdReversed ? "reversed" : "\(state)" }
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
    /// Every transaction: requests seen (the same one again is a duplicate), debits, holds,
    /// voids, refunds and chargebacks.
    var journal = ShardedDictionary<TransactionReference, Entry>()
    /// What pre-authorizations hold on each card.
    var heldOnCard: [String: Money] = [:]
    /// The answer given to each payout credit, by RRN: a repeat gets it again, and no money moves twice.
    var credits: [String: ResponseCode] = [:]
    /// Chargebacks sent and not yet acknowledged.
    var chargebacks: Retransmissions
    var inMaintenance = false
    var queuedCredits: [(message: ISOMessage, from: String)] = []
    /// Each card's CVN under the bank's CVK for the service codes of a chip card's and a stripe
    /// card's track 2 (`201`, `101`), worked out once: checked on every stripe purchase.
    var verificationValues: [String: String] = [:]

    /// Makes a bank with its accounts opened.
    /// `stans`: the STANs it numbers what it sends from (all unless a load part's share).
    public init(configuration: Configuration, seed: UInt64, stans: ClosedRange<Int> = TraceNumbers.all) {
        self.configuration = configuration
        generator = SeededGenerator(seed: seed, stream: configuration.name)
        trace = TraceNumbers(&generator, within: stans)
        chargebacks = Retransmissions(timeout: configuration.timeout)
        for card in configuration.cards { cards[card.pan] = card }
        if let cvk = configuration.cvk {
            for card in configuration.cards {
                for code in ["101", "201"] {
                    verificationValues[Self.verificationKey(card.pan, card.expiry, code)] =
                        CardVerification.value(key: cvk, pan: card.pan, expiry: card.expiry, serviceCode: code)
                }
            }
        }
        for account in configuration.accounts {
            ledger.open(account.number, balance: account.balance)
            status[account.number] = account.status
            configuredStatus[account.number] = account.status
        }
    }

    public var isWaiting: Bool { !queuedCredits.isEmpty || !chargebacks.pending.isEmpty }

    public var waitingOn: [NodeWait] {
        queuedCredits.map { NodeWait(.queuedCredit, "queued payout \($0.message[DE.rrn] ?? "")") } + chargebacks.pending.keys.sorted().map { NodeWait(.chargeback, "chargeback \($0)") }
    }

    /// What a card may still spend: its balance (and a credit card's limit) less what pre-authorizations hold on it.
    func available(_ pan: String) -> Money {
        let line = cards[pan]?.creditLimit ?? .zero
        return ledger.balance(pan) + line - heldOnCard[pan, default: .zero]
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
        heldOnCard.filter { $0.value != .zero }
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
            guard let hold = journal[reference], hold.isHold, hold.state == .holding else { return [] }
            setHold(reference, to: .expired)
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
        if journal[reference]?.state == .reversedFirst(seen: false) {
            // Its reversal came first (the sender gave up on it): it must not take the money now.
            journal[reference]?.state = .reversedFirst(seen: true)
            return [
                .send(request.response(code: .invalidTransaction), to: scheme),
                .record(TimelineEvent(at: now, node: name, kind: .declined, reference: .transaction(reference),
                                      detail: "declined with 12: this purchase was already reversed", facts: .init(responseCode: .invalidTransaction))),
            ]
        }
        guard journal[reference] == nil else {
            // The same request again (duplicated on the way): it was answered once, and no money moves twice.
            return [
                .send(request.response(code: .duplicateTransmission), to: scheme),
                .record(TimelineEvent(at: now, node: name, kind: .duplicate, reference: .transaction(reference),
                                      detail: "the same STAN \(reference.stan) again: answered 94, the card is not charged twice",
                                      facts: .init(responseCode: .duplicateTransmission))),
            ]
        }
        // Seen: whatever the answer, a copy of it is a duplicate.
        journal[reference] = Entry(kind: request.isPreauthorization ? .preauthorization : .purchase, state: .answered)
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
            journal[reference] = Entry(kind: .preauthorization, state: .holdReversed, pan: card.pan, amount: amount, scheme: scheme)
            setHold(reference, to: .holding)
            let expires = now.advanced(by: .seconds(Int64(configuration.preauthDays) * 86_400))
            return [
                .send(response, to: scheme),
                .record(TimelineEvent(at: now, node: name, kind: .preauthorized, reference: .transaction(reference),
                                      detail: "pre-authorized \(amount.formatted(exponent: exponent)), authorization code \(authorization): held on the card, not taken",
                                      facts: .init(responseCode: .approved, amount: amount, operation: .preauthorization))),
                .startTimer(.expiry(reference), at: expires),
            ]
        }
        debit(card: card.pan, amount: amount, scheme: scheme, reference: reference, kind: .purchase, today: today, request: request)
        return [
            .send(response, to: scheme),
            .record(TimelineEvent(at: now, node: name, kind: .authorized, reference: .transaction(reference),
                                  detail: "approved \(amount.formatted(exponent: exponent)), authorization code \(authorization), card debited",
                                  facts: .init(responseCode: .approved, amount: amount))),
        ]
    }

    mutating func debit(
        card pan: String, amount: Money, scheme: String, reference: TransactionReference, kind: TimelineEvent.Operation, today: LocalDate, request: ISOMessage?,
        preauthorization: TransactionReference? = nil
    ) {
        ledger.transfer(amount, from: pan, to: Ledger.settlement(with: scheme), memo: "purchase \(reference)")
        // The scheme will settle it less the issuer's fee, plus the network fee (the scheme's price list).
        let charged = configuration.fees.fees(on: amount, pan: pan, merchant: request?[DE.merchantID], wireMCC: request?[DE.merchantType])
        let fees = charged.issuer - charged.network
        if fees != .zero { ledger.transfer(fees, from: Ledger.settlement(with: scheme), to: Self.feeIncome, memo: "fees \(reference)") }
        spent[pan] = (today, spentToday(pan, today: today) + amount)
        journal[reference] = Entry(kind: kind, state: .debited, pan: pan, amount: amount, scheme: scheme, day: today, request: request, original: preauthorization,
                                   fees: fees)
    }

    /// Moves a pre-authorization's hold to `state`, keeping what each card has held.
    mutating func setHold(_ reference: TransactionReference, to state: Entry.State) {
        guard let hold = journal[reference] else { return }
        journal[reference]?.state = state
        let (before, after) = (hold.state == .holding, state == .holding)
        if before != after { heldOnCard[hold.pan, default: .zero] += after ? hold.amount : -hold.amount }
    }

    /// Gives the card its money back for a reversed or voided purchase, and the headroom of
    /// its daily limit; nil when there is nothing to undo.
    mutating func undo(_ reference: TransactionReference, to state: Entry.State, memo: String) -> Entry? {
        guard let entry = journal[reference], entry.state == .debited else { return nil }
        journal[reference]?.state = state
        // An undone completion: its pre-authorization holds again.
        if entry.kind == .completion, let preauthorization = entry.original, journal[preauthorization]?.state == .completed { setHold(preauthorization, to: .holding) }
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
