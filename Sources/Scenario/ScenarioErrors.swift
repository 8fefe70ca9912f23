/// Every problem found in a scenario file.
public struct ScenarioErrors: Error, Sendable, CustomStringConvertible {
    /// The problems, in the order of the file.
    public var diagnostics: [ScenarioDiagnostic]

    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }

    /// Errors from diagnostics.
    public init(diagnostics: [ScenarioDiagnostic]) {
        self.diagnostics = diagnostics
    }
}
