import ArgumentParser
import Foundation
import Benchmarks
import RunCore
import ISO8583
import Scenario
import Load

extension PayLab {
    /// `paylab bench`.
    struct Bench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Measure PayLab's speed (build with -c release for real numbers).",
            subcommands: [Codec.self, SUT.self, Import.self, Relay.self, Scale.self, Soak.self]
        )

        /// `paylab bench codec`.
        struct Codec: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Messages per second of pack, unpack and pack+unpack of a typical 0200 on one core.",
                discussion: "Each figure is the median of --runs runs of --iterations messages. Run it as: swift run -c release paylab bench codec"
            )

            @Option(help: "Messages per run.")
            var iterations = 200_000

            @Option(help: "Runs; the median is printed.")
            var runs = 5

            @OptionGroup var dialect: DialectOptions

            @Flag(help: "Print {\"pack\": N, \"unpack\": N, \"roundtrip\": N}.")
            var json = false

            func run() async throws {
                let chosen = try dialect.resolved()
                let result = try CodecBenchmark.run(iterations: iterations, runs: runs, dialect: chosen)
                if json {
                    print(#"{"pack": \#(result.pack), "unpack": \#(result.unpack), "roundtrip": \#(result.roundtrip)}"#)
                } else {
                    print("codec (\(chosen.name) dialect), median of \(result.runs) runs of \(result.iterations) messages, one core:")
                    print("  pack        \(result.pack) messages/s")
                    print("  unpack      \(result.unpack) messages/s")
                    print("  roundtrip   \(result.roundtrip) messages/s")
                }
            }
        }
    
        /// `paylab bench sut`.
        struct SUT: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "sut",
                abstract: "The time PayLab adds around a system under test that answers at once.",
                discussion: """
                    An issuer host that answers every request 00 as soon as it reads it (plain TCP on \
                    127.0.0.1) takes the Issuer's place; each purchase runs terminal -> acquirer -> scheme \
                    -> host -> scheme -> acquirer -> terminal. Prints the medians (of --runs runs, each the \
                    median of its purchases) of: a purchase with the host, the host's round trip on the \
                    wire, their difference (PayLab's own time around one message to the host and back), and \
                    a purchase with PayLab's own issuer as the baseline. Run it as: swift run -c release paylab bench sut
                    """
            )

            @Option(help: "Purchases per run (at most 2700).")
            var purchases = 1000

            @Option(help: "Runs; the median is printed.")
            var runs = 5

            @Flag(help: "Print the figures as JSON (microseconds).")
            var json = false

            func run() async throws {
                let result = try await SUTBenchmark.run(purchases: purchases, runs: runs)
                func show(_ value: Double) -> String { String(Int(value.rounded())) }
                if json {
                    print(#"{"purchase_with_host_us": \#(show(result.purchaseWithHost)), "host_round_trip_us": \#(show(result.hostRoundTrip)), "paylab_own_us": \#(show(result.paylabOwn)), "purchase_baseline_us": \#(show(result.purchaseBaseline))}"#)
                } else {
                    print("around a system under test that answers at once, median of \(result.runs) runs of \(result.purchases) purchases:")
                    print("  purchase with the host as issuer   \(show(result.purchaseWithHost)) µs")
                    print("  the host's round trip on the wire  \(show(result.hostRoundTrip)) µs")
                    print("  PayLab's own time                  \(show(result.paylabOwn)) µs per purchase (4 TLS hops, 2 to the host)")
                    print("  baseline: PayLab's own issuer      \(show(result.purchaseBaseline)) µs per purchase (6 TLS hops)")
                }
            }
        }
    
        /// `paylab bench scale`.
        struct Scale: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "How a scenario's run time grows with its swipes: one generated scenario of N swipes over a week.",
                discussion: """
                    A merchant with ten terminals, a hundred cards, T+1; N purchases spread evenly over \
                    seven days, run on the virtual clock as paylab run runs a scenario (every swipe must \
                    arrive). Give --swipes more than once to see the growth: each later size is printed \
                    with its time's ratio to the first's and the ratio of their swipes. Run it as: \
                    swift run -c release paylab bench scale --swipes 2000 --swipes 8000
                    """
            )

            @Option(help: "Swipes in the scenario (repeat for several sizes).")
            var swipes: [Int] = [1000]

            @Option(help: "Runs of each size; the median is printed.")
            var runs = 3

            @Flag(help: "Lose every payout to the merchant's bank: the run ends with every purchase pending and its payout overdue, and the verdict must find each one (its failing side at scale).")
            var lostPayouts = false

            func run() async throws {
                var first: ScaleBenchmark.Result?
                for size in swipes {
                    let result = try await ScaleBenchmark.run(swipes: max(1, size), runs: runs, lostPayouts: lostPayouts)
                    var line = String(format: "%7d swipes: %8.3f s (median of %d runs)", result.swipes, result.seconds, result.runs)
                    if let first, first.seconds > 0 {
                        line += String(format: ", %.2fx the time of %d swipes for %.2fx the swipes", result.seconds / first.seconds, first.swipes, Double(result.swipes) / Double(first.swipes))
                    }
                    print(line + (result.passed ? "" : "; NOT passed: " + result.failures.joined(separator: "; ")))
                    if first == nil { first = result }
                    if !result.passed { throw ExitCode(1) }
                }
            }
        }

        /// `paylab bench soak`.
        struct Soak: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "A closed-loop load run of --minutes minutes: resident memory every minute, reconciled at the end.",
                discussion: """
                    PayLab's own network (paylab load's default, --concurrency outstanding, warmup 2 s), its \
                    resident memory and the peak so far printed each minute with the purchases answered, \
                    then the reconciliation and the memory after the network settled. Memory that follows \
                    what is outstanding stays level; memory that grows with the run's length grows each \
                    minute by what each minute's purchases keep. Exit status 1 when the money does not \
                    reconcile. Run it as: swift run -c release paylab bench soak --minutes 10
                    """
            )

            @Option(help: "Minutes the load runs.")
            var minutes = 2

            @Option(help: "Purchases outstanding (a closed loop).")
            var concurrency = 16

            @Option(help: "The load side's threads.")
            var threads = ProcessInfo.processInfo.activeProcessorCount

            func run() async throws {
                @Sendable func megabytes(_ bytes: Int) -> String { String(bytes / 1_048_576) + " MB" }
                print("soak: closed loop, \(concurrency) outstanding for \(minutes) min")
                let result = try await SoakBenchmark.run(minutes: minutes, concurrency: concurrency, threads: threads) { minute in
                    print("  minute \(minute.minute): \(minute.answered) answered, resident \(megabytes(minute.memory.resident)), peak \(megabytes(minute.memory.peak)), \(minute.answered > 0 ? String(minute.memory.resident / minute.answered) : "-") bytes a purchase")
                }
                if let final = result.final { print("  settled and reconciled: resident \(megabytes(final.resident)), peak \(megabytes(final.peak))") }
                print(result.report.text())
                if !result.report.reconciled { throw ExitCode(1) }
            }
        }

        /// `paylab bench import`.
        struct Import: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "import",
                abstract: "Messages per second that incident import reads from a large pcap (written first).",
                discussion: "Run it as: swift run -c release paylab bench import"
            )

            @Option(help: "Purchases (each with its answer) in the pcap.")
            var exchanges = 100_000

            @Option(help: "Runs; the median is printed.")
            var runs = 3

            func run() async throws {
                let result = try ImportBenchmark.run(exchanges: exchanges, runs: runs)
                print("incident import, median of \(result.runs) runs of a \(result.bytes / 1_000_000) MB pcap with \(result.messages) messages:")
                print("  \(result.messagesPerSecond) messages/s")
            }
        }

        /// `paylab bench relay`.
        struct Relay: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "relay",
                abstract: "PayLab's load rate against its floor: a relay doing what every ISO 8583 hop must, over the same three hops.",
                discussion: """
                    The floor: three mutual-TLS hops on 127.0.0.1 (a relay, a relay, an echo, each chain on \
                    one event loop as each of PayLab's networks is, --networks chains side by side) carrying \
                    real 0200s that every hop unpacks, MAC-checks, packs and MACs again (no logic), with \
                    --concurrency round trips outstanding from --threads threads. Then PayLab: `paylab load \
                    --concurrency` at the same concurrency, connections, threads and networks, through its \
                    acquirers, schemes and issuers, reconciled. For scale, the bare relay (frames the size of \
                    a purchase, no ISO 8583). Each --runs times, alternating; prints the medians, the ratio, and \
                    PayLab's p50, p99 and p99.9 in an open loop at half its own closed-loop rate, after 1 s of warmup. \
                    Run it as: swift run -c release paylab bench relay
                    """
            )

            @Option(help: "Round trips outstanding.")
            var concurrency = 16

            @Option(help: "Connections from the terminals' side.")
            var connections = 8

            @Option(help: "The load side's threads.")
            var threads = ProcessInfo.processInfo.activeProcessorCount

            @Option(help: "PayLab networks, and relay chains, side by side (default: one per thread).")
            var networks: Int?

            @Option(help: "Seconds each measurement runs.")
            var seconds = 5

            @Option(help: "Runs of each; the median is printed.")
            var runs = 3

            func run() async throws {
                var floors: [Double] = [], codecFloors: [Double] = [], ours: [Double] = []
                var reconciled = true
                let chains = networks ?? threads
                for run in 1...max(1, runs) {
                    let options = LoadRun.Options(pace: .concurrency(concurrency), duration: .seconds(seconds), terminals: 100, cards: 1000,
                                                  threads: threads, networks: chains, connections: connections)
                    let scenario = LoadRun.defaultScenario(options: options)
                    let chainCount = LoadRun.networkCount(scenario, options: options)
                    let floor = try await RelayBenchmark.run(concurrency: concurrency, connections: connections, threads: threads,
                                                             chains: chainCount, duration: .seconds(seconds))
                    let codecFloor = try await RelayBenchmark.run(concurrency: concurrency, connections: connections, threads: threads,
                                                                  chains: chainCount, iso8583: true, duration: .seconds(seconds))
                    codecFloors.append(codecFloor.rate)
                    let outcome = try await LoadRun.run(scenario, options: options)
                    let report = LoadReport(outcome: outcome, duration: options.duration)
                    reconciled = reconciled && report.reconciled
                    floors.append(floor.rate)
                    ours.append(report.rate)
                    print(String(format: "run %d: relay %.0f round trips/s (p99 %.2f ms); relay with ISO 8583 at each hop %.0f/s; PayLab %.0f purchases/s (p99 %.2f ms)%@",
                                 run, floor.rate, floor.p99Milliseconds, codecFloor.rate, report.rate, report.milliseconds(99), report.reconciled ? "" : ", NOT reconciled"))
                }
                let floor = median(floors), paylab = median(ours)
                // The open loop at half of what PayLab carries closed (the load a real test asks
                // of a system with room to spare): its tail shows stalls a closed loop hides.
                let half = max(1, Int(paylab / 2))
                // After a second of warmup, as a load test leaves out its ramp-up: the first second
                // opens every connection (TLS handshakes) and grows every table from empty.
                let options = LoadRun.Options(pace: .rate(half), duration: .seconds(seconds + 1), warmup: .seconds(1), terminals: 100, cards: 1000,
                                              threads: threads, networks: chains, connections: connections)
                let outcome = try await LoadRun.run(LoadRun.defaultScenario(options: options), options: options)
                let open = LoadReport(outcome: outcome, duration: options.duration)
                print("medians of \(runs) runs, \(concurrency) outstanding, \(connections) connections, \(threads) threads, \(chains) networks, \(seconds) s each:")
                let codecFloor = median(codecFloors)
                print(String(format: "  floor: the relay unpacking, MAC-checking, packing and MACing real ISO 8583 at each hop (no logic): %.0f round trips/s (%d chains)", codecFloor, chains))
                print(String(format: "  PayLab (paylab load)              %.0f purchases/s, every cent reconciled: %@", paylab, reconciled ? "yes" : "NO"))
                print(String(format: "  ratio to the ISO 8583 floor       %.2f (target: at least 0.80)", codecFloor > 0 ? paylab / codecFloor : 0))
                print(String(format: "  for scale: the bare mTLS relay (3 hops, no ISO 8583) %.0f round trips/s; the ISO 8583 relay is %.2f of it, PayLab %.2f",
                             floor, floor > 0 ? codecFloor / floor : 0, floor > 0 ? paylab / floor : 0))
                print(String(format: "  PayLab open loop at %d/s (half its closed-loop rate), after 1 s of warmup: p50 %.2f ms, p99 %.2f ms (target: under 5 ms), p99.9 %.2f ms (target: under 20 ms), achieved %.0f/s%@",
                             half, open.milliseconds(50), open.milliseconds(99), open.milliseconds(99.9), open.rate, open.reconciled ? "" : ", NOT reconciled"))
            }

            private func median(_ values: [Double]) -> Double {
                let sorted = values.sorted()
                return sorted.isEmpty ? 0 : sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
            }
        }
    }
}
