import Foundation
import ISO8583

/// `paylab report merge`: the reports of the shards of a suite (`run --shard I/N`) as the one
/// report a run of the whole suite would have written. The scenarios go in the whole run's
/// order (by file, then name), the counts are added; the JSON is the whole run's byte for
/// byte (it holds no wall times), the JUnit report the same but for its times, which add up.
public enum ReportMerge {
    /// Why reports cannot be merged, in a sentence.
    public struct Problem: Error, CustomStringConvertible, Sendable {
        public var description: String
        public init(_ description: String) { self.description = description }
    }

    /// The shards' JSON reports (`run --json`) as one.
    public static func json(_ reports: [(name: String, text: String)]) throws(Problem) -> JSONValue {
        var version: String?
        var scenarios: [JSONValue] = []
        var invalid: [JSONValue] = []
        var passed: Int64 = 0, failed: Int64 = 0
        for (name, text) in reports {
            let value: JSONValue
            do { value = try JSONValue.parse(text) } catch { throw Problem("\(name): \(error)") }
            guard case .object(let pairs) = value, let items = pairs.first(where: { $0.0 == "scenarios" }).flatMap({ pair -> [JSONValue]? in
                if case .array(let items) = pair.1 { return items } else { return nil }
            }) else { throw Problem("\(name): not the --json report of paylab run (no \"scenarios\")") }
            let fields = Dictionary(pairs, uniquingKeysWith: { first, _ in first })
            if case .string(let own)? = fields["paylab_version"] {
                if let version, version != own { throw Problem("\(name) was written by paylab \(own), another shard by \(version): run every shard with one build") }
                version = own
            }
            if case .number(let count)? = fields["passed"] { passed += count }
            if case .number(let count)? = fields["failed"] { failed += count }
            if case .array(let problems)? = fields["invalid"] { invalid += problems }
            scenarios += items
        }
        let key = { (value: JSONValue) -> (String, String) in
            guard case .object(let pairs) = value else { return ("", "") }
            let fields = Dictionary(pairs, uniquingKeysWith: { first, _ in first })
            if case .string(let file)? = fields["file"], case .string(let name)? = fields["name"] { return (file, name) }
            return ("", "")
        }
        var seen: Set<String> = []
        for scenario in scenarios {
            let (file, name) = key(scenario)
            guard seen.insert(file + "\u{0}" + name).inserted else { throw Problem("\(file) (\(name)) is in two reports: the shards overlap") }
        }
        scenarios.sort { key($0) < key($1) }
        var merged: [(String, JSONValue)] = [("paylab_version", .string(version ?? PayLabVersion.current)), ("passed", .number(passed)), ("failed", .number(failed))]
        if !invalid.isEmpty { merged.append(("invalid", .array(invalid))) }
        merged.append(("scenarios", .array(scenarios)))
        return .object(merged)
    }

    /// The shards' JUnit reports (`run --junit`) as one: their test suites (one per file) in
    /// file order, the totals added.
    public static func junit(_ reports: [(name: String, text: String)]) throws(Problem) -> String {
        var suites: [(file: String, text: String)] = []
        var tests = 0, failures = 0, errors = 0, milliseconds = 0
        for (name, text) in reports {
            guard let start = text.range(of: "<testsuites "), let headerEnd = text[start.upperBound...].range(of: ">\n") else {
                throw Problem("\(name): not the --junit report of paylab run (no <testsuites>)")
            }
            let header = String(text[start.lowerBound..<headerEnd.upperBound])
            tests += Self.attribute("tests", in: header) ?? 0
            failures += Self.attribute("failures", in: header) ?? 0
            errors += Self.attribute("errors", in: header) ?? 0
            var rest = text[headerEnd.upperBound...]
            while let open = rest.range(of: "  <testsuite "), let close = rest[open.lowerBound...].range(of: "  </testsuite>\n") {
                let block = String(rest[open.lowerBound..<close.upperBound])
                let fileName = block.range(of: "name=\"").flatMap { found in block[found.upperBound...].firstIndex(of: "\"").map { String(block[found.upperBound..<$0]) } } ?? ""
                milliseconds += Self.milliseconds(in: String(block.prefix { $0 != "\n" })) ?? 0
                suites.append((fileName, block))
                rest = rest[close.upperBound...]
            }
        }
        suites.sort { $0.file < $1.file }
        let time = "\(milliseconds / 1000)." + String(milliseconds % 1000).leftPadded(to: 3)
        var xml = #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n"
        xml += #"<testsuites name="paylab" tests="\#(tests)" failures="\#(failures)" errors="\#(errors)" time="\#(time)">"# + "\n"
        xml += suites.map(\.text).joined()
        return xml + "</testsuites>\n"
    }

    /// An integer attribute of an element's opening tag.
    public static func attribute(_ name: String, in tag: String) -> Int? {
        guard let found = tag.range(of: " \(name)=\"") else { return nil }
        return Int(tag[found.upperBound...].prefix { $0 != "\"" })
    }

    /// A `time="S.mmm"` attribute in milliseconds.
    static func milliseconds(in tag: String) -> Int? {
        guard let found = tag.range(of: " time=\"") else { return nil }
        let parts = tag[found.upperBound...].prefix { $0 != "\"" }.split(separator: ".")
        guard let seconds = parts.first.flatMap({ Int($0) }) else { return nil }
        return seconds * 1000 + (parts.count > 1 ? Int(parts[1].prefix(3).padding(toLength: 3, withPad: "0", startingAt: 0)) ?? 0 : 0)
    }
}
