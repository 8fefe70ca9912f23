import ArgumentParser
import Foundation
import RunCore
import Scenario
import SettlementCalendar
import Synchronization
import Wire

extension PayLab {
    /// `paylab serve`.
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start a scenario's network in real time, for systems under test to talk to.",
            discussion: """
                Starts the network of FILE (default: the default network) on 127.0.0.1, prints where each \
                node listens (PayLab's own links, and the addresses systems under test dial) and the CA \
                a SUT must trust, dials the SUTs that are servers and signs on, runs the steps at their \
                times relative to the start, and answers whatever SUTs send, at the current time. It stops \
                after --for or on Ctrl-C, signs off, and prints the same report as run (and writes --json, \
                --junit, --html).
                Exit status: 0 when the scenario's expectations held, 1 when not, 2 on invalid input.
                """
        )

        @Argument(help: "The scenario file (default: the default network with no steps).")
        var file: String?

        @Option(name: .customLong("for"), help: "Stop after this long (30s, 5m, 2h); default: on Ctrl-C.")
        var duration: Duration?

        @OptionGroup var certificates: PKIOptions

        @OptionGroup var reports: ReportOptions

        @Flag(help: "Capture the traffic as run --capture does.")
        var capture = false

        func validate() throws {
            if let duration, duration <= .zero {
                throw ValidationError("--for takes a duration such as 30s or 5m, not \(duration.compact)")
            }
        }

        func run() async throws {
            let scenario: Scenario
            if let file {
                guard let loaded = try loadSuite([file]).scenarios.first else { throw ExitStatus.invalid }
                scenario = loaded
            } else {
                scenario = Scenario.served(start: Instant(milliseconds: Int64(Date().timeIntervalSince1970 * 1000)))
            }
            let pki = try certificates.checked()
            let runner: ScenarioRunner
            do {
                runner = try pki.map { try ScenarioRunner(pki: $0) } ?? ScenarioRunner()
            } catch {
                printError("error: \(error)")
                throw ExitStatus.invalid
            }
            let stop = StopSignal()
            let handlers = stop.install()
            defer { handlers.forEach { $0.cancel() } }
            let console = Console()
            let serving = ScenarioRunner.Serving(
                duration: duration, stop: { stop.requested },
                announce: { addresses in Self.announce(addresses, scenario: scenario, pki: pki, duration: duration) })
            let result = await runner.serve(
                scenario, capture: capture ? ScenarioRunner.CaptureOptions(runTime: Run.runTime()) : nil, serving: serving)
            try await runner.shutdown()
            console.print(TextReport.render(result, colour: console.colour))
            if let folder = result.captureFolder { console.print("  capture: \(folder)") }
            try reports.write([result], wallTime: result.wallTime)
            if !result.passed { throw ExitStatus.failed }
        }

        /// Prints where everything is, one fact a line, flushed at once (a script may be waiting for it).
        static func announce(_ addresses: ScenarioRunner.Addresses, scenario: Scenario, pki: String?, duration: Duration?) {
            var lines = ["serving \(scenario.name) in real time \(duration.map { "for \($0.compact)" } ?? "until Ctrl-C")"]
            if let pki {
                let folder = PKI(directory: pki)
                lines.append("ca: \(folder.caPath)")
                lines.append("sut certificate: \(folder.sutPath) (key \(folder.sutKeyPath))")
            } else {
                let folder = (NSTemporaryDirectory() as NSString).appendingPathComponent("paylab-serve-\(getpid())")
                let path = (folder as NSString).appendingPathComponent("ca.pem")
                if (try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)) != nil,
                   (try? Data(addresses.caPEM.utf8).write(to: URL(fileURLWithPath: path))) != nil {
                    lines.append("ca: \(path) (this run's own; use --pki DIR for one that lasts)")
                }
            }
            for (node, address) in addresses.forSUTs.sorted(by: { $0.key < $1.key }) {
                let clients = scenario.network.externalLinks.filter { $0.server == node }.map(\.client)
                lines.append("listening: \(node) at \(address) for \(clients.joined(separator: ", "))")
            }
            for (node, system) in scenario.network.external.sorted(by: { $0.key < $1.key }) {
                if let address = system.address { lines.append("external: \(node) at \(address) (PayLab dials it, tls \(system.tls.rawValue))") }
            }
            for (node, port) in addresses.nodes.sorted(by: { $0.key < $1.key }) {
                lines.append("node: \(node) at 127.0.0.1:\(port) (PayLab's own link: TLS 1.3, a certificate from the ca)")
            }
            lines.append("ready")
            FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
        }
    }
}

/// Ctrl-C (SIGINT) or SIGTERM, seen once: the served run stops at its next look.
final class StopSignal: Sendable {
    private let flag = Mutex(false)

    /// Starts listening for the signals; keep what it returns alive while serving.
    func install() -> [any DispatchSourceSignal] {
        [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [self] in flag.withLock { $0 = true } }
            source.resume()
            return source
        }
    }

    var requested: Bool { flag.withLock { $0 } }
}
