import PaymentSecurity
public import ISO8583
public import SettlementCalendar

/// A card terminal: sends purchases to its acquirer and waits for the answer; with no
/// answer in time it reverses (`0400`, repeated as `0401` until answered). It also
/// voids, and sends a message again when told to.
public struct TerminalStateMachine: NodeLogic {
    /// What a terminal is set up with.
    public struct Configuration: Sendable {
        /// The terminal id, DE41 (8 characters).
        public var id: String
        /// The merchant it belongs to, DE42 (15 characters).
        public var merchantID: String
        /// The acquirer node it sends to.
        public var acquirer: String
        /// How long it waits for an answer.
        public var timeout: Duration
        /// The currency of its amounts.
        public var currency: Currency
        /// The local time zone.
        public var zone: Zone
        /// Its master key and MAC algorithm for the link to its acquirer (none: it takes no keys and MACs nothing).
        public var security = NodeSecurity()

        /// Makes a configuration.
        public init(id: String, merchantID: String, acquirer: String, timeout: Duration, currency: Currency, zone: Zone) {
            self.id = id
            self.merchantID = merchantID
            self.acquirer = acquirer
            self.timeout = timeout
            self.currency = currency
            self.zone = zone
        }
    }

    /// A request waiting for its answer.
    struct Waiting: Sendable {
        var transactionID: String
        var request: ISOMessage
        /// A purchase or a void.
        var operation: TimelineEvent.Operation
        /// The reference events are recorded under (the original's, for a void).
        var reference: TransactionReference
        /// The same message sent again (`repeat`).
        var isRepeat = false
        /// The PIN entered, put in the request as a PIN block under the key in force when it goes.
        var pin: String?
    }

    /// One transaction the terminal made: its request and answer (a follow-up builds on them,
    /// another terminal of the merchant may adopt them), and the batch it was made in.
    struct Entry: Sendable {
        var request: ISOMessage
        var response: ISOMessage?
        /// The batch (UnionPay's 60.2) it was made in, which DE61 of a follow-up names; nil when
        /// adopted from another terminal (the batch now open is named).
        var batch: Int?
    }

    /// Where a chip transaction stands at the terminal.
    enum Chip: Sendable {
        /// Sent: the card's ARQC and the session key it checks the issuer's ARPC with.
        case awaitingARPC(arqc: [UInt8], sessionKey: DESKey)
        /// Approved and accepted by the card: its transaction certificate (TC), for the batch upload.
        case certified([BERTLV])
    }

    public let configuration: Configuration
    /// What it sends, built as every terminal of PayLab builds it.
    var messages: TerminalMessages {
        TerminalMessages(terminal: configuration.id, merchant: configuration.merchantID, currency: configuration.currency)
    }
    public var name: String { configuration.id }
    public private(set) var ledger = Ledger()
    var trace: TraceNumbers
    /// Purchases and voids waiting for an answer, by their own reference.
    var waiting: [TransactionReference: Waiting] = [:]
    /// Reversals sent until acknowledged, and for each the request it undoes.
    var reversals: Retransmissions
    var reversed: [TransactionReference: Waiting] = [:]
    /// Messages this terminal reversed (the reversal pending, or done): a late answer to one
    /// (to a repeat of it, say) is no approval.
    var reversedMessages: Set<TransactionReference> = []
    /// Every transaction it made (or adopted), by scenario id.
    var journal: [String: Entry] = [:]
    /// The batch number (UnionPay's 60.2) now open, counted from 1 at each settlement that agrees.
    var batchNumber = 1
    /// Chip transactions, by reference: the card's session while the request is in flight, then
    /// the transaction certificate until the batch upload takes it.
    var chip: [TransactionReference: Chip] = [:]
    /// The local day this terminal last signed on (0800, DE70 `001`); nil after an A0.
    var signedOnDay: LocalDate?
    /// The working keys its last sign-on brought (DE62, under its TMK).
    var workingKeys: WorkingKeys?
    /// The sign-on in flight, if any, and the requests waiting for it.
    var signOn: TransactionReference?
    var held: [Waiting] = []
    /// Switched off: it hears nothing and its timers wait. What was in flight when the power
    /// went is reversed once it is back and signed on (a POS keeps that flag on disk).
    var off = false
    /// How far the terminal's clock is off (`clock_skew`), until a sign-on's answer sets it.
    var clockOffset: Duration = .zero
    /// Reversals owed once it has signed on again: after a power loss (DE39 06), or for an answer
    /// whose MAC did not check (A0: its keys are out of step, so the reversal waits for new ones).
    var reverseWhenBack: [(entry: Waiting, reason: ResponseCode)] = []
    /// The batch since the last settlement: approved purchases, completions and refunds, in order.
    var batch: [(entry: Waiting, response: ISOMessage)] = []
    /// Batch items uploaded (0320) and not yet acknowledged, during a settlement whose totals disagreed.
    var uploading: Set<TransactionReference> = []
    /// TC uploads (0320) sent after a settlement that agreed, not yet answered.
    var certifying: Set<TransactionReference> = []
    /// The upload in progress ends with an end-of-upload message (the host answered DE48's code 2), not the totals again (95).
    var endsUpload = false

    /// Makes a terminal whose STANs start at a number drawn from the seed.
    public init(configuration: Configuration, seed: UInt64) {
        self.configuration = configuration
        var generator = SeededGenerator(seed: seed, stream: configuration.id)
        trace = TraceNumbers(&generator)
        reversals = Retransmissions(timeout: configuration.timeout)
    }

    public var isWaiting: Bool {
        !held.isEmpty || !reverseWhenBack.isEmpty || !waiting.isEmpty || reversals.pending.keys.contains { reversed[$0] != nil }
    }

    public var waitingOn: [NodeWait] {
        (held.map { NodeWait(.signOn, "sign-on before \($0.operation.rawValue) of \($0.transactionID)") }
            + reverseWhenBack.map { NodeWait(.reversal, "reversal of \($0.entry.transactionID) (after the terminal signs on again)") }
            + waiting.values.map { NodeWait(.request, "\($0.operation.rawValue) of \($0.transactionID)") }
            + reversals.pending.keys.compactMap { reversed[$0].map { NodeWait(.reversal, "reversal of \($0.transactionID)") } }).sorted()
    }

    public mutating func perform(_ command: NodeCommand, now: Instant) -> [NodeAction] {
        switch command {
        case .swipe(let swipe): return purchase(swipe, now: now)
        case .inquire(let swipe): return inquire(swipe, now: now)
        case .repeatSwipe(let id, let original): return sendAgain(id: id, original: original, now: now)
        case .void(let original): return void(original, now: now)
        case .complete(let id, let original, let amount, let online):
            return followUp(id: id, of: original, kind: online ? .onlineCompletion : .completion, amount: amount, now: now)
        case .refund(let id, let original, let amount): return followUp(id: id, of: original, kind: .refund, amount: amount, now: now)
        case .cancel(let id, let original): return followUp(id: id, of: original, kind: .cancellation, amount: nil, now: now)
        case .power(let on): return on ? powerOn(now: now) : powerOff(now: now)
        case .settle: return settle(now: now)
        case .clockSkew(let offset):
            clockOffset = offset ?? .zero
            return []
        case .adopt(let id, let request, let response):
            journal[id] = Entry(request: request, response: response)
            return []
        default: return []
        }
    }

    mutating func purchase(_ swipe: NodeCommand.Swipe, now: Instant) -> [NodeAction] {
        if let unreadable = chipUnreadable(swipe, operation: swipe.preauthorization ? .preauthorization : .purchase, now: now) { return unreadable }
        var request = messages.purchase(
            pan: swipe.pan, expiry: swipe.expiry, amount: swipe.amount, stan: trace.take(), now: now, local: clock(now),
            preauthorization: swipe.preauthorization)
        readCard(swipe, into: &request, now: now)
        let reference = request.transactionReference
        journal[swipe.id] = Entry(request: request, batch: batchNumber)
        let amountText = swipe.amount.formatted(exponent: configuration.currency.exponent)
        let operation: TimelineEvent.Operation = swipe.preauthorization ? .preauthorization : .purchase
        return [.record(TimelineEvent(
            at: now, node: name, kind: .swiped, reference: .transaction(reference),
            detail: "\(swipe.preauthorization ? "pre-authorization of " : "")\(amountText) \(configuration.currency.code) on card \(PAN.mask(swipe.pan)), STAN \(reference.stan)",
            facts: withTerminalTime(.init(transactionID: swipe.id, amount: swipe.amount, operation: operation), now: now)))]
            + send(Waiting(transactionID: swipe.id, request: request, operation: operation, reference: reference, pin: swipe.pin), now: now)
    }

    /// The local date and time an answer carries (DE13 MMDD, DE12 hhmmss), in the year nearest `near`.
    static func localTime(of message: ISOMessage, near: LocalDateTime) -> LocalDateTime? {
        guard let mmdd = message[DE.localDate], let hhmmss = message[DE.localTime], hhmmss.count == 6,
              let date = LocalDate(mmdd: mmdd, onOrAfter: near.date.adding(days: -180)),
              let hour = Int(hhmmss.prefix(2)), let minute = Int(hhmmss.dropFirst(2).prefix(2)), let time = TimeOfDay(hour: hour, minute: minute) else { return nil }
        return LocalDateTime(date: date, time: time)
    }

    /// `26h behind`, `5m ahead`.
    public static func offset(_ offset: Duration) -> String {
        let seconds = offset.components.seconds
        let magnitude = Duration.seconds(abs(seconds))
        return "\(magnitude.compact) \(seconds < 0 ? "behind" : "ahead")"
    }

    /// Facts with the terminal's own time, as its slip shows it.
    func withTerminalTime(_ facts: TimelineEvent.Facts, now: Instant) -> TimelineEvent.Facts {
        var facts = facts
        facts.terminalTime = clock(now)
        return facts
    }

    /// The terminal's own clock: what it stamps in DE12/DE13 and prints on the slip.
    func clock(_ now: Instant) -> LocalDateTime { configuration.zone.local(now.advanced(by: clockOffset)) }

    /// A terminal signs on when it starts, as a POS does when it is switched on.
    public mutating func start(now: Instant) -> [NodeAction] { signOnNow(now: now) }

    /// A transaction this terminal started: its request and answer, for another terminal of the
    /// merchant to complete, cancel or refund.
    public func transaction(_ id: String) -> (request: ISOMessage, response: ISOMessage?)? { journal[id].map { ($0.request, $0.response) } }

    /// The power goes: requests in flight are remembered for reversal, nothing else survives.
    mutating func powerOff(now: Instant) -> [NodeAction] {
        guard !off else { return [] }
        off = true
        var actions: [NodeAction] = []
        for (own, entry) in waiting.sorted(by: { $0.key < $1.key }) {
            actions.append(.cancelTimer(.answer(own)))
            actions.append(.record(TimelineEvent(
                at: now, node: name, kind: .powerLost, reference: .transaction(entry.reference),
                detail: "the terminal lost power with the \(entry.operation.rawValue) in flight: it is reversed when the terminal is back and signed on",
                facts: .init(transactionID: entry.transactionID, operation: entry.operation))))
            reverseWhenBack.append((entry, .otherReason))
        }
        waiting.removeAll()
        for entry in held {
            actions.append(.record(TimelineEvent(at: now, node: name, kind: .failed, reference: .transaction(entry.reference),
                                                 detail: "the terminal lost power before it signed on: nothing was sent",
                                                 facts: .init(transactionID: entry.transactionID, operation: entry.operation))))
        }
        held.removeAll()
        if let signOn { actions.append(.cancelTimer(.answer(signOn))) }
        signOn = nil
        signedOnDay = nil
        return actions
    }

    /// Back on: it signs on, then sends the reversals it owes, and repeats those it was repeating.
    mutating func powerOn(now: Instant) -> [NodeAction] {
        guard off else { return [] }
        off = false
        var actions = signOnNow(now: now)
        for reference in reversals.pending.keys.sorted() { actions += reversals.fire(reference, now: now) }
        return actions
    }

    /// Reverses a request that got no answer (or whose answer the terminal could not take).
    /// As UnionPay POS terminals send it: the original's STAN, and the reason in DE39.
    mutating func reverse(_ entry: Waiting, now: Instant, detail: String, kind: EventKind, reason: ResponseCode, answered: ResponseCode? = nil) -> [NodeAction] {
        let own = entry.request.transactionReference
        if entry.operation.startsTransaction { batch.removeAll { $0.entry.reference == entry.reference } }
        let reversal = entry.request.reversal(mti: .reversalRequest, now: now, stan: entry.request[DE.stan] ?? trace.take(), reason: reason)
        if entry.operation.startsTransaction { reversedMessages.insert(own) }
        reversed[reversal.transactionReference] = entry
        return [.record(TimelineEvent(
            at: now, node: name, kind: kind, reference: .transaction(entry.reference), detail: detail,
            facts: .init(transactionID: entry.transactionID, responseCode: answered, operation: entry.operation)))]
            + reversals.start(reversal, to: configuration.acquirer, now: now)
    }

    /// Sends a request, signing on first when the terminal has not signed on today.
    mutating func send(_ entry: Waiting, now: Instant) -> [NodeAction] {
        guard !off else {
            return [.record(TimelineEvent(at: now, node: name, kind: .failed, reference: .transaction(entry.reference),
                                          detail: "the terminal is off: nothing was sent",
                                          facts: .init(transactionID: entry.transactionID, operation: entry.operation)))]
        }
        guard signedOnDay == configuration.zone.local(now).date else {
            held.append(entry)
            return signOnNow(now: now)
        }
        return transmit(entry, now: now)
    }

    /// Sends the sign-on (0800, DE70 `001`) unless one is in flight.
    mutating func signOnNow(now: Instant) -> [NodeAction] {
        guard signOn == nil else { return [] }
        var message = NetworkManagement.signOn.request(
            stan: trace.take(), now: now, local: clock(now), terminal: (messages.terminal, messages.merchant))
        // A terminal with a master key asks for its working keys as a UnionPay POS does: DE60.3.
        if let keying = configuration.security.terminals[configuration.acquirer] {
            message[DE.unionPayReserved] = "00000000" + keying.workingKeys.managementCode
        }
        signOn = message.transactionReference
        return [.send(message, to: configuration.acquirer), .startTimer(.answer(message.transactionReference), at: now.advanced(by: configuration.timeout))]
    }

    mutating func transmit(_ entry: Waiting, now: Instant) -> [NodeAction] {
        var entry = entry
        // The PIN block is made as the request goes, under the PIK of the last sign-on (with no
        // PIK, as on a link that names no keys, no block goes).
        if let pin = entry.pin, !entry.request.has(DE.pinBlock), let pik = workingKeys?.pik, configuration.security.terminals[configuration.acquirer] != nil,
           let block = try? PINBlock.encrypt(pin: pin, pan: entry.request[DE.pan] ?? "", key: pik) {
            PINTranslation.enter(block, into: &entry.request)
            if journal[entry.transactionID]?.request.transactionReference == entry.request.transactionReference { journal[entry.transactionID]?.request = entry.request }
        }
        let own = entry.request.transactionReference
        waiting[own] = entry
        return [.send(entry.request, to: configuration.acquirer), .startTimer(.answer(own), at: now.advanced(by: configuration.timeout))]
    }

    /// The acquirer answered the sign-on: the held requests go, or (refused, unanswered,
    /// unreachable) each fails with nothing sent.
    mutating func signedOn(_ code: ResponseCode?, now: Instant, why: String? = nil, keys issued: String? = nil, timeSetBy: LocalDateTime? = nil) -> [NodeAction] {
        guard let reference = signOn else { return [] }
        signOn = nil
        var entries = held
        held.removeAll()
        var actions: [NodeAction] = [.cancelTimer(.answer(reference))]
        guard code == .approved else {
            let reason = why ?? "the sign-on was refused with \(code?.rawValue ?? "??") (\(code?.meaning ?? "no code"))"
            for entry in entries {
                actions.append(.record(TimelineEvent(at: now, node: name, kind: .failed, reference: .transaction(entry.reference),
                                                     detail: "could not sign on: \(reason); nothing was sent",
                                                     facts: .init(transactionID: entry.transactionID, operation: entry.operation))))
            }
            return actions
        }
        let today = configuration.zone.local(now).date
        signedOnDay = today
        // The 0810 carries the acquirer's date and time (DE12/DE13): a terminal sets its clock by it.
        var clockSet = ""
        if clockOffset != .zero, let date = timeSetBy {
            clockSet = "; its clock, \(Self.offset(clockOffset)), set to \(date) by the answer's DE12/DE13"
            clockOffset = .zero
            // What waited for the sign-on is made now, on the clock as set.
            for index in entries.indices {
                entries[index].request[DE.localTime] = clock(now).time.hhmmss
                entries[index].request[DE.localDate] = clock(now).date.mmdd
                if journal[entries[index].transactionID]?.request.transactionReference == entries[index].request.transactionReference {
                    journal[entries[index].transactionID]?.request = entries[index].request
                }
            }
        }
        if let first = entries.first(where: { $0.operation.startsTransaction }) {
            var facts = TimelineEvent.Facts(transactionID: first.transactionID, operation: first.operation)
            if !clockSet.isEmpty { facts.terminalTime = clock(now) }
            actions.append(.record(TimelineEvent(at: now, node: name, kind: .signedOn, reference: .transaction(first.reference),
                                                 detail: "signed on to \(configuration.acquirer) for \(today) (0800, DE70 001)" + clockSet,
                                                 facts: facts)))
        }
        if let issued {
            // Told in the story of the first transaction that waited for it (or whose reversal did),
            // else under the sign-on's own reference.
            let first = entries.first(where: { $0.operation.startsTransaction }) ?? reverseWhenBack.first?.entry
            actions.append(.record(TimelineEvent(at: now, node: name, kind: .keysIssued, reference: .transaction(first?.reference ?? reference),
                                                 detail: "new working keys from \(configuration.acquirer) (DE62): \(issued)",
                                                 facts: .init(transactionID: first?.transactionID, operation: first?.operation ?? .purchase))))
        }
        for entry in entries { actions += transmit(entry, now: now) }
        // Back from a power loss: the reversals it owes go now.
        let owed = reverseWhenBack
        reverseWhenBack.removeAll()
        for (entry, reason) in owed {
            let detail = reason == .macFailure
                ? "signed on again with new keys: reversing the \(entry.operation.rawValue) whose answer's MAC did not check"
                : "back on and signed on: reversing the \(entry.operation.rawValue) that was in flight when the power went"
            actions += reverse(entry, now: now, detail: detail, kind: .signedOn, reason: reason)
        }
        return actions
    }

    public mutating func receive(_ message: ISOMessage, from peer: String, now: Instant) -> [NodeAction] {
        guard message.isResponse, !off else { return [] }
        let own = message.transactionReference
        if message.mti.messageClass == .networkManagement {
            guard own == signOn else { return [] }
            // The keys come with the sign-on's answer; keys that do not decrypt to their check values are no sign-on.
            switch takeKeys(from: message) {
            case .success(let issued): return signedOn(message.responseCode, now: now, keys: issued, timeSetBy: Self.localTime(of: message, near: configuration.zone.local(now)))
            case .failure(let problem): return signedOn(nil, now: now, why: "the keys in its answer cannot be used: \(problem)")
            }
        }
        // A0: the MAC keys are out of step; the next request signs on again for new ones.
        if message.responseCode == .macFailure { signedOnDay = nil }
        if message.isReversal, let acknowledged = reversals.acknowledge(own, code: message.responseCode), let entry = reversed.removeValue(forKey: own) {
            // 25: nobody saw the message, so nothing was reversed; the same message sent again starts afresh.
            if message.responseCode == .originalNotFound { reversedMessages.remove(entry.request.transactionReference) }
            return acknowledged + [reversalAnswered(message, for: entry, now: now)]
        }
        // The reversal wins: an answer to a message this terminal reversed approves nothing,
        // and a repeat of it waits out its own timeout (and is reversed in turn).
        guard !reversedMessages.contains(own), let entry = waiting.removeValue(forKey: own) else { return [] }
        let code = message.responseCode ?? "??"
        var actions: [NodeAction] = [.cancelTimer(.answer(own))]
        switch entry.operation {
        case .settlement:
            return actions + settlementAnswered(message, now: now)
        case .inquiry:
            return actions + inquiryAnswered(message, entry: entry, now: now)
        case .upload:
            return actions + uploadAnswered(message, entry: entry, now: now)
        case .purchase, .preauthorization, .completion, .refund, .cancellation:
            // The card checks the issuer's answer cryptogram: one that does not verify (or none)
            // makes it decline after the online approval, and the terminal reverses (DE39 06).
            if case .awaitingARPC(let arqc, let sessionKey)? = chip.removeValue(forKey: own), code.isApproval {
                guard ChipData.arpcVerifies(message, arqc: arqc, sessionKey: sessionKey) else {
                    return actions + reverse(entry, now: now, detail: "approved online, but the card declined: the issuer's ARPC (DE55 tag 91) did not verify; reversing",
                                             kind: .declined, reason: .otherReason, answered: code)
                }
                // The card accepts: its transaction certificate goes up with the batch.
                chip[entry.reference] = ChipData.certificate(request: entry.request, sessionKey: sessionKey, code: code).map(Chip.certified)
            }
            journal[entry.transactionID]?.response = message
            // A repeat answered as its original was is the same purchase: it goes in the batch once.
            if code.isApproval, [.purchase, .completion, .refund].contains(entry.operation), !entry.isRepeat || !batch.contains(where: { $0.entry.reference == entry.reference }) {
                batch.append((entry, message))
            }
            let approvedKind: EventKind = entry.operation == .cancellation ? .cancelled : .authorized
            actions.append(.record(TimelineEvent(
                at: now, node: name, kind: code.isApproval ? approvedKind : .declined, reference: .transaction(entry.reference),
                detail: code.isApproval ? "approved, authorization code \(message[DE.authorizationCode] ?? "-")" : "declined with \(code) (\(code.meaning))",
                facts: .init(transactionID: entry.transactionID, responseCode: code, operation: entry.operation))))
        default:
            if code.isApproval { batch.removeAll { $0.entry.reference == entry.reference } }
            actions.append(.record(TimelineEvent(
                at: now, node: name, kind: code.isApproval ? .voided : .declined, reference: .transaction(entry.reference),
                detail: code.isApproval ? "void approved" : "void refused with \(code) (\(code.meaning))",
                facts: .init(transactionID: entry.transactionID, responseCode: code, operation: .void))))
        }
        return actions
    }

    func reversalAnswered(_ message: ISOMessage, for entry: Waiting, now: Instant) -> NodeAction {
        let code = message.responseCode ?? "??"
        let what = entry.operation == .void ? "void reversal" : "reversal"
        return .record(TimelineEvent(
            at: now, node: name, kind: .reversed, reference: .transaction(entry.reference),
            detail: code.isApproval ? "\(what) acknowledged" : "\(what) answered \(code) (\(code.meaning))",
            facts: .init(transactionID: entry.transactionID, responseCode: code, operation: entry.operation == .void ? .voidReversal : .reversal)))
    }

    public mutating func timerFired(_ key: TimerKey, now: Instant) -> [NodeAction] {
        // Switched off, nothing runs; reversals are repeated once it is back.
        guard !off else { return [] }
        switch key {
        case .repeat(let reference):
            return reversals.fire(reference, now: now)
        case .answer(let own) where own == signOn:
            return signedOn(nil, now: now, why: "no answer to the sign-on within \(configuration.timeout.compact)")
        case .answer(let own):
            guard let entry = waiting.removeValue(forKey: own) else { return [] }
            if entry.operation == .settlement || entry.operation == .upload {
                // Nothing to undo: the batch stays open until the next settlement.
                uploading.removeAll()
                certifying.remove(own)
                return []
            }
            if !entry.operation.movesMoney {
                chip[own] = nil
                return [.record(TimelineEvent(at: now, node: name, kind: .timedOut, reference: .transaction(entry.reference),
                                              detail: "no answer to the \(entry.operation.rawValue) within \(configuration.timeout.compact): nothing moved, nothing to reverse",
                                              facts: .init(transactionID: entry.transactionID, operation: entry.operation)))]
            }
            // No answer: the request may have taken effect upstream, so reverse it.
            let detail = entry.operation.startsTransaction
                ? "no answer within \(configuration.timeout.compact): reversing"
                : "no answer to the \(entry.operation.rawValue) within \(configuration.timeout.compact): reversing it"
            return reverse(entry, now: now, detail: detail, kind: .timedOut, reason: .issuerTimeout)
        default:
            return []
        }
    }

    /// An answer whose MAC does not check cannot be trusted: the request it answers is reversed at once (DE39 A0).
    public mutating func untrusted(_ message: ISOMessage, from peer: String, now: Instant) -> [NodeAction] {
        guard message.isResponse, !off, let entry = waiting.removeValue(forKey: message.transactionReference), entry.operation != .settlement,
              entry.operation != .upload else { return [] }
        // Its keys are out of step with the acquirer's: it signs on again for new ones, then reverses
        // under them (a reversal under the old keys would fail its MAC in turn).
        signedOnDay = nil
        if entry.operation.movesMoney { reverseWhenBack.append((entry, .macFailure)) }
        return [.cancelTimer(.answer(message.transactionReference)),
                .record(TimelineEvent(at: now, node: name, kind: .timedOut, reference: .transaction(entry.reference),
                                      detail: "the answer's MAC did not check: the answer is not taken; reversing (A0) once signed on again",
                                      facts: .init(transactionID: entry.transactionID, operation: entry.operation)))]
            + signOnNow(now: now)
    }

    public mutating func sendFailed(_ message: ISOMessage, to peer: String, now: Instant) -> [NodeAction] {
        let own = message.transactionReference
        if own == signOn { return signedOn(nil, now: now, why: "could not reach \(peer)") }
        guard let entry = waiting[own], entry.operation.startsTransaction else {
            // A void or reversal is settled when its timer fires.
            return []
        }
        // Nothing left the terminal: there is nothing to reverse.
        waiting[own] = nil
        return [
            .cancelTimer(.answer(own)),
            .record(TimelineEvent(
                at: now, node: name, kind: .failed, reference: .transaction(entry.reference),
                detail: "could not reach \(peer): nothing was sent",
                facts: .init(transactionID: entry.transactionID))),
        ]
    }
}
