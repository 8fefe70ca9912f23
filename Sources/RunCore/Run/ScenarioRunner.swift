public import Scenario
public import NIOCore
import NIOPosix
public import PaymentNetwork
import SettlementCalendar
public import Wire
import Capture
import Foundation

/// Runs scenarios: starts each one's network over real TLS on loopback, drives its
/// virtual clock, and checks what happened.
///
/// The clock moves only when the network is quiet: after each step or timer the runner
/// waits until every frame written has been handled, then jumps to the next step or timer.
public final class ScenarioRunner: Sendable {
    private let group: MultiThreadedEventLoopGroup
    private let credentials: TLSCredentials?
    /// PayLab's own links left clean by one run, for the next (runs on the runner's CA only).
    private let pool: NIOLoopBoundBox<LinkPool>
    /// The longest the network may take (in wall time) to go quiet after one step.
    public let quietTimeout: TimeAmount

    /// The folder of `--pki`, whose CA issues the nodes' certificates; nil: a fresh CA.
    public let pki: String?

    /// Makes a runner with its own event loop (one thread: every node of a run shares it);
    /// with `pki`, the nodes' certificates come from that folder's CA (`paylab pki init`).
    public init(quietTimeout: TimeAmount = .seconds(10)) {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        pki = nil
        credentials = (try? CertificateAuthority()).map { TLSCredentials(authority: $0) }
        self.quietTimeout = quietTimeout
        pool = Self.emptyPool(on: group)
    }

    /// A runner whose nodes' certificates come from the CA of a `paylab pki init` folder;
    /// throws when the folder holds no usable CA.
    public init(quietTimeout: TimeAmount = .seconds(10), pki: String) throws {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        self.pki = pki
        credentials = TLSCredentials(authority: try PKI(directory: pki).authority())
        self.quietTimeout = quietTimeout
        pool = Self.emptyPool(on: group)
    }

    /// A runner whose nodes' certificates come from `authority` (a load generator in the same
    /// process presents one from it too).
    public init(quietTimeout: TimeAmount = .seconds(10), authority: CertificateAuthority) {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        pki = nil
        credentials = TLSCredentials(authority: authority)
        self.quietTimeout = quietTimeout
        pool = Self.emptyPool(on: group)
    }

    /// The event loop this runner's networks run on.
    public var eventLoop: any EventLoop { group.next() }

    private static func emptyPool(on group: MultiThreadedEventLoopGroup) -> NIOLoopBoundBox<LinkPool> {
        let loop = group.next()
        return .makeBoxSendingValue(LinkPool(eventLoop: loop), eventLoop: loop)
    }

    /// How many links runs took over from earlier runs instead of dialling (see ``LinkPool``).
    public func linksReused() async throws -> Int {
        try await pool.eventLoop.submit { self.pool.value.reused }.get()
    }

    /// Closes the links kept between runs, and stops the event loop.
    public func shutdown() async throws {
        try? await pool.eventLoop.flatSubmit { self.pool.value.close() }.get()
        try await group.shutdownGracefully()
    }

    /// Where `--capture` writes, and the run's wall-clock start that names the folders.
    public struct CaptureOptions: Sendable {
        /// The folder the capture folders go in (`Captures`).
        public var root: String
        /// `YYYYMMDD-HHMMSS` of the run.
        public var runTime: String

        /// Makes options.
        public init(root: String = "Captures", runTime: String) {
            self.root = root
            self.runTime = runTime
        }
    }

    /// How `serve` runs a scenario: in real time, until a deadline or a stop.
    public struct Serving: Sendable {
        /// How long to serve; nil: until `stop`.
        public var duration: Duration?
        /// Asked about ten times a second: true ends the run (Ctrl-C).
        public var stop: @Sendable () -> Bool
        /// Told once every node listens and every link is open: where each node can be reached.
        public var announce: @Sendable (Addresses) -> Void

        /// After the stop, run the virtual clock this much further (clearing, payouts) before
        /// the report; nil: report at once.
        public var settleFor: Duration?
        /// Report only what needs no per-transaction outcome (balances, the ledgers'
        /// invariants, the timeline): for load runs of many thousands of purchases, which
        /// reconcile from the timeline themselves.
        public var light: Bool
        /// How many transactions the run expects (a load run's rate times its duration): the
        /// nodes' books make room for them at the start instead of growing under load.
        public var expectedTransactions: Int?
        /// Who watches and steers the run from outside (`certify pos`), if anyone.
        public var director: (any ServeDirector)?
        /// A change to the network as it is assembled (a link's keys the scenario language cannot say).
        public var alteration: (any NetworkAlteration)?
        /// Where each event goes as it happens, instead of into the timeline: a load run folds
        /// them into what its reconciliation needs, so its memory does not grow with every
        /// event of every purchase (the result's timeline is then empty).
        public var events: (@Sendable (TimelineEvent) -> Void)?
        /// The clock of a run that crosses business days, whose nights this network runs when
        /// asked (a load run's); nil: one day, the wall clock from the scenario's start.
        public var days: DayCycle?

        public init(duration: Duration?, stop: @escaping @Sendable () -> Bool, announce: @escaping @Sendable (Addresses) -> Void,
                    settleFor: Duration? = nil, light: Bool = false, expectedTransactions: Int? = nil) {
            self.expectedTransactions = expectedTransactions
            self.duration = duration
            self.stop = stop
            self.announce = announce
            self.settleFor = settleFor
            self.light = light
        }
    }

    /// Where a served network's nodes can be reached.
    public struct Addresses: Sendable {
        /// PayLab's own listeners (TLS 1.3, certificates from the run's CA), by node.
        public var nodes: [String: Int]
        /// The listeners for systems under test, by node.
        public var forSUTs: [String: String]
        /// The run's CA certificate, as PEM.
        public var caPEM: String
    }

    /// Runs one scenario to completion; with `capture`, writes its capture folder too.
    /// `planted` alters the network as it is assembled: `explore --self-test` plants a known defect so.
    public func run(_ scenario: Scenario, capture: CaptureOptions? = nil, planted: (any NetworkAlteration)? = nil) async -> ScenarioResult {
        await run(scenario, capture: capture, planted: planted, serving: nil)
    }

    /// Serves a scenario's network in real time: steps at their times relative to the start,
    /// whatever systems under test send answered at the current time, until the deadline or a stop.
    public func serve(_ scenario: Scenario, capture: CaptureOptions? = nil, serving: Serving) async -> ScenarioResult {
        await run(scenario, capture: capture, planted: serving.alteration, serving: serving)
    }

    private func run(_ scenario: Scenario, capture: CaptureOptions?, planted: (any NetworkAlteration)?, serving: Serving?) async -> ScenarioResult {
        let started = ContinuousClock.now
        let loop = group.next()
        var result = ScenarioResult(
            scenario: scenario, failures: [], transactions: [], accounts: [], timeline: [], problems: [], faultLog: [],
            wallTime: .zero, reasons: [:])
        var session: CaptureSession?
        if let capture {
            do {
                session = try CaptureSession(root: capture.root, runTime: capture.runTime, scenarioFile: scenario.file)
            } catch {
                result.captureNote = "capture not written: \(error)"
            }
        }
        do {
            // Runs share the CA and the nodes' TLS contexts (made once, the slow part); a
            // captured run makes its own, so the key log holds its secrets.
            let credentials: TLSCredentials
            let authority = try self.credentials?.authority ?? CertificateAuthority()
            if let session {
                credentials = TLSCredentials(authority: authority, keyLog: session.keyLog.callback)
            } else {
                credentials = self.credentials ?? TLSCredentials(authority: authority)
            }
            var tap: (@Sendable (WireNetwork.WrittenFrame, Instant) -> Void)?
            if let session { tap = { frame, now in session.record(frame, at: now) } }
            let sink = tap
            // A run on the runner's CA hands its clean links on to the next (a captured run's
            // own CA and key log are its alone).
            let pooled = session == nil && self.credentials != nil
            let run = try await loop.submit {
                let wire = WireNetwork(eventLoop: loop, credentials: credentials)
                if pooled { wire.pool = self.pool.value }
                let run = NetworkRun(scenario: scenario, wire: wire, tap: sink, planted: planted)
                if serving == nil { run.events = ChunkedLog(whole: true) }
                return NIOLoopBound(run, eventLoop: loop)
            }.get()
            do {
                // A run served in real time hands frames on as they arrive from the start (its
                // sign-ons included): there the wall clock decides what comes first.
                if serving != nil { try await loop.submit { run.value.wire.handOnAsTheyArrive() }.get() }
                try await loop.flatSubmit { run.value.listen() }.get()
                if let session {
                    let ports = try await loop.submit { run.value.capturedPorts }.get()
                    session.startLive(ports: ports)
                }
                try await loop.flatSubmit { run.value.connect() }.get()
                if let serving {
                    let addresses = try await loop.submit {
                        let wire = run.value.wire
                        return Addresses(
                            nodes: wire.listeningPorts, forSUTs: run.value.sutAddresses,
                            caPEM: (try? wire.authority.certificatePEM()) ?? "")
                    }.get()
                    serving.announce(addresses)
                    try await serve(run, scenario, serving, on: loop)
                } else {
                    result.stepTimes = try await drive(run, on: loop)
                }
                try await loop.flatSubmit { run.value.signOff() }.get()
            } catch {
                result.failures.append(.stopped("the run stopped: \(error) (seed \(scenario.seed))"))
            }
            let partial = result
            result = try await loop.submit {
                serving?.light == true ? self.collectLight(run.value, into: partial) : self.collect(run.value, into: partial, served: serving != nil)
            }.get()
            try? await loop.flatSubmit { run.value.wire.shutdown() }.get()
        } catch {
            result.failures.append(.stopped("the network could not start: \(error)"))
        }
        result.wallTime = ContinuousClock.now - started
        if let session {
            do {
                let timeline = JSONReport.scenario(result)
                try await Self.onThreadOfItsOwn { try session.finish(timeline: timeline) }
                result.captureFolder = session.folder
                result.captureNote = session.note
            } catch {
                result.captureNote = "capture not completed: \(error)"
            }
        }
        return result
    }

    /// Runs `body`, which blocks (a capture's last packets drained, editcap run), on a thread
    /// of its own: on one of the few threads every task shares it would hold up every other
    /// run in the process meanwhile (tests run side by side, `explore`'s workers).
    static func onThreadOfItsOwn(_ body: @escaping @Sendable () throws -> Void) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let thread = Thread {
                do {
                    try body()
                    continuation.resume()
                } catch {
                    continuation.resume(throwing: error)
                }
            }
            thread.name = "paylab-capture-finish"
            thread.start()
        }
    }

    /// Runs the steps and then the clock to the horizon, on the loop (``NetworkRun/drive(quietTimeout:)``).
    private func drive(_ run: NIOLoopBound<NetworkRun>, on loop: any EventLoop) async throws -> [Duration] {
        let timeout = quietTimeout
        return try await loop.flatSubmit { run.value.drive(quietTimeout: timeout) }.get()
    }

    /// Runs in real time: the virtual clock follows the wall clock from the scenario's start;
    /// steps and timers run when their time comes; frames from SUTs are handled as they come.
    private func serve(_ run: NIOLoopBound<NetworkRun>, _ scenario: Scenario, _ serving: Serving, on loop: any EventLoop) async throws {
        let timeout = quietTimeout
        let wallStart = ContinuousClock.now
        let start = scenario.start
        let days = serving.days
        let clock: @Sendable () -> Instant = { days?.now() ?? start.advanced(by: ContinuousClock.now - wallStart) }
        let expected = serving.expectedTransactions
        let director = serving.director
        try await loop.submit {
            if let expected { run.value.reserve(transactions: expected) }
            run.value.director = director
            run.value.eventSink = serving.events
            run.value.followWallClock(clock)
        }.get()
        var steps = scenario.steps[...]
        var nights = 0
        // Once this loop ends (told to stop, or on an error) no night waits for this network.
        defer { days?.leave() }
        while !serving.stop() {
            if let duration = serving.duration, ContinuousClock.now - wallStart >= duration { break }
            if let days, let night = days.nightToRun(after: nights) {
                let (retired, kept) = try await runNight(run, until: night.until, on: loop)
                nights = night.number
                days.ranNight(retired: retired, kept: kept)
                try await loop.submit { run.value.followWallClock(clock) }.get()
                continue
            }
            let now = clock()
            while try await loop.flatSubmit({ run.value.fireDue(until: now) }).get() {}
            if director != nil, try await loop.submit({ run.value.obeyDirector() }).get() { break }
            if let step = steps.first, step.at <= now {
                steps.removeFirst()
                try await loop.flatSubmit { run.value.perform(step, quietTimeout: timeout) }.get()
                continue
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        guard let settleFor = serving.settleFor else { return }
        // Back on the virtual clock: what is due (clearing at the cutoff, the payouts) happens now,
        // in virtual time, up to `settleFor` past the stop.
        let end = try await loop.submit { () -> Instant in
            run.value.followWallClock(nil)
            return run.value.now.advanced(by: settleFor)
        }.get()
        while try await loop.flatSubmit({ run.value.fireNext(until: end, quietTimeout: timeout) }).get() {}
    }

    /// A business day's night: back on the virtual clock, everything due up to the next
    /// opening happens (each timer once the network is quiet after the one before), then the
    /// nodes retire what is final. Returns how many journal entries they retired, and kept.
    private func runNight(_ run: NIOLoopBound<NetworkRun>, until opening: Instant, on loop: any EventLoop) async throws -> (retired: Int, kept: Int) {
        let timeout = quietTimeout
        try await loop.flatSubmit {
            run.value.followWallClock(nil)
            return run.value.quiet(timeout: timeout)
        }.get()
        while try await loop.flatSubmit({ run.value.fireNext(until: opening, quietTimeout: timeout) }).get() {}
        return try await loop.submit {
            run.value.advance(to: opening)
            return (run.value.retireFinal(), run.value.journalCount)
        }.get()
    }

    private func collect(_ run: NetworkRun, into partial: ScenarioResult, served: Bool) -> ScenarioResult {
        var result = partial
        let scenario = run.scenario
        let timeline = run.timeline
        let outcomes = run.outcomes(of: timeline)
        let ledgers = run.ledgers()
        let balance: (String) -> Money? = { number in
            scenario.network.bank(ofAccount: number).flatMap { ledgers[$0]?.balances[number] }.map { scenario.network.shownBalance(number, books: $0) }
        }
        result.transactions = outcomes
        result.timeline = timeline
        result.problems = run.wire.problems
        result.externalLog = run.suts.log
        result.linkSecurity = run.linkSecurity
        result.sutRoundTrips = run.suts.roundTrips
        result.faultLog = (run.faultLog + run.linkLog).enumerated()
            .sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map(\.element)
        var numbers = scenario.network.cards.map(\.pan) + scenario.network.accounts.map(\.number)
        for merchant in scenario.network.merchants where !numbers.contains(merchant.accountNumber) { numbers.append(merchant.accountNumber) }
        result.accounts = numbers.map { ($0, balance($0) ?? .zero) }
        result.failures += ExpectationChecker.failures(scenario: scenario, outcomes: outcomes, balance: balance, timeline: timeline)
        // A served network stops when it is told to: what its nodes still wait on then is not a fault.
        result.failures += ExpectationChecker.invariantFailures(
            ledgers: ledgers, framesInFlight: run.wire.framesInFlight + run.heldFrames, waiting: served ? [:] : run.waiting(),
            outcomes: outcomes, timeline: timeline, exponent: scenario.currency.exponent, stoppedEarly: served, audits: run.audits(),
            swipesVisible: !scenario.network.isExternal(scenario.network.acquirer.name))
        let end = served ? run.now : (scenario.steps.last?.at ?? scenario.start).advanced(by: scenario.horizon)
        result.failures += ExpectationChecker.unfinishedPayouts(outcomes: outcomes, timeline: timeline, end: end, zone: scenario.zone)
        result.failures += run.faults.map { .node($0.node, $0.fault) }
        result.reasons = Dictionary(uniqueKeysWithValues: outcomes.map { ($0.id, reasons(for: $0, in: scenario, faultLog: result.faultLog)) })
        return result
    }

    /// What `collect` gathers but the outcomes: linear in the timeline, for load runs.
    private func collectLight(_ run: NetworkRun, into partial: ScenarioResult) -> ScenarioResult {
        var result = partial
        let scenario = run.scenario
        let ledgers = run.ledgers()
        result.timeline = run.timeline
        result.problems = run.wire.problems
        result.externalLog = run.suts.log
        var numbers = scenario.network.cards.map(\.pan) + scenario.network.accounts.map(\.number)
        for merchant in scenario.network.merchants where !numbers.contains(merchant.accountNumber) { numbers.append(merchant.accountNumber) }
        result.accounts = numbers.map { number in
            (number, scenario.network.shownBalance(number, books: scenario.network.bank(ofAccount: number).flatMap { ledgers[$0]?.balances[number] } ?? .zero))
        }
        result.failures += ExpectationChecker.invariantFailures(
            ledgers: ledgers, framesInFlight: run.wire.framesInFlight + run.heldFrames, waiting: [:],
            outcomes: [], timeline: [], exponent: scenario.currency.exponent, stoppedEarly: false)
        result.failures += run.faults.map { .node($0.node, $0.fault) }
        return result
    }

    /// Why a transaction's money arrives when it does: the schedule of its terms.
    private func reasons(for outcome: TransactionOutcome, in scenario: Scenario, faultLog: [(at: Instant, what: String)]) -> [String] {
        switch outcome.status {
        case .reversed: return ["the card was charged, but the purchase was reversed: the money went back to the card and nothing is paid out"]
        case .voided: return ["voided before the cutoff: the money went back to the card, nothing was cleared or paid out"]
        case .failed: return ["no answer reached the terminal and the card was not charged"]
        case .declined: return ["declined with \(outcome.response) (\(ResponseCode.meaning(outcome.response))): no money moves"]
        case .duplicate: return ["the same message as an earlier transaction, which the network had already handled: answered \(outcome.response) as that one was; its money is that one's"]
        case .authorized, .completed, .cancelled, .expired, .refunded, .partiallyRefunded, .chargedBack:
            return moneyBackReasons(outcome, in: scenario)
        default: break
        }
        guard let swipe = outcome.events.first(where: { $0.kind == .swiped }),
              let schedule = outcome.events.last(where: { $0.kind == .scheduled })?.facts.schedule else {
            return []
        }
        // The acquirer decided the schedule when it booked the approval; the reasons are read from it.
        let clearing = ArrivalSchedule.clearingReason(
            swipedAt: scenario.zone.local(swipe.at), clearingDate: schedule.clearingDate, cutoff: scenario.network.scheme.cutoff)
        return [clearing] + schedule.reasons + obstacles(outcome, scheduled: schedule.payout, swipedAt: swipe.at, zone: scenario.zone, faultLog: faultLog)
            + whenToCall(outcome, scheduled: schedule.payout, swipedAt: swipe.at, in: scenario)
    }

    /// Why a pre-authorization holds or ended, and when the money of a refund or a chargeback moved.
    private func moneyBackReasons(_ outcome: TransactionOutcome, in scenario: Scenario) -> [String] {
        let zone = scenario.zone
        let exponent = scenario.currency.exponent
        func at(_ event: TimelineEvent) -> String { TextReport.timestamp(event.at, zone) }
        var lines: [String] = []
        let start = outcome.events.first { $0.kind == .swiped || $0.kind == .disputed }
        switch start?.facts.operation {
        case .preauthorization?:
            if let hold = outcome.events.first(where: { $0.kind == .preauthorized }) {
                let expires = zone.local(hold.at.advanced(by: .seconds(Int64(scenario.network.scheme.preauthDays) * 86_400)))
                lines.append("\(at(hold)) the issuer held \((hold.facts.amount ?? .zero).formatted(exponent: exponent)) on the card, not taken; it expires after \(scenario.network.scheme.preauthDays) days, \(expires.date) \(expires.time), unless completed or cancelled")
            }
            for event in outcome.events where [.completed, .cancelled, .expired].contains(event.kind) && event.node != start?.node {
                lines.append("\(at(event)) \(event.kind.rawValue): \(event.detail)")
            }
        case .refund?:
            for event in outcome.events where [.cleared, .refunded].contains(event.kind) || (event.kind == .paidOut && (event.facts.amount ?? .zero) < .zero) {
                lines.append("\(at(event)) \(event.node) \(event.kind.rawValue): \(event.detail)")
            }
            if !outcome.events.contains(where: { $0.kind == .refunded }) { lines.append("accepted; the card is credited when the refund's batch clears at the cutoff") }
        case .chargeback?:
            for event in outcome.events where [.disputed, .chargedBack, .cleared, .settled, .paidOut].contains(event.kind) {
                lines.append("\(at(event)) \(event.node) \(event.kind.rawValue): \(event.detail)")
            }
        default:
            // A purchase refunded or charged back: first when its own money arrived, then what came back.
            var base = outcome
            base.status = .arrived
            lines += reasons(for: base, in: scenario, faultLog: [])
            for event in outcome.events where [.refunded, .disputed, .chargedBack].contains(event.kind) {
                lines.append("\(at(event)) \(event.node) \(event.kind.rawValue): \(event.detail)")
            }
        }
        return lines
    }

    /// The rule of thumb for a merchant: no money four working days after the swipe (or after
    /// the due time, if later) is the moment to call the provider. Said when the money was
    /// that late, or never came.
    private func whenToCall(_ outcome: TransactionOutcome, scheduled: ArrivalSchedule.Payout, swipedAt: Instant, in scenario: Scenario) -> [String] {
        let zone = scenario.zone
        guard let fourth = try? scenario.calendar.businessDay(4, after: zone.local(swipedAt).date) else { return [] }
        var call = zone.instant(LocalDateTime(date: fourth, time: TimeOfDay(hour: 23, minute: 59)!))
        if case .at(let local) = scheduled { call = max(call, zone.instant(local)) }
        guard outcome.arrives.map({ $0 > call }) ?? true else { return [] }
        return ["no money by \(TextReport.timestamp(call, zone)), four working days after the swipe: from then the merchant should call the provider, with the slip's time, RRN, STAN and amount"]
    }

    /// What stood between the scheduled payout and the arrival: refusals, holds, fault windows.
    private func obstacles(
        _ outcome: TransactionOutcome, scheduled: ArrivalSchedule.Payout, swipedAt: Instant, zone: Zone, faultLog: [(at: Instant, what: String)]
    ) -> [String] {
        var lines: [String] = []
        let due: Instant
        switch scheduled {
        case .instant: due = swipedAt
        case .at(let local): due = zone.instant(local)
        }
        for event in outcome.events where [.returned, .held, .released, .parked, .payoutShort].contains(event.kind) {
            lines.append("\(TextReport.timestamp(event.at, zone)) \(event.node) \(event.kind.rawValue): \(event.detail)")
        }
        // Paid to an aggregator (二清): when, and whether it paid the money on.
        let aggregated = outcome.events.first { $0.kind == .paidToAggregator }
        if let aggregated {
            let paidOn = outcome.events.first { $0.kind == .paidOut && $0.node == aggregated.node }
            lines.append("paid to \(aggregated.node) on \(TextReport.timestamp(aggregated.at, zone)); "
                + (paidOn.map { "\(aggregated.node) paid it on \(TextReport.timestamp($0.at, zone)), under its own terms" } ?? "\(aggregated.node) has not paid it on"))
        }
        guard let arrives = outcome.arrives else {
            lines.append("not credited by the end of the run")
            return lines
        }
        if arrives > due, aggregated == nil {
            for entry in faultLog where entry.at <= arrives && entry.at >= swipedAt {
                lines.append("\(TextReport.timestamp(entry.at, zone)) \(entry.what)")
            }
            lines.append("arrived \(TextReport.timestamp(arrives, zone)), \(due.duration(to: arrives).compact) after the scheduled payout")
        }
        return lines
    }
}
