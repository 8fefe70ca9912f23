import ArgumentParser
import Foundation
import RunCore
import PaymentNetwork
import Exploration
import Scenario

extension PayLab {
    /// `paylab run`.
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run scenario files and folders of them.",
            discussion: "Exit status: 0 when every scenario passed, 1 when any failed, 2 when a file is invalid or nothing would run (no scenario file, a --filter that matches none); nothing is run then."
        )

        @Argument(help: "Scenario files or folders.")
        var paths: [String] = ["Scenarios"]

        @Option(help: "Run with this seed instead of each scenario's own.")
        var seed: UInt64?

        @Option(help: "Run only scenarios whose name or a tag contains this text.")
        var filter: String?

        @Option(help: "Run the I-th of N deterministic slices of the suite (I/N, from 1/N to N/N), for a CI matrix.")
        var shard: String?

        @OptionGroup var reports: ReportOptions

        @Flag(help: "Print only the scenarios that failed and the summary.")
        var quiet = false

        @Flag(help: "Write each scenario's traffic to Captures/<run-time>-<file>/: wire.pcap (live, TLS), keys.log, messages.pcap (decrypted ISO 8583), timeline.json.")
        var capture = false

        @OptionGroup var certificates: PKIOptions

        @Option(help: ArgumentHelp("Plant a known defect (explore --self-test reproducers only).", visibility: .hidden))
        var plant: String?

        func validate() throws {
            if let plant, PlantedDefect(rawValue: plant) == nil {
                throw ValidationError("--plant takes one of \(PlantedDefect.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            if let shard, SuiteSelection.parseShard(shard) == nil {
                throw ValidationError("--shard takes I/N with 1 <= I <= N, as 2/4; not '\(shard)'")
            }
        }

        func run() async throws {
            let selection = SuiteSelection(filter: filter, shard: shard.flatMap(SuiteSelection.parseShard))
            // Nothing runs when a file is invalid, but CI's reports say why: each problem an error with its place.
            let found = try loadSuite(paths, invalid: reports.write(invalid:))
            let suite = found.selecting(selection, seed: seed)
            // Nothing to run is a mistake (a typo in a CI job's filter or folder), not a pass;
            // an empty shard of a non-empty selection is not (more shards than scenarios).
            if found.count == 0 {
                printError("error: no scenario file in \(paths.joined(separator: " ")) (scenarios are .yaml or .yml files)")
                throw ExitStatus.invalid
            }
            if let filter, found.selecting(SuiteSelection(filter: filter, shard: nil)).count == 0 {
                printError("error: --filter '\(filter)' matches the name or a tag of none of the \(found.count) scenarios in \(paths.joined(separator: " "))")
                throw ExitStatus.invalid
            }
            let pki = try certificates.checked()
            let console = Console(toStandardError: reports.takesStandardOutput)
            let captureOptions = capture ? ScenarioRunner.CaptureOptions(runTime: Self.runTime()) : nil
            let (results, wallTime) = try await suite.run(
                capture: captureOptions, planted: plant.flatMap(PlantedDefect.init(rawValue:)), pki: pki,
                starting: { index, name in console.progress("[\(index)/\(suite.count)] \(name)") },
                finished: { result in
                    if quiet, result.passed { return }
                    console.print(TextReport.render(result, colour: console.colour))
                    if let folder = result.captureFolder { console.print("  capture: \(folder)") }
                    if let note = result.captureNote { console.print("  capture: \(note)") }
                    console.print("")
                })
            console.print(TextReport.summary(results, wallTime: wallTime, colour: console.colour))
            try reports.write(results, wallTime: wallTime)
            if results.contains(where: { !$0.passed }) { throw ExitStatus.failed }
        }

        /// `YYYYMMDD-HHMMSS` now, in UTC: only names capture folders, never business time.
        static func runTime() -> String {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.dateFormat = "yyyyMMdd-HHmmss"
            return formatter.string(from: Date())
        }
    }

    /// `paylab validate`.
    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check scenario files without running them.",
            discussion: "Prints FILE:LINE:COLUMN: error: MESSAGE for every problem. Exit status: 0 valid, 2 invalid."
        )

        @Argument(help: "Scenario files or folders.")
        var paths: [String] = ["Scenarios"]

        @Flag(help: "Print {\"valid\": N, \"problems\": [{\"file\", \"line\", \"column\", \"message\"}]} instead of text.")
        var json = false

        func run() async throws {
            guard json else {
                let suite = try loadSuite(paths)
                print("\(suite.count) scenario\(suite.count == 1 ? "" : "s") valid")
                return
            }
            let problems: [ScenarioDiagnostic]
            var valid = 0
            do {
                valid = try Suite.load(paths).count
                problems = []
            } catch {
                problems = error.diagnostics
            }
            let entries: [JSONValue] = problems.map { problem in
                let fields: [(String, JSONValue)] = [
                    ("file", .string(problem.file)), ("line", .number(Int64(problem.line))), ("column", .number(Int64(problem.column))),
                    ("message", .string(problem.message)),
                ]
                return .object(fields)
            }
            let report = JSONValue.object([("valid", .number(Int64(valid))), ("problems", .array(entries))])
            print(report.rendered(pretty: true))
            if !problems.isEmpty { throw ExitStatus.invalid }
        }
    }

    /// `paylab explain`.
    struct Explain: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run one scenario and explain each transaction's timeline and arrival time.",
            discussion: "Exit status: 0 when the scenario passed, 1 when it failed, 2 when the file is invalid."
        )

        @Argument(help: "The scenario file.")
        var file: String

        func run() async throws {
            let (results, _) = try await loadSuite([file]).run(finished: { print(TextReport.render($0, reasons: true)) })
            if results.contains(where: { !$0.passed }) { throw ExitStatus.failed }
        }
    }
}
