import Certification
import Foundation
import RunCore
import Scenario
import Testing
import Yams

/// Every YAML block of README.md and docs/*.md is what it says it is. A block is a whole
/// scenario unless an HTML comment just above it says otherwise:
/// `<!-- check: with FILE [at KEY] [, alone] [, files A B] -->` (a fragment: added to FILE,
/// and to the fragments before it with the same FILE unless `alone`, under KEY if given; the
/// named files made beside it),
/// `<!-- check: calendar -->`, `<!-- check: certification cases -->`, or
/// `<!-- check: skip (why) -->`. A whole scenario with expectations is run and must pass.
@Suite("The docs' YAML blocks")
struct DocBlocksTests {
    struct Block: CustomStringConvertible, Sendable {
        var file: String
        var line: Int
        var marker: String
        var yaml: String
        var description: String { "\(file):\(line)" }
    }

    static let blocks: [Block] = {
        let docs = ((try? FileManager.default.contentsOfDirectory(atPath: "docs")) ?? []).filter { $0.hasSuffix(".md") }.sorted().map { "docs/" + $0 }
        var blocks: [Block] = []
        for file in ["README.md"] + docs {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { continue }
            let lines = text.components(separatedBy: "\n")
            var index = 0
            while index < lines.count {
                let fence = lines[index]
                guard fence.trimmingCharacters(in: .whitespaces) == "```yaml" else { index += 1; continue }
                let indent = fence.prefix { $0 == " " }.count
                var body: [String] = []
                var end = index + 1
                while end < lines.count, lines[end].trimmingCharacters(in: .whitespaces) != "```" {
                    body.append(String(lines[end].dropFirst(min(indent, lines[end].prefix { $0 == " " }.count))))
                    end += 1
                }
                let above = index > 0 ? lines[index - 1].trimmingCharacters(in: .whitespaces) : ""
                let marker = above.hasPrefix("<!-- check:") ? String(above.dropFirst("<!-- check:".count).dropLast("-->".count)).trimmingCharacters(in: .whitespaces) : ""
                blocks.append(Block(file: file, line: index + 2, marker: marker, yaml: body.joined(separator: "\n")))
                index = end + 1
            }
        }
        return blocks
    }()

    @Test("the docs have blocks to check (a test that reads nothing proves nothing)")
    func found() {
        #expect(Self.blocks.count >= 11 && Self.blocks.contains { $0.marker.hasPrefix("with ") })
    }

    @Test("each block is valid as what it is", arguments: blocks)
    func valid(block: Block) async throws {
        if block.marker.hasPrefix("skip") { return }
        if block.marker == "calendar" {
            #expect(throws: Never.self) { try CalendarFile.parse(block.yaml, file: "\(block)") }
            return
        }
        if block.marker == "certification cases" {
            #expect(throws: Never.self) { try CertificationSuite.parse(block.yaml, file: "\(block)") }
            return
        }
        let text = block.marker.hasPrefix("with ") ? try Self.withEarlier(block) : block.yaml
        let folder = NSTemporaryDirectory() + "paylab-docs-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for name in Self.files(block.marker) { try Data("made for the docs test\n".utf8).write(to: URL(fileURLWithPath: folder + "/" + name)) }
        let scenario: Scenario
        do {
            scenario = try ScenarioLoader.parse(text, file: folder + "/doc.yaml")
        } catch {
            Issue.record("\(block) is not valid: \(error.diagnostics.map(\.description).joined(separator: "; "))\n\(text)")
            return
        }
        // A whole scenario that says what must happen is run, and it must happen.
        if block.marker.isEmpty, !scenario.expectations.isEmpty {
            let runner = ScenarioRunner()
            let result = await runner.run(scenario)
            try await runner.shutdown()
            #expect(result.passed, "\(block): \(result.failures)")
        }
    }

    /// The names after `files` in a marker.
    static func files(_ marker: String) -> [String] {
        guard let range = marker.range(of: "files ") else { return [] }
        return marker[range.upperBound...].split(separator: " ").map(String.init)
    }

    /// The fragment added to its base file and to the fragments before it on the same base:
    /// lists (steps, faults, expect) are added to, mappings (network) take the fragment's keys.
    /// Nodes, not values: every scalar stays as written.
    static func withEarlier(_ block: Block) throws -> String {
        let spec = block.marker.dropFirst("with ".count).split(separator: ",")[0].trimmingCharacters(in: .whitespaces)
        let parts = spec.components(separatedBy: " at ")
        let base = parts[0], key = parts.count > 1 ? parts[1] : nil
        guard case .mapping(var whole)? = try Yams.compose(yaml: String(contentsOfFile: base, encoding: .utf8)) else { throw DocsError.notAMapping(base) }
        // `alone`: this fragment on the base by itself, not after the others.
        let same = block.marker.contains(", alone") ? [block]
            : blocks.filter { $0.file == block.file && $0.marker.hasPrefix("with \(spec)") && !$0.marker.contains(", alone") && $0.line <= block.line }
        for fragment in same {
            guard case .mapping(let part)? = try Yams.compose(yaml: fragment.yaml) else { throw DocsError.notAMapping("\(fragment)") }
            if let key {
                guard case .mapping(var inner)? = whole[key] else { throw DocsError.notAMapping("\(base) at \(key)") }
                for (name, value) in part { inner[name] = value }
                whole[key] = .mapping(inner)
                continue
            }
            for (name, value) in part {
                switch (whole[name], value) {
                case (.sequence(var earlier)?, .sequence(let list)):
                    earlier.append(contentsOf: list)
                    whole[name] = .sequence(earlier)
                case (.mapping(var earlier)?, .mapping(let map)):
                    for (inner, innerValue) in map { earlier[inner] = innerValue }
                    whole[name] = .mapping(earlier)
                default:
                    whole[name] = value
                }
            }
        }
        return try Yams.serialize(node: .mapping(whole))
    }

    enum DocsError: Error { case notAMapping(String) }
}
