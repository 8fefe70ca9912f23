import ArgumentParser
import Foundation
import RunCore
import PaymentNetwork
import Scenario
import Exploration

extension PayLab {
    /// `paylab explore`: explore (the default), or merge the parts of a split exploration.
    struct Explore: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run random seeded worlds and find the failures nobody wrote a scenario for.",
            subcommands: [Drive.self, Merge.self],
            defaultSubcommand: Drive.self)
    }
}

extension PayLab.Explore {
    /// `paylab explore [--runs N] ...`.
    struct Drive: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run",
            abstract: "Run random seeded worlds and find the failures nobody wrote a scenario for.",
            discussion: """
                Each run draws a world from its own seed (a network with random terms, fees, caps and \
                payout times, cards with random states and limits, calendar cn, us-fed or weekdays, a \
                start date often on the eve of a holiday; swipes, keyed amounts, voids and repeats, \
                often seconds around the cutoff; faults of every kind at random times) and runs it over \
                real TLS. Each run is checked against the invariants and an oracle written apart from \
                the nodes. A failing world is shrunk and written as a scenario that `paylab run` \
                reproduces. The same seed gives the same worlds and verdicts. Exit status: 0 when \
                nothing broke, 1 when something did. See docs/command-line.md.
                """
        )

        @Option(help: "How many worlds to run.")
        var runs: Int?

        @Option(name: .customLong("for"), help: "Explore for this long (30s, 5m) instead of a number of runs.")
        var duration: Duration?

        @Option(help: "The seed every world's seed is drawn from.")
        var seed: UInt64 = 1

        @Option(help: "A scenario file whose network every world keeps (names, merchants, cards, calendar, cutoff); only steps and faults are drawn.")
        var base: String?

        @Option(help: "Where shrunk worlds are written.")
        var out = "Explorations"

        @Option(help: "Write {seed, runs, runs_per_second, violations} (or, with --self-test, {defects}) as JSON to this file.")
        var json: String?

        @Option(help: "Worlds run at once, each on its own event loop (default: one per core).")
        var workers: Int?

        @Option(help: ArgumentHelp("Run part I of an exploration split N ways: the worlds whose run number is I modulo N, the same whatever the machine; `paylab explore merge` combines the parts' --json reports.", valueName: "I/N"))
        var part: String?

        @Flag(name: .customLong("self-test"), help: "Plant known defects one at a time and show that exploration finds each.")
        var selfTest = false

        @Option(name: .customLong("self-test-runs"), help: "With --self-test: the most runs to find each defect in.")
        var selfTestRuns = 2000

        /// `--part I/N`.
        var split: (index: Int, count: Int)? {
            guard let part else { return (1, 1) }
            let numbers = part.split(separator: "/").compactMap { Int($0) }
            guard numbers.count == 2, numbers[1] >= 1, (1...numbers[1]).contains(numbers[0]) else { return nil }
            return (numbers[0], numbers[1])
        }

        func validate() throws {
            if split == nil { throw ValidationError("--part takes I/N with 1 <= I <= N (2/4), not '\(part ?? "")'") }
            if runs != nil, duration != nil { throw ValidationError("give --runs or --for, not both") }
            if let runs, runs < 1 { throw ValidationError("--runs takes a positive number") }
        }

        func run() async throws {
            let console = Console()
            if selfTest { return try await runSelfTest(console) }
            var baseScenario: Scenario?
            if let base {
                guard let scenario = try loadSuite([base]).scenarios.first else { throw ValidationError("\(base) holds no scenario") }
                if let problem = Exploration.unusableBase(scenario) {
                    printError("error: \(base): \(problem)")
                    throw ExitStatus.invalid
                }
                baseScenario = scenario
            }
            var options = Exploration.Options(seed: seed, runs: duration == nil ? (runs ?? 200) : nil, duration: duration)
            options.folder = out
            options.workers = workers
            options.base = baseScenario
            options.part = split ?? (1, 1)
            let report = try await Exploration.explore(options) { runs, rate, violations in
                console.progress("explore: \(runs) runs, \(Int(rate)) runs/s, \(violations) violation\(violations == 1 ? "" : "s")")
            }
            show(report, console: console)
            if let json { try writeReport(report.json.rendered(pretty: true) + "\n", to: json) }
            if !report.findings.isEmpty { throw ExitStatus.failed }
        }

        private func runSelfTest(_ console: Console) async throws {
            var rows: [(PlantedDefect, Exploration.Finding?, Int)] = []
            for defect in PlantedDefect.allCases {
                var options = Exploration.Options(seed: seed, runs: selfTestRuns)
                options.folder = out
                options.planted = defect
                options.stopAtFirst = true
                options.shrinkBudget = 60
                options.workers = workers
                let report = try await Exploration.explore(options) { runs, _, _ in console.progress("self-test \(defect.rawValue): \(runs) runs") }
                let found = report.findings.first
                rows.append((defect, found, found?.run ?? report.runs))
                console.print("\(defect.rawValue): " + (found.map { "found after \($0.run) runs: \($0.invariant)\n    rerun: paylab run --plant \(defect.rawValue) \($0.reproducer ?? "")\($0.reproduces ? "" : " (does not fail by itself)")" } ?? "NOT FOUND in \(report.runs) runs"))
            }
            if let json {
                let value = JSONValue.object([("defects", .array(rows.map { defect, finding, runs in
                    .object([("name", .string(defect.rawValue)), ("found", .bool(finding != nil)), ("runs", .number(Int64(runs))),
                             ("reproducer", finding?.reproducer.map { .string($0) } ?? .null)])
                }))])
                try writeReport(value.rendered(pretty: true) + "\n", to: json)
            }
            if rows.contains(where: { $0.1 == nil }) { throw ExitStatus.failed }
        }
    }

    /// `paylab explore merge A.json B.json ...`.
    struct Merge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Combine the --json reports of the parts of an exploration (--part I/N) into one.",
            discussion: """
                The runs are added (and the rates: the parts ran side by side), the violations listed in \
                run order, and each rule's reproducer is the one shrunk from its first failing world, as \
                one whole exploration would have chosen it. Parts of different explorations (another \
                --seed, another N) are refused; a missing part is said. Exit status: 0 when nothing \
                broke, 1 when something did, 2 on invalid input.
                """)

        @Argument(help: "The parts' --json reports.")
        var files: [String]

        @Option(help: "Write the merged report as JSON.")
        var json: String?

        func run() async throws {
            let console = Console()
            guard !files.isEmpty else {
                printError("error: give the parts' --json reports to merge")
                throw ExitStatus.invalid
            }
            let merged: (report: Exploration.Report, missing: [Int])
            do {
                merged = try Exploration.Report.merge(try files.map { path throws(Exploration.Report.Problem) in try Exploration.Report.read(path: path) })
            } catch {
                printError("error: \(error)")
                throw ExitStatus.invalid
            }
            if !merged.missing.isEmpty {
                console.print("note: parts \(merged.missing.map(String.init).joined(separator: ", ")) of \(merged.report.part.count) are missing: their worlds were not explored")
            }
            show(merged.report, console: console)
            if let json { try writeReport(merged.report.json.rendered(pretty: true) + "\n", to: json) }
            if !merged.report.findings.isEmpty { throw ExitStatus.failed }
        }
    }
}

/// An exploration's verdict for people: the count, then each violation with its reproducer.
private func show(_ report: Exploration.Report, console: Console) {
    let part = report.part.count == 1 ? "" : " (part \(report.part.index)/\(report.part.count))"
    console.print("explored \(report.runs) worlds from seed \(report.seed)\(part): \(Int(report.runsPerSecond.rounded())) runs/s, \(report.findings.count) violation\(report.findings.count == 1 ? "" : "s")")
    for finding in report.findings {
        console.print("  run \(finding.run) (world \(finding.runSeed)): \(finding.invariant)\n    \(finding.detail)")
        if let path = finding.reproducer { console.print("    rerun: paylab run \(path)\(finding.reproduces ? "" : " (the shrunk file does not fail by itself)")") }
    }
}
