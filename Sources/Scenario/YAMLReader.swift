package import Yams

/// Reads a YAML node tree, collecting every problem with its line and column instead of
/// stopping at the first.
package final class YAMLReader {
    package let file: String
    package private(set) var diagnostics: [ScenarioDiagnostic] = []

    package init(file: String) {
        self.file = file
    }

    /// The root node of YAML text; a syntax error becomes a diagnostic at its position.
    package static func compose(_ text: String, file: String, empty: String) throws(ScenarioErrors) -> Node {
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw ScenarioErrors(diagnostics: [ScenarioDiagnostic(file: file, line: 1, column: 1, message: empty)])
            }
            return node
        } catch let error as ScenarioErrors {
            throw error
        } catch let error as YamlError {
            throw ScenarioErrors(diagnostics: [syntaxDiagnostic(error, file: file)])
        } catch {
            throw ScenarioErrors(diagnostics: [ScenarioDiagnostic(file: file, line: 1, column: 1, message: "YAML: \(error)")])
        }
    }

    package static func syntaxDiagnostic(_ error: YamlError, file: String) -> ScenarioDiagnostic {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let extra = context.map { " \($0.text)" } ?? ""
            return ScenarioDiagnostic(file: file, line: mark.line, column: mark.column, message: "YAML syntax: \(problem)\(extra)")
        default:
            return ScenarioDiagnostic(file: file, line: 1, column: 1, message: "YAML: \(error)")
        }
    }

    package func error(_ node: Node?, _ message: String) {
        let mark = node?.mark
        diagnostics.append(ScenarioDiagnostic(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1, message: message))
    }

    /// Adds a diagnostic found elsewhere (in a file this one names).
    package func report(_ diagnostic: ScenarioDiagnostic) {
        diagnostics.append(diagnostic)
    }

    /// The pairs of a mapping, after reporting keys that are not allowed (nil: any key); nil (reported) when not a mapping.
    package func mapping(_ node: Node, _ what: String, allowed: [String]?) -> [String: Node]? {
        guard case .mapping(let mapping) = node else {
            error(node, "\(what) must be a mapping of keys to values")
            return nil
        }
        var result: [String: Node] = [:]
        for (keyNode, value) in mapping {
            guard case .scalar(let key) = keyNode else {
                error(keyNode, "keys of \(what) must be plain words")
                continue
            }
            if let allowed, !allowed.contains(key.string) {
                let hint = nearestWord(to: key.string, in: allowed).map { "; did you mean '\($0)'?" } ?? " (allowed: \(allowed.joined(separator: ", ")))"
                error(keyNode, "unknown key '\(key.string)' in \(what)\(hint)")
                continue
            }
            if result[key.string] != nil {
                error(keyNode, "key '\(key.string)' appears twice in \(what)")
            }
            result[key.string] = value
        }
        return result
    }

    /// The items of a sequence; nil (reported) when not a sequence.
    package func sequence(_ node: Node, _ what: String) -> [Node]? {
        guard case .sequence(let sequence) = node else {
            error(node, "\(what) must be a list")
            return nil
        }
        return Array(sequence)
    }

    /// The text of a scalar; nil (reported) when not a scalar.
    package func string(_ node: Node, _ what: String) -> String? {
        guard case .scalar(let scalar) = node else {
            error(node, "\(what) must be a single value, not a list or a mapping")
            return nil
        }
        return scalar.string
    }

    /// A list of scalars.
    package func strings(_ node: Node, _ what: String) -> [String]? {
        guard let items = sequence(node, what) else { return nil }
        return items.compactMap { string($0, "each item of \(what)") }
    }

    /// Parses a scalar with a function; reports `expected` when it returns nil.
    package func value<T>(_ node: Node, _ what: String, expected: String, _ parse: (String) -> T?) -> T? {
        guard let text = string(node, what) else { return nil }
        guard let value = parse(text) else {
            error(node, "\(what) '\(text)' is not \(expected)")
            return nil
        }
        return value
    }
}
