import Foundation
import Histogram
import ISO8583
import Synchronization
import NIOCore
import NIOPosix
import NIOSSL
import PaymentNetwork
import SettlementCalendar
import Wire
import RunCore

/// What the connections saw, shared with the generator's task: the one part of a
/// connection's state that leaves its event loop.
final class LoadStats: Sendable {
    private let state: Mutex<LoadObservation>

    /// `approvals`: room for this many approved purchases (growing a list of a million under
    /// load copies it, and stalls the connection's loop while it does).
    init(approvals: Int = 0) {
        var seen = LoadObservation()
        seen.approved.reserveCapacity(approvals)
        state = Mutex(seen)
    }

    func update<T: Sendable>(_ body: (inout LoadObservation) -> T) -> T {
        state.withLock { body(&$0) }
    }

    /// Everything seen, or (`light`, for the progress line) the counts and the histogram only.
    func snapshot(light: Bool) -> LoadObservation {
        state.withLock { seen in
            if !light { return seen }
            var copy = LoadObservation()
            copy.sent = seen.sent
            copy.byCode = seen.byCode
            copy.timeouts = seen.timeouts
            copy.unmatched = seen.unmatched
            copy.late = seen.late
            copy.latency = seen.latency
            return copy
        }
    }
}

/// One connection's terminals, their STANs and what is in flight: a channel handler whose
/// state lives on its event loop (the generator reaches it through `Handle`, loop-bound);
/// what it saw goes to its `LoadStats`.
final class LoadConnection: ChannelInboundHandler {
    /// The load network's currency (its default network is the default one: CNY).
    static let currency = Currency.known["CNY"]!
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    enum Share {
        /// Open loop: the requests n = first, first + step, ... start at n/rate after the start,
        /// up to rate × duration in all.
        case schedule(rate: Int, first: Int, step: Int)
        case outstanding(Int)
    }

    struct Key: Hashable {
        var terminal: String
        var stan: String
        var transmission: String
    }

    struct InFlight {
        var purchase: LoadPurchase
        var scheduled: NIODeadline
        var request: ISOMessage
    }

    private let plan: LoadPlan
    private let terminals: [(id: String, merchant: String)]
    private let share: Share
    private let started: NIODeadline
    private let clock: @Sendable () -> Instant
    private let codec = MessageCodec(dialect: .default)
    private var stans: [Int]
    /// The global number of the next open-loop request this connection sends.
    private var next = 0
    /// How many requests the schedule holds in all (an open loop), once sending began.
    private var scheduled: Int64 = 0
    /// Whose turn it is among this connection's terminals.
    private var turn = 0
    private var cardIndex: Int
    private var inFlight: [Key: InFlight] = [:]
    /// The requests in the order they were sent (so by scheduled start): the sweep for timeouts
    /// looks only at the oldest, not at everything in flight (a backlog of a hundred thousand
    /// swept every millisecond took the generator's whole core).
    private var sentOrder: [Key] = []
    private var sentOrderHead = 0
    /// Reversals in flight, by their own key, with the purchase each undoes.
    private var reversing: [Key: LoadPurchase] = [:]
    private var reversedPurchases: Set<Key> = []
    private var sending = true
    /// Between business days (the generator drains the day, the networks run the night):
    /// nothing new is sent, and the time paused does not count (schedules and seconds move on by it).
    private var pausedAt: NIODeadline?
    private var pausedFor: TimeAmount = .zero
    private var channel: (any Channel)?
    private var timer: RepeatedTask?
    /// An open loop's wait for its next request's instant.
    private var nextSend: Scheduled<Void>?
    private var sentCount = 0
    /// Frames received: answers of any kind.
    private var received = 0
    /// Whether requests were written since the last flush.
    private var wrote = false
    /// The start, moved on by the time paused: what schedules and seconds count from.
    private var base: NIODeadline { started + pausedFor }
    /// No request is scheduled at or after this: the run's duration from its start, nights not counted.
    private var sendUntil: NIODeadline { base + TimeAmount(plan.duration) }
    /// Whether requests go out now.
    private var open: Bool { sending && pausedAt == nil }
    let stats: LoadStats

    init(plan: LoadPlan, terminals: [(id: String, merchant: String)], cardOffset: Int, share: Share, started: NIODeadline,
         clock: @escaping @Sendable () -> Instant, stats: LoadStats) {
        self.stats = stats
        self.plan = plan
        self.terminals = terminals
        self.share = share
        self.started = started
        self.clock = clock
        // Each take moves on before it reads: one before the first.
        stans = Array(repeating: plan.firstSTAN - 1, count: terminals.count)
        cardIndex = cardOffset
    }

    /// Starts sending (on the channel's event loop): each terminal signs on first (0800, DE70
    /// `001`); the connection keeps order, so the acquirer has the sign-on before the purchases.
    func begin(channel: any Channel) {
        self.channel = channel
        let loop = channel.eventLoop
        signOn()
        switch share {
        case .schedule(let rate, let first, let step):
            let seconds = plan.duration.components
            // The fraction of a second in milliseconds: rate × attoseconds overflows past 9.2 a second.
            scheduled = Int64(rate) * seconds.seconds + Int64(rate) * (seconds.attoseconds / 1_000_000_000_000_000) / 1_000
            next = first
            sendDue(rate: rate, step: step)
        case .outstanding(let count):
            for _ in 0..<count { send(scheduled: .now()) }
            channel.flush()
        }
        // What waits past its timeout is reversed, looked for every 10 ms.
        let bound = NIOLoopBound(self, eventLoop: loop)
        timer = loop.scheduleRepeatedTask(initialDelay: .milliseconds(10), delay: .milliseconds(10)) { _ in bound.value.sweep(now: .now()) }
    }

    /// Each terminal signs on for the day (0800, DE70 `001`).
    private func signOn() {
        guard let channel else { return }
        for (slot, terminal) in terminals.enumerated() {
            stans[slot] = nextSTAN(after: stans[slot])
            let signOn = NetworkManagement.signOn.request(stan: TraceNumbers.text(stans[slot]), now: clock(), terminal: (terminal.id, terminal.merchant))
            if let bytes = try? Framing.standard.frame(codec.pack(signOn)) { channel.write(channel.allocator.buffer(bytes: bytes), promise: nil) }
        }
    }

    private func nextSTAN(after stan: Int) -> Int {
        plan.stanRange.contains(stan) && stan < plan.stanRange.upperBound ? stan + 1 : plan.stanRange.lowerBound
    }

    /// The business day ends: nothing new goes out; what is in flight is still answered or reversed.
    func pause() {
        if pausedAt == nil { pausedAt = .now() }
    }

    /// A new business day: every terminal signs on again (the acquirer wants a sign-on a day),
    /// and sending goes on where it stopped, the pause not counted.
    func resume() {
        guard let pausedAt, let channel else { return }
        pausedFor = pausedFor + (.now() - pausedAt)
        self.pausedAt = nil
        signOn()
        switch share {
        case .outstanding(let count):
            if sending { for _ in inFlight.count..<max(count, inFlight.count) { send(scheduled: .now()) } }
        case .schedule(let rate, _, let step):
            sendDue(rate: rate, step: step)
        }
        channel.flush()
    }

    /// Sends every request of the schedule whose time has come, each timed from its scheduled
    /// start, then waits for the next one's instant: a task at that deadline, so a request
    /// leaves when it is due (a tick of a millisecond sent each up to a millisecond late, and
    /// an open loop counts that as latency). A pause ends the waiting; `resume` starts it again.
    private func sendDue(rate: Int, step: Int) {
        guard let channel else { return }
        nextSend?.cancel()
        nextSend = nil
        let now = NIODeadline.now()
        var due: NIODeadline { base + .nanoseconds(Int64(next) * 1_000_000_000 / Int64(rate)) }
        while open && Int64(next) < scheduled && due <= now {
            send(scheduled: due)
            next += step
        }
        channel.flush()
        guard open, Int64(next) < scheduled else { return }
        let bound = NIOLoopBound(self, eventLoop: channel.eventLoop)
        nextSend = channel.eventLoop.scheduleTask(deadline: due) { bound.value.sendDue(rate: rate, step: step) }
    }

    /// Stops sending: at once when `interrupted` (Ctrl-C) or in a closed loop; an open loop's
    /// schedule is finite, so at its natural end what fell due before the end and has not gone
    /// yet (a starved event loop falls behind) still goes: an open loop sends its whole schedule.
    func stopSending(interrupted: Bool) {
        if case .schedule = share, !interrupted { return }
        sending = false
        nextSend?.cancel()
    }

    /// Requests of the schedule not yet sent (0 once sending stopped).
    private var unsent: Int {
        guard sending, case .schedule(_, _, let step) = share, Int64(next) < scheduled else { return 0 }
        return Int((scheduled - Int64(next) + Int64(step) - 1) / Int64(step))
    }

    /// Requests and reversals still unanswered (of the requests, those in flight), and how many frames came so far.
    func state() -> LoadConnection.State {
        State(requests: inFlight.count + unsent, inFlight: inFlight.count, reversals: reversing.count, received: received)
    }

    struct State: Sendable {
        var requests = 0, inFlight = 0, reversals = 0, received = 0
    }

    /// A connection as the generator's task holds it: the handler bound to its event loop,
    /// and what it saw.
    struct Handle: Sendable {
        let bound: NIOLoopBound<LoadConnection>
        let stats: LoadStats

        func begin(channel: any Channel) async throws {
            try await bound.eventLoop.submit { bound.value.begin(channel: channel) }.get()
        }

        func stopSending(interrupted: Bool) {
            bound.eventLoop.execute { bound.value.stopSending(interrupted: interrupted) }
        }

        func state() async -> LoadConnection.State {
            (try? await bound.eventLoop.submit { bound.value.state() }.get()) ?? State()
        }

        func pause() async {
            try? await bound.eventLoop.submit { bound.value.pause() }.get()
        }

        func resume() async {
            try? await bound.eventLoop.submit { bound.value.resume() }.get()
        }

        /// The approvals seen since the last take (the books check and fold them each night).
        func takeApproved() -> [LoadPurchase] {
            stats.update { seen in
                defer { seen.approved.removeAll(keepingCapacity: true) }
                return seen.approved
            }
        }

        func snapshot(light: Bool) -> LoadObservation { stats.snapshot(light: light) }
    }

    private func send(scheduled: NIODeadline) {
        guard let channel, !terminals.isEmpty else { return }
        let slot = turn % terminals.count
        turn += 1
        stans[slot] = nextSTAN(after: stans[slot])
        let terminal = terminals[slot]
        let card = plan.cards[cardIndex % plan.cards.count]
        cardIndex += plan.connections
        let amount = LoadPlan.amount(sentCount * plan.connections + Int(cardIndex % 97))
        sentCount += 1
        let request = TerminalMessages(terminal: terminal.id, merchant: terminal.merchant, currency: Self.currency)
            .purchase(pan: card.pan, expiry: card.expiry, amount: amount, stan: TraceNumbers.text(stans[slot]), now: clock(), local: nil)
        let key = Key(terminal: terminal.id, stan: request[DE.stan]!, transmission: request[DE.transmissionDateTime]!)
        // A STAN still in flight is not reused: skip to the next (only at a million per terminal in flight).
        if inFlight[key] != nil { return }
        guard let bytes = try? Framing.standard.frame(codec.pack(request)) else { return }
        inFlight[key] = InFlight(purchase: LoadPurchase(terminal: terminal.id, stan: key.stan, transmission: key.transmission, amount: amount, pan: card.pan),
                                 scheduled: scheduled, request: request)
        sentOrder.append(key)
        let second = Int((scheduled - base).nanoseconds / 1_000_000_000)
        stats.update { seen in
            seen.sent += 1
            seen.seconds[seen.second(second)].sent += 1
        }
        channel.write(channel.allocator.buffer(bytes: bytes), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let now = NIODeadline.now()
        received += 1
        guard let answer = try? codec.unpack(Array(unwrapInboundIn(data).readableBytesView)) else {
            stats.update { seen in seen.unmatched += 1 }
            return
        }
        let key = Key(terminal: answer[DE.terminalID] ?? "", stan: answer[DE.stan] ?? "", transmission: answer[DE.transmissionDateTime] ?? "")
        if answer.mti.messageClass == .networkManagement {
            // A sign-on's answer; one refused leaves that terminal's purchases to be answered 77.
            if answer[DE.responseCode] != "00" { stats.update { seen in seen.unmatched += 1 } }
            return
        }
        if answer.mti.isResponse, answer.mti.original != .financialResponse {
            // A reversal's answer: by the reversal's own terminal, STAN and DE7.
            if let purchase = reversing.removeValue(forKey: key) {
                let approved = answer[DE.responseCode] == "00"
                stats.update { seen in
                    seen.reversalsApproved += approved ? 1 : 0
                    seen.reversed.append(purchase)
                }
            } else {
                stats.update { seen in seen.unmatched += 1 }
            }
            return
        }
        guard let flight = inFlight.removeValue(forKey: key) else {
            stats.update { seen in if reversedPurchases.contains(key) { seen.late += 1 } else { seen.unmatched += 1 } }
            return
        }
        let code = answer[DE.responseCode] ?? "--"
        let micros = UInt64(max(0, (now - flight.scheduled).nanoseconds / 1000))
        let second = Int((flight.scheduled - base).nanoseconds / 1_000_000_000)
        let measured = flight.scheduled - base >= TimeAmount(plan.warmup)
        let since = now - base
        stats.update { seen in
            seen.lastAnswer = max(seen.lastAnswer, .nanoseconds(since.nanoseconds))
            seen.byCode[code, default: 0] += 1
            if measured { _ = seen.latency.record(micros) }
            let at = seen.second(second)
            seen.seconds[at].answered += 1
            _ = seen.seconds[at].latency.record(micros)
            if code == "00" { seen.approved.append(flight.purchase) } else { seen.seconds[at].errors += 1 }
        }
        if case .outstanding = share, open, now < sendUntil {
            send(scheduled: now)
            wrote = true
        }
    }

    /// The requests a burst of answers made go out together, in as few TLS records and system calls as can be.
    func channelReadComplete(context: ChannelHandlerContext) {
        if wrote {
            wrote = false
            context.flush()
        }
        context.fireChannelReadComplete()
    }

    /// Requests past the terminal's wait: counted as timeouts and reversed (0400), as a POS does.
    private func sweep(now: NIODeadline) {
        guard let channel else { return }
        let limit = TimeAmount(plan.timeout)
        var reversed = false
        while sentOrderHead < sentOrder.count {
            let key = sentOrder[sentOrderHead]
            guard let flight = inFlight[key] else {
                sentOrderHead += 1   // answered
                continue
            }
            guard now - flight.scheduled > limit else { break }
            sentOrderHead += 1
            inFlight[key] = nil
            // As a UnionPay POS sends it: the purchase's STAN, and the reason (98, a timeout) in DE39.
            let reversal = flight.request.reversal(mti: .reversalRequest, now: clock(), stan: key.stan, reason: .issuerTimeout)
            reversing[Key(terminal: key.terminal, stan: reversal[DE.stan]!, transmission: reversal[DE.transmissionDateTime]!)] = flight.purchase
            reversedPurchases.insert(key)
            let second = Int((flight.scheduled - base).nanoseconds / 1_000_000_000)
            stats.update { seen in
                seen.timeouts += 1
                seen.reversals += 1
                seen.seconds[seen.second(second)].errors += 1
                seen.seconds[seen.second(second)].timeouts += 1
            }
            if let bytes = try? Framing.standard.frame(codec.pack(reversal)) {
                channel.write(channel.allocator.buffer(bytes: bytes), promise: nil)
                reversed = true
            }
            if case .outstanding = share, open, now < sendUntil { send(scheduled: now) }
        }
        if sentOrderHead > 4_096, sentOrderHead * 2 > sentOrder.count {
            sentOrder.removeFirst(sentOrderHead)
            sentOrderHead = 0
        }
        if reversed { channel.flush() }
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        nextSend?.cancel()
        context.fireChannelInactive()
    }
}
