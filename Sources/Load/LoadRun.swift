public import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Histogram
import ISO8583
import NIOSSL
import NIOCore
import PaymentNetwork
public import Scenario
import SettlementCalendar
import Synchronization
public import Wire
import RunCore

/// `paylab load`: PayLab's network (or a scenario's, with a system under test in it) served
/// in real time, purchases driven at its acquirer by generated terminals, then the clock run
/// forward past the payouts and every cent reconciled.
public enum LoadRun {
    public struct Options: Sendable {
        public var pace: LoadPlan.Pace
        public var duration: Duration
        public var warmup: Duration
        public var terminals: Int
        public var cards: Int
        public var threads: Int
        /// PayLab networks served side by side, each on its own event loop (a core) with a
        /// disjoint share of the terminals; nil: one per thread. One when a system under test
        /// takes the acquirer's, the scheme's or a bank's place.
        public var networks: Int?
        public var connections: Int
        /// This generator's slice: part `index` (1-based) of `count`.
        public var part: (index: Int, count: Int)
        /// How long a terminal waits before it reverses.
        public var timeout: Duration
        /// The STAN every terminal numbers from: a host that remembers an earlier run's STANs
        /// answers their repeats 94, so a second run may start elsewhere.
        public var firstSTAN = 1
        /// The wall-clock instant to start sending at (`--start-at`), so that parts on several
        /// machines load the host at one moment; nil: as soon as the network is up.
        public var startAt: Date?
        /// How long each business day lasts in wall time (`--day`).
        public var day: Days = .automatic
        /// Where the generator's connections run (`--generator-loops`); nil: by the pace.
        public var generatorLoops: GeneratorLoops?

        /// Where the generator's connections run. On PayLab's own machine the generator and the
        /// networks share its cores.
        public enum GeneratorLoops: String, Sendable, CaseIterable {
            /// Each on its network's own event loop: a request scheduled for an instant goes
            /// between that loop's reads, never a time slice late (the default of an open loop
            /// whose networks take every core: its latencies count from the schedule, so a late
            /// send is latency).
            case networks
            /// On `threads` threads of the generator's own: each side reads in batches while the
            /// other writes (the closed loop's default: about 15% more purchases a second on two cores).
            case own
        }

        /// Where the generator's connections run in a run of `networks` networks on `cores`
        /// cores: as asked; else, in an open loop whose networks take every core, on their
        /// loops (a thread of the generator's own would have no core to run on when it is due);
        /// otherwise on its own threads (a closed loop; or an open loop with a core to spare,
        /// where a thread of its own adds no wait: one network on two cores, p99 2.9-4.5 ms on
        /// its own threads, 4.9-5.3 ms on the network's loop).
        public func generatorLoopsInForce(networks: Int, cores: Int = ProcessInfo.processInfo.activeProcessorCount) -> GeneratorLoops {
            if let generatorLoops { return generatorLoops }
            if case .rate = pace, networks >= cores { return .networks }
            return .own
        }

        /// Whether the run crosses business days: at the end of each (`every`, wall time) the
        /// terminals stop and are answered, the network's clock runs through the night (the
        /// cutoff, the clearing, the payouts) to the next day's opening, the nodes and the books
        /// forget what is final, and the terminals sign on for the new day. So a run of any
        /// length keeps about a day's purchases (more across a weekend or holiday, whose
        /// payouts wait for the next business day).
        public enum Days: Sendable, Equatable {
            /// Every ``defaultDay`` when the whole network is PayLab's; one day when a system
            /// under test is in it (a host under test sees the date move only when asked).
            case automatic
            case none
            case every(Duration)
        }

        /// A business day's wall time when nothing says otherwise.
        public static let defaultDay = Duration.seconds(5)

        /// The STANs of part `index` of `count`: its N-th of 1...999999, so no two parts ever
        /// send the same STAN (a host keying duplicates on STAN and DE7 answers none 94).
        public static func stanRange(part: (index: Int, count: Int)) -> ClosedRange<Int> {
            share(of: TraceNumbers.all, index: part.index - 1, count: part.count)
        }

        /// Share `index` (from 0) of `count` of a range of STANs.
        public static func share(of range: ClosedRange<Int>, index: Int, count: Int) -> ClosedRange<Int> {
            let size = range.count / max(count, 1)
            let lower = range.lowerBound + index * size
            return lower...(index == count - 1 ? range.upperBound : lower + size - 1)
        }

        public init(pace: LoadPlan.Pace, duration: Duration, warmup: Duration = .zero, terminals: Int = 100, cards: Int = 1000, threads: Int = 2,
                    networks: Int? = nil, connections: Int = 8, part: (index: Int, count: Int) = (1, 1), timeout: Duration = .seconds(10)) {
            self.networks = networks
            self.pace = pace
            self.duration = duration
            self.warmup = warmup
            self.terminals = terminals
            self.cards = cards
            self.threads = threads
            self.connections = connections
            self.part = part
            self.timeout = timeout
        }
    }

    /// The terminals of part `index` of `count`: every count-th of the global numbering, so
    /// parts never share a terminal (nor, since each terminal counts its own, a STAN).
    public static func terminals(total: Int, part: (index: Int, count: Int)) -> [(id: String, merchant: String)] {
        stride(from: part.index - 1, to: total, by: max(part.count, 1)).map { global in
            (String(format: "L%07d", global + 1), String(format: "898440354%06d", global / 10 + 1))
        }
    }

    /// The default network, scaled: a merchant for every ten terminals (T+1, 0.6%), the cards
    /// at the issuer with room for any run, every terminal a system under test at the acquirer
    /// (`ScenarioWriter` writes it out for a look at what a load run serves).
    public static func defaultScenario(options: Options) -> Scenario {
        let zone = Zone(identifier: "Asia/Shanghai")!
        var scenario = Scenario.served(start: zone.instant(LocalDateTime("2026-05-11 10:00")!))
        scenario.file = "load.yaml"
        scenario.name = "load"
        scenario.description = "the default network, scaled for a load run"
        scenario.horizon = .seconds(3 * 86400)
        var network = scenario.network
        network.listen[network.acquirer.name] = Endpoint(host: "127.0.0.1", port: 0)
        var terminal = ExternalSystem()
        terminal.timeout = .seconds(max(1, options.timeout.components.seconds))
        let template = network.merchants[0]
        network.merchants = []
        for (id, merchant) in terminals(total: options.terminals, part: options.part) {
            network.external[id] = terminal
            if network.merchants.last?.id == merchant {
                network.merchants[network.merchants.count - 1].terminals.append(id)
                continue
            }
            var contract = template
            contract.id = merchant
            contract.terminals = [id]
            contract.accountNumber = String(format: "6214830%09d", network.merchants.count + 1)
            network.merchants.append(contract)
        }
        network.cards = cards(options.cards).map {
            NetworkSpec.Card(pan: $0.pan, bank: "Issuer", balance: Money(minorUnits: 10_000_000_000), expiry: $0.expiry, status: .active, dailyLimit: nil)
        }
        scenario.network = network
        return scenario
    }

    static func cards(_ count: Int) -> [(pan: String, expiry: String)] {
        (1...max(count, 1)).map { (String(format: "622202%010d", $0), CardRules.defaultExpiry) }
    }

    /// The outcome: what the generator saw, the reconciliation, and how the run was set up.
    public struct Outcome: Sendable {
        public var seen: LoadObservation
        public var reconciliation: Reconciliation
        public var wallTime: Duration
        public var description: String
        /// The open loop's rate, when it was one.
        public var askedRate: Int?
        /// When it started sending (wall clock), the instant it was asked to (`--start-at`), and its part.
        public var startedAt = Date()
        public var startAt: Date?
        public var part: (index: Int, count: Int) = (1, 1)
        /// How busy the machine and PayLab were while it sent (nil where the kernel does not say).
        public var cpu: CPUUse?
        /// How the run was set up, as label and value.
        public var parameters: [(name: String, value: String)] = []
        /// What the run held after each night: what a run that crosses business days keeps
        /// does not grow with its length.
        public var nights: [NightBooks] = []
    }

    /// What a load run held after one night, all networks together.
    public struct NightBooks: Sendable, Equatable {
        /// Transactions the nodes' journals kept (the rest retired as final).
        public var journal: Int
        /// Approvals the books hold until their payout, and purchases' trails.
        public var approvals: Int
        public var trails: Int
        /// Purchases approved on the day this night ended: what is kept is bounded by the sales
        /// of the days not yet paid, however long each day turned out to be.
        public var sold: Int

        public init(journal: Int, approvals: Int, trails: Int, sold: Int) {
            self.journal = journal
            self.approvals = approvals
            self.trails = trails
            self.sold = sold
        }
    }

    /// The terminals a load run drives: those that are systems under test at PayLab's
    /// acquirer, or every terminal when the acquirer is the system under test.
    static func driven(_ scenario: Scenario) -> [String] {
        let network = scenario.network
        let all = network.merchants.flatMap(\.terminals)
        return network.external[network.acquirer.name] != nil ? all : all.filter { network.external[$0] != nil }
    }

    /// How many networks a run of `scenario` serves: `options.networks` (default: one per
    /// thread), at most one per driven terminal; one when a system under test takes the
    /// acquirer's, the scheme's or a bank's place (it sees one network, as in production).
    public static func networkCount(_ scenario: Scenario, options: Options) -> Int {
        let network = scenario.network
        let nodes = [network.acquirer.name, network.scheme.name] + network.banks.map(\.name)
        guard !nodes.contains(where: { network.external[$0] != nil }) else { return 1 }
        return max(1, min(options.networks ?? options.threads, driven(scenario).count))
    }

    /// Share `index` (from 0) of `count`: the scenario with only every count-th of its driven
    /// terminals (from the `index`-th), and its own seed (its nodes draw their own STANs and
    /// RRNs). A network of several on one machine, or the part of one generator of several
    /// (`--part I/N` of a scenario file).
    public static func share(_ scenario: Scenario, index: Int, of count: Int) -> Scenario {
        guard count > 1 else { return scenario }
        var share = scenario
        let driven = Set(driven(scenario))
        let kept = Set(scenario.network.merchants.flatMap(\.terminals).filter(driven.contains).enumerated()
            .filter { $0.offset % count == index }.map(\.element))
        for merchant in share.network.merchants.indices {
            share.network.merchants[merchant].terminals.removeAll { driven.contains($0) && !kept.contains($0) }
        }
        share.seed = scenario.seed &+ UInt64(index)
        return share
    }

    /// Serves `scenario` (its merchants' terminals must be systems under test at its acquirer,
    /// or its acquirer one) as `networkCount` networks side by side, drives them, stops,
    /// settles and reconciles each.
    /// `authority` issues the nodes' and the generator's certificates (a `paylab pki init` CA,
    /// for a system under test that trusts it); nil: a fresh one.
    public static func run(_ scenario: Scenario, options: Options, authority given: CertificateAuthority? = nil, stop: @escaping @Sendable () -> Bool = { false },
                           progress: @escaping @Sendable (LoadObservation, Duration) -> Void = { _, _ in }) async throws -> Outcome {
        let started = ContinuousClock.now
        let authority = try given ?? CertificateAuthority(commonName: "PayLab load CA")
        let count = networkCount(scenario, options: options)
        let generatorLoops = options.generatorLoopsInForce(networks: count)
        let stans = Options.stanRange(part: options.part)
        // Each network numbers its hops from its own share of the part's STANs: a host behind
        // every part and network never sees one STAN twice in a DE7 second.
        let shares = (0..<count).map { index in
            var share = share(scenario, index: index, of: count)
            share.stans = Options.share(of: stans, index: index, count: count)
            return share
        }
        // Each network's lists make room for its share at the start (growing a list of a
        // million entries under load copies it while the network waits): an open loop knows
        // its volume, a closed loop makes room for more than it can send.
        let day = businessDay(scenario, options: options)
        let cycle = day.map { _ in DayCycle(start: scenario.start, zone: scenario.zone, networks: count) }
        let volume = LoadPlan.expectedRequests(pace: options.pace, duration: options.duration, day: day)
        let expected = min(4_000_000, volume / count + 1_000)
        let served = shares.map { Served($0, authority: authority, expectedTransactions: expected, days: cycle) }
        func stopAll() async -> [ScenarioResult] {
            var results: [ScenarioResult] = []
            for network in served { results.append(await network.stop()) }
            return results
        }
        // The terminals dial each network's acquirer: PayLab's (its listener for SUTs), or the one that is a system under test.
        let acquirerSUT = scenario.network.external[scenario.network.acquirer.name]
        var endpoints: [Endpoint] = []
        for network in served {
            let addresses = await network.addresses()
            guard let addresses, let endpoint = acquirerSUT?.address ?? addresses.forSUTs[scenario.network.acquirer.name].flatMap(Endpoint.init) else {
                let results = await stopAll()
                throw WireError(message: "the network did not start: \(results.flatMap(\.failures).prefix(3).map(\.description).joined(separator: "; "))")
            }
            endpoints.append(endpoint)
        }
        let start = scenario.start
        var terminals: [(id: String, merchant: String, network: Int)] = []
        for (index, share) in shares.enumerated() {
            let driven = Set(driven(share))
            terminals += share.network.merchants.flatMap { merchant in merchant.terminals.map { (id: $0, merchant: merchant.id, network: index) } }
                .filter { driven.contains($0.id) }
        }
        let cards = scenario.network.cards.map { (pan: $0.pan, expiry: $0.expiry) }
        // Every network gets the same number of connections, each with a terminal at least.
        let fewest = (0..<count).map { index in terminals.filter { $0.network == index }.count }.min() ?? 1
        let connections = max(1, min((max(options.connections, count) + count - 1) / count, fewest)) * count
        var plan = LoadPlan(pace: options.pace, duration: options.duration, warmup: options.warmup, terminals: terminals,
                            cards: cards, connections: connections, threads: options.threads, timeout: options.timeout,
                            firstSTAN: min(stans.lowerBound + options.firstSTAN - 1, stans.upperBound))
        plan.stanRange = stans
        plan.day = day
        // Each night, the day's approvals go to the books of their network, which fold what was paid.
        let networkOf = Dictionary(terminals.map { ($0.id, $0.network) }, uniquingKeysWith: { first, _ in first })
        let books = served.map(\.books)
        var days: LoadDays?
        let held = Mutex<[(approvals: Int, trails: Int, sold: Int)]>([])
        if let day, let cycle {
            days = LoadDays(length: day, cycle: cycle) { approvals in
                // What the networks' nights freed goes back first: the books fold on another
                // thread, whose allocations cannot reuse the networks' freed memory.
                releaseFreedMemory()
                var byNetwork = Array(repeating: [LoadPurchase](), count: books.count)
                for purchase in approvals { byNetwork[networkOf[purchase.terminal] ?? 0].append(purchase) }
                var tonight = (approvals: 0, trails: 0, sold: approvals.count)
                for (network, books) in books.enumerated() {
                    books.take(byNetwork[network])
                    books.fold()
                    tonight.approvals += books.held.approvals
                    tonight.trails += books.held.trails
                }
                held.withLock { $0.append(tonight) }
                releaseFreedMemory()
            }
        }
        let nightly = days
        // Parts on several machines start together: wait for the agreed instant (a late part starts at once, and says how late).
        if let startAt = options.startAt {
            // Never before it: a sleep may end a little early.
            while case let wait = startAt.timeIntervalSinceNow, wait > 0 {
                try? await Task.sleep(for: .microseconds(Int64((wait * 1_000_000).rounded(.up))))
            }
        }
        let startedAt = Date()
        let cpuAtStart = CPUUse.read()
        let seen: LoadObservation
        do {
            let identity = try authority.issue(for: "load generator", hostname: "load-generator", names: CertificateAuthority.loopbackNames, days: 2)
            var tls = TLSConfiguration.makeClientConfiguration()
            if acquirerSUT?.tls != .server {
                tls.certificateChain = [.certificate(try NIOSSLCertificate(bytes: Array(try identity.certificatePEM().utf8), format: .pem))]
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(identity.privateKeyPEM.utf8), format: .pem))
            }
            // An acquirer under test is checked against its `ca` (else the run's CA), as PayLab's nodes check it.
            let roots = try acquirerSUT?.ca.map { try NIOSSLCertificate.fromPEMFile($0) } ?? [NIOSSLCertificate(bytes: Array(try authority.certificatePEM().utf8), format: .pem)]
            tls.trustRoots = .certificates(roots)
            tls.certificateVerification = .noHostnameVerification
            tls.minimumTLSVersion = acquirerSUT == nil ? .tlsv13 : .tlsv12
            let context = acquirerSUT?.tls == ExternalSystem.TLSMode.none ? nil : try NIOSSLContext(configuration: tls)
            let wallStart = ContinuousClock.now
            let onNetworks = generatorLoops == .networks
            let generator = LoadGenerator(plan: plan, targets: zip(endpoints, served.map(\.runner.eventLoop)).map { LoadTarget(host: $0.0.host, port: $0.0.port, tls: context, loop: onNetworks ? $0.1 : nil) },
                                          clock: { cycle?.now() ?? start.advanced(by: ContinuousClock.now - wallStart) }, days: nightly)
            seen = try await generator.run(stop: stop, progress: progress)
        } catch {
            _ = await stopAll()
            throw error
        }
        let cpu = CPUUse.between(cpuAtStart, CPUUse.read())
        let results = await stopAll()
        var reconciliation = Reconciliation(problems: [], approved: 0, paidOut: 0)
        for (index, result) in results.enumerated() {
            let mine = Set(terminals.filter { $0.network == index }.map(\.id))
            books[index].take(seen.only(terminals: mine).approved)
            let part = books[index].close(result)
            reconciliation.problems += count == 1 ? part.problems : part.problems.map { "network \(index + 1) of \(count): \($0)" }
            reconciliation.approved += part.approved
            reconciliation.paidOut += part.paidOut
        }
        let abandoned = Reconciliation.abandoned(seen)
        reconciliation.problems += abandoned
        if !abandoned.isEmpty {
            // Why they went unanswered is most often on the wire (a connection closed, a frame broken).
            reconciliation.problems += results.flatMap(\.problems).prefix(5).map { "on the wire: \($0)" }
        }
        let pace: String
        switch options.pace {
        case .rate(let rate): pace = "open loop at \(rate)/s"
        case .concurrency(let count): pace = "closed loop, \(count) outstanding"
        }
        let networks = count == 1 ? "" : "\(count) networks side by side (one event loop each), "
        let generatorSaid = generatorLoops == .networks ? "the generator on the networks' event loops" : "\(plan.threads) generator threads"
        let nights = cycle?.nights ?? 0
        let daysSaid = day.map { "business days of \($0.compact) (\(nights) nights), " } ?? ""
        let description = "\(pace) for \(options.duration.components.seconds) s (warmup \(options.warmup.components.seconds) s), \(terminals.count) terminals, \(cards.count) cards, \(plan.connections) connections, \(generatorSaid), \(networks)\(daysSaid)part \(options.part.index)/\(options.part.count), \(acquirerSUT.map { "the acquirer under test at \($0.address.map(\.description) ?? "-") (TLS \($0.tls.rawValue)), then" } ?? "mutual TLS through \(scenario.network.acquirer.name),") \(scenario.network.scheme.name) and the issuer"
        var askedRate: Int?
        if case .rate(let rate) = options.pace { askedRate = rate }
        var outcome = Outcome(seen: seen, reconciliation: reconciliation, wallTime: ContinuousClock.now - started, description: description, askedRate: askedRate)
        outcome.startedAt = startedAt
        outcome.startAt = options.startAt
        outcome.part = options.part
        outcome.cpu = cpu
        outcome.nights = zip(cycle?.kept ?? [], held.withLock { $0 }).map { NightBooks(journal: $0, approvals: $1.approvals, trails: $1.trails, sold: $1.sold) }
        outcome.parameters = [
            ("pace", pace), ("duration", "\(options.duration.components.seconds) s"), ("warmup", "\(options.warmup.components.seconds) s"),
            ("terminals", "\(terminals.count)"), ("cards", "\(cards.count)"), ("connections", "\(plan.connections)"), ("generator", generatorSaid),
            ("networks", "\(count)"),
            ("business day", day.map { "\($0.compact) of wall time; \(nights) nights took \(seen.nightTime.compact), \(cycle?.retired ?? 0) journal entries retired" } ?? "one day (no nights)"),
            ("part", "\(options.part.index)/\(options.part.count)"), ("terminal timeout", "\(options.timeout.components.seconds) s"),
            ("path", acquirerSUT.map { "the acquirer under test at \($0.address.map(\.description) ?? "-"), then \(scenario.network.scheme.name)" }
                ?? "mutual TLS through \(scenario.network.acquirer.name), \(scenario.network.scheme.name) and the issuer"),
        ]
        if let cpu { outcome.parameters.append(("CPU while sending", String(format: "machine %.0f%% busy, PayLab %.0f%% of %d cores", cpu.machineBusy * 100, cpu.paylab * 100, cpu.cores))) }
        return outcome
    }

    /// Hands what the night freed back to the system: glibc keeps freed memory in its arenas
    /// for reuse, and a day's purchases freed across two event loops' arenas would otherwise
    /// stay resident (a 10-minute run: 767 MB peak, where the live books were a fraction).
    static func releaseFreedMemory() {
        #if canImport(Glibc)
        // malloc.h is not in Swift's Glibc module: the function is looked up (absent from a libc without it).
        typealias Trim = @convention(c) (Int) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return }
        _ = unsafeBitCast(symbol, to: Trim.self)(0)
        #endif
    }

    /// How long a business day of this run lasts: nil when it is one day.
    public static func businessDay(_ scenario: Scenario, options: Options) -> Duration? {
        let asked: Duration
        switch options.day {
        case .none: return nil
        case .every(let day): asked = day
        case .automatic:
            let network = scenario.network
            let nodes = [network.acquirer.name, network.scheme.name] + network.banks.map(\.name)
            guard !nodes.contains(where: { network.external[$0] != nil }) else { return nil }
            asked = Options.defaultDay
        }
        guard asked > .zero else { return nil }
        // The days must stay within the years the calendar knows (its holidays), with the
        // settling after the last: a longer run gets longer days.
        let day = max(asked, shortestDay(scenario, duration: options.duration))
        return day < options.duration ? day : nil
    }

    /// The shortest business day with which a run of `duration` stays within its calendar's
    /// years, a fortnight and the settling horizon to spare (zero for a calendar of every year).
    static func shortestDay(_ scenario: Scenario, duration: Duration) -> Duration {
        guard let last = scenario.calendar.years?.upperBound, let end = LocalDate("\(last)-12-31") else { return .zero }
        let first = scenario.zone.local(scenario.start).date
        let horizonDays = Int(scenario.horizon.components.seconds / 86_400) + 1
        let days = end.daysSinceEpoch - first.daysSinceEpoch - 14 - horizonDays
        guard days > 0 else { return duration }
        let milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        return .milliseconds((milliseconds + Int64(days) - 1) / Int64(days))
    }

    /// One network served in real time for a load run, on its own runner (its own event loop).
    final class Served: Sendable {
        let runner: ScenarioRunner
        let flag = StopFlag()
        let task: Task<ScenarioResult, Never>
        let announced: AsyncStream<ScenarioRunner.Addresses>
        /// The run's events, folded into what reconciliation needs as they happen, and the books.
        let books: LoadBooks

        init(_ scenario: Scenario, authority: CertificateAuthority, expectedTransactions: Int?, days: DayCycle?) {
            let runner = ScenarioRunner(quietTimeout: .seconds(60), authority: authority)
            let (stream, continuation) = AsyncStream<ScenarioRunner.Addresses>.makeStream()
            let flag = flag
            let books = LoadBooks(network: scenario.network, exponent: scenario.currency.exponent)
            self.books = books
            var serving = ScenarioRunner.Serving(
                duration: nil, stop: { flag.isSet }, announce: { continuation.yield($0); continuation.finish() },
                settleFor: scenario.horizon, light: true, expectedTransactions: expectedTransactions)
            let trails = books.trails
            serving.events = { trails.add($0) }
            serving.days = days
            self.runner = runner
            announced = stream
            task = Task { let result = await runner.serve(scenario, serving: serving); continuation.finish(); return result }
        }

        /// Where it listens, once it does; nil when it did not start.
        func addresses() async -> ScenarioRunner.Addresses? {
            var iterator = announced.makeAsyncIterator()
            return await iterator.next()
        }

        /// Stops serving, settles (the clock run forward past the payouts) and shuts down.
        func stop() async -> ScenarioResult {
            flag.set()
            var result = await task.value
            do { try await runner.shutdown() } catch { result.failures.append(.stopped("shutting the network down: \(error)")) }
            return result
        }
    }
}

final class StopFlag: Sendable {
    private let flag = Mutex(false)
    var isSet: Bool { flag.withLock { $0 } }
    func set() { flag.withLock { $0 = true } }
}
