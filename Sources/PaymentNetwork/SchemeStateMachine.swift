public import ISO8583
public import SettlementCalendar

/// The card scheme (the switch): routes on the BIN, assigns the RRN and the clearing
/// date, times out on issuers (answering `91`, or standing in up to a limit and advising
/// the issuer afterwards), relays reversals and voids, and clears and settles each day at
/// its cutoff.
public struct SchemeStateMachine: NodeLogic {
    /// What a scheme is set up with.
    public struct Configuration: Sendable {
        /// Its zone keys, by peer.
        public var security = NodeSecurity()
        /// The node's name.
        public var name: String
        /// The daily cutoff (local time).
        public var cutoff: TimeOfDay
        /// How long it waits for an issuer.
        public var timeout: Duration
        /// The most it approves in an issuer's place; nil: no stand-in.
        public var standInLimit: Money?
        /// BIN prefixes and the bank node that issues them.
        public var routes: [(bin: String, bank: String)]
        /// The local time zone.
        public var zone: Zone
        /// The currency.
        public var currency: Currency
        /// Cards the issuers told the scheme to refuse when it stands in (lost, frozen,
        /// expired), with the code; stand-in also refuses a card whose DE14 has passed.
        public var standInRefusals: [String: ResponseCode]
        /// Debit cards: the scheme never stands in for them (91 when their issuer cannot answer).
        public var debitCards: Set<String> = []
        /// How many days a pre-authorization holds funds if it is not completed.
        public var preauthDays: Int
        /// How far above its pre-authorization a completion may go, in millionths (15% is 150000).
        public var completionTolerancePPM: Int64
        /// Each merchant's registered MCC, by merchant id (DE42).
        public var registeredMCC: [String: String]
        /// Whether the scheme checks DE18 against the registered MCC (flags a mismatch, charges the registered rate).
        public var mccCheck: Bool
        /// The fees the scheme charges on what it clears (and the rates by MCC of its price list).
        public var fees: SchemeFees
        /// Acquirers that reconcile: after each cutoff they get a line of the clearing file (0520) per purchase cleared.
        public var reconcilingAcquirers: Set<String>

        /// Makes a configuration.
        public init(
            name: String, cutoff: TimeOfDay, timeout: Duration, standInLimit: Money? = nil, routes: [(bin: String, bank: String)],
            zone: Zone, currency: Currency, standInRefusals: [String: ResponseCode] = [:], preauthDays: Int = 30,
            completionTolerancePPM: Int64 = 150_000, registeredMCC: [String: String] = [:], mccCheck: Bool = false,
            fees: SchemeFees = .none, reconcilingAcquirers: Set<String> = []
        ) {
            self.reconcilingAcquirers = reconcilingAcquirers
            self.registeredMCC = registeredMCC
            self.mccCheck = mccCheck
            self.fees = fees
            self.preauthDays = preauthDays
            self.completionTolerancePPM = completionTolerancePPM
            self.standInRefusals = standInRefusals
            self.name = name
            self.cutoff = cutoff
            self.timeout = timeout
            self.standInLimit = standInLimit
            self.routes = routes
            self.zone = zone
            self.currency = currency
        }
    }

    /// A request sent to an issuer and waiting for its answer.
    struct Waiting: Sendable {
        var acquirer: String
        var issuer: String
        var request: ISOMessage
        var operation: TimelineEvent.Operation
        /// The purchase it concerns (as the acquirer names it).
        var original: TransactionReference
        /// The request as the acquirer sent it (its STAN goes back in the answer).
        var downstream: TransactionReference

        /// The scheme's own answer to the acquirer, under the acquirer's STAN.
        func answer(_ code: ResponseCode) -> ISOMessage {
            var answer = request.response(code: code)
            answer[DE.stan] = downstream.stan
            return answer
        }
    }

    /// One transaction's life at the scheme: a purchase, a pre-authorization and its completion,
    /// a refund, a chargeback, or a void or cancellation of one of them (keyed by the
    /// acquirer's reference, a chargeback by the issuer's).
    struct Entry: Sendable {
        enum State: Sendable, Equatable {
            /// Sent to the issuer, no answer yet.
            case authorizing
            /// A void or cancellation sent on to the issuer (its answer, when it came, moved
            /// what it undoes).
            case relayed
            /// Approved, in the batch of its clearing date.
            case approved(clearingDate: LocalDate)
            /// Cleared and settled at a cutoff.
            case cleared
            /// Declined; a void or cancellation: answered by the scheme, never sent on.
            case declined
            /// Reversed: out of its batch, or settled back if it was cleared.
            case reversed
            /// Voided before clearing; a reversal of the void puts it back.
            case voided(clearingDate: LocalDate)
            /// A pre-authorization approved by its issuer: funds held until it is completed,
            /// cancelled or expires.
            case preauthorized
            /// A pre-authorization that was completed, cancelled, or outlived `preauthDays`.
            case completed, cancelled, expired
        }
        /// A purchase, a pre-authorization, its completion, a refund, a chargeback, a void or a cancellation.
        var kind: TimelineEvent.Operation = .purchase
        /// What a completion completes, or a refund, chargeback, void or cancellation undoes.
        @OutOfLine var original: TransactionReference? = nil
        /// What was refunded of it.
        var refunded: Money = .zero
        /// Whether the issuer charged it back.
        var chargedBack = false
        /// The request as the scheme sent it on to the issuer (under the scheme's STAN).
        @Kept var request: ISOMessage
        /// DE90 naming it as the acquirer sent it (under the acquirer's STAN): what the clearing
        /// file and a chargeback tell the acquirer.
        var acquirersOriginalData: String
        var amount: Money
        var issuer: String
        var acquirer: String
        var state: State
        /// The clearing date decided when the scheme routed it (DE15 of the request to the
        /// issuer): an approval, however late it comes back, belongs to that day.
        var routedFor: LocalDate?
    }

    /// One line of a day's clearing: what the issuer owes the acquirer for it (negative:
    /// what the acquirer owes the issuer).
    struct BatchItem: Sendable {
        var reference: TransactionReference
        var amount: Money
        var issuer: String
        var acquirer: String
        /// A purchase or completion; a reversal after clearing; a refund; a chargeback.
        var kind: TimelineEvent.Operation = .purchase
        /// The scheme's fees on it (a purchase's; a reversal after clearing gives them back; a
        /// refund or a chargeback moves the amount alone).
        var fees: SchemeFees.Item = .zero
    }

    /// One clearing date's items, in the order they came. Taking a transaction out (a
    /// reversal before the cutoff) costs the same however big the batch: under load
    /// thousands are reversed out of batches of hundreds of thousands.
    struct Batch: Sendable {
        private var items: [BatchItem?] = []
        /// Where each transaction's item is; a second item of it in the same batch (rare) in `morePositions`.
        private var positions = ShardedDictionary<TransactionReference, Int>()
        private var morePositions: [TransactionReference: [Int]] = [:]
        /// Items in the batch.
        private(set) var count = 0

        /// `room`: the items to make room for at once (a load run's volume).
        init(room: Int = 0) {
            items.reserveCapacity(room)
        }

        mutating func append(_ item: BatchItem) {
            if positions[item.reference] == nil {
                positions[item.reference] = items.count
            } else {
                morePositions[item.reference, default: []].append(items.count)
            }
            items.append(item)
            count += 1
        }

        /// Takes every item of this transaction out.
        mutating func remove(_ reference: TransactionReference) {
            let first = positions.removeValue(forKey: reference).map { [$0] } ?? []
            for position in first + (morePositions.removeValue(forKey: reference) ?? []) where items[position] != nil {
                items[position] = nil
                count -= 1
            }
        }

        /// The items, in the order they came.
        var all: [BatchItem] { items.compactMap { $0 } }
    }

    public let configuration: Configuration
    public var name: String { configuration.name }
    public internal(set) var ledger = Ledger()
    var generator: SeededGenerator
    var trace: TraceNumbers
    var waiting: [TransactionReference: Waiting] = [:]
    var journal = ShardedDictionary<TransactionReference, Entry>()
    var batches: [LocalDate: Batch] = [:]
    /// Reversals and advices the scheme itself sends to issuers, until answered.
    var retransmissions: Retransmissions
    /// The acquirer's reference of each request the scheme sent on under its own STAN.
    var hops = HopMap()
    /// Banks that signed off (maintenance): the scheme answers for them until they sign on.
    var signedOff: Set<String> = []
    /// The items a new batch makes room for (a load run's volume; none in a scenario).
    var batchRoom = 0

    /// Makes a scheme.
    /// `stans`: the STANs it numbers what it sends from (all unless a load part's share).
    public init(configuration: Configuration, seed: UInt64, stans: ClosedRange<Int> = TraceNumbers.all) {
        self.configuration = configuration
        var generator = SeededGenerator(seed: seed, stream: configuration.name)
        trace = TraceNumbers(&generator, within: stans)
        self.generator = generator
        retransmissions = Retransmissions(timeout: configuration.timeout)
    }

    public mutating func reserve(transactions: Int) {
        batchRoom = transactions
    }

    public var isWaiting: Bool { !waiting.isEmpty || !retransmissions.pending.isEmpty || batches.values.contains { $0.count > 0 } }

    public var waitingOn: [NodeWait] {
        waiting.keys.sorted().map { NodeWait(.request, "request \($0)") } + retransmissions.pending.keys.sorted().map { NodeWait(.advice, "advice or reversal \($0)") }
            + batches.filter { $0.value.count > 0 }.sorted { $0.key < $1.key }.map { NodeWait(.clearing, "clearing of \($0.value.count) item(s) on \($0.key)") }
    }

    /// The clearing date of a request made at local time `local`: the batch still open then.
    public func clearingDate(at local: LocalDateTime) -> LocalDate {
        local.time < configuration.cutoff ? local.date : local.date.adding(days: 1)
    }

    /// The bank that issues a PAN: the longest BIN prefix that matches.
    public func issuer(of pan: String) -> String? {
        configuration.routes.filter { pan.hasPrefix($0.bin) }.max { $0.bin.count < $1.bin.count }?.bank
    }

    public mutating func start(now: Instant) -> [NodeAction] {
        [nextCutoff(after: now)]
    }

    func nextCutoff(after now: Instant) -> NodeAction {
        let local = configuration.zone.local(now)
        var date = local.date
        if local.time >= configuration.cutoff { date = date.adding(days: 1) }
        return .startTimer(.cutoff, at: configuration.zone.instant(LocalDateTime(date: date, time: configuration.cutoff)))
    }

    func openBatch(_ now: Instant) -> LocalDate { clearingDate(at: configuration.zone.local(now)) }

    // MARK: - Messages

    public mutating func receive(_ message: ISOMessage, from peer: String, now: Instant) -> [NodeAction] {
        if message.mti.messageClass == .networkManagement { return networkManagement(message, from: peer, now: now) }
        if message.isResponse { return issuerAnswered(message, now: now) }
        if message.isChargeback { return relayChargeback(message, from: peer, now: now) }
        if message.isReversal { return relayReversal(message, from: peer, now: now) }
        if message.isVoid || message.isCancellation { return relayVoid(message, from: peer, now: now) }
        if message.isPurchase { return route(message, kind: .purchase, from: peer, now: now) }
        if message.isBalanceInquiry { return routeInquiry(message, from: peer, now: now) }
        if message.isPreauthorization { return route(message, kind: .preauthorization, from: peer, now: now) }
        if message.isCompletion { return routeCompletion(message, from: peer, now: now) }
        if message.isRefund { return acceptRefund(message, from: peer, now: now) }
        return [.send(message.response(code: .invalidTransaction), to: peer)]
    }

    /// Refuses a request that names an original the scheme cannot apply it to.
    func refuse(_ request: ISOMessage, _ code: ResponseCode, _ why: String, to peer: String, operation: TimelineEvent.Operation, now: Instant) -> [NodeAction] {
        // A chargeback comes from its issuer, under the issuer's own STAN.
        let reference = operation == .chargeback ? request.transactionReference.numbered(by: peer) : request.transactionReference
        return [
            .send(request.response(code: code), to: peer),
            .record(TimelineEvent(at: now, node: name, kind: .declined, reference: .transaction(reference),
                                  detail: "\(why): answered \(code) (\(code.meaning))", facts: .init(responseCode: code, operation: operation))),
        ]
    }

    /// A completion (0220) goes to the issuer like a purchase, if its pre-authorization still
    /// holds and it does not exceed the hold by more than the tolerance.
    mutating func routeCompletion(_ request: ISOMessage, from acquirer: String, now: Instant) -> [NodeAction] {
        let reference = request.transactionReference
        if let earlier = journal[reference] {
            return request.duplicateActions(inProgress: earlier.state == .authorizing, again: "again", node: name, peer: acquirer, now: now)
        }
        let original = journal.key(namedBy: request)
        guard let preauth = journal[original], preauth.kind == .preauthorization else {
            return refuse(request, .originalNotFound, "a completion of \(original), which is no pre-authorization the scheme knows", to: acquirer, operation: .completion, now: now)
        }
        guard preauth.state == .preauthorized else {
            return refuse(request, .invalidTransaction, "a completion of a pre-authorization that is \(preauth.state)", to: acquirer, operation: .completion, now: now)
        }
        let amount = request.amount ?? .zero
        let ceiling = preauth.amount + preauth.amount.timesRate(partsPerMillion: configuration.completionTolerancePPM)
        guard amount > .zero, amount <= ceiling else {
            let exponent = configuration.currency.exponent
            return refuse(request, .invalidAmount,
                          "a completion of \(amount.formatted(exponent: exponent)) on a hold of \(preauth.amount.formatted(exponent: exponent)) (at most \(ceiling.formatted(exponent: exponent)) with the tolerance)",
                          to: acquirer, operation: .completion, now: now)
        }
        var outgoing = request
        outgoing[DE.rrn] = preauth.request[DE.rrn]
        let clearingDate = openBatch(now)
        outgoing[DE.settlementDate] = clearingDate.mmdd
        outgoing[DE.originalData] = preauth.request.originalDataElements
        journal[reference] = Entry(kind: .completion, original: original, request: outgoing, acquirersOriginalData: request.originalDataElements, amount: amount, issuer: preauth.issuer, acquirer: acquirer, state: .authorizing,
                                        routedFor: clearingDate)
        return ask(preauth.issuer, Waiting(acquirer: acquirer, issuer: preauth.issuer, request: outgoing, operation: .completion, original: reference, downstream: reference), now: now)
    }

    mutating func route(_ request: ISOMessage, kind: TimelineEvent.Operation, from acquirer: String, now: Instant) -> [NodeAction] {
        let reference = request.transactionReference
        if let earlier = journal[reference] {
            // The same request again: the first one's answer serves; a second would debit the card twice.
            return request.duplicateActions(inProgress: earlier.state == .authorizing, again: "again", node: name, peer: acquirer, now: now)
        }
        guard let pan = request[DE.pan], let issuer = issuer(of: pan) else {
            return [
                .send(request.response(code: .noSuchIssuer), to: acquirer),
                .record(TimelineEvent(at: now, node: name, kind: .declined, reference: .transaction(reference),
                                      detail: "no bank issues BIN \(PAN.bin(request[DE.pan] ?? "")): answered 15",
                                      facts: .init(responseCode: .noSuchIssuer))),
            ]
        }
        var outgoing = request
        if let refused = translatePIN(&outgoing, from: acquirer, to: issuer, now: now) { return refused }
        // The acquirer sets the RRN; one that came without (an acquirer under test that does not) gets the scheme's.
        if outgoing[DE.rrn] == nil { outgoing[DE.rrn] = generator.digits(12) }
        // The clearing date is decided here, once, when the request is routed.
        let clearingDate = openBatch(now)
        outgoing[DE.settlementDate] = clearingDate.mmdd
        var flagged: [NodeAction] = []
        if configuration.mccCheck, let merchant = request[DE.merchantID], let registered = configuration.registeredMCC[merchant],
           let wire = request[DE.merchantType], wire != registered {
            flagged.append(.record(TimelineEvent(
                at: now, node: name, kind: .mccMismatch, reference: .transaction(reference),
                detail: "DE18 says MCC \(wire), merchant \(merchant) is registered as \(registered): interchange at \(registered)'s rate",
                facts: .init(operation: kind, mcc: wire))))
        }
        journal[reference] = Entry(kind: kind, request: outgoing, acquirersOriginalData: request.originalDataElements, amount: request.amount ?? .zero, issuer: issuer, acquirer: acquirer, state: .authorizing,
                                        routedFor: clearingDate)
        return flagged + ask(issuer, Waiting(acquirer: acquirer, issuer: issuer, request: outgoing, operation: kind, original: reference, downstream: reference), now: now)
    }

    /// A balance inquiry goes to the card's issuer and its answer back: nothing is booked or cleared.
    mutating func routeInquiry(_ request: ISOMessage, from acquirer: String, now: Instant) -> [NodeAction] {
        let reference = request.transactionReference
        guard let issuer = request[DE.pan].flatMap({ issuer(of: $0) }) else {
            return refuse(request, .noSuchIssuer, "no bank issues BIN \(PAN.bin(request[DE.pan] ?? ""))", to: acquirer, operation: .inquiry, now: now)
        }
        var outgoing = request
        if let refused = translatePIN(&outgoing, from: acquirer, to: issuer, now: now) { return refused }
        return ask(issuer, Waiting(acquirer: acquirer, issuer: issuer, request: outgoing, operation: .inquiry, original: reference, downstream: reference), now: now)
    }

    /// The PIN block goes from the acquirer's zone PIN key to the issuer's; when it cannot, the
    /// request is answered 99 (the actions returned).
    func translatePIN(_ request: inout ISOMessage, from acquirer: String, to issuer: String, now: Instant) -> [NodeAction]? {
        guard let problem = PINTranslation.translate(&request, from: configuration.security.zones[acquirer]?.pinKey, to: configuration.security.zones[issuer]?.pinKey) else {
            return nil
        }
        return [.send(request.response(code: .pinFormatError), to: acquirer),
                .record(TimelineEvent(at: now, node: name, kind: .pinFailed, reference: .transaction(request.transactionReference),
                                      detail: "the PIN block cannot be translated to \(issuer)'s zone PIN key (\(problem)): answered 99", facts: .init(responseCode: .pinFormatError)))]
    }

    /// The fees on a purchase item and the words for them: the issuer's fee at the registered
    /// MCC's rate when the scheme checks MCCs, else at the rate of the MCC on the wire (or the
    /// card type's); the network fee each side pays.
    func fees(on request: ISOMessage, amount: Money) -> (fees: SchemeFees.Item, detail: String) {
        let model = configuration.fees
        let fees = model.fees(on: amount, of: request)
        guard model.model != .none else { return (fees, "") }
        let exponent = configuration.currency.exponent
        let wire = request[DE.merchantType]
        let charged = model.chargedMCC(wire: wire, merchant: request[DE.merchantID])
        var detail = "issuer's fee \(fees.issuer.formatted(exponent: exponent))"
        if let charged, model.rates[charged] != nil { detail += " at MCC \(charged)'s rate" }
        if let charged, let wire, charged != wire {
            let cheaper = model.fees(on: amount, pan: request[DE.pan], merchant: nil, wireMCC: wire)
            if cheaper.issuer != fees.issuer { detail += " (at the wire's MCC \(wire) it would be \(cheaper.issuer.formatted(exponent: exponent)))" }
        }
        return (fees, detail + ", network fee \(fees.network.formatted(exponent: exponent)) each side")
    }

    /// Network management from a bank: a sign-off (DE70 `002`, maintenance) makes the scheme
    /// answer for it at once (91, or stand-in); a sign-on (`001`) ends that, and what the
    /// scheme stored for the bank (reversals, advices) goes to it now. Answered 0810.
    mutating func networkManagement(_ message: ISOMessage, from peer: String, now: Instant) -> [NodeAction] {
        guard message.mti.isRequest else { return [] }
        var actions: [NodeAction] = [.send(NetworkManagement.answer(message), to: peer)]
        switch NetworkManagement(of: message) {
        case .signOff?:
            signedOff.insert(peer)
        case .signOn?:
            if signedOff.remove(peer) != nil {
                for reference in retransmissions.pending.filter({ $0.value.peer == peer }).keys.sorted() {
                    actions += retransmissions.fire(reference, now: now)
                }
            }
        default:
            break
        }
        return actions
    }

    mutating func ask(_ issuer: String, _ entry: Waiting, now: Instant) -> [NodeAction] {
        if signedOff.contains(issuer) {
            // In maintenance: nothing goes to it, the scheme answers at once.
            return issuerSilent(entry, now: now, why: "\(issuer) has signed off (maintenance)", code: .issuerInoperative, sent: false)
        }
        // Under the scheme's own STAN (every hop has its own), keeping the mapping.
        var entry = entry
        entry.request[DE.stan] = trace.take()
        let own = entry.request.transactionReference
        // The journal keeps it as sent (an inquiry is not journalled).
        journal[entry.downstream]?.request = entry.request
        if entry.operation.isVoidOrCancellation { journal[entry.downstream]?.state = .relayed }
        waiting[own] = entry
        hops.record(own, of: entry.downstream)
        return [.send(entry.request, to: issuer), .startTimer(.answer(own), at: now.advanced(by: configuration.timeout))]
    }

    mutating func issuerAnswered(_ response: ISOMessage, now: Instant) -> [NodeAction] {
        let own = response.transactionReference
        // An answer to our own advice (0230) or reversal (0430).
        if let acknowledged = retransmissions.acknowledge(own, code: response.responseCode) { return acknowledged }
        // 94 says the issuer saw the same request twice: the answer to the first is still to
        // come, or was lost and the timeout reverses it. It settles nothing.
        guard response.responseCode != .duplicateTransmission, let entry = waiting.removeValue(forKey: own) else { return [] }
        var answer = response
        // The acquirer gets its answer under its own STAN.
        answer[DE.stan] = entry.downstream.stan
        let key = entry.original
        var actions: [NodeAction] = [.cancelTimer(.answer(own))]
        var lateClearing: [NodeAction] = []
        let approved = response.responseCode == .approved
        switch entry.operation {
        case .purchase, .completion:
            if approved, journal[key]?.state == .authorizing, let (date, late) = book(key, now: now) {
                // DE15 of the answer carries the clearing date decided when the request was routed.
                answer[DE.settlementDate] = date.mmdd
                lateClearing = late
                if let original = journal[key]?.original { journal[original]?.state = .completed }
            } else if journal[key]?.state == .authorizing {
                journal[key]?.state = .declined
            }
        case .preauthorization:
            if approved, journal[key]?.state == .authorizing {
                journal[key]?.state = .preauthorized
                actions.append(.startTimer(.expiry(key), at: now.advanced(by: .seconds(Int64(configuration.preauthDays) * 86_400))))
            } else if journal[key]?.state == .authorizing {
                journal[key]?.state = .declined
            }
        case .cancellation:
            if approved, journal[entry.original]?.state == .preauthorized { journal[entry.original]?.state = .cancelled }
        case .void:
            if approved { unclear(entry.original, to: .voided(clearingDate: clearingDateOf(entry.original) ?? openBatch(now)), now: now) }
        default:
            break
        }
        actions.append(.send(answer, to: entry.acquirer))
        return actions + lateClearing
    }
}

extension SchemeStateMachine.Entry {
    /// What the issuer owes the acquirer for it: negative for a refund or a chargeback.
    var signedAmount: Money { kind == .refund || kind == .chargeback ? -amount : amount }

    /// Whether it still stands: approved (not yet cleared) or pre-authorized.
    var isInForce: Bool {
        switch state {
        case .approved, .preauthorized: return true
        default: return false
        }
    }
}

extension SchemeStateMachine {
    public func security(towards peer: String) -> LinkSecurity? { configuration.security.zones[peer] }
    public var forwarded: HopMap? { hops }
}
