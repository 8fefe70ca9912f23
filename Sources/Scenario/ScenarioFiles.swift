import Foundation

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
                files += found
            } else {
                files.append(path)
            }
        }
        if !problems.isEmpty { throw ScenarioErrors(diagnostics: problems) }
        return files
    }
}
