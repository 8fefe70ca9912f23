import Foundation
public import SettlementCalendar
import Yams

/// Reads a user's business calendar from a YAML file:
///
/// ```yaml
/// name: acme-bank
/// years: 2026-2027            # or one year, or a list [2026, 2027]
/// weekend: [saturday, sunday] # optional, the default
/// holidays:
///   - { date: 2026-01-01, name: New Year's Day }
///   - { from: 2026-02-15, to: 2026-02-23, name: Spring Festival }
/// working_days:               # weekend days that are working days
///   - { date: 2026-02-14, name: Spring Festival makeup }
/// ```
public enum CalendarFile {
    static let weekdayNames = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

    /// A built-in calendar by name, or the calendar file at a path (relative paths are
    /// tried against `folder` first, then the working folder).
    public static func resolve(_ nameOrPath: String, relativeTo folder: String?) throws(ScenarioErrors) -> BusinessCalendar {
        if let calendar = BusinessCalendar.builtIn(nameOrPath) { return calendar }
        var candidates = [nameOrPath]
        if let folder, !nameOrPath.hasPrefix("/") { candidates.insert((folder as NSString).appendingPathComponent(nameOrPath), at: 0) }
        guard let path = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            let hint = nearestWord(to: nameOrPath, in: BusinessCalendar.builtInNames).map { "; did you mean '\($0)'?" }
                ?? " (built in: \(BusinessCalendar.builtInNames.joined(separator: ", ")); or the path of a calendar file)"
            throw ScenarioErrors(diagnostics: [ScenarioDiagnostic(file: nameOrPath, line: 1, column: 1, message: "unknown calendar '\(nameOrPath)'\(hint)")])
        }
        return try load(path: path)
    }

    /// How to name the calendar `resolve` found for `nameOrPath` from anywhere: the built-in
    /// name, or the absolute path of its file.
    public static func reference(_ nameOrPath: String, relativeTo folder: String?) -> String {
        if BusinessCalendar.builtIn(nameOrPath) != nil { return nameOrPath }
        var candidates = [nameOrPath]
        if let folder, !nameOrPath.hasPrefix("/") { candidates.insert((folder as NSString).appendingPathComponent(nameOrPath), at: 0) }
        let path = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) ?? nameOrPath
        return path.hasPrefix("/") ? path : (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(path)
    }

    /// Loads a calendar file.
    public static func load(path: String) throws(ScenarioErrors) -> BusinessCalendar {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ScenarioErrors(diagnostics: [ScenarioDiagnostic(file: path, line: 1, column: 1, message: "cannot read the calendar file")])
        }
        return try parse(text, file: path)
    }

    /// Parses calendar text.
    public static func parse(_ text: String, file: String) throws(ScenarioErrors) -> BusinessCalendar {
        let root = try YAMLReader.compose(text, file: file, empty: "the calendar file is empty")
        let reader = YAMLReader(file: file)
        let calendar = build(root, reader)
        if let calendar, reader.diagnostics.isEmpty { return calendar }
        throw ScenarioErrors(diagnostics: reader.diagnostics)
    }

    private static func build(_ root: Node, _ reader: YAMLReader) -> BusinessCalendar? {
        guard let top = reader.mapping(root, "the calendar", allowed: ["name", "extends", "years", "weekend", "holidays", "working_days"]) else { return nil }
        // `extends: cn`: a built-in calendar with the years it lacks (next year's notice, the day it is published).
        let base = top["extends"].flatMap { node in
            reader.value(node, "extends", expected: "a built-in calendar (\(BusinessCalendar.builtInNames.joined(separator: ", ")))") { BusinessCalendar.builtIn($0) }
        }
        let name = top["name"].flatMap { reader.string($0, "name") }
        if top["name"] == nil { reader.needs(root, "name", "the calendar needs a 'name'") }
        let years = top["years"].flatMap { coveredYears($0, reader) }
        if top["years"] == nil { reader.needs(root, "years", "the calendar needs 'years' (the years it covers, as 2026 or 2026-2027)") }
        var weekend: Set<Int> = [6, 7]
        if let node = top["weekend"], let names = reader.sequence(node, "weekend") {
            weekend = Set(names.compactMap { item in
                reader.value(item, "weekend day", expected: "a day of the week (saturday)") { weekdayNames.firstIndex(of: $0.lowercased()).map { $0 + 1 } }
            })
        }
        var holidays: [LocalDate: String] = [:]
        var working: [LocalDate: String] = [:]
        if let node = top["holidays"], let items = reader.sequence(node, "holidays") {
            for item in items {
                for (date, label) in days(item, "a holiday", reader, years: years) { holidays[date] = label }
            }
        }
        if let node = top["working_days"], let items = reader.sequence(node, "working_days") {
            for item in items {
                for (date, label) in days(item, "a working day", reader, years: years) { working[date] = label }
            }
        }
        guard let name, let years else { return nil }
        guard let base else {
            return BusinessCalendar(name: name, years: years, weekendDays: weekend, holidays: holidays, workingDays: working)
        }
        // The base's days, then this file's (which win on a day both name); the years of both, joined.
        let covered = base.years.map { min($0.lowerBound, years.lowerBound)...max($0.upperBound, years.upperBound) } ?? years
        if let baseYears = base.years, years.lowerBound > baseYears.upperBound + 1 || years.upperBound < baseYears.lowerBound - 1, let node = top["years"] {
            reader.error(node, "years \(years.lowerBound)-\(years.upperBound) leave a gap after \(base.name)'s \(baseYears.lowerBound)-\(baseYears.upperBound): an extension adds the years next to them")
        }
        return BusinessCalendar(name: name, years: covered, weekendDays: top["weekend"] == nil ? base.weekendDays : weekend,
                                holidays: base.holidays.merging(holidays) { $1 }, workingDays: base.workingDays.merging(working) { $1 })
    }

    private static func coveredYears(_ node: Node, _ reader: YAMLReader) -> ClosedRange<Int>? {
        if case .sequence = node {
            let list = (reader.sequence(node, "years") ?? []).compactMap { item in reader.value(item, "year", expected: "a year") { Int($0) } }
            guard let low = list.min(), let high = list.max() else { return nil }
            return low...high
        }
        return reader.value(node, "years", expected: "a year or a range of years (2026-2027)") { text in
            let parts = text.split(separator: "-").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard (1...2).contains(parts.count), let low = parts.first ?? nil, let high = parts.last ?? nil, low <= high, low >= 1900, high <= 2200 else { return nil }
            return low...high
        }
    }

    /// The dates of one holiday or working day entry: `date`, or `from` and `to`.
    private static func days(_ node: Node, _ what: String, _ reader: YAMLReader, years: ClosedRange<Int>?) -> [(LocalDate, String)] {
        guard let fields = reader.mapping(node, what, allowed: ["date", "from", "to", "name"]) else { return [] }
        let label = fields["name"].flatMap { reader.string($0, "name") } ?? what
        func date(_ key: String) -> LocalDate? {
            guard let node = fields[key] else { return nil }
            guard let date = reader.value(node, key, expected: "a date that exists (YYYY-MM-DD)", { LocalDate($0) }) else { return nil }
            if let years, !years.contains(date.year) {
                reader.error(node, "\(date) is outside the years the calendar covers (\(years.lowerBound) to \(years.upperBound))")
                return nil
            }
            return date
        }
        if fields["date"] != nil {
            return date("date").map { [($0, label)] } ?? []
        }
        guard let from = date("from"), let to = date("to") else {
            if fields["from"] == nil || fields["to"] == nil { reader.error(node, "\(what) needs 'date', or 'from' and 'to'") }
            return []
        }
        guard from <= to else {
            reader.error(fields["to"], "'to' (\(to)) is before 'from' (\(from))")
            return []
        }
        return (0...(to.daysSinceEpoch - from.daysSinceEpoch)).map { (from.adding(days: $0), label) }
    }
}
