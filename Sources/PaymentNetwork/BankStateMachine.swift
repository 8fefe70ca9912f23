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
        /// How many days a pre-authorization holds funds if it is not completed (the scheme's rule).
        public var preauthDays: Int
        /// The scheme it issues cards through, if it issues cards: a maintenance window is a sign-off to it.
        public var scheme: String?
        /// How long it waits for the scheme to acknowledge a chargeback before sending it again.
        public var timeout: Duration

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
    private struct Authorization: Sendable {
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
    }

    /// Funds a pre-authorization holds on a card: not taken, but not available either.
    private struct Hold: Sendable {
        enum State: Sendable, Equatable { case holding, completed, cancelled, expired, reversed }
        var pan: String
        var amount: Money
        var state: State
    }

    public let configuration: Configuration
    public var name: String { configuration.name }
    public private(set) var ledger = Ledger()
    private var generator: SeededGenerator
    private var trace: TraceNumbers
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
    private var holds: [TransactionReference: Hold] = [:]
    /// Refund advices applied, by the refund's reference: a repeat credits nothing.
    private var refundsApplied: Set<TransactionReference> = []
    /// Chargebacks sent and not yet acknowledged, and for each the purchase and the card's provisional credit.
    private var chargebacks: Retransmissions
    private var disputes: [TransactionReference: (purchase: TransactionReference, pan: String, amount: Money, scheme: String)] = [:]
    private var inMaintenance = false
    private var queuedCredits: [(message: ISOMessage, from: String)] = []

    /// Makes a bank with its accounts opened.
    public init(configuration: Configuration, seed: UInt64) {
        self.configuration = configuration
        generator = SeededGenerator(seed: seed, stream: configuration.name)
        trace = TraceNumbers(&generator)
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
    }

    public var waitingOn: [String] {
        queuedCredits.map { "queued payout \($0.message[DE.rrn] ?? "")" } + chargebacks.pending.keys.sorted().map { "chargeback \($0)" }
    }

    /// What a card may still spend: its balance less what pre-authorizations hold on it.
    private func available(_ pan: String) -> Money {
        holds.values.filter { $0.pan == pan && $0.state == .holding }.reduce(ledger.balance(pan)) { $0 - $1.amount }
    }

    public var auditFailures: [String] {
        held.sorted { $0.key < $1.key }.compactMap { pan, amount in
            let balance = ledger.balance(pan)
            return amount > balance
                ? "pre-authorizations hold \(amount.formatted(exponent: exponent)) on card \(PAN.mask(pan)), more than its balance \(balance.formatted(exponent: exponent))"
                : nil
        }
    }

    /// What pre-authorizations hold on each card (for the invariant that a hold never exceeds the balance).
    public var held: [String: Money] {
        holds.values.filter { $0.state == .holding }.reduce(into: [:]) { $0[$1.pan, default: .zero] += $1.amount }
    }

    private var exponent: Int { configuration.currency.exponent }

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
        case .maintenance(true):
            inMaintenance = true
            return networkManagement("002", now: now)
        case .maintenance(false):
            inMaintenance = false
            let queued = queuedCredits
            queuedCredits.removeAll()
            return networkManagement("001", now: now) + queued.flatMap { credit($0.message, from: $0.from, now: now) }
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

    /// A sign-off (`002`) or sign-on (`001`) to the scheme, for an issuer.
    private mutating func networkManagement(_ code: String, now: Instant) -> [NodeAction] {
        guard let scheme = configuration.scheme else { return [] }
        var message = ISOMessage(mti: .networkManagementRequest)
        message.stamp(now: now, stan: trace.take(), local: nil)
        message[70] = code
        return [.send(message, to: scheme)]
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
        if available(card.pan) < amount { return .insufficientFunds }
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

    private mutating func debit(
        card pan: String, amount: Money, scheme: String, reference: TransactionReference, today: LocalDate, request: ISOMessage?,
        preauthorization: TransactionReference? = nil
    ) {
        ledger.transfer(amount, from: pan, to: Ledger.settlement(with: scheme), memo: "purchase \(reference)")
        spent[pan] = (today, spentToday(pan, today: today) + amount)
        authorizations[reference] = Authorization(pan: pan, amount: amount, scheme: scheme, day: today, state: .debited, request: request, preauthorization: preauthorization)
    }

    /// Gives the card its money back for a reversed or voided purchase, and the headroom of
    /// its daily limit; nil when there is nothing to undo.
    private mutating func undo(_ reference: TransactionReference, to state: Authorization.State, memo: String) -> Authorization? {
        guard let entry = authorizations[reference], entry.state == .debited else { return nil }
        authorizations[reference]?.state = state
        // An undone completion: its pre-authorization holds again.
        if let preauthorization = entry.preauthorization, holds[preauthorization]?.state == .completed { holds[preauthorization]?.state = .holding }
        ledger.transfer(entry.amount, from: Ledger.settlement(with: entry.scheme), to: entry.pan, memo: "\(memo) \(reference)")
        if let day = spent[entry.pan], day.date == entry.day { spent[entry.pan] = (day.date, day.total - entry.amount) }
        return entry
    }

    private mutating func reverse(_ reversal: ISOMessage, from scheme: String, now: Instant) -> [NodeAction] {
        let original = reversal.originalReference
        if let purchase = voids[original] { return reverseVoid(reversal, of: purchase, from: scheme, now: now) }
        if let hold = holds[original] {
            guard hold.state == .holding else { return [.send(reversal.response(code: .approved), to: scheme)] }
            holds[original]?.state = .reversed
            return [
                .send(reversal.response(code: .approved), to: scheme),
                .record(TimelineEvent(at: now, node: name, kind: .reversed, reference: .transaction(original),
                                      detail: "pre-authorization reversed: the hold of \(hold.amount.formatted(exponent: exponent)) is released",
                                      facts: .init(responseCode: .approved, amount: hold.amount, operation: .reversal))),
            ]
        }
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
        if let hold = holds[purchase] {
            // A cancellation reversed: the pre-authorization holds again.
            guard hold.state == .cancelled else { return [.send(reversal.response(code: .approved), to: scheme)] }
            holds[purchase]?.state = .holding
            return [
                .send(reversal.response(code: .approved), to: scheme),
                .record(TimelineEvent(at: now, node: name, kind: .reversed, reference: .transaction(purchase),
                                      detail: "cancellation reversed: \(hold.amount.formatted(exponent: exponent)) held on the card again",
                                      facts: .init(responseCode: .approved, amount: hold.amount, operation: .voidReversal))),
            ]
        }
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
        let original = authorizations.key(namedBy: void)
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

    /// A pre-authorization's cancellation (0100, processing code 20): the hold goes away.
    private mutating func cancel(_ cancellation: ISOMessage, from scheme: String, now: Instant) -> [NodeAction] {
        let original = holds.key(namedBy: cancellation)
        guard let hold = holds[original], hold.state == .holding else {
            return [.send(cancellation.response(code: .invalidTransaction), to: scheme)]
        }
        holds[original]?.state = .cancelled
        voids[cancellation.transactionReference] = original
        return [
            .send(cancellation.response(code: .approved), to: scheme),
            .record(TimelineEvent(at: now, node: name, kind: .cancelled, reference: .transaction(original),
                                  detail: "pre-authorization cancelled: the hold of \(hold.amount.formatted(exponent: exponent)) is released",
                                  facts: .init(responseCode: .approved, amount: hold.amount, operation: .cancellation))),
        ]
    }

    /// A completion (0220): the hold is released and the completed amount taken, once.
    private mutating func complete(_ completion: ISOMessage, from scheme: String, now: Instant) -> [NodeAction] {
        let reference = completion.transactionReference
        let original = holds.key(namedBy: completion)
        if authorizations[reference] != nil {
            return [.send(completion.response(code: .approved), to: scheme)]   // a repeat: answered again, nothing taken twice
        }
        guard let hold = holds[original], hold.state == .holding, let amount = completion.amount, amount > .zero else {
            let code: ResponseCode = holds[original] == nil ? .originalNotFound : .invalidTransaction
            return [
                .send(completion.response(code: code), to: scheme),
                .record(TimelineEvent(at: now, node: name, kind: .declined, reference: .transaction(reference),
                                      detail: holds[original] == nil ? "a completion of a pre-authorization this bank never approved: answered 25"
                                          : "a completion of a pre-authorization that is \(holds[original]!.state): answered 12",
                                      facts: .init(responseCode: code, operation: .completion))),
            ]
        }
        // What the hold kept back is the card's again; the completion may take a little more (the scheme's tolerance).
        guard available(hold.pan) + hold.amount >= amount else {
            return [
                .send(completion.response(code: .insufficientFunds), to: scheme),
                .record(TimelineEvent(at: now, node: name, kind: .declined, reference: .transaction(reference),
                                      detail: "a completion of \(amount.formatted(exponent: exponent)) beyond what the card has: answered 51",
                                      facts: .init(responseCode: .insufficientFunds, operation: .completion))),
            ]
        }
        holds[original]?.state = .completed
        debit(card: hold.pan, amount: amount, scheme: scheme, reference: reference, today: configuration.zone.local(now).date,
              request: completion, preauthorization: original)
        var response = completion.response(code: .approved)
        response[DE.authorizationCode] = completion[DE.authorizationCode] ?? generator.digits(6)
        let released = hold.amount - amount
        return [
            .send(response, to: scheme),
            .record(TimelineEvent(at: now, node: name, kind: .completed, reference: .transaction(original),
                                  detail: "completed for \(amount.formatted(exponent: exponent)): the hold of \(hold.amount.formatted(exponent: exponent)) is released\(released > .zero ? " (\(released.formatted(exponent: exponent)) back to the card's available funds)" : "") and \(amount.formatted(exponent: exponent)) taken",
                                  facts: .init(responseCode: .approved, amount: amount, operation: .completion))),
            .record(TimelineEvent(at: now, node: name, kind: .authorized, reference: .transaction(reference),
                                  detail: "completion approved: card debited \(amount.formatted(exponent: exponent))",
                                  facts: .init(responseCode: .approved, amount: amount, operation: .completion))),
        ]
    }

    /// The scheme cleared a refund (0220, processing code 20): the card is credited, once.
    private mutating func applyRefund(_ advice: ISOMessage, from scheme: String, now: Instant) -> [NodeAction] {
        let reference = advice.transactionReference
        guard let pan = advice[DE.pan], cards[pan] != nil, let amount = advice.amount, amount > .zero else {
            return [.send(advice.response(code: .invalidCardNumber), to: scheme)]
        }
        guard refundsApplied.insert(reference).inserted else { return [.send(advice.response(code: .approved), to: scheme)] }
        ledger.transfer(amount, from: Ledger.settlement(with: scheme), to: pan, memo: "refund \(reference)")
        let original = authorizations.key(namedBy: advice)
        authorizations[original]?.refunded += amount
        let detail = "refund of \(amount.formatted(exponent: exponent)) credited to card \(PAN.mask(pan))"
        return [
            .send(advice.response(code: .approved), to: scheme),
            .record(TimelineEvent(at: now, node: name, kind: .refunded, reference: .transaction(reference), detail: detail,
                                  facts: .init(responseCode: .approved, amount: amount, operation: .refund))),
            .record(TimelineEvent(at: now, node: name, kind: .refunded, reference: .transaction(original), detail: detail,
                                  facts: .init(responseCode: .approved, amount: amount, operation: .refund))),
        ]
    }

    /// The cardholder disputes a purchase: the card gets the money back at once (provisional
    /// credit) and a chargeback (0422) goes to the scheme, repeated until acknowledged.
    private mutating func dispute(id: String, of original: TransactionReference, reason: String, now: Instant) -> [NodeAction] {
        guard let entry = authorizations[original], entry.state == .debited, !entry.disputed, let request = entry.request else {
            return [.fault("cannot charge back \(original) for \(id): this bank did not debit the card for it, or it was undone or charged back already")]
        }
        let amount = entry.amount - entry.refunded
        guard amount > .zero else { return [.fault("cannot charge back \(original) for \(id): it was refunded in full")] }
        authorizations[original]?.disputed = true
        var chargeback = request.keeping([DE.pan, DE.expiry, DE.acquirerID, DE.rrn, DE.terminalID, DE.merchantID, DE.currency], mti: .chargeback)
        chargeback[DE.processingCode] = ProcessingCode.purchase
        chargeback[DE.amount] = amount.de4
        chargeback.stamp(now: now, stan: trace.take(), local: configuration.zone.local(now))
        chargeback[DE.reasonCode] = reason
        chargeback[DE.originalData] = request.originalDataElements
        let reference = chargeback.transactionReference
        disputes[reference] = (original, entry.pan, amount, entry.scheme)
        ledger.transfer(amount, from: Ledger.settlement(with: entry.scheme), to: entry.pan, memo: "chargeback \(reference)")
        let shown = amount.formatted(exponent: exponent)
        return [
            .record(TimelineEvent(at: now, node: name, kind: .disputed, reference: .transaction(reference.numbered(by: name)),
                                  detail: "chargeback of \(original), reason \(reason): \(shown) credited to card \(PAN.mask(entry.pan)), sent to \(entry.scheme)",
                                  facts: .init(transactionID: id, amount: amount, operation: .chargeback))),
            .record(TimelineEvent(at: now, node: name, kind: .disputed, reference: .transaction(original),
                                  detail: "disputed by the cardholder, reason \(reason): \(shown) credited back to the card",
                                  facts: .init(amount: amount, operation: .chargeback))),
        ] + chargebacks.start(chargeback, to: entry.scheme, now: now)
    }

    /// The scheme answered a chargeback: accepted, or refused (then the card's provisional credit is taken back).
    private mutating func chargebackAnswered(_ response: ISOMessage, now: Instant) -> [NodeAction] {
        let reference = response.transactionReference
        guard let acknowledged = chargebacks.acknowledge(reference, code: response.responseCode), let dispute = disputes.removeValue(forKey: reference) else { return [] }
        let code = response.responseCode ?? "??"
        guard !code.isApproval else {
            return acknowledged + [.record(TimelineEvent(at: now, node: name, kind: .authorized, reference: .transaction(reference.numbered(by: name)),
                                                         detail: "chargeback accepted by \(dispute.scheme)", facts: .init(responseCode: code, operation: .chargeback)))]
        }
        ledger.transfer(dispute.amount, from: dispute.pan, to: Ledger.settlement(with: dispute.scheme), memo: "chargeback refused \(reference)")
        authorizations[dispute.purchase]?.disputed = false
        return acknowledged + [.record(TimelineEvent(
            at: now, node: name, kind: .declined, reference: .transaction(reference.numbered(by: name)),
            detail: "chargeback refused with \(code) (\(code.meaning)): the provisional credit of \(dispute.amount.formatted(exponent: exponent)) is taken back from the card",
            facts: .init(responseCode: code, operation: .chargeback)))]
    }

    /// The scheme approved in our place: post the debit, even past the balance, once.
    private mutating func applyAdvice(_ advice: ISOMessage, from scheme: String, now: Instant) -> [NodeAction] {
        let reference = advice.transactionReference
        let response = advice.response(code: .approved)
        guard authorizations[reference] == nil, !reversedUnseen.contains(reference), let pan = advice[DE.pan], cards[pan] != nil,
              let amount = advice.amount else {
            return [.send(response, to: scheme)]
        }
        debit(card: pan, amount: amount, scheme: scheme, reference: reference, today: configuration.zone.local(now).date, request: advice)
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
