import SettlementCalendar
import ArgumentParser
import Foundation
import RunCore
import PaymentNetwork
import Scenario
import Wire
import Load

extension PayLab {
    /// `paylab load`.
    struct Load: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Drive purchases through a network at a rate, measure latency, then reconcile every cent.",
            discussion: """
                Serves the network of FILE (default: the default network, scaled to --terminals and \
                --cards) in real time on 127.0.0.1 and drives purchases at its acquirer from generated \
                terminals, over real mutual TLS, through acquirer, scheme and issuer (or the system under \
                test FILE names in one of their places). --rate N is an open loop: requests start on a \
                fixed schedule whatever the latency, and each latency is measured from the scheduled start, \
                so a stall is not hidden. --concurrency N is a closed loop with N outstanding. A request \
                unanswered within --timeout is reversed (0400), as a POS does. Answers are paired by \
                terminal, STAN and DE7, unique at any volume.
                Then the clock runs forward past the payouts and the money is reconciled: every approved \
                purchase debited once, cleared once and paid out once to its merchant for the amount less \
                the fee; nothing paid for the rest; every balance as it follows; the ledgers balanced. \
                Ctrl-C stops the sending early; the run still settles, reconciles and reports.
                On PayLab's own network the run crosses business days (--day, 5s of sending each): \
                at each day's end the terminals are answered, the network's clock runs through the \
                night (cutoff, clearing, payouts), what is final is checked and forgotten, and the \
                terminals sign on again, so memory follows what is outstanding, not the run's length.
                FILE's merchants' terminals must be systems under test (`external`), or its acquirer one \
                (`acquirer: { external: { address: ... } }`, which the terminals then dial); the generator \
                drives them, with FILE's cards. --part I/N takes a disjoint slice of the terminals (and so of the \
                STANs) for one of N generators; `paylab load merge` combines their --json reports exactly. \
                On one machine PayLab's own network uses every core: --networks N (default: one per \
                thread) serves N networks side by side, each on its own event loop with every N-th \
                terminal, its own nodes and books, each reconciled (a system under test in the acquirer's, \
                the scheme's or a bank's place sees one network).
                --threshold p99<5ms (and errors<0.1%, rate>=5000, ...) judges the run as k6 does.
                Exit status: 0 when reconciled (and every --threshold met), 1 when not reconciled, 2 on \
                invalid input, 3 when reconciled but a --threshold was missed.
                """,
            subcommands: [Drive.self, Merge.self],
            defaultSubcommand: Drive.self
        )

        struct Drive: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "drive", abstract: "Drive a load run (the default: `paylab load ...`).")

            @Argument(help: "A scenario whose terminals are systems under test (default: the default network, scaled).")
            var file: String?

            @Option(help: "Open loop: purchases started per second.")
            var rate: Int?

            @Option(help: "Closed loop: purchases outstanding at any time.")
            var concurrency: Int?

            @Option(help: "How long to send (30s, 2m).")
            var duration: Duration = .seconds(30)

            @Option(help: "Latencies of the first part of the run are not recorded (5s).")
            var warmup: Duration = .zero

            @Option(help: "Generated terminals, ten to a merchant (default network only).")
            var terminals = 100

            @Option(help: "Generated cards (default network only).")
            var cards = 1000

            @Option(help: "The load generator's threads (default: every core).")
            var threads = ProcessInfo.processInfo.activeProcessorCount

            @Option(name: .customLong("generator-loops"), help: ArgumentHelp("Where the generator's connections run: networks (each on its network's own event loop, so that a request goes at its scheduled instant and not a time slice late; the default with --rate when the networks take every core) or own (on --threads threads of its own, each side reading in batches while the other writes; the default with --concurrency, about 15% more purchases a second on two cores, and with --rate when a core is left for them).", valueName: "networks|own"))
            var generatorLoops: String?

            @Option(help: "PayLab networks served side by side, each on its own core with a disjoint share of the terminals (default: one per thread; one when a system under test is the acquirer, the scheme or a bank).")
            var networks: Int?

            @Option(help: "Connections to the acquirer, each carrying a share of the terminals (at most 32).")
            var connections = 8

            @Option(help: "How long a terminal waits before it reverses.")
            var timeout: Duration = .seconds(10)

            @Option(help: "This generator's slice of the terminals and of the STANs: I/N (part I numbers its terminals' STANs in its own N-th of 1 to 999999).")
            var part = "1/1"

            @Option(name: .customLong("start-at"), help: ArgumentHelp("Start sending at this wall-clock instant (ISO 8601: 2026-12-06T18:00:00Z, or with an offset), so that every part of a run loads the host at one moment.", valueName: "time"))
            var startAt: String?

            @Option(name: .customLong("first-stan"), help: "The STAN every terminal numbers from, 1 to 999999 (a host that remembers an earlier run's STANs answers their repeats 94).")
            var firstSTAN = 1

            @Option(help: ArgumentHelp("How long each business day lasts (5s; none: the run is one day). At its end the terminals are answered, the network's clock runs through the night (cutoff, clearing, payouts) to the next day's opening, what is final is checked and forgotten, and the terminals sign on again: memory holds what is outstanding, not the whole run. Default: 5s when the whole network is PayLab's, none with a system under test in it.", valueName: "duration"))
            var day: String?

            @OptionGroup var certificates: PKIOptions

            @Option(help: "Write the report as JSON (for `load merge`, CI and dashboards).")
            var json: String?

            @Option(help: "Write a page: the verdict, latency by percentile, rate, p50/p99/p99.9 and errors over time, codes, parameters.")
            var html: String?

            @Option(name: .customLong("threshold"), help: ArgumentHelp("A pass/fail criterion, as k6 writes them: p99<5ms, p999<=20ms, max<1s, errors<0.1%, rate>=5000 (repeat for several). A run that reconciles but misses one exits 3.", valueName: "expression"))
            var thresholds: [String] = []

            @Flag(name: .customLong("print-scenario"), help: "Print the network the run would serve as a scenario file and stop: save it, change it, and pass it back as FILE.")
            var printScenario = false

            func validate() throws {
                guard (rate == nil) != (concurrency == nil) || (printScenario && rate == nil) else { throw ValidationError("give one of --rate N (open loop) or --concurrency N (closed loop)") }
                if let rate, rate < 1 || rate > 1_000_000 { throw ValidationError("--rate takes 1 to 1000000 a second, not \(rate)") }
                if let concurrency, concurrency < 1 || concurrency > 10_000 { throw ValidationError("--concurrency takes 1 to 10000, not \(concurrency)") }
                guard duration > .zero, duration <= .seconds(3600) else {
                    throw ValidationError("--duration takes a duration up to 1h, such as 30s, not \(duration.compact)")
                }
                guard warmup >= .zero, warmup < duration else { throw ValidationError("--warmup must be shorter than --duration, not \(warmup.compact)") }
                guard timeout >= .milliseconds(100), timeout <= .seconds(120) else { throw ValidationError("--timeout takes 100ms to 2m, not \(timeout.compact)") }
                if terminals < 1 || terminals > 100_000 { throw ValidationError("--terminals takes 1 to 100000, not \(terminals)") }
                if cards < 1 || cards > 1_000_000 { throw ValidationError("--cards takes 1 to 1000000, not \(cards)") }
                if threads < 1 || threads > 64 { throw ValidationError("--threads takes 1 to 64, not \(threads)") }
                if let generatorLoops, LoadRun.Options.GeneratorLoops(rawValue: generatorLoops) == nil {
                    throw ValidationError("--generator-loops takes networks or own, not '\(generatorLoops)'")
                }
                if let networks, networks < 1 || networks > 64 { throw ValidationError("--networks takes 1 to 64, not \(networks)") }
                if connections < 1 || connections > 32 { throw ValidationError("--connections takes 1 to 32 (the acquirer's limit for systems under test), not \(connections)") }
                guard Self.part(part) != nil else { throw ValidationError("--part takes I/N with 1 ≤ I ≤ N, not '\(part)'") }
                if let day, Self.days(day) == nil {
                    throw ValidationError("--day takes a duration of 200ms to 1h (5s, 1m) or none, not '\(day)'")
                }
                if firstSTAN < 1 || firstSTAN > 999_999 { throw ValidationError("--first-stan takes 1 to 999999, not \(firstSTAN)") }
                if let startAt, LoadReport.date(startAt) == nil {
                    throw ValidationError("--start-at takes an ISO 8601 instant in UTC or with an offset (2026-12-06T18:00:00Z, 2026-12-07T02:00:00+08:00), not '\(startAt)'")
                }
                for threshold in thresholds {
                    do { _ = try LoadThreshold(threshold) } catch { throw ValidationError(error.description) }
                }
                try checkReportPath(json, option: "--json")
                try checkReportPath(html, option: "--html")
            }

            static func days(_ text: String) -> LoadRun.Options.Days? {
                if text == "none" { return LoadRun.Options.Days.none }
                guard let length = Duration(argument: text), length >= .milliseconds(200), length <= .seconds(3600) else { return nil }
                return .every(length)
            }

            static func part(_ text: String) -> (index: Int, count: Int)? {
                let pieces = text.split(separator: "/")
                guard pieces.count == 2, let index = Int(pieces[0]), let count = Int(pieces[1]), count >= 1, (1...count).contains(index) else { return nil }
                return (index, count)
            }

            func run() async throws {
                let length = duration
                var options = LoadRun.Options(
                    pace: rate.map { .rate($0) } ?? .concurrency(concurrency ?? 1), duration: length, warmup: warmup,
                    terminals: terminals, cards: cards, threads: threads, networks: networks, connections: connections, part: Self.part(part)!, timeout: timeout)
                options.firstSTAN = firstSTAN
                options.startAt = startAt.flatMap(LoadReport.date)
                options.day = day.flatMap(Self.days) ?? .automatic
                options.generatorLoops = generatorLoops.flatMap(LoadRun.Options.GeneratorLoops.init(rawValue:))
                let scenario: Scenario
                if let file {
                    guard let loaded = try loadSuite([file]).scenarios.first else { throw ExitStatus.invalid }
                    let network = loaded.network
                    guard network.external[network.acquirer.name] != nil || network.merchants.flatMap(\.terminals).contains(where: { network.external[$0] != nil }) else {
                        printError("error: \(file): no terminal is a system under test (terminals: [{ id: T0000001, external: {} }]) and the acquirer is not one; the load generator drives such terminals")
                        throw ExitStatus.invalid
                    }
                    // This generator's part: a disjoint share of the file's terminals.
                    scenario = LoadRun.share(loaded, index: options.part.index - 1, of: options.part.count)
                } else {
                    scenario = LoadRun.defaultScenario(options: options)
                }
                if printScenario {
                    print(ScenarioWriter().yaml(scenario), terminator: "")
                    return
                }
                let authority: CertificateAuthority?
                do {
                    authority = try certificates.checked().map { try PKI(directory: $0).authority() }
                } catch {
                    printError("error: \(error)")
                    throw ExitStatus.invalid
                }
                let onTerminal = isatty(STDERR_FILENO) == 1
                // Ctrl-C ends the sending early; the run still settles, reconciles and reports.
                let interrupt = StopSignal()
                let handlers = interrupt.install()
                defer { handlers.forEach { $0.cancel() } }
                let outcome = try await LoadRun.run(scenario, options: options, authority: authority, stop: { interrupt.requested }) { seen, elapsed in
                    guard onTerminal else { return }
                    let seconds = max(Double(elapsed.components.seconds), 1)
                    FileHandle.standardError.write(Data(String(format: "\r%4.0f s  sent %d  rate %.0f/s  p99 %.2f ms  errors %d   ",
                                                               seconds, seen.sent, Double(seen.answered) / seconds, seen.p99Milliseconds, seen.errors).utf8))
                }
                if onTerminal { FileHandle.standardError.write(Data("\n".utf8)) }
                var report = LoadReport(outcome: outcome, duration: length)
                report.thresholds = thresholds.compactMap { try? LoadThreshold($0) }
                print(report.text())
                try write(report, json: json, html: html)
                if !report.reconciled { throw ExitStatus.failed }
                if report.thresholds.contains(where: { !$0.holds(for: report) }) { throw ExitStatus.thresholdMissed }
            }
        }

        struct Merge: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Combine the --json reports of several load generators (--part I/N) into one.",
                discussion: "Counts are added and the latency histograms merged value by value, so the percentiles are those of all the requests together; --threshold judges the merged report. Exit status: 0 when every part reconciled (and every --threshold met), 1 when not, 2 on invalid input, 3 when a --threshold was missed.")

            @Argument(help: "The parts' --json reports.")
            var files: [String]

            @Option(help: "Write the merged report as JSON.")
            var json: String?

            @Option(help: "Write the merged page (as load --html draws one run).")
            var html: String?

            @Option(name: .customLong("threshold"), help: ArgumentHelp("A pass/fail criterion on the merged report (p99<5ms, errors<0.1%, rate>=5000); exit 3 when one is missed.", valueName: "expression"))
            var thresholds: [String] = []

            func validate() throws {
                for threshold in thresholds {
                    do { _ = try LoadThreshold(threshold) } catch { throw ValidationError(error.description) }
                }
            }

            func run() async throws {
                guard !files.isEmpty else {
                    printError("error: give the --json reports to merge")
                    throw ExitStatus.invalid
                }
                var reports: [LoadReport] = []
                for file in files {
                    do {
                        reports.append(try LoadReport.read(path: file))
                    } catch {
                        printError("error: \(error)")
                        throw ExitStatus.invalid
                    }
                }
                if let mismatch = LoadReport.mismatch(reports) {
                    printError("error: \(mismatch)")
                    throw ExitStatus.invalid
                }
                var merged = LoadReport.merge(reports)!
                merged.thresholds = thresholds.compactMap { try? LoadThreshold($0) }
                print(merged.text())
                try write(merged, json: json, html: html)
                if !merged.reconciled { throw ExitStatus.failed }
                if merged.thresholds.contains(where: { !$0.holds(for: merged) }) { throw ExitStatus.thresholdMissed }
            }
        }
    }
}

private func write(_ report: LoadReport, json: String?, html: String?) throws {
    if let json { try Data(report.json().rendered(pretty: true).utf8).write(to: URL(fileURLWithPath: json)) }
    if let html { try Data(report.html().utf8).write(to: URL(fileURLWithPath: html)) }
}
