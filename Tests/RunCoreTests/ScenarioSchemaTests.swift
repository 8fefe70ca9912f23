import Foundation
import Testing
import TestSupport
@testable import RunCore
@testable import Scenario

/// The JSON Schema editors use, checked by a validator PayLab did not write (jsonschema, from PyPI).
@Suite("The scenario schema")
struct ScenarioSchemaTests {
    @Test("docs/scenario.schema.json is what paylab schema prints")
    func committed() throws {
        let committed = try String(contentsOfFile: "docs/scenario.schema.json", encoding: .utf8)
        #expect(committed.trimmingCharacters(in: .whitespacesAndNewlines) == ScenarioSchema.json.rendered(pretty: true))
    }

    @Test("every library scenario names the schema and is valid against it; a file with an unknown key is not")
    func library() async throws {
        let files = try ScenarioFiles.expand(["Scenarios"])
        for file in files {
            let first = try String(contentsOfFile: file, encoding: .utf8).prefix { $0 != "\n" }
            #expect(first == "# yaml-language-server: $schema=../docs/scenario.schema.json", "\(file)")
        }
        let unknown = FileManager.default.temporaryDirectory.appendingPathComponent("paylab-unknown-\(UUID().uuidString).yaml").path
        defer { try? FileManager.default.removeItem(atPath: unknown) }
        try Data("name: x\nstart: 2026-05-08 10:00\nnetwork:\n  merchants:\n    - { id: \"898440354110001\", fees: 1% }\n".utf8)
            .write(to: URL(fileURLWithPath: unknown))
        let output = try await runTool(["python3", "Tests/Interop/schema_check.py", "docs/scenario.schema.json"] + files + [unknown])
        let lines = output.split(separator: "\n").map(String.init)
        #expect(lines.count == files.count + 1)
        for file in files { #expect(lines.contains("ok \(file)"), "\(lines.filter { $0.contains(file) })") }
        #expect(lines.last?.hasPrefix("invalid \(unknown): Additional properties are not allowed ('fees' was unexpected)") == true)
    }
}
