import PaymentSecurity
public import ISO8583
public import SettlementCalendar

/// The acquirer (the payment provider): forwards its merchants' purchases to the scheme,
/// times out and reverses, refuses duplicates, keeps each merchant's contract, and pays
/// merchants what their terms make due, as far as holds and returned payouts allow.
public struct AcquirerStateMachine: NodeLogic {
    /// What an acquirer is set up with.
    public struct Configuration: Sendable {
        /// The node's name.
        public var name: String
        /// Its institution id, DE32.
        public var institutionID: String
        /// The scheme node it sends to.
        public var scheme: String
        /// How long it waits for the scheme.
        public var timeout: Duration
        /// Its merchants.
        public var merchants: [MerchantContract]
        /// The business calendar of its payouts.
        public var calendar: BusinessCalendar
        /// The local time zone.
        public var zone: Zone
        /// The currency.
        public var currency: Currency
        /// MCCs this acquirer sends in DE18 instead of a merchant's registered one, by merchant id (code-jumping).
        public var mccOverride: [String: String]
        /// How many times it sends a reversal before it gives up (nil: until acknowledged).
        public var reversalAttempts: Int?
        /// The scheme's fee model: what the scheme keeps back of each purchase it settles.
        public var fees = SchemeFees.none
        /// What its reconciliation does with a purchase the scheme cleared but its journal has as
        /// failed (a one-sided entry): refund the card, or pay the merchant; nil: it does not reconcile.
        public var unmatched: Unmatched?
        /// Its zone keys, and each terminal's master key (it hands working keys out at sign-on).
        public var security = NodeSecurity()

        /// The acquirer's rule for one-sided entries.
        public enum Unmatched: String, Sendable { case refund, pay }

        /// Makes a configuration.
        public init(
            name: String, institutionID: String, scheme: String, timeout: Duration, merchants: [MerchantContract],
            calendar: BusinessCalendar, zone: Zone, currency: Currency, mccOverride: [String: String] = [:], reversalAttempts: Int? = nil,
            unmatched: Unmatched? = nil
        ) {
            self.mccOverride = mccOverride
            self.reversalAttempts = reversalAttempts
            self.unmatched = unmatched
            self.name = name
            self.institutionID = institutionID
            self.scheme = scheme
            self.timeout = timeout
            self.merchants = merchants
            self.calendar = calendar
            self.zone = zone
            self.currency = currency
        }
    }

    /// A request forwarded to the scheme (under this acquirer's own STAN), waiting for its answer.
    struct Waiting: Sendable {
        var terminal: String
        var request: ISOMessage
        var operation: TimelineEvent.Operation
        /// The purchase it concerns.
        var original: TransactionReference
        /// The request as the terminal sent it (its STAN goes back in the answer).
        var downstream: TransactionReference
        /// Whether the terminal named an original by DE90 (a UnionPay POS names it by DE61: the
        /// DE90 this acquirer put upstream does not go back to it).
        var terminalSentDE90 = true

        /// The acquirer's own answer to the terminal, under the terminal's STAN.
        func answer(_ code: ResponseCode) -> ISOMessage {
            var answer = request.response(code: code)
            answer[DE.stan] = downstream.stan
            if !terminalSentDE90 { answer[DE.originalData] = nil }
            return answer
        }
    }

    public let configuration: Configuration
    public var name: String { configuration.name }
    public internal(set) var ledger = Ledger()
    var generator: SeededGenerator
    var trace: TraceNumbers
    var merchants: [String: MerchantContract] = [:]
    var journal = ShardedDictionary<TransactionReference, Entry>()
    var waiting: [TransactionReference: Waiting] = [:]
    /// Reversals sent upstream and not yet acknowledged.
    var reversals: Retransmissions
    /// Payout credits sent and not yet answered: repeated with the same RRN, so a lost
    /// request or answer never pays twice (the bank answers a repeat as it did the first).
    var credits: Retransmissions
    var book = PayoutBook()
    /// While the payout account is short (`payout_short`): what it still covers, and until when.
    var payoutCover: (left: Money, until: Instant?, stoppedAt: String?)?
    /// The last payout schedule worked out for each merchant, with what it was worked out from.
    var lastSchedule: [String: (swiped: LocalDateTime, clearing: LocalDate, terms: SettlementTerms, payoutAt: TimeOfDay, schedule: ArrivalSchedule)] = [:]
    /// The local day each terminal (DE41) last signed on: a request from a terminal that has not
    /// signed on today is refused 77.
    var signedOn: [String: LocalDate] = [:]
    /// The terminal's reference of each request forwarded under this acquirer's own STAN.
    var hops = HopMap()
    /// Terminals uploading their batch after totals that disagreed: the transactions uploaded so far.
    var uploads: [String: Set<TransactionReference>] = [:]
    /// The working keys each terminal (by peer) was last handed, and how many times keys were issued to it.
    var terminalKeys: [String: WorkingKeys] = [:]
    var keysIssued: [String: Int] = [:]
    let seed: UInt64

    /// Makes an acquirer.
    /// `stans`: the STANs it numbers what it sends from (all unless a load part's share).
    public init(configuration: Configuration, seed: UInt64, stans: ClosedRange<Int> = TraceNumbers.all) {
        self.configuration = configuration
        self.seed = seed
        var generator = SeededGenerator(seed: seed, stream: configuration.name)
        trace = TraceNumbers(&generator, within: stans)
        self.generator = generator
        reversals = Retransmissions(timeout: configuration.timeout)
        credits = Retransmissions(timeout: configuration.timeout)
        for merchant in configuration.merchants { merchants[merchant.id] = merchant }
    }

    public var isWaiting: Bool { !waiting.isEmpty || !reversals.pending.isEmpty || book.hasPayoutsInFlight }

    public var waitingOn: [NodeWait] {
        waiting.keys.sorted().map { NodeWait(.request, "request \($0)") } + reversals.pending.keys.sorted().map { NodeWait(.reversal, "reversal \($0)") }
            + book.payoutsInFlight.map { NodeWait(.payout, "payout payout/\($0)") }
    }

    // MARK: - Messages

    public mutating func receive(_ message: ISOMessage, from peer: String, now: Instant) -> [NodeAction] {
        if message.isResponse {
            if message.isPayout { return payoutAnswered(message, from: peer, now: now) }
            if message.isReversal { return reversals.acknowledge(message.transactionReference, code: message.responseCode) ?? [] }
            return schemeAnswered(message, now: now)
        }
        if message.mti.messageClass == .networkManagement { return terminalNetworkManagement(message, from: peer, now: now) }
        if message.mti.request == .clearingRecord { return reconcile(message, from: peer, now: now) }
        if message.isChargeback { return chargedBack(message, from: peer, now: now) }
        // A reversal is always taken (refusing it could leave the card charged); anything else
        // from a terminal that has not signed on today is refused 77.
        if message.isReversal { return terminalReversed(message, from: peer, now: now) }
        let terminal = message[DE.terminalID] ?? peer
        if peer != configuration.scheme, signedOn[terminal] != configuration.zone.local(now).date {
            return [
                .send(message.response(code: .signOnAgain), to: peer),
                .record(TimelineEvent(at: now, node: name, kind: .declined, reference: .transaction(message.transactionReference),
                                      detail: "terminal \(terminal) has not signed on today: answered 77 (sign on again)",
                                      facts: .init(responseCode: .signOnAgain))),
            ]
        }
        if message.mti == .batchSettlement { return settleBatch(message, from: peer, now: now) }
        if message.mti == .batchUpload { return batchUploaded(message, from: peer, now: now) }
        if message.isVoid || message.isCancellation { return forwardVoid(message, from: peer, now: now) }
        if message.isPurchase { return forwardPurchase(message, kind: .purchase, from: peer, now: now) }
        if message.isBalanceInquiry { return forwardInquiry(message, from: peer, now: now) }
        if message.isPreauthorization { return forwardPurchase(message, kind: .preauthorization, from: peer, now: now) }
        if message.isCompletion || message.isRefund { return forwardFollowUp(message, from: peer, now: now) }
        return [.send(message.response(code: .invalidTransaction), to: peer)]
    }

    /// A completion or a refund: checked against its original here (what the acquirer's
    /// journal knows), then forwarded like a purchase.
    mutating func forwardFollowUp(_ request: ISOMessage, from terminal: String, now: Instant) -> [NodeAction] {
        let kind: TimelineEvent.Operation = request.isCompletion ? .completion : .refund
        let original = self.original(namedBy: request, kinds: kind == .completion ? [.preauthorization] : [.purchase, .completion])
        guard journal[request.transactionReference] == nil else {
            return forwardPurchase(request, kind: kind, original: original, from: terminal, now: now)   // answered as a duplicate
        }
        let refusal: (ResponseCode, String)?
        if let entry = journal[original] {
            let amount = request.amount ?? .zero
            let left = (entry.request.amount ?? .zero) - entry.refunded
            switch kind {
            case .completion where entry.kind != .preauthorization:
                refusal = (.invalidTransaction, "a completion of \(original), which is a \(entry.kind.rawValue), not a pre-authorization")
            case .completion where entry.state != .approved:
                refusal = (.invalidTransaction, "a completion of the pre-authorization \(original), which is \(entry.state)")
            case .refund where entry.kind != .purchase && entry.kind != .completion:
                refusal = (.invalidTransaction, "a refund of \(original), which is a \(entry.kind.rawValue)")
            case .refund where entry.state != .approved:
                refusal = (.invalidTransaction, "a refund of \(original), which is \(entry.state)")
            case .refund where amount > left:
                let exponent = configuration.currency.exponent
                refusal = (.invalidAmount, "a refund of \(amount.formatted(exponent: exponent)) where \(left.formatted(exponent: exponent)) is left to refund")
            default:
                refusal = nil
            }
        } else {
            refusal = (.originalNotFound, "a \(kind.rawValue) of \(original), which this acquirer never saw")
        }
        guard let (code, why) = refusal else {
            return forwardPurchase(request, kind: kind, original: original, from: terminal, now: now)
        }
        return [
            .send(request.response(code: code), to: terminal),
            .record(TimelineEvent(at: now, node: name, kind: .declined, reference: .transaction(request.transactionReference),
                                  detail: "\(why): answered \(code)", facts: .init(responseCode: code, operation: kind))),
        ]
    }

    /// The transaction a terminal's void, completion, cancellation or refund names, of the
    /// `kinds` it can act on: by DE90 when it carries one; by DE61's trace number and date at the
    /// same terminal, as a UnionPay POS names a void's or refund's original; else (a
    /// pre-authorization's follow-ups name none, or the original was made at another terminal
    /// of the merchant) by the RRN in DE37. A reference no entry has when nothing matches.
    func original(namedBy message: ISOMessage, kinds: Set<TimelineEvent.Operation>) -> TransactionReference {
        if message.has(DE.originalData) {
            let named = message.originalReference
            return journal[named] == nil ? rrnMatch(message, kinds: kinds) ?? named : named
        }
        let terminal = message[DE.terminalID] ?? "-"
        let pos = OriginalPOSData(message)
        if let pos, pos.namesTrace {
            let found = journal.filter { reference, purchase in
                reference.terminal == terminal && reference.stan == pos.trace && kinds.contains(purchase.kind)
                    && purchase.request[DE.pan] == message[DE.pan] && (purchase.request[DE.localDate] ?? pos.date) == pos.date
            }.max { ($0.value.receivedAt, $0.key) < ($1.value.receivedAt, $1.key) }
            if let found { return found.key }
        }
        return rrnMatch(message, kinds: kinds) ?? TransactionReference(terminal: terminal, stan: pos?.trace ?? "-", transmission: "-")
    }

    /// The transaction of the merchant, of the given kinds, with the RRN a follow-up carries in
    /// DE37 (the earliest, should two share it).
    func rrnMatch(_ message: ISOMessage, kinds: Set<TimelineEvent.Operation>) -> TransactionReference? {
        guard let rrn = message[DE.rrn] else { return nil }
        return journal.filter { $0.value.request[DE.rrn] == rrn && $0.value.merchantID == message[DE.merchantID] && kinds.contains($0.value.kind) }
            .min { ($0.value.receivedAt, $0.key) < ($1.value.receivedAt, $1.key) }?.key
    }

    /// A terminal's sign-on, sign-off or echo: answered 0810 00; a sign-on with fresh working keys
    /// under the terminal's master key (DE62).
    mutating func terminalNetworkManagement(_ message: ISOMessage, from peer: String, now: Instant) -> [NodeAction] {
        guard message.mti.isRequest else { return [] }
        let terminal = message[DE.terminalID] ?? peer
        var answer = NetworkManagement.answer(message)
        switch NetworkManagement(of: message) {
        case .signOn?:
            signedOn[terminal] = configuration.zone.local(now).date
            // The acquirer's date and time, by which a POS sets its clock.
            let local = configuration.zone.local(now)
            answer[DE.localTime] = local.time.hhmmss
            answer[DE.localDate] = local.date.mmdd
            issueKeys(to: peer, asked: NetworkManagement.unionPayCode(message), into: &answer)
        case .signOff?: signedOn[terminal] = nil
        case .echo?, nil: break
        }
        return [.send(answer, to: peer)]
    }

    mutating func forwardPurchase(
        _ request: ISOMessage, kind: TimelineEvent.Operation, original: TransactionReference? = nil, from terminal: String, now: Instant
    ) -> [NodeAction] {
        let reference = request.transactionReference
        if let earlier = journal[reference] {
            // A repeat of a request that was answered and stands: the terminal most likely lost
            // the answer, so it gets the same answer again (as many hosts do); nothing moves twice.
            if let answer = earlier.answer, [.approved, .declined, .completed].contains(earlier.state) {
                let code = answer.responseCode ?? "??"
                return [
                    .send(answer, to: terminal),
                    .record(TimelineEvent(at: now, node: name, kind: .duplicate, reference: .transaction(reference),
                                          detail: "the same STAN \(reference.stan) and time again (first one \(earlier.state)): answered as the first one was, \(code)",
                                          facts: .init(responseCode: code))),
                ]
            }
            return request.duplicateActions(inProgress: earlier.state == .forwarded, again: "and time again (first one \(earlier.state))",
                                            node: name, peer: terminal, now: now)
        }
        var refused: [NodeAction] = []
        guard let (prepared, merchant) = upstream(request, from: terminal, now: now, refused: &refused) else { return refused }
        var outgoing = prepared
        let original = kind == .completion || kind == .refund ? original ?? request.originalReference : nil
        // A follow-up names its original as the scheme knows it: under this acquirer's STAN.
        if let original, let forwarded = journal[original] { outgoing[DE.originalData] = forwarded.request.originalDataElements }
        journal[reference] = Entry(
            kind: kind, original: original, request: outgoing, merchantID: merchant.id, receivedAt: now, state: .forwarded, clearingDate: nil)
        return forward(Waiting(terminal: terminal, request: outgoing, operation: kind, original: reference, downstream: reference,
                               terminalSentDE90: request.has(DE.originalData) || original == nil), now: now)
    }

    /// A terminal's request as it goes to the scheme: the merchant and terminal known, DE32, DE18
    /// and the RRN set, DE61 (the POS's) left behind, the PIN block under the scheme's zone PIN
    /// key; nil with the answer that refuses it in `refused`.
    mutating func upstream(_ request: ISOMessage, from terminal: String, now: Instant, refused: inout [NodeAction]) -> (ISOMessage, MerchantContract)? {
        guard let merchantID = request[DE.merchantID], let merchant = merchants[merchantID] else {
            refused = [.send(request.response(code: .unknownMerchant), to: terminal)]
            return nil
        }
        guard merchant.terminals.contains(request[DE.terminalID] ?? "") else {
            refused = [.send(request.response(code: .terminalNotRegistered), to: terminal)]
            return nil
        }
        var outgoing = request
        outgoing[DE.acquirerID] = configuration.institutionID
        outgoing[DE.merchantType] = configuration.mccOverride[merchant.id] ?? merchant.mcc
        // The retrieval reference number is the acquirer's to give (a follow-up keeps its original's).
        if outgoing[DE.rrn] == nil { outgoing[DE.rrn] = generator.digits(12) }
        outgoing[DE.originalPOSData] = nil
        // The PIN block goes from the terminal's PIK to the zone PIN key of the link to the scheme.
        if let problem = PINTranslation.translate(&outgoing, from: security(towards: terminal)?.pinKey, to: configuration.security.zones[configuration.scheme]?.pinKey) {
            refused = [.send(request.response(code: .pinFormatError), to: terminal),
                       .record(TimelineEvent(at: now, node: name, kind: .pinFailed, reference: .transaction(request.transactionReference),
                                             detail: "the PIN block cannot be translated to the scheme's zone PIN key (\(problem)): answered 99", facts: .init(responseCode: .pinFormatError)))]
            return nil
        }
        return (outgoing, merchant)
    }

    /// A balance inquiry goes to the scheme and its answer back to the terminal: nothing is booked.
    mutating func forwardInquiry(_ request: ISOMessage, from terminal: String, now: Instant) -> [NodeAction] {
        var refused: [NodeAction] = []
        guard let (outgoing, _) = upstream(request, from: terminal, now: now, refused: &refused) else { return refused }
        let reference = request.transactionReference
        return forward(Waiting(terminal: terminal, request: outgoing, operation: .inquiry, original: reference, downstream: reference), now: now)
    }

    /// Sends a request on under this acquirer's own STAN (every hop has its own), keeping the mapping.
    mutating func forward(_ entry: Waiting, now: Instant) -> [NodeAction] {
        var entry = entry
        entry.request[DE.stan] = trace.take()
        let own = entry.request.transactionReference
        if entry.operation.startsTransaction, entry.operation != .cancellation, !entry.terminal.isEmpty { journal[entry.original]?.request = entry.request }
        if entry.operation.isVoidOrCancellation { journal[entry.downstream]?.request = entry.request }
        waiting[own] = entry
        hops.record(own, of: entry.downstream)
        return [.send(entry.request, to: configuration.scheme),
                .startTimer(.answer(own), at: now.advanced(by: configuration.timeout))]
    }

    mutating func forwardVoid(_ void: ISOMessage, from terminal: String, now: Instant) -> [NodeAction] {
        let cancellation = void.isCancellation
        let original = self.original(namedBy: void, kinds: cancellation ? [.preauthorization] : [.purchase, .completion])
        guard let purchase = journal[original], purchase.state == .approved,
              cancellation ? purchase.kind == .preauthorization
                  : [.purchase, .completion].contains(purchase.kind) && book.isUnpaid(original, merchant: purchase.merchantID) else {
            // Not approved, or already paid out to the merchant: a void cannot undo it (nor a
            // cancellation anything but a pre-authorization that still holds).
            return [.send(void.response(code: .invalidTransaction), to: terminal)]
        }
        var outgoing = void
        outgoing[DE.acquirerID] = configuration.institutionID
        // Upstream the original is named by DE90, under this acquirer's STAN; DE61 is the POS's.
        outgoing[DE.originalData] = purchase.request.originalDataElements
        outgoing[DE.originalPOSData] = nil
        journal[void.transactionReference] = Entry(kind: cancellation ? .cancellation : .void, original: original, request: outgoing, merchantID: purchase.merchantID,
                                                   receivedAt: now, state: .forwarded)
        return forward(Waiting(terminal: terminal, request: outgoing, operation: cancellation ? .cancellation : .void, original: original,
                               downstream: void.transactionReference, terminalSentDE90: void.has(DE.originalData)), now: now)
    }

    /// The terminal reversed a purchase or a void: acknowledge at once, and undo upstream what may have taken effect.
    mutating func terminalReversed(_ reversal: ISOMessage, from terminal: String, now: Instant) -> [NodeAction] {
        let original = reversal.originalReference
        let acknowledge = NodeAction.send(reversal.response(code: .approved), to: terminal)
        if let void = journal[original], void.kind.isVoidOrCancellation, let purchase = void.original {
            // Refused, reversed already, or no answer came (reversed upstream then): none to undo.
            guard void.state == .forwarded || void.state == .approved else { return [.send(reversal.response(code: .originalNotFound), to: terminal)] }
            journal[original]?.state = .reversed
            return [acknowledge] + reverseVoid(void.request, of: purchase, now: now)
        }
        guard let entry = journal[original] else {
            return [.send(reversal.response(code: .originalNotFound), to: terminal)]
        }
        switch entry.state {
        case .forwarded:
            // The answer may still come: it must find nothing to book.
            let forwarded = entry.request.transactionReference
            waiting[forwarded] = nil
            journal[original]?.state = .reversed
            return [acknowledge, .cancelTimer(.answer(forwarded))] + reverseUpstream(entry.request, now: now)
        case .approved:
            return [acknowledge] + cancelPurchase(original, to: .reversed, now: now) + reverseUpstream(entry.request, now: now)
        case .declined, .reversed, .voided, .completed:
            return [acknowledge]
        }
    }

    /// A void that got no answer is reversed: the purchase stands again, at every node.
    mutating func reverseVoid(_ void: ISOMessage, of purchase: TransactionReference, now: Instant) -> [NodeAction] {
        let own = void.transactionReference
        var actions: [NodeAction] = []
        if waiting.removeValue(forKey: own) != nil { actions.append(.cancelTimer(.answer(own))) }
        if journal[purchase]?.state == .voided { actions += restore(purchase, now: now) }
        // The void went upstream: undo it there too.
        return actions + reverseUpstream(void, now: now)
    }

    mutating func schemeAnswered(_ response: ISOMessage, now: Instant) -> [NodeAction] {
        let own = response.transactionReference
        // 94 answers a copy of the request, not the request: it settles nothing.
        guard response.responseCode != .duplicateTransmission, let entry = waiting.removeValue(forKey: own) else { return [] }
        var actions: [NodeAction] = [.cancelTimer(.answer(own))]
        var answered: ISOMessage?
        if !entry.terminal.isEmpty {
            // The terminal gets its answer under its own STAN, and the fields it sent.
            var answer = response
            answer[DE.stan] = entry.downstream.stan
            if !entry.terminalSentDE90 { answer[DE.originalData] = nil }
            actions.append(.send(answer, to: entry.terminal))
            answered = answer
        }
        let approved = response.responseCode == .approved
        switch entry.operation {
        case .purchase, .preauthorization, .completion, .refund:
            let key = entry.original
            guard let purchase = journal[key], purchase.state == .forwarded else { return actions }
            journal[key]?.request.setBytes(DE.rrn, response.bytes(DE.rrn))
            journal[key]?.answer = answered
            guard approved else {
                journal[key]?.state = .declined
                return actions
            }
            journal[key]?.state = .approved
            switch purchase.kind {
            case .preauthorization:
                break   // funds held at the issuer; nothing is due to the merchant until the completion
            case .refund:
                actions += takeBackRefund(key, now: now)
            default:
                if purchase.kind == .completion, let original = purchase.original { journal[original]?.state = .completed }
                actions += book(key, clearedOn: response[DE.settlementDate], now: now)
            }
        case .void, .cancellation:
            if approved {
                if entry.operation == .cancellation {
                    journal[entry.original]?.state = .voided
                } else {
                    actions += cancelPurchase(entry.original, to: .voided, now: now)
                }
                journal[entry.downstream]?.state = .approved
            } else {
                journal[entry.downstream]?.state = .declined
            }
        default:
            break
        }
        return actions
    }
}
