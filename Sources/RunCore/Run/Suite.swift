import PaymentNetwork
public import Scenario
import SettlementCalendar

/// The scenarios one command runs: loaded from files and folders, selected, with an
/// optional seed that replaces each scenario's own, run one after the other.
public struct Suite: Sendable {
    /// Every problem found while loading, one `FILE:LINE:COLUMN: error: MESSAGE` line each.
    public struct Invalid: Error, Sendable {
        /// Every problem, with its file, line and column.
        public var diagnostics: [ScenarioDiagnostic]
        /// The lines to print.
        public var lines: [String] { diagnostics.map(\.description) }
    }

    /// The scenarios, in file order.
    public private(set) var scenarios: [Scenario]
    /// Files of the folders skipped as helpers (a calendar, a dialect, certification cases), one sentence each.
    public private(set) var notes: [String] = []

    /// Loads every scenario file at the paths (folders: every `.yaml` in them); throws
    /// every problem of every file at once, so nothing runs when any file is invalid.
    public static func load(_ paths: [String]) throws(Invalid) -> Suite {
        var scenarios: [Scenario] = []
        var diagnostics: [ScenarioDiagnostic] = []
        var notes: [String] = []
        do {
            let found = try ScenarioFiles.expandNoting(paths)
            notes = found.notes
            for file in found.files {
                do {
                    scenarios.append(try ScenarioLoader.load(path: file))
                } catch {
                    diagnostics += error.diagnostics
                }
            }
        } catch {
            diagnostics += error.diagnostics
        }
        guard diagnostics.isEmpty else { throw Invalid(diagnostics: diagnostics) }
        var suite = Suite(scenarios: scenarios)
        suite.notes = notes
        return suite
    }

    /// The scenarios a selection keeps, with `seed` (when given) in place of each one's own.
    public func selecting(_ selection: SuiteSelection, seed: UInt64? = nil) -> Suite {
        var selected = selection.apply(scenarios)
        if let seed { selected = selected.map { var copy = $0; copy.seed = seed; return copy } }
        return Suite(scenarios: selected)
    }

    /// How many scenarios it holds.
    public var count: Int { scenarios.count }

    /// Runs every scenario in order on one runner; `starting` is told each one's position
    /// and name before it runs, `finished` its result after.
    public func run(
        capture: ScenarioRunner.CaptureOptions? = nil,
        planted: (any NetworkAlteration)? = nil,
        pki: String? = nil,
        starting: (Int, String) -> Void = { _, _ in },
        finished: (ScenarioResult) -> Void = { _ in }
    ) async throws -> (results: [ScenarioResult], wallTime: Duration) {
        let runner = try pki.map { try ScenarioRunner(pki: $0) } ?? ScenarioRunner()
        let started = ContinuousClock.now
        var results: [ScenarioResult] = []
        for (index, scenario) in scenarios.enumerated() {
            starting(index + 1, scenario.name)
            let result = await runner.run(scenario, capture: capture, planted: planted)
            finished(result)
            results.append(result)
        }
        try await runner.shutdown()
        return (results, ContinuousClock.now - started)
    }
}
