import Foundation
public import Histogram
import ISO8583
import NIOConcurrencyHelpers
public import NIOCore
import NIOPosix
public import NIOSSL
public import PaymentNetwork
public import SettlementCalendar
import Wire
public import RunCore

/// What a load run drives: how many purchases, from which terminals and cards, how fast.
public struct LoadPlan: Sendable {
    /// Open loop at a fixed rate (requests start on schedule whatever the latency), or
    /// closed loop with a fixed number outstanding.
    public enum Pace: Sendable, Equatable {
        case rate(Int)
        case concurrency(Int)
    }

    public var pace: Pace
    public var duration: Duration
    /// Latencies of requests scheduled in the first `warmup` are not recorded.
    public var warmup: Duration
    /// The terminals this generator drives, each with its merchant (DE41, DE42) and the
    /// network (the index of the target) whose acquirer it dials.
    public var terminals: [(id: String, merchant: String, network: Int)]
    /// The PANs it pays with, in turn.
    public var cards: [(pan: String, expiry: String)]
    /// Connections to the acquirer (each carries a share of the terminals).
    public var connections: Int
    /// Event loop threads.
    public var threads: Int
    /// How long a terminal waits before it reverses (0400).
    public var timeout: Duration
    /// The STAN each terminal numbers from (its sign-on takes it, its first purchase the next).
    public var firstSTAN: Int
    /// The STANs this generator's terminals number within, wrapping to its start: a part of
    /// several (`--part I/N`) keeps to its own N-th of the STAN space.
    public var stanRange: ClosedRange<Int> = 1...999_999
    /// How long a business day lasts (its nights are not counted in the duration); nil: the run is one day.
    public var day: Duration?

    /// A closed loop's requests a second, for making room: more than this machine's network
    /// answers (a list sized for it costs address space, not memory, until it is used).
    public static let closedLoopRoom = 15_000

    /// How many requests the run will send, for the lists that must hold them all: an open
    /// loop's rate times its duration, a closed loop's at most ``closedLoopRoom`` a second.
    /// With business days, a day's: the books are folded each night.
    public var expectedRequests: Int { Self.expectedRequests(pace: pace, duration: duration, day: day) + 1_000 }

    /// The requests a run of this pace and duration sends (an open loop's with 5% to spare);
    /// with business days of `day`, a day's.
    public static func expectedRequests(pace: Pace, duration: Duration, day: Duration? = nil) -> Int {
        let duration = day.map { min($0, duration) } ?? duration
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        switch pace {
        case .rate(let rate): return Int(Double(rate) * seconds * 1.05)
        case .concurrency: return Int(Double(closedLoopRoom) * seconds)
        }
    }

    public init(pace: Pace, duration: Duration, warmup: Duration, terminals: [(id: String, merchant: String, network: Int)], cards: [(pan: String, expiry: String)],
                connections: Int, threads: Int, timeout: Duration, firstSTAN: Int = 1) {
        self.firstSTAN = min(max(firstSTAN, 1), 999_999)
        self.pace = pace
        self.duration = duration
        self.warmup = warmup
        self.terminals = terminals
        self.cards = cards
        self.connections = max(1, min(connections, terminals.count))
        self.threads = max(1, threads)
        self.timeout = timeout
    }

    /// The amount of the n-th purchase: 10.00 to 109.99, so the fees vary.
    static func amount(_ n: Int) -> Money { Money(minorUnits: 1_000 + Int64(n * 7_919 % 10_000)) }
}

/// Where the generator dials: an acquirer's listener for terminals.
public struct LoadTarget: Sendable {
    public var host: String
    public var port: Int
    /// nil: plain TCP.
    public var tls: NIOSSLContext?
    /// The event loop the connections to it run on (nil: the generator's own threads).
    public var loop: (any EventLoop)?

    public init(host: String, port: Int, tls: NIOSSLContext?, loop: (any EventLoop)? = nil) {
        self.host = host
        self.port = port
        self.tls = tls
        self.loop = loop
    }
}

/// One purchase as the terminal saw it, kept for reconciliation.
public struct LoadPurchase: Sendable, Hashable {
    public var terminal: String
    public var stan: String
    public var transmission: String
    public var amount: Money
    public var pan: String
}

/// What the generator saw: the counts, the latency histograms (microseconds), and each
/// purchase's fate.
public struct LoadObservation: Sendable {
    public var sent = 0
    public var byCode: [String: Int] = [:]
    public var timeouts = 0
    public var unmatched = 0
    /// Answers that came after the terminal had reversed.
    public var late = 0
    /// Requests and reversals still unanswered when the generator stopped waiting (no answer
    /// came for its timeout and 5 s more).
    public var abandoned = 0
    public var reversals = 0
    public var reversalsApproved = 0
    /// When the last answer came, from the start of the run.
    public var lastAnswer: Duration = .zero
    /// How long requests were sent: the duration, or less when stopped early.
    public var sendingTime: Duration = .zero
    public var latency = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
    /// By second of the run (by scheduled start): sent, answered, errors, and latency; the first
    /// is second `firstSecond` (a connection hands its older seconds to the generator, which
    /// keeps one histogram a second, not one a second for each connection).
    public var seconds: [SecondStats] = []
    public var firstSecond = 0
    /// Approved purchases: of a run that crosses business days, those since the last night
    /// (each night's go to the books, which check and fold them).
    public var approved: [LoadPurchase] = []
    /// Purchases the terminal reversed (no answer in time).
    public var reversed: [LoadPurchase] = []
    /// The wall time the nights of a run that crosses business days took (draining included),
    /// which is not sending time.
    public var nightTime: Duration = .zero
    /// Connections that ran on their network's own event loop (`LoadTarget.loop`).
    public var onNetworkLoops = 0

    public struct SecondStats: Sendable {
        public var sent = 0
        public var answered = 0
        public var errors = 0
        /// Of the errors, requests that got no answer in time (reversed).
        public var timeouts = 0
        public var latency = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .two)
    }

    /// The 99th percentile so far, in milliseconds.
    public var p99Milliseconds: Double { latency.totalCount == 0 ? 0 : Double(latency.valueAtPercentile(99)) / 1000 }
    /// Answers of any code so far.
    public var answered: Int { byCode.values.reduce(0, +) }
    /// Declines, timeouts and unmatched answers so far.
    public var errors: Int { timeouts + unmatched + byCode.filter { $0.key != "00" }.values.reduce(0, +) }

    /// The position in `seconds` of second `index`, made if need be (a second handed on
    /// already counts in the oldest kept: an answer later than the hand-over's margin).
    mutating func second(_ index: Int) -> Int {
        let position = max(0, index - firstSecond)
        while seconds.count <= position { seconds.append(SecondStats()) }
        return position
    }

    /// Takes out the seconds before `second`: an observation of those seconds alone.
    mutating func takeSeconds(before second: Int) -> LoadObservation {
        var taken = LoadObservation()
        taken.firstSecond = firstSecond
        let count = min(max(0, second - firstSecond), seconds.count)
        guard count > 0 else { return taken }
        taken.seconds = Array(seconds.prefix(count))
        seconds.removeFirst(count)
        firstSecond += count
        return taken
    }

    /// The purchases of these terminals only (what one network of several must account for);
    /// the counts and histograms stay those of the whole run.
    func only(terminals: Set<String>) -> LoadObservation {
        var share = self
        share.approved = approved.filter { terminals.contains($0.terminal) }
        share.reversed = reversed.filter { terminals.contains($0.terminal) }
        return share
    }

    mutating func merge(_ other: LoadObservation) {
        sent += other.sent
        for (code, count) in other.byCode { byCode[code, default: 0] += count }
        timeouts += other.timeouts
        unmatched += other.unmatched
        late += other.late
        abandoned += other.abandoned
        reversals += other.reversals
        reversalsApproved += other.reversalsApproved
        lastAnswer = max(lastAnswer, other.lastAnswer)
        sendingTime = max(sendingTime, other.sendingTime)
        latency.add(other.latency)
        for (index, stats) in other.seconds.enumerated() {
            let at = second(other.firstSecond + index)
            seconds[at].sent += stats.sent
            seconds[at].answered += stats.answered
            seconds[at].errors += stats.errors
            seconds[at].timeouts += stats.timeouts
            seconds[at].latency.add(stats.latency)
        }
        approved += other.approved
        reversed += other.reversed
        nightTime = max(nightTime, other.nightTime)
    }
}

/// Drives purchases at an acquirer over real connections (mutual TLS by default): each
/// connection carries a share of the terminals, builds real 0200s, pairs each answer by
/// terminal, STAN and DE7 (unique at any volume: every terminal counts its own STANs, and
/// DE7 tells a wrapped STAN apart), and reverses (0400) what is not answered in time, as a
/// POS does.
public final class LoadGenerator: Sendable {
    let plan: LoadPlan
    /// The acquirers, by network: connection `c` dials network `c` mod their count, with terminals of that network.
    let targets: [LoadTarget]
    /// The virtual time now, for DE7 (the served network's clock).
    let clock: @Sendable () -> Instant
    let days: LoadDays?

    public init(plan: LoadPlan, targets: [LoadTarget], clock: @escaping @Sendable () -> Instant, days: LoadDays? = nil) {
        self.plan = plan
        self.targets = targets
        self.clock = clock
        self.days = days
    }

    /// Runs the plan; `progress` is called about once a second with the totals so far.
    /// `stop` is asked ten times a second: true ends the sending early (Ctrl-C); what is in
    /// flight is still awaited, reversed or counted.
    public func run(stop: @escaping @Sendable () -> Bool = { false }, progress: @escaping @Sendable (LoadObservation, Duration) -> Void = { _, _ in }) async throws -> LoadObservation {
        // Connections on their networks' loops need none of the generator's own.
        let group = MultiThreadedEventLoopGroup(numberOfThreads: targets.allSatisfy { $0.loop != nil } ? 1 : plan.threads)
        do {
            let seen = try await drive(on: group, stop: stop, progress: progress)
            try await group.shutdownGracefully()
            return seen
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    private func drive(on group: MultiThreadedEventLoopGroup, stop: @escaping @Sendable () -> Bool,
                       progress: @escaping @Sendable (LoadObservation, Duration) -> Void) async throws -> LoadObservation {
        let started = NIODeadline.now()
        var handlers: [LoadConnection.Handle] = []
        var channels: [any Channel] = []
        for index in 0..<plan.connections {
            let (handler, channel) = try await connect(index, on: group, started: started)
            handlers.append(handler)
            channels.append(channel)
        }
        for (handler, channel) in zip(handlers, channels) {
            try await handler.begin(channel: channel)
        }
        // Until the duration has passed and every request is answered or reversed, as a POS keeps
        // its reversals until they are answered: while answers still come (a network working
        // through a backlog), and for `timeout` and 5 s more after the last.
        let startedAt = ContinuousClock.now
        var end = startedAt + plan.duration
        var lastProgress = ContinuousClock.now
        var lastAnswer = ContinuousClock.now, received = 0
        var pending = (requests: 0, reversals: 0)
        var dayStart = startedAt, paused = Duration.zero
        var archive = LoadObservation()
        while true {
            try await Task.sleep(for: .milliseconds(days == nil ? 100 : 10))
            let now = ContinuousClock.now
            if let days, now < end, now - dayStart >= days.length, !stop() {
                // The day is over: drained, the night run, the approvals to the books, a new day.
                let night = try await self.night(days, handlers: handlers)
                (end, dayStart, paused) = (end + night, ContinuousClock.now, paused + night)
                continue
            }
            if now < end && stop() {
                end = now
                handlers.forEach { $0.stopSending(interrupted: true) }
            }
            if now - lastProgress >= .seconds(1) {
                lastProgress = now
                // Seconds whose requests are all answered or reversed by now go to the generator's own.
                let settled = Int((now - startedAt - paused).components.seconds) - Int(plan.timeout.components.seconds) - 10
                for handler in handlers { archive.merge(handler.stats.update { $0.takeSeconds(before: settled) }) }
                progress(handlers.reduce(into: LoadObservation()) { $0.merge($1.snapshot(light: true)) }, now - (end - plan.duration))
            }
            if now >= end {
                handlers.forEach { $0.stopSending(interrupted: false) }
                var total = 0
                pending = (0, 0)
                for handler in handlers {
                    let state = await handler.state()
                    total += state.received
                    pending.requests += state.requests
                    pending.reversals += state.reversals
                }
                if total != received { (received, lastAnswer) = (total, now) }
                if pending == (0, 0) || now - max(lastAnswer, end) > plan.timeout + .seconds(5) { break }
            }
        }
        for channel in channels { try? await channel.close() }
        var seen = handlers.reduce(into: archive) { $0.merge($1.snapshot(light: false)) }
        seen.abandoned = pending.requests + pending.reversals
        seen.sendingTime = min(plan.duration, end - startedAt - paused)
        seen.nightTime = paused
        // Connection i goes to network i mod the networks (`connect`).
        seen.onNetworkLoops = channels.indices.filter { targets[$0 % max(1, targets.count)].loop === channels[$0].eventLoop }.count
        return seen
    }

    /// Opens connection `index`: to its network's acquirer (`index` mod the networks), with its
    /// share of that network's terminals and of the pace.
    private func connect(_ index: Int, on group: MultiThreadedEventLoopGroup, started: NIODeadline) async throws -> (LoadConnection.Handle, any Channel) {
        let networks = max(1, targets.count)
        // This connection's network, and its share of that network's terminals.
        let network = index % networks
        let ofNetwork = (plan.connections - network + networks - 1) / networks
        let terminals = plan.terminals.filter { $0.network == network }.enumerated()
            .filter { $0.offset % ofNetwork == index / networks }.map { (id: $0.element.id, merchant: $0.element.merchant) }
        let target = targets[network]
        let share: LoadConnection.Share
        switch plan.pace {
        case .rate(let rate):
            // Request n starts at n/rate; connection i sends those with n = i mod connections.
            share = .schedule(rate: rate, first: index, step: plan.connections)
        case .concurrency(let outstanding):
            share = .outstanding(outstanding / plan.connections + (index < outstanding % plan.connections ? 1 : 0))
        }
        let stats = LoadStats(approvals: plan.expectedRequests / plan.connections)
        let (plan, clock) = (plan, clock)
        let tls = target.tls
        let bootstrap = ClientBootstrap(group: target.loop ?? group)
            .connectTimeout(.seconds(10))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handlers = channel.pipeline.syncOperations
                    if let tls { try handlers.addHandler(NIOSSLClientHandler(context: tls, serverHostname: nil)) }
                    // The connection's state is made on its event loop and stays there.
                    let handler = LoadConnection(plan: plan, terminals: terminals, cardOffset: index, share: share, started: started, clock: clock, stats: stats)
                    try handlers.addHandlers([FrameReader(framing: .standard, stallLimit: .seconds(30)), handler])
                }
            }
        // A system under test may still be starting: try again for 15 s.
        let deadline = ContinuousClock.now + .seconds(15)
        while true {
            do {
                let connected = try await bootstrap.connect(host: target.host, port: target.port).get()
                let bound = try await connected.eventLoop.submit {
                    NIOLoopBound(try connected.pipeline.syncOperations.handler(type: LoadConnection.self), eventLoop: connected.eventLoop)
                }.get()
                return (LoadConnection.Handle(bound: bound, stats: stats), connected)
            } catch {
                guard ContinuousClock.now < deadline else { throw WireError(message: "the terminals cannot reach the acquirer at \(target.host):\(target.port): \(error)") }
                try await Task.sleep(for: .milliseconds(250))
            }
        }
    }

    /// Ends a business day: sending stops, what is in flight is answered or reversed (as at the
    /// end of a run, for the terminal's timeout and 5 s more at most), the networks run the
    /// night, the day's approvals go to the books, and the terminals sign on for the next day
    /// and go on. Returns the wall time it took.
    private func night(_ days: LoadDays, handlers: [LoadConnection.Handle]) async throws -> Duration {
        let began = ContinuousClock.now
        for handler in handlers { await handler.pause() }
        var lastAnswer = began, received = -1
        while true {
            var total = 0, open = 0
            for handler in handlers {
                let state = await handler.state()
                total += state.received
                open += state.inFlight + state.reversals
            }
            if open == 0 { break }
            let now = ContinuousClock.now
            if total != received { (received, lastAnswer) = (total, now) }
            if now - lastAnswer > plan.timeout + .seconds(5) { break }
            try await Task.sleep(for: .milliseconds(2))
        }
        await days.cycle.night()
        var approved: [LoadPurchase] = []
        for handler in handlers { approved += handler.takeApproved() }
        days.closed(approved)
        for handler in handlers { await handler.resume() }
        return ContinuousClock.now - began
    }
}

/// A load run that crosses business days: how long each day lasts (wall time), the clock whose
/// nights the networks run, and where each day's approvals go once its night is over.
public struct LoadDays: Sendable {
    public var length: Duration
    public var cycle: DayCycle
    public var closed: @Sendable ([LoadPurchase]) -> Void

    public init(length: Duration, cycle: DayCycle, closed: @escaping @Sendable ([LoadPurchase]) -> Void) {
        self.length = length
        self.cycle = cycle
        self.closed = closed
    }
}
