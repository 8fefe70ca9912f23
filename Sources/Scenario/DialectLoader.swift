import Foundation
public import ISO8583
import Yams

/// Finds a dialect by name among the built-in ones, or reads a dialect file (`.json`, `.yaml`).
public enum DialectLoader {
    /// Why a dialect could not be had.
    public struct Problem: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// How to name the dialect `resolve` finds for `nameOrPath` from anywhere: the built-in
    /// name, or the absolute path of its file.
    public static func reference(_ nameOrPath: String, relativeTo directory: String? = nil) -> String {
        if Dialect.builtIn[nameOrPath] != nil { return nameOrPath }
        let path = directory.map { nameOrPath.hasPrefix("/") ? nameOrPath : ($0 as NSString).appendingPathComponent(nameOrPath) } ?? nameOrPath
        return path.hasPrefix("/") ? path : (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(path)
    }

    /// A built-in dialect by name, or the dialect file at `nameOrPath` (relative to `directory` when given).
    public static func resolve(_ nameOrPath: String, relativeTo directory: String? = nil) throws(Problem) -> Dialect {
        if let dialect = Dialect.builtIn[nameOrPath] { return dialect }
        let path = directory.map { nameOrPath.hasPrefix("/") ? nameOrPath : ($0 as NSString).appendingPathComponent(nameOrPath) } ?? nameOrPath
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Problem(description: "unknown dialect '\(nameOrPath)': not one of \(Dialect.builtIn.keys.sorted().joined(separator: ", ")) nor a readable file")
        }
        do {
            if path.hasSuffix(".yaml") || path.hasSuffix(".yml") {
                let file = try YAMLDecoder().decode(DialectFile.self, from: data)
                return try file.dialect()
            }
            return try DialectFile.load(json: data)
        } catch let problem as DialectFile.Problem {
            throw Problem(description: "\(nameOrPath): \(problem)")
        } catch {
            throw Problem(description: "\(nameOrPath): not a dialect description: \(error)")
        }
    }
}
