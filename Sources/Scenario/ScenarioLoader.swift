import Foundation
import PaymentNetwork
import SettlementCalendar
import Yams

/// Reads a scenario file into a ``Scenario``, reporting every problem with its line and column.
public enum ScenarioLoader {
    static let topKeys = ["name", "description", "tags", "seed", "timezone", "currency", "calendar", "start",
                          "horizon", "network", "faults", "steps", "expect"]

    /// Loads and checks a file.
    public static func load(path: String) throws(ScenarioErrors) -> Scenario {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ScenarioErrors(diagnostics: [ScenarioDiagnostic(file: path, line: 1, column: 1, message: "cannot read the file")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ScenarioErrors(diagnostics: [ScenarioDiagnostic(file: path, line: 1, column: 1, message: "the file is not UTF-8 text")])
        }
        return try parse(text, file: path)
    }

    /// Parses scenario text; `file` names it in diagnostics.
    public static func parse(_ text: String, file: String) throws(ScenarioErrors) -> Scenario {
        let root = try YAMLReader.compose(text, file: file, empty: "the file is empty")
        let reader = YAMLReader(file: file)
        let scenario = ScenarioBuilder(reader: reader).build(root)
        if let scenario, reader.diagnostics.isEmpty { return scenario }
        throw ScenarioErrors(diagnostics: reader.diagnostics.sorted { ($0.line, $0.column) < ($1.line, $1.column) })
    }
}
