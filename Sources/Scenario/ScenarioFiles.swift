import Foundation
import Yams

/// Finds scenario files from the paths given on the command line.
public enum ScenarioFiles {
    /// The `.yaml`/`.yml` files at these paths: files as given, folders searched (sorted).
    public static func expand(_ paths: [String]) throws(ScenarioErrors) -> [String] {
        try expandNoting(paths).files
    }

    /// The scenario files at these paths, and a note for each file of a folder taken for a
    /// helper and skipped: a calendar or dialect file a scenario of the folder names, or one
    /// whose keys say what it is (a calendar's `years`, a dialect's `base`/`mti`/`fields`,
    /// certification cases' `suite`) and that has none of a scenario's (`start`, `steps`).
    public static func expandNoting(_ paths: [String]) throws(ScenarioErrors) -> (files: [String], notes: [String]) {
        var notes: [String] = []
        var files: [String] = []
        var problems: [ScenarioDiagnostic] = []
        let manager = FileManager.default
        for path in paths {
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: path, isDirectory: &isDirectory) else {
                problems.append(ScenarioDiagnostic(file: path, line: 1, column: 1, message: "no such file or folder"))
                continue
            }
            if isDirectory.boolValue {
                let found = (manager.enumerator(atPath: path)?.compactMap { $0 as? String } ?? [])
                    .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
                    .sorted()
                    .map { (path as NSString).appendingPathComponent($0) }
                // Each file read once: what it names, and what its keys say it is.
                let roots = found.map(root)
                // A calendar or dialect file kept beside the scenarios that name it is no scenario.
                let named = Set(zip(found, roots).flatMap { file, root in root.map { namedFiles(in: $0, of: file) } ?? [] })
                for (file, root) in zip(found, roots) {
                    if named.contains(URL(fileURLWithPath: file).standardizedFileURL.path) {
                        notes.append("\(file): a calendar or dialect file a scenario names; not run as a scenario")
                    } else if let kind = root.flatMap(helperKind) {
                        notes.append("\(file): \(kind), not a scenario; skipped")
                    } else {
                        files.append(file)
                    }
                }
            } else {
                files.append(path)
            }
        }
        if !problems.isEmpty { throw ScenarioErrors(diagnostics: problems) }
        return (files, notes)
    }

    /// A file's YAML tree; nil when it does not read as YAML (its own errors come later).
    static func root(_ file: String) -> Node? {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return nil }
        return try? Yams.compose(yaml: text)
    }

    /// What a YAML file is by its top-level keys, when it is a helper and not a scenario.
    static func helperKind(_ root: Node) -> String? {
        guard case .mapping(let mapping) = root else { return nil }
        let keys = Set(mapping.keys.compactMap(\.string))
        guard keys.isDisjoint(with: ["start", "steps", "expect", "network"]) else { return nil }
        if keys.contains("suite") || keys.contains("cases") { return "certification cases (suite:)" }
        if keys.contains("years") || keys.contains("holidays") { return "a calendar file (years:)" }
        if keys.contains("base") || keys.contains("mti") || keys.contains("fields") { return "a dialect file" }
        return nil
    }

    /// The files a scenario names as its `calendar:` or as a dialect (`dialect:` anywhere in
    /// it), as absolute paths.
    static func namedFiles(in root: Node, of scenario: String) -> [String] {
        let folder = URL(fileURLWithPath: scenario).deletingLastPathComponent()
        var named: [String] = []
        func visit(_ node: Node, key: String?) {
            switch node {
            case .scalar(let scalar):
                guard key == "calendar" || key == "dialect",
                      [".yaml", ".yml", ".json"].contains(where: { scalar.string.hasSuffix($0) }) else { return }
                named.append(URL(fileURLWithPath: scalar.string, relativeTo: folder).standardizedFileURL.path)
            case .mapping(let mapping):
                for (name, value) in mapping { visit(value, key: name.string) }
            case .sequence(let sequence):
                for item in sequence { visit(item, key: nil) }
            default:
                break
            }
        }
        visit(root, key: nil)
        return named
    }
}
