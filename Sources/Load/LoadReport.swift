public import Foundation
public import Histogram
public import RunCore

/// A load run's report: what `--json` writes and `load merge` reads back. The latency
/// histograms travel as their recorded values and counts, so parts merge exactly (the
/// percentiles of the merged histogram, not an average of the parts' percentiles).
public struct LoadReport: Sendable {
    public var description: String
    public var durationSeconds: Double
    public var sent: Int
    public var byCode: [String: Int]
    public var timeouts: Int
    public var unmatched: Int
    public var late: Int
    public var reversals: Int
    public var reconciled: Bool
    public var problems: [String]
    /// What a reader should know that is not a money problem: the run fell behind its schedule.
    public var warnings: [String] = []
    /// How the run was set up, as label and value (the pace, duration, terminals, ...).
    public var parameters: [(name: String, value: String)] = []
    /// The `--threshold`s asked for, judged on this report.
    public var thresholds: [LoadThreshold] = []
    public var parts: Int
    /// Which part of a run split across generators (`--part I/N`), when the report is of one part.
    public var part: (index: Int, count: Int) = (1, 1)
    /// The instant the parts were asked to start at (`--start-at`), and when each actually
    /// started sending (wall clock), in part order.
    public var startAt: Date?
    public var startedAt: [Date] = []
    /// Microseconds, from each request's scheduled start (after the warmup).
    public var latency: Histogram<UInt64>
    /// The largest latency, exact (the histogram holds it only to its bucket).
    public var maxMicros: UInt64
    public var seconds: [Second]

    public struct Second: Sendable {
        public var sent: Int
        public var answered: Int
        public var errors: Int
        /// Of the errors, requests that got no answer in time.
        public var timeouts = 0
        public var latency: Histogram<UInt64>
    }

    public var approved: Int { byCode["00"] ?? 0 }
    public var declined: Int { byCode.filter { $0.key != "00" }.values.reduce(0, +) }
    /// Seconds from the first request until the last answer (at least the duration).
    public var activeSeconds: Double
    /// Answers per second, over the time from the first request until the last answer: a
    /// network that falls behind shows a rate below the one asked for.
    public var rate: Double { max(durationSeconds, activeSeconds) > 0 ? Double(byCode.values.reduce(0, +)) / max(durationSeconds, activeSeconds) : 0 }

    public init(outcome: LoadRun.Outcome, duration: Duration) {
        let seen = outcome.seen
        description = outcome.description
        let sending = seen.sendingTime > .zero ? min(seen.sendingTime, duration) : duration
        durationSeconds = Double(sending.components.seconds) + Double(sending.components.attoseconds) / 1e18
        if sending < duration { description += String(format: " (stopped after %.1f s)", durationSeconds) }
        activeSeconds = Double(seen.lastAnswer.components.seconds) + Double(seen.lastAnswer.components.attoseconds) / 1e18
        sent = seen.sent
        byCode = seen.byCode
        timeouts = seen.timeouts
        unmatched = seen.unmatched
        late = seen.late
        reversals = seen.reversals
        reconciled = outcome.reconciliation.reconciled
        problems = outcome.reconciliation.problems
        parts = 1
        part = outcome.part
        startAt = outcome.startAt
        startedAt = [outcome.startedAt]
        latency = seen.latency
        maxMicros = seen.latency.totalCount == 0 ? 0 : seen.latency.max
        seconds = seen.seconds.map { Second(sent: $0.sent, answered: $0.answered, errors: $0.errors, timeouts: $0.timeouts, latency: $0.latency) }
        parameters = outcome.parameters
        // An open loop that did not keep its schedule measured a smaller load than it says.
        if let asked = outcome.askedRate, durationSeconds > 0 {
            let scheduled = Double(asked) * durationSeconds
            if Double(sent) < 0.9 * scheduled {
                warnings.append(String(format: "the generator fell behind its schedule: it sent %d of the %.0f requests %d/s asks for (this machine may be short of CPU; try fewer --networks or another machine for the generator)", sent, scheduled, asked))
            }
            if rate < 0.9 * Double(asked) {
                warnings.append(String(format: "the network answered %.1f/s of the %d/s asked: it fell behind the load", rate, asked))
            }
        }
        if let warning = outcome.cpu?.warning(openLoop: outcome.askedRate != nil) { warnings.append(warning) }
    }

    /// Milliseconds at a percentile (0 when nothing was recorded).
    public func milliseconds(_ percentile: Double) -> Double {
        latency.totalCount == 0 ? 0 : Double(latency.valueAtPercentile(percentile)) / 1000
    }

    public var maxMilliseconds: Double { Double(maxMicros) / 1000 }

    // MARK: - Merging

    /// Why these reports are not the parts of one run, if they are not: another split, a part
    /// given twice, another `--start-at`.
    public static func mismatch(_ reports: [LoadReport]) -> String? {
        let single = reports.filter { $0.parts == 1 }
        let counts = Set(single.map(\.part.count))
        if counts.count > 1 { return "the reports split their run differently (\(single.map { "\($0.part.index)/\($0.part.count)" }.joined(separator: ", "))): they are not the parts of one run" }
        let indexes = single.filter { $0.part.count > 1 }.map(\.part.index)
        if Set(indexes).count != indexes.count { return "a part is given twice (\(indexes.sorted().map(String.init).joined(separator: ", ")))" }
        let starts = Set(reports.map { $0.startAt.map(iso8601) ?? "none" })
        if starts.count > 1 { return "the parts were asked to start at different instants (--start-at \(starts.sorted().joined(separator: ", "))): they are not the parts of one run" }
        return nil
    }

    /// Parts of one run (`--part I/N` on several machines) as one: counts added, histograms
    /// merged value by value, seconds aligned by their index; how far apart the parts really
    /// started is said.
    public static func merge(_ reports: [LoadReport]) -> LoadReport? {
        guard var merged = reports.first else { return nil }
        for (index, report) in reports.enumerated().dropFirst() {
            merged.sent += report.sent
            for (code, count) in report.byCode { merged.byCode[code, default: 0] += count }
            merged.timeouts += report.timeouts
            merged.unmatched += report.unmatched
            merged.late += report.late
            merged.reversals += report.reversals
            merged.reconciled = merged.reconciled && report.reconciled
            merged.problems += report.problems.map { "part \(index + 1): \($0)" }
            merged.warnings += report.warnings.map { "part \(index + 1): \($0)" }
            merged.parts += report.parts
            merged.durationSeconds = max(merged.durationSeconds, report.durationSeconds)
            merged.activeSeconds = max(merged.activeSeconds, report.activeSeconds)
            merged.latency.add(report.latency)
            merged.maxMicros = max(merged.maxMicros, report.maxMicros)
            for (second, stats) in report.seconds.enumerated() {
                if second < merged.seconds.count {
                    merged.seconds[second].sent += stats.sent
                    merged.seconds[second].answered += stats.answered
                    merged.seconds[second].errors += stats.errors
                    merged.seconds[second].timeouts += stats.timeouts
                    merged.seconds[second].latency.add(stats.latency)
                } else {
                    merged.seconds.append(stats)
                }
            }
        }
        if reports.count > 1 {
            merged.description = "\(reports.count) parts merged: " + reports.map(\.description).joined(separator: " | ")
            // Each part's own setup; which parts, in place of the first's.
            merged.parameters = merged.parameters.filter { $0.name != "part" && $0.name != "CPU while sending" }
                + [("parts", reports.map { "\($0.part.index)/\($0.part.count)" }.joined(separator: ", ") + " merged (the values above are part \(reports[0].part.index)'s)")]
        }
        merged.startedAt = reports.flatMap(\.startedAt)
        if let first = merged.startedAt.min(), let last = merged.startedAt.max(), reports.count > 1 {
            let apart = Int((last.timeIntervalSince(first) * 1000).rounded())
            merged.warnings.insert("the parts started \(apart) ms apart\(merged.startAt == nil ? " (no --start-at: each when its machine got to it)" : "")", at: 0)
        }
        return merged
    }

    // MARK: - JSON

    /// `2026-12-06T17:50:00.123Z`.
    static func iso8601(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }

    /// A wall-clock instant as `--start-at` and the reports give it: ISO 8601, in UTC (Z) or with an offset.
    public static func date(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }

    public func json() -> JSONValue {
        func number(_ value: Double) -> JSONValue { .decimal(value) }
        func count(_ value: Int) -> JSONValue { .number(Int64(value)) }
        return .object([
            ("description", .string(description)),
            ("sent", count(sent)), ("approved", count(approved)), ("declined", count(declined)),
            ("timeouts", count(timeouts)), ("unmatched", count(unmatched)), ("late", count(late)),
            ("reversals", count(reversals)),
            ("rate", number(rate)), ("duration_s", number(durationSeconds)), ("active_s", number(activeSeconds)), ("parts", count(parts)),
            ("part", .string("\(part.index)/\(part.count)")),
            ("start_at", startAt.map { .string(Self.iso8601($0)) } ?? .null),
            ("started_at", .array(startedAt.map { .string(Self.iso8601($0)) })),
            ("latency_ms", .object([("p50", number(milliseconds(50))), ("p90", number(milliseconds(90))), ("p99", number(milliseconds(99))),
                                    ("p999", number(milliseconds(99.9))), ("max", number(maxMilliseconds))])),
            ("by_code", .object(byCode.sorted { $0.key < $1.key }.map { ($0.key, count($0.value)) })),
            ("reconciled", .bool(reconciled)),
            ("problems", .array(problems.map { .string($0) })),
            ("warnings", .array(warnings.map { .string($0) })),
            ("parameters", .object(parameters.map { ($0.name, .string($0.value)) })),
            ("thresholds", .array(thresholds.map { threshold in
                .object([("threshold", .string(threshold.description)), ("value", number(threshold.measure(self))), ("met", .bool(threshold.holds(for: self)))])
            })),
            ("by_second", .array(seconds.enumerated().map { index, second in Self.json(second: second, index: index) })),
            ("max_us", .number(Int64(maxMicros))),
            ("latency_us", Self.encode(latency)),
        ])
    }

    static func json(second: Second, index: Int) -> JSONValue {
        let p99 = second.latency.totalCount == 0 ? 0 : Double(second.latency.valueAtPercentile(99)) / 1000
        return .object([
            ("second", .number(Int64(index))), ("sent", .number(Int64(second.sent))), ("answered", .number(Int64(second.answered))),
            ("errors", .number(Int64(second.errors))), ("timeouts", .number(Int64(second.timeouts))), ("p99_ms", .decimal(p99)), ("latency_us", encode(second.latency)),
        ])
    }

    /// A histogram as `[[value, count], ...]` of its recorded values: re-recording them
    /// fills the same buckets, so a merge is exact.
    static func encode(_ histogram: Histogram<UInt64>) -> JSONValue {
        .array(histogram.recordedValues().map { .array([.number(Int64($0.value)), .number(Int64($0.count))]) })
    }

    static func decode(_ value: Any?, digits: SignificantDigits) -> Histogram<UInt64> {
        var histogram = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: digits)
        for pair in value as? [[Any]] ?? [] {
            guard pair.count == 2, let value = (pair[0] as? NSNumber)?.uint64Value, let count = (pair[1] as? NSNumber)?.uint64Value else { continue }
            _ = histogram.record(min(value, 60_000_000), count: count)
        }
        return histogram
    }

    /// Reads what `json()` wrote.
    public static func read(path: String) throws -> LoadReport {
        guard let data = FileManager.default.contents(atPath: path) else { throw LoadReportError(description: "cannot read \(path)") }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any], object["latency_us"] != nil else {
            throw LoadReportError(description: "\(path) is not a report of paylab load --json (no latency_us)")
        }
        func int(_ key: String, _ from: [String: Any] = object) -> Int { (from[key] as? NSNumber)?.intValue ?? 0 }
        var report = LoadReport(empty: ())
        report.description = object["description"] as? String ?? ""
        report.durationSeconds = (object["duration_s"] as? NSNumber)?.doubleValue ?? 0
        report.activeSeconds = (object["active_s"] as? NSNumber)?.doubleValue ?? report.durationSeconds
        report.sent = int("sent")
        report.byCode = (object["by_code"] as? [String: Any] ?? [:]).compactMapValues { ($0 as? NSNumber)?.intValue }
        report.timeouts = int("timeouts")
        report.unmatched = int("unmatched")
        report.late = int("late")
        report.reversals = int("reversals")
        report.reconciled = object["reconciled"] as? Bool ?? false
        report.problems = object["problems"] as? [String] ?? []
        report.warnings = object["warnings"] as? [String] ?? []
        // Key order is the writer's: read from the text, as JSONSerialization does not keep it.
        if case .object(let pairs)? = try? JSONValue.parse(String(decoding: data, as: UTF8.self)),
           case .object(let parameters)? = pairs.first(where: { $0.0 == "parameters" })?.1 {
            report.parameters = parameters.compactMap { name, value in if case .string(let text) = value { (name, text) } else { nil } }
        }
        report.parts = max(1, int("parts"))
        let part = (object["part"] as? String ?? "1/1").split(separator: "/").compactMap { Int($0) }
        if part.count == 2 { report.part = (part[0], part[1]) }
        report.startAt = (object["start_at"] as? String).flatMap(Self.date)
        report.startedAt = (object["started_at"] as? [String] ?? []).compactMap(Self.date)
        report.latency = decode(object["latency_us"], digits: .three)
        report.maxMicros = (object["max_us"] as? NSNumber)?.uint64Value ?? (report.latency.totalCount == 0 ? 0 : report.latency.max)
        report.seconds = (object["by_second"] as? [[String: Any]] ?? []).map {
            Second(sent: int("sent", $0), answered: int("answered", $0), errors: int("errors", $0), timeouts: int("timeouts", $0), latency: decode($0["latency_us"], digits: .two))
        }
        return report
    }

    private init(empty: Void) {
        description = ""
        durationSeconds = 0
        activeSeconds = 0
        sent = 0
        byCode = [:]
        timeouts = 0
        unmatched = 0
        late = 0
        reversals = 0
        reconciled = false
        problems = []
        parts = 1
        latency = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
        maxMicros = 0
        seconds = []
    }

    // MARK: - Text and HTML

    public func text() -> String {
        var lines = ["load: \(description)"]
        lines.append("sent \(sent), approved \(approved), declined \(declined), timeouts \(timeouts), unmatched \(unmatched), late \(late)")
        lines.append(String(format: "achieved %.1f answers/s; latency (ms) p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f",
                            rate, milliseconds(50), milliseconds(90), milliseconds(99), milliseconds(99.9), maxMilliseconds))
        lines.append("by response: " + byCode.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        lines += warnings.map { "warning: \($0)" }
        lines += thresholds.map { "threshold \($0.verdict(for: self))" }
        if reconciled {
            lines.append("reconciled: every approved purchase debited once, cleared once and paid out once for the amount less the fee; nothing paid for the rest; every balance as it follows; money conserved")
        } else {
            lines.append("NOT reconciled: \(problems.count) problem\(problems.count == 1 ? "" : "s")")
            lines += problems.prefix(20).map { "  - \($0)" }
            if problems.count > 20 { lines.append("  ... and \(problems.count - 20) more (--json lists them all)") }
        }
        return lines.joined(separator: "\n")
    }
}

public struct LoadReportError: Error, CustomStringConvertible {
    public var description: String
}
