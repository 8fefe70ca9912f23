import Foundation
package import Yams

/// Reads a YAML node tree, collecting every problem with its line and column instead of
/// stopping at the first.
package final class YAMLReader {
    package let file: String
    package private(set) var diagnostics: [ScenarioDiagnostic] = []
    /// The keys an unknown key was taken for ("did you mean 'amount'?"), by the mapping's place:
    /// that key is then not reported missing as well (one mistake, one error).
    private var suggested: [String: Set<String>] = [:]

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
            throw ScenarioErrors(diagnostics: [syntaxDiagnostic(error, file: file, text: text)])
        } catch {
            throw ScenarioErrors(diagnostics: [ScenarioDiagnostic(file: file, line: 1, column: 1, message: "YAML: \(error)")])
        }
    }

    package static func syntaxDiagnostic(_ error: YamlError, file: String, text: String = "") -> ScenarioDiagnostic {
        let lines = text.components(separatedBy: "\n")
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            // A tab where YAML expects spaces: the parser's words do not say so.
            if mark.line >= 1, mark.line <= lines.count, lines[mark.line - 1].prefix(max(mark.column, 1)).contains("\t") {
                let column = (lines[mark.line - 1].firstIndex(of: "\t")?.utf16Offset(in: lines[mark.line - 1]) ?? 0) + 1
                return ScenarioDiagnostic(file: file, line: mark.line, column: column, message: "a tab: YAML indents with spaces, never tabs; replace the tab with spaces")
            }
            let extra = context.map { " \($0.text)" } ?? ""
            return ScenarioDiagnostic(file: file, line: mark.line, column: mark.column, message: "YAML syntax: \(problem)\(extra)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            // Where the key comes again: the first occurrence is where the mapping's first duplicate is.
            let key = duplicates.first ?? ""
            let again = secondOccurrence(of: key, after: context.mark, in: lines)
            return ScenarioDiagnostic(file: file, line: again?.line ?? context.mark.line, column: again?.column ?? context.mark.column,
                                      message: "key '\(key)' appears twice in one mapping (first at line \(context.mark.line)); give it once")
        default:
            return ScenarioDiagnostic(file: file, line: 1, column: 1, message: "YAML: \(error)")
        }
    }

    /// The line and column where `key` is written again after its first occurrence at `first`:
    /// later in the same flow mapping on its line, or at the same column on a later line.
    static func secondOccurrence(of key: String, after first: Mark, in lines: [String]) -> (line: Int, column: Int)? {
        let patterns = [key + ":", "\"" + key + "\":", "'" + key + "':"]
        for number in first.line...max(first.line, lines.count) where number >= 1 && number <= lines.count {
            let line = lines[number - 1]
            for pattern in patterns {
                var search = line.startIndex
                while let range = line.range(of: pattern, range: search..<line.endIndex) {
                    let column = line.distance(from: line.startIndex, to: range.lowerBound) + 1
                    let before = range.lowerBound == line.startIndex ? " " : line[line.index(before: range.lowerBound)]
                    let standsAlone = before == " " || before == "{" || before == ","
                    if standsAlone, number == first.line ? column > first.column : column == first.column { return (number, column) }
                    search = range.upperBound
                }
            }
        }
        return nil
    }

    private static func place(_ node: Node) -> String { node.mark.map { "\($0.line):\($0.column)" } ?? "-" }

    /// Reports that the mapping `node` lacks `key`, unless a misspelling of it was reported there already.
    package func needs(_ node: Node, _ key: String, _ message: String) {
        guard suggested[Self.place(node)]?.contains(key) != true else { return }
        error(node, message)
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
                let near = nearestWord(to: key.string, in: allowed)
                if let near { suggested[Self.place(node), default: []].insert(near) }
                let hint = near.map { "; did you mean '\($0)'?" } ?? " (allowed: \(allowed.joined(separator: ", ")))"
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

    /// The items of a sequence, or nil when it is not one (nothing reported: another check does).
    package func quietSequence(_ node: Node) -> [Node]? {
        guard case .sequence(let sequence) = node else { return nil }
        return Array(sequence)
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
