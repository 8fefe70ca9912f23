import ArgumentParser
import Foundation
import RunCore
import Scenario

/// The `paylab` command.
@main
struct PayLab: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "paylab",
        abstract: "An end-to-end payment network test harness: terminal, acquirer, scheme and banks speaking ISO 8583 over mutual TLS.",
        discussion: """
            The scenario language is described in docs/scenario-language.md and every command in \
            docs/command-line.md (in the repository). Start with: paylab run Scenarios
            """,
        version: PayLabVersion.current,
        subcommands: [Run.self, Serve.self, Certify.self, Validate.self, Explain.self, Arrival.self, Incident.self, Decode.self, Encode.self, Crypto.self, Schema.self, Explore.self, Pki.self, Load.self, Bench.self, Report.self]
    )

    /// Runs the command; a command line that does not parse is invalid input: exit 2.
    static func main() async {
        do {
            var arguments = Array(CommandLine.arguments.dropFirst())
            // `certify ... --print-cases --json` asks for the cases as JSON (`--json FILE` is the report's file).
            if arguments.contains("--print-cases"), let index = arguments.firstIndex(of: "--json"),
               index + 1 == arguments.count || arguments[index + 1].hasPrefix("-") {
                arguments[index] = "--cases-json"
            }
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                printError(fullMessage(for: error))
                exit(withError: ExitStatus.invalid)
            }
            exit(withError: error)
        }
    }
}

/// Loads every scenario at the paths; prints every problem, hands them to `invalid` (a run's
/// reports), and exits 2 when any is invalid.
func loadSuite(_ paths: [String], invalid: ([ScenarioDiagnostic]) throws -> Void = { _ in }) throws -> Suite {
    do {
        let suite = try Suite.load(paths)
        for note in suite.notes { printError("note: \(note)") }
        return suite
    } catch {
        for line in error.lines { printError(line) }
        try invalid(error.diagnostics)
        throw ExitStatus.invalid
    }
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// Writes a report file (`-`: standard output); a path that cannot be written is an error that names it.
func writeReport(_ text: String, to path: String) throws {
    if path == "-" {
        FileHandle.standardOutput.write(Data(text.utf8))
        return
    }
    do {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    } catch {
        printError("error: cannot write \(path): \(error.localizedDescription)")
        throw ExitStatus.invalid
    }
}

/// Refuses, before anything runs, a report path whose folder does not exist or cannot be
/// written: a long run must not end in an error about where to put its results.
func checkReportPath(_ path: String?, option: String) throws {
    guard let path, path != "-" else { return }
    let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
        throw ValidationError("\(option) \(path): the folder \(folder) does not exist")
    }
    guard FileManager.default.isWritableFile(atPath: folder) else {
        throw ValidationError("\(option) \(path): the folder \(folder) cannot be written")
    }
}

/// The report files `run` and `serve` write.
struct ReportOptions: ParsableArguments {
    @Option(help: "Write the JSON report (format: docs/command-line.md) to this file; - writes it to standard output (the text report then goes to standard error).")
    var json: String?

    @Option(help: "Write a JUnit XML report (one testsuite per file, one testcase per scenario) to this file; - writes it to standard output.")
    var junit: String?

    @Option(help: "Write a self-contained HTML report with each transaction's timeline to this file.")
    var html: String?

    func validate() throws {
        if json == "-", junit == "-" { throw ValidationError("--json - and --junit - cannot both write to standard output; give one of them a file") }
        if html == "-" { throw ValidationError("--html writes a file; give it a path") }
        try checkReportPath(json, option: "--json")
        try checkReportPath(junit, option: "--junit")
        try checkReportPath(html, option: "--html")
    }

    /// Whether a report goes to standard output, so the text report must not.
    var takesStandardOutput: Bool { json == "-" || junit == "-" }

    /// Writes the JSON and JUnit reports of a run that ran nothing because files are invalid.
    func write(invalid: [ScenarioDiagnostic]) throws {
        if let json { try writeReport(JSONReport.report(invalid: invalid).rendered(pretty: true) + "\n", to: json) }
        if let junit { try writeReport(JUnitReport.render(invalid: invalid), to: junit) }
    }

    /// Writes each report asked for.
    func write(_ results: [ScenarioResult], wallTime: Duration) throws {
        if let json { try writeReport(JSONReport.report(results).rendered(pretty: true) + "\n", to: json) }
        if let junit { try writeReport(JUnitReport.render(results), to: junit) }
        if let html { try writeReport(HTMLReport.render(results, wallTime: wallTime), to: html) }
    }
}
