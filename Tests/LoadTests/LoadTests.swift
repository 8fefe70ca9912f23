import Foundation
import Histogram
import RunCore
import PaymentNetwork
import Scenario
import Testing
import TestSupport
import ServedSupport
import Wire
import Load
import Benchmarks

/// `paylab load`: short, bounded runs (a second or two each) over real mutual TLS.
@Suite("Load mode", .serialized)
struct LoadTests {
    static func run(_ options: LoadRun.Options, faults: String? = nil) async throws -> (LoadRun.Outcome, LoadReport) {
        let scenario = try scenario(options, faults: faults)
        let outcome = try await LoadRun.run(scenario, options: options)
        return (outcome, LoadReport(outcome: outcome, duration: options.duration))
    }

    /// The default load network, with faults (for the tests of reconciliation itself) in the
    /// language's own `faults:` syntax, read against the network they go in.
    static func scenario(_ options: LoadRun.Options, faults: String? = nil) throws -> Scenario {
        let scenario = LoadRun.defaultScenario(options: options)
        guard let faults else { return scenario }
        return try ScenarioLoader.parse(ScenarioWriter().yaml(scenario) + "faults:\n" + faults + "\n", file: scenario.file)
    }

    @Test("the scaled default network, written as a file (load --print-scenario), reads back as the same network: what a user edits is what ran")
    func printedScenario() throws {
        let options = LoadRun.Options(pace: .rate(10), duration: .seconds(1), terminals: 23, cards: 7, part: (2, 3), timeout: .milliseconds(2500))
        let scenario = LoadRun.defaultScenario(options: options)
        let again = try ScenarioLoader.parse(ScenarioWriter().yaml(scenario), file: scenario.file)
        #expect(again.network == scenario.network && again.start == scenario.start && again.horizon == scenario.horizon)
        // Part 2 of 3: every third terminal from the second, ten to a merchant, each a system under test with the terminal's timeout.
        #expect(scenario.network.merchants.flatMap(\.terminals) == ["L0000002", "L0000005", "L0000008", "L0000011", "L0000014", "L0000017", "L0000020", "L0000023"])
        #expect(scenario.network.merchants.map(\.id) == ["898440354000001", "898440354000002", "898440354000003"])
        #expect(scenario.network.external.values.allSatisfy { $0.timeout == .seconds(2) } && scenario.network.cards.count == 7)
    }

    @Test("a short open-loop run: every request answered or reversed, the counts add up, and every cent reconciles after the payouts")
    func shortRun() async throws {
        let (outcome, report) = try await Self.run(.init(pace: .rate(150), duration: .seconds(1), terminals: 12, cards: 30, threads: 2, connections: 4))
        let seen = outcome.seen
        // Open loop: the schedule, not the answers, decides how many were sent.
        #expect(seen.sent == 150)
        #expect(seen.answered + seen.timeouts == seen.sent)
        #expect(seen.approved.count == report.approved && report.approved == seen.sent, "\(report.text())")
        #expect(report.latency.totalCount == UInt64(seen.answered))
        #expect(report.seconds.reduce(0) { $0 + $1.sent } == seen.sent)
        #expect(report.unmatched == 0 && report.late == 0)
        #expect(report.reconciled, "\(report.text())")
        #expect(outcome.reconciliation.paidOut == seen.sent)
        // Every terminal took part, and each purchase is told apart by terminal, STAN and DE7.
        #expect(Set(seen.approved.map(\.terminal)).count == 12)
        #expect(Set(seen.approved.map { "\($0.terminal)/\($0.stan)/\($0.transmission)" }).count == seen.sent)
        let json = report.json().rendered()
        for key in ["\"sent\":150", "\"approved\":150", "\"declined\":0", "\"timeouts\":0", "\"unmatched\":0", "\"rate\":", "\"latency_ms\":{\"p50\":", "\"p999\":", "\"reconciled\":true", "\"by_second\":["] {
            #expect(json.contains(key), "\(key) not in \(json.prefix(400))")
        }
    }

    @Test("an open loop whose networks take every core sends from their own event loops; a closed loop, or an open loop with a core to spare, from the generator's threads; unless told")
    func generatorLoopsByDefault() {
        let open = LoadRun.Options(pace: .rate(150), duration: .seconds(1))
        var closed = open
        closed.pace = .concurrency(4)
        #expect(open.generatorLoopsInForce(networks: 2, cores: 2) == .networks)
        #expect(open.generatorLoopsInForce(networks: 4, cores: 4) == .networks)
        #expect(open.generatorLoopsInForce(networks: 1, cores: 2) == .own)
        #expect(closed.generatorLoopsInForce(networks: 2, cores: 2) == .own)
        for loops in LoadRun.Options.GeneratorLoops.allCases {
            var told = open
            told.generatorLoops = loops
            #expect(told.generatorLoopsInForce(networks: 1, cores: 8) == loops)
            told.pace = closed.pace
            #expect(told.generatorLoopsInForce(networks: 8, cores: 2) == loops)
        }
    }

    @Test("the generator's connections run on their networks' event loops or on its own threads, in an open or a closed loop; either way every cent reconciles")
    func generatorLoops() async throws {
        for pace in [LoadPlan.Pace.rate(150), .concurrency(4)] {
            for loops in LoadRun.Options.GeneratorLoops.allCases {
                var options = LoadRun.Options(pace: pace, duration: .seconds(1), terminals: 12, cards: 30, threads: 2, networks: 2, connections: 4)
                options.generatorLoops = loops
                let (outcome, report) = try await Self.run(options)
                // Every connection on its own network's loop, or none.
                #expect(outcome.seen.onNetworkLoops == (loops == .networks ? 4 : 0), "\(pace), \(loops)")
                #expect(outcome.description.contains(loops == .networks ? "the generator on the networks' event loops" : "2 generator threads"), "\(outcome.description)")
                #expect(report.reconciled && report.approved == outcome.seen.sent && outcome.seen.sent > 0, "\(report.text())")
            }
        }
    }

    @Test("business days: 5 s by default on PayLab's own network, none with a host under test, and longer for a run that would outrun its calendar's years")
    func dayLength() throws {
        func day(_ duration: Duration, _ days: LoadRun.Options.Days = .automatic, faults: String? = nil) throws -> Duration? {
            var options = LoadRun.Options(pace: .rate(10), duration: duration, terminals: 10, cards: 3)
            options.day = days
            return LoadRun.businessDay(try Self.scenario(options), options: options)
        }
        #expect(try day(.seconds(600)) == .seconds(5) && day(.seconds(4)) == nil && day(.seconds(600), .none) == nil)
        #expect(try day(.seconds(30), .every(.milliseconds(300))) == .milliseconds(300))
        // From 2026-05-11, the China calendar (2024 to 2026) has 216 days left to sell on, with a
        // fortnight and the 3-day settling to spare: ten minutes need days of 2.8 s at least,
        // an hour days of 16.7 s.
        #expect(try day(.seconds(600), .every(.milliseconds(300))) == .milliseconds(2_778))
        #expect(try day(.seconds(3600)) == .milliseconds(16_667))
        var options = LoadRun.Options(pace: .rate(10), duration: .seconds(600), terminals: 10, cards: 3)
        var scenario = LoadRun.defaultScenario(options: options)
        scenario.network.external[scenario.network.banks[0].name] = ExternalSystem()
        options.day = .automatic
        #expect(LoadRun.businessDay(scenario, options: options) == nil, "a host under test keeps one day unless asked")
    }

    @Test("a run across business days: each night the clock runs through the cutoff and the payouts, the terminals sign on again the next day, what the run keeps stays level however many days it runs, and every cent reconciles")
    func businessDays() async throws {
        var options = LoadRun.Options(pace: .rate(400), duration: .milliseconds(4200), terminals: 10, cards: 20, threads: 2, connections: 2)
        options.day = .every(.milliseconds(300))
        let (outcome, report) = try await Self.run(options)
        #expect(report.reconciled, "\(report.text())")
        // Every purchase approved on every day: a terminal that did not sign on again would be answered 77.
        #expect(outcome.seen.sent == 1680 && report.approved == 1680 && outcome.reconciliation.paidOut == 1680, "\(report.text())")
        // Fourteen days of 300 ms, or fewer and longer ones on a busy machine (a day ends when the
        // generator next looks): at least a week, so a weekend is in it.
        #expect(outcome.nights.count >= 6, "\(outcome.nights)")
        // A weekday's purchases are paid at 09:00 the next business day: after its night nothing
        // of it is kept. Friday's and Saturday's wait in the acquirer's journal and the books
        // for Monday's payouts: each night keeps at most what its day and the day before sold
        // (days differ in length on a busy machine, so the bound is their sales, not a share of
        // the run). Without retiring, the last night would hold nearly all 1,680.
        let nights = outcome.nights
        #expect(nights.first.map { [$0.journal, $0.approvals, $0.trails] } == [0, 0, 0], "\(nights)")
        #expect(nights.map(\.sold).reduce(0, +) <= 1680, "\(nights)")
        for (index, night) in nights.enumerated() {
            let unpaid = night.sold + (index > 0 ? nights[index - 1].sold : 0)
            #expect(night.journal <= unpaid && night.approvals <= unpaid && night.trails <= unpaid, "night \(index + 1): \(nights)")
        }
        #expect(nights.contains { $0.journal >= 100 }, "the weekend's purchases wait for Monday: \(nights)")
    }

    @Test("payouts that never reach the merchant's bank: not reconciled, and the report says whose money is missing, in one day or across several",
          arguments: [LoadRun.Options.Days.none, .every(.milliseconds(250))])
    func lostPayouts(days: LoadRun.Options.Days) async throws {
        let faults = """
              - network: Acquirer -> MerchantBank
                drop: request
                from: "2026-05-12 00:00"
                to: "2026-05-30 00:00"
            """
        var options = LoadRun.Options(pace: .rate(40), duration: .seconds(1), terminals: 10, cards: 10, threads: 1, connections: 2)
        options.day = days
        let (outcome, report) = try await Self.run(options, faults: faults)
        #expect(report.approved == 40)
        #expect(!report.reconciled)
        #expect(report.problems.contains { $0.hasPrefix("merchant 898440354000001: account 6214830000000001 holds 0.00, expected ") }, "\(report.problems)")
        // The acquirer paid (its credits went out); the merchant's bank never had them: the balances tell.
        // Four days of 250 ms, or fewer and longer ones on a busy machine (a day ends when the
        // generator next looks): several, whatever the machine.
        if days != .none { #expect(outcome.nights.count >= 2, "\(outcome.nights)") }
    }

    @Test("one payout answer lost: the acquirer repeats, the bank credits once, and the money still reconciles")
    func lostPayoutAnswer() async throws {
        let faults = """
              - network: Acquirer -> MerchantBank
                drop: response
                count: 1
                from: "2026-05-12 00:00"
                to: "2026-05-14 00:00"
            """
        let (_, report) = try await Self.run(.init(pace: .rate(40), duration: .seconds(1), terminals: 10, cards: 10, threads: 1, connections: 2), faults: faults)
        #expect(report.approved == 40)
        #expect(report.reconciled, "\(report.text())")
    }

    @Test("requests lost on the way to the issuer mid-load: the scheme's waits end on time while purchases keep coming (98, reversed), and the money reconciles")
    func timersUnderLoad() async throws {
        // 32 outstanding keep frames in flight all the time: the network is not quiet again until the load stops.
        let options = LoadRun.Options(pace: .concurrency(32), duration: .seconds(6), terminals: 16, cards: 10, threads: 1, connections: 8)
        var scenario = try Self.scenario(options, faults: """
              - network: Scheme -> Issuer
                drop: request
                count: 2
                from: "2026-05-11 10:00:01"
            """)
        scenario.network.scheme.timeout = .seconds(1)
        let outcome = try await LoadRun.run(scenario, options: options)
        let report = LoadReport(outcome: outcome, duration: options.duration)
        #expect(report.byCode["98"] == 2, "\(report.text())")
        #expect(report.approved == report.sent - 2)
        // Each wait ends a second after its request, not when the load stops (5 s after the
        // fault begins): the network never goes quiet under load, and the timer after the first
        // must not wait for it to. The margin is wide: a busy machine slows every answer a little.
        #expect(report.maxMilliseconds < 3_500, "\(report.text())")
        #expect(report.reconciled, "\(report.text())")
    }

    @Test("terminals numbering through the very STANs the acquirer and the scheme give their hops, for 4 s: every purchase debited, cleared and paid out once")
    func hopsNumberedLikeTerminals() async throws {
        // Where the acquirer's counter starts for this network (its seed, its name): the
        // terminals start just above it, so within the first second the acquirer gives its
        // hops the STANs the terminals are using, in the same DE7 second (under a long run
        // this happens once the acquirer's counter wraps: 634 purchases wrong after 45 s).
        var options = LoadRun.Options(pace: .concurrency(8), duration: .seconds(4), terminals: 12, cards: 30, threads: 2, networks: 1, connections: 4)
        let scenario = LoadRun.defaultScenario(options: options)
        var generator = SeededGenerator(seed: scenario.seed, stream: scenario.network.acquirer.name)
        var counter = TraceNumbers(&generator)
        let acquirersFirst = try #require(Int(counter.take()))
        options.firstSTAN = acquirersFirst + 40
        let outcome = try await LoadRun.run(scenario, options: options)
        let report = LoadReport(outcome: outcome, duration: options.duration)
        let seen = outcome.seen
        // The premise: the terminals' STANs lie inside the range the acquirer numbered its hops from.
        let highest = try #require(seen.approved.compactMap { Int($0.stan) }.max())
        // (The terminals start 40 above the acquirer's first STAN: some 60 purchases put them inside
        // its range, which a machine busy with other work reaches too.)
        #expect(seen.approved.count > 60 && highest < acquirersFirst + seen.sent, "\(seen.approved.count) approved, highest STAN \(highest)")
        #expect(report.reconciled, "\(report.problems.prefix(6))")
        #expect(outcome.reconciliation.paidOut == seen.approved.count && seen.approved.count == seen.sent)
    }

    @Test("parts of a run keep to their own N-th of the STANs, start at the --start-at instant, and a merge says how far apart they started and refuses parts of another run")
    func partsStartTogether() async throws {
        // The STAN space shared out: disjoint, and together all of it.
        let ranges = (1...3).map { LoadRun.Options.stanRange(part: ($0, 3)) }
        #expect(ranges.map(\.lowerBound) == [1, 333_334, 666_667] && ranges.last?.upperBound == 999_999)
        #expect(zip(ranges, ranges.dropFirst()).allSatisfy { $0.upperBound + 1 == $1.lowerBound })
        var options = LoadRun.Options(pace: .concurrency(4), duration: .seconds(1), terminals: 6, cards: 12, threads: 1, networks: 1, connections: 2, part: (2, 3))
        // Far enough ahead that setting up the networks on a busy CI machine ends before it.
        options.startAt = Date().addingTimeInterval(3)
        let (outcome, report) = try await Self.run(options)
        #expect(report.reconciled, "\(report.text())")
        #expect(!outcome.seen.approved.isEmpty && outcome.seen.approved.allSatisfy { ranges[1].contains(Int($0.stan) ?? 0) })
        let late = outcome.startedAt.timeIntervalSince(options.startAt!)
        #expect(late >= -0.05 && late < 1.0, "started \(late) s after --start-at")
        // A part's JSON reads back as that part; the merge of two says how far apart they started.
        let file = NSTemporaryDirectory() + "paylab-load-part-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: file) }
        try Data(report.json().rendered(pretty: true).utf8).write(to: URL(fileURLWithPath: file))
        let read = try LoadReport.read(path: file)
        #expect(read.part == (2, 3) && read.startAt.map { abs($0.timeIntervalSince(options.startAt!)) < 0.002 } == true && read.startedAt.count == 1)
        var other = read
        other.part = (1, 3)
        other.startedAt = [read.startedAt[0].addingTimeInterval(0.25)]
        #expect(LoadReport.mismatch([read, other]) == nil)
        #expect(LoadReport.merge([read, other])?.warnings.first == "the parts started 250 ms apart")
        var twice = read
        twice.startedAt = read.startedAt
        #expect(LoadReport.mismatch([read, twice])?.hasPrefix("a part is given twice") == true)
        var elsewhen = other
        elsewhen.startAt = read.startAt?.addingTimeInterval(60)
        #expect(LoadReport.mismatch([read, elsewhen])?.contains("different instants") == true)
        var split = other
        split.part = (1, 4)
        #expect(LoadReport.mismatch([read, split])?.contains("split their run differently") == true)
    }

    @Test("two networks side by side, one per core: each serves every other terminal with its own books, the counts add up, and each is reconciled on its own")
    func networksSideBySide() async throws {
        let faults = """
              - network: Acquirer -> MerchantBank
                drop: request
                from: "2026-05-12 00:00"
                to: "2026-05-30 00:00"
            """
        let good = try await Self.run(.init(pace: .concurrency(8), duration: .seconds(1), terminals: 12, cards: 30, threads: 2, networks: 2, connections: 4))
        #expect(good.0.description.contains("2 networks side by side"))
        #expect(good.1.reconciled, "\(good.1.text())")
        #expect(good.1.approved == good.0.seen.sent && good.0.reconciliation.paidOut == good.0.seen.sent)
        #expect(Set(good.0.seen.approved.map(\.terminal)).count == 12)
        // Every payout lost in both: each network says whose money it is missing.
        let (_, lost) = try await Self.run(.init(pace: .rate(40), duration: .seconds(1), terminals: 10, cards: 10, threads: 2, networks: 2, connections: 2), faults: faults)
        #expect(!lost.reconciled)
        for network in 1...2 {
            #expect(lost.problems.contains { $0.hasPrefix("network \(network) of 2: merchant 898440354000001: account 6214830000000001 holds 0.00, expected ") }, "\(lost.problems)")
        }
    }

    @Test("a scenario file's terminals are shared out between networks or parts: disjoint, every one driven once, each share with its own seed")
    func shares() throws {
        let yaml = """
            name: shares
            start: "2026-05-11 10:00"
            network:
              merchants:
                - { id: "898440354110001", account: { bank: MerchantBank, number: "6214830000000001" }, terminals: [{ id: T0000001, external: {} }, { id: T0000002, external: {} }, T0000003] }
                - { id: "898440354110002", account: { bank: MerchantBank, number: "6214830000000002" }, terminals: [{ id: T0000004, external: {} }, { id: T0000005, external: {} }] }
              cards: []
            """
        let scenario = try ScenarioLoader.parse(yaml, file: "shares.yaml")
        let options = LoadRun.Options(pace: .concurrency(1), duration: .seconds(1), threads: 8)
        // At most one network per driven terminal.
        #expect(LoadRun.networkCount(scenario, options: options) == 4)
        let parts = (0..<2).map { LoadRun.share(scenario, index: $0, of: 2) }
        let driven = parts.map { part in part.network.merchants.flatMap(\.terminals).filter { part.network.external[$0] != nil } }
        #expect(driven[0] == ["T0000001", "T0000004"] && driven[1] == ["T0000002", "T0000005"])
        // A terminal PayLab plays stays in every share; the seeds differ.
        #expect(parts.allSatisfy { $0.network.merchants[0].terminals.contains("T0000003") })
        #expect(parts[0].seed != parts[1].seed)
    }

    @Test("an open loop past what the network can carry: it works on at its pace (the acquirer stops reading while too much is inside), what waits too long is reversed, and every cent still reconciles")
    func overload() async throws {
        let (outcome, report) = try await Self.run(.init(pace: .rate(4000), duration: .seconds(1), terminals: 20, cards: 40, threads: 1, networks: 1,
                                                          connections: 4, timeout: .seconds(1)))
        let seen = outcome.seen
        #expect(seen.sent == 4_000)
        #expect(seen.answered + seen.timeouts == seen.sent)
        // Every timeout reversed, every reversal answered (how many time out depends on the machine's speed).
        #expect(seen.reversals == seen.timeouts && seen.reversed.count == seen.timeouts, "\(report.text())")
        #expect(report.approved + seen.timeouts == seen.sent)
        #expect(report.reconciled, "\(report.text())")
    }

    @Test("bench relay's floors carry round trips over two chains: bare frames, and real MAC-checked 0200s unpacked and packed again at every hop")
    func relayFloors() async throws {
        for iso8583 in [false, true] {
            let floor = try await RelayBenchmark.run(concurrency: 4, connections: 2, threads: 1, chains: 2, iso8583: iso8583, duration: .milliseconds(500))
            #expect(floor.roundTrips > 0 && floor.transcodeFailures == 0, "iso8583: \(iso8583)")
        }
    }

    @Test("bench scale's scenario: every swipe arrives; with every payout lost, every purchase is pending and each overdue payout is named, once")
    func scaleScenarios() async throws {
        let fine = try await ScaleBenchmark.run(swipes: 40, runs: 1)
        #expect(fine.passed, "\(fine.failures)")
        let lost = try await ScaleBenchmark.run(swipes: 40, runs: 1, lostPayouts: true)
        #expect(lost.passed, "\(lost.failures)")
        // And read directly: forty purchases pending, forty overdue payouts, each named once.
        let runner = ScenarioRunner()
        let result = await runner.run(ScaleBenchmark.scenario(swipes: 40, lostPayouts: true))
        try await runner.shutdown()
        let overdue = result.failures.filter { $0.description.contains("payout fell due") }
        #expect(result.transactions.count == 40 && result.transactions.allSatisfy { $0.status == .pending } && Set(overdue.map(\.description)).count == 40)
    }

    @Test("two parts drive disjoint terminals; their reports merge exactly, through JSON, into the counts and histogram of both")
    func parts() async throws {
        let first = try await Self.run(.init(pace: .rate(60), duration: .seconds(1), terminals: 10, cards: 10, threads: 1, connections: 2, part: (1, 2)))
        let second = try await Self.run(.init(pace: .rate(60), duration: .seconds(1), terminals: 10, cards: 10, threads: 1, connections: 2, part: (2, 2)))
        let terminals = (Set(first.0.seen.approved.map(\.terminal)), Set(second.0.seen.approved.map(\.terminal)))
        #expect(terminals.0.count == 5 && terminals.1.count == 5 && terminals.0.isDisjoint(with: terminals.1))
        var paths: [String] = []
        for (index, report) in [first.1, second.1].enumerated() {
            let path = NSTemporaryDirectory() + "paylab-load-part\(index + 1)-\(UUID().uuidString).json"
            try Data(report.json().rendered(pretty: true).utf8).write(to: URL(fileURLWithPath: path))
            paths.append(path)
        }
        let merged = try #require(LoadReport.merge(try paths.map { try LoadReport.read(path: $0) }))
        #expect(merged.sent == 120 && merged.approved == 120 && merged.parts == 2 && merged.reconciled)
        var both = first.1.latency
        both.add(second.1.latency)
        // Bucket by bucket the same counts: the merged histogram is the histogram of all the requests.
        #expect(merged.latency.totalCount == both.totalCount)
        #expect(merged.latency.recordedValues().map { "\($0.value) \($0.count)" } == both.recordedValues().map { "\($0.value) \($0.count)" })
        for percentile in [50.0, 90, 99] {
            #expect(merged.latency.valueAtPercentile(percentile) == both.valueAtPercentile(percentile))
        }
        #expect(merged.maxMicros == max(first.1.maxMicros, second.1.maxMicros))
    }

    @Test("the HTML page: the verdict first, latency by percentile, rate, p50/p99/p99.9 and errors over time, the codes and the parameters; it loads in headless Chromium with nothing to fetch and no console error")
    func html() async throws {
        let (_, measured) = try await Self.run(.init(pace: .rate(30), duration: .seconds(2), terminals: 4, cards: 4, threads: 1, connections: 1))
        var report = measured
        report.thresholds = [try LoadThreshold("p99<0.001ms")]
        let page = report.html()
        #expect(page.contains("data-reconciled=\"yes\"") && page.contains("data-seconds=\"\(report.seconds.count)\""))
        #expect(!page.contains("src=\"") && !page.contains("<link") && !page.contains("url("))
        // The verdict comes before any chart, the threshold missed is marked.
        let verdict = try #require(page.range(of: "class=\"verdict ok\"")), firstChart = try #require(page.range(of: "<svg"))
        #expect(verdict.lowerBound < firstChart.lowerBound)
        #expect(page.contains("class=\"missed\">NOT met"))
        // Four charts, each with both axes labelled and a grid; the series each draws.
        for id in ["percentiles", "rate", "latency", "errors"] { #expect(page.contains("id=\"\(id)\"")) }
        #expect(page.components(separatedBy: "class=\"axis\"").count - 1 == 8)
        #expect(page.components(separatedBy: "class=\"grid\"").count - 1 >= 16)
        for name in ["latency", "answered", "sent", "p50", "p99", "p99.9", "errors (declines and timeouts)", "timeouts"] {
            #expect(page.contains("data-name=\"\(name)\""), "\(name)")
        }
        #expect(page.contains(">99%</text>") && page.contains(">99.9%</text>"))
        #expect(page.contains("<td>00</td><td>approved</td><td class=\"n\">\(report.approved)</td>"))
        #expect(page.contains("<th>pace</th><td>open loop at 30/s</td>") && page.contains("<th>terminals</th><td>4</td>"))
        let path = NSTemporaryDirectory() + "paylab-load-\(getpid()).html"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(page.utf8).write(to: URL(fileURLWithPath: path))
        let chromium = try await ChildProcess(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0", "--dump-dom", "file://" + path],
                                              deadline: .seconds(60)).result()
        #expect(chromium.exit.status == 0 && !chromium.exit.timedOut, "chromium failed (install it: apt-get install chromium): \(chromium.errors.suffix(300))")
        #expect(chromium.errors.split(separator: "\n").filter { $0.contains(":CONSOLE") }.isEmpty)
        #expect(chromium.output.components(separatedBy: "class=\"series\"").count - 1 == 8)
    }
}

extension LoadTests {
    @Test("the same command load-tests a provider's host: an issuer host PayLab did not write answers, and PayLab's side reconciles")
    func externalIssuer() async throws {
        let cards = (1...4).map { #"{"pan": "622202000000000\#($0)", "expiry": "2812", "balance": "100000000.00", "status": "active", "daily_limit": null}"# }
        let host = try IssuerHost(cardsJSON: "[\(cards.joined(separator: ","))]", arguments: ["--year", "2026"])
        let yaml = try String(contentsOfFile: "Examples/load-your-issuer.yaml", encoding: .utf8)
            .replacingOccurrences(of: #"external: { address: "127.0.0.1:9101", tls: mutual, timeout: 5s }"#, with: #"external: { address: "127.0.0.1:\#(host.port)", tls: none, timeout: 5s }"#)
        let scenario = try ScenarioLoader.parse(yaml, file: "load-your-issuer.yaml")
        let options = LoadRun.Options(pace: .concurrency(4), duration: .seconds(1), threads: 1, connections: 4)
        let outcome = try await LoadRun.run(scenario, options: options)
        let report = LoadReport(outcome: outcome, duration: options.duration)
        #expect(report.approved > 0 && report.approved == report.sent, "\(report.text())")
        #expect(report.reconciled, "\(report.text())")
        // Every terminal of the file took part.
        #expect(Set(outcome.seen.approved.map(\.terminal)).count == 8)
        withExtendedLifetime(host) {}
    }
}

extension LoadTests {
    @Test("an acquirer under test: the terminals dial it, it forwards to PayLab's scheme, and what it approved is cleared and debited amount for amount")
    func externalAcquirer() async throws {
        let pki = try Served.pki()
        let (scheme, acquirer) = (try Listening.freePort(), try Listening.freePort())
        let terminals = (1...4).map { String(format: "L%07d", $0) }
        // The load run: PayLab's scheme and banks; the acquirer is another PayLab network's, served below.
        let yaml = """
            name: load on an acquirer under test
            start: "2026-05-11 10:00"
            horizon: 3d
            network:
              scheme: { listen: "127.0.0.1:\(scheme)" }
              acquirer: { external: { address: "127.0.0.1:\(acquirer)", tls: mutual, timeout: 5s } }
              merchants:
                - { id: "898440354110001", fee: 0.6%, account: { bank: MerchantBank, number: "6214830000000001" }, terminals: [] }
              cards:
                - { pan: "6222020000000001", bank: Issuer, balance: 100000000.00, expiry: "2812" }
                - { pan: "6222020000000002", bank: Issuer, balance: 100000000.00, expiry: "2812" }
            """
        var scenario = try ScenarioLoader.parse(yaml, file: "load.yaml")
        scenario.network.merchants[0].terminals = terminals
        let authority = try PKI(directory: pki).authority()
        let options = LoadRun.Options(pace: .concurrency(4), duration: .seconds(1), threads: 1, connections: 2)
        let run = Task { [scenario] in try await LoadRun.run(scenario, options: options, authority: authority) }
        #expect(await Listening.wait(port: scheme), "the load run's scheme did not listen")
        let served = try await Served("""
            name: the acquirer under test
            start: "2026-05-11 10:00"
            network:
              acquirer: { listen: "127.0.0.1:\(acquirer)" }
              scheme: { external: { address: "127.0.0.1:\(scheme)", tls: mutual, timeout: 5s } }
              merchants:
                - id: "898440354110001"
                  fee: 0.6%
                  account: { bank: MerchantBank, number: "6214830000000001" }
                  terminals: [\(terminals.map { "{ id: \($0), external: { timeout: 5s } }" }.joined(separator: ", "))]
              cards: []
            """, pki: pki)
        let outcome = try await run.value
        _ = try await served.stop()
        let report = LoadReport(outcome: outcome, duration: options.duration)
        #expect(report.approved > 0 && report.approved == report.sent, "\(report.text())")
        #expect(report.reconciled, "\(report.text())")
        #expect(report.description.contains("the acquirer under test at 127.0.0.1:\(acquirer)"))
    }
}


/// `--threshold`, k6's pass/fail criteria: read, judged on a report, refused when they do not read.
@Suite("Load thresholds")
struct LoadThresholdTests {
    /// A report of 1,000 requests: 990 approved, 6 declined 51, 4 timed out; p99 about 12 ms, max 40 ms, over 2 s.
    static func report() throws -> LoadReport {
        let values = [[5000, 900], [12000, 90], [40000, 6]]
        let json = """
            {"description": "fixture", "sent": 1000, "by_code": {"00": 990, "51": 6}, "timeouts": 4, "unmatched": 0, "late": 0, "reversals": 4,
             "duration_s": 2, "active_s": 2, "parts": 1, "reconciled": true, "problems": [], "max_us": 40000,
             "latency_us": \(values), "by_second": []}
            """
        let path = NSTemporaryDirectory() + "paylab-threshold-\(UUID().uuidString).json"
        try Data(json.utf8).write(to: URL(fileURLWithPath: path))
        return try LoadReport.read(path: path)
    }

    @Test("each measure in its unit: latencies in ms or s, errors in percent of the requests, the rate in answers a second", arguments: [
        ("p99<13ms", true), ("p99<12ms", false), ("p99<=12.1ms", true), ("max<1s", true), ("max<40ms", false), ("p50>=5ms", true),
        ("errors<1%", false), ("errors<=1%", true), ("errors<1.1%", true), ("errors<0.5%", false), ("rate>=498", true), ("rate>500", false), ("p999 <= 41ms", true),
    ])
    func judged(expression: String, met: Bool) throws {
        let report = try Self.report()
        let threshold = try LoadThreshold(expression)
        #expect(threshold.holds(for: report) == met, "\(threshold.verdict(for: report))")
    }

    @Test("what does not read is refused with the reason", arguments: [
        ("p99<5", "a latency has a unit"), ("p98<5ms", "the measure is one of"), ("errors<1", "errors are a percentage"),
        ("rate=5000", "no comparison"), ("p99<fast ms", "is not a number"),
    ])
    func refused(expression: String, reason: String) {
        #expect(throws: LoadThreshold.Problem.self) { try LoadThreshold(expression) }
        do { _ = try LoadThreshold(expression) } catch { #expect(error.description.contains(reason), "\(error)") }
    }

    @Test("the thresholds asked for travel in the text and the JSON with their values")
    func reported() throws {
        var report = try Self.report()
        report.thresholds = [try LoadThreshold("p99<13ms"), try LoadThreshold("errors<0.5%")]
        #expect(report.text().contains("threshold p99<13ms: 12.0"))
        #expect(report.text().contains("threshold errors<0.5%: 1.00%, NOT met"))
        let json = report.json().rendered()
        #expect(json.contains(#""thresholds":[{"threshold":"p99<13ms","value":"#) && json.contains(#""met":false}"#))
    }
}
