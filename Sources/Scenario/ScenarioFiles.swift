import Foundation
import Yams

/// Finds scenario files from the paths given on the command line.
public enum ScenarioFiles {
    /// The `.yaml`/`.yml` files at these paths: files as given, folders searched (sorted).
    public static func expand(_ paths: [String]) throws(ScenarioErrors) -> [String] {
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
                // A calendar or dialect file kept beside the scenarios that name it is no scenario.
                let named = Set(found.flatMap(namedFiles))
                files += found.filter { !named.contains(URL(fileURLWithPath: $0).standardizedFileURL.path) }
            } else {
                files.append(path)
            }
        }
        if !problems.isEmpty { throw ScenarioErrors(diagnostics: problems) }
        return files
    }

    /// The files a scenario names as its `calendar:` or as a dialect (`dialect:` anywhere in
    /// it), as absolute paths; none when it does not read as YAML (its own errors come later).
    static func namedFiles(by scenario: String) -> [String] {
        guard let text = try? String(contentsOfFile: scenario, encoding: .utf8),
              let root = try? Yams.compose(yaml: text) else { return [] }
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
