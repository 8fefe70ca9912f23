import Foundation

/// A pass/fail criterion on a load run, as k6 writes them: `p99<5ms`, `p999<=20ms`,
/// `max<1s`, `errors<0.1%`, `rate>=5000`. Latencies are percentiles of every answer (`p50`,
/// `p90`, `p95`, `p99`, `p999`) or the largest (`max`), in `ms` or `s`; `errors` is the share
/// of requests declined, timed out or unmatched, in percent; `rate` is answers per second.
public struct LoadThreshold: Sendable, Equatable, CustomStringConvertible {
    public enum Metric: String, Sendable, CaseIterable {
        case p50, p90, p95, p99, p999, max, errors, rate
    }

    public enum Comparison: String, Sendable, CaseIterable {
        // Two-character operators first, so `<=` is not read as `<` and `=5`.
        case atMost = "<=", atLeast = ">=", below = "<", above = ">"
    }

    public var metric: Metric
    public var comparison: Comparison
    /// In the metric's unit: milliseconds, percent, or answers per second.
    public var limit: Double
    /// As written.
    public var description: String

    /// Reads `METRIC OP VALUE[UNIT]`; nil with the reason in `problem` when it does not read.
    public init(_ text: String) throws(Problem) {
        let compact = text.filter { !$0.isWhitespace }
        guard let comparison = Comparison.allCases.first(where: { compact.contains($0.rawValue) }),
              let range = compact.range(of: comparison.rawValue) else {
            throw Problem(text: text, reason: "no comparison (<, <=, > or >=)")
        }
        guard let metric = Metric(rawValue: String(compact[..<range.lowerBound])) else {
            throw Problem(text: text, reason: "the measure is one of \(Metric.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var value = String(compact[range.upperBound...])
        var scale = 1.0
        switch metric {
        case .errors:
            guard value.hasSuffix("%") else { throw Problem(text: text, reason: "errors are a percentage (errors<0.1%)") }
            value.removeLast()
        case .rate:
            if value.hasSuffix("/s") { value.removeLast(2) }
        default:
            if value.hasSuffix("ms") {
                value.removeLast(2)
            } else if value.hasSuffix("s") {
                value.removeLast()
                scale = 1000
            } else {
                throw Problem(text: text, reason: "a latency has a unit, ms or s (p99<5ms)")
            }
        }
        guard let number = Double(value), number >= 0, number.isFinite else { throw Problem(text: text, reason: "'\(value)' is not a number") }
        self.metric = metric
        self.comparison = comparison
        self.limit = number * scale
        self.description = compact
    }

    /// Why a threshold does not read.
    public struct Problem: Error, Sendable, CustomStringConvertible {
        public var text: String
        public var reason: String
        public var description: String { "--threshold '\(text)': \(reason)" }
    }

    /// The measure in `report`, in the threshold's unit.
    public func measure(_ report: LoadReport) -> Double {
        switch metric {
        case .p50: report.milliseconds(50)
        case .p90: report.milliseconds(90)
        case .p95: report.milliseconds(95)
        case .p99: report.milliseconds(99)
        case .p999: report.milliseconds(99.9)
        case .max: report.maxMilliseconds
        case .errors: report.sent == 0 ? 0 : Double(report.declined + report.timeouts + report.unmatched) * 100 / Double(report.sent)
        case .rate: report.rate
        }
    }

    /// Whether `report` meets it.
    public func holds(for report: LoadReport) -> Bool {
        let value = measure(report)
        switch comparison {
        case .below: return value < limit
        case .atMost: return value <= limit
        case .above: return value > limit
        case .atLeast: return value >= limit
        }
    }

    /// `p99<5ms: 3.21 ms, met`.
    public func verdict(for report: LoadReport) -> String {
        let unit = metric == .errors ? "%" : metric == .rate ? "/s" : " ms"
        return String(format: "%@: %.2f%@, %@", description, measure(report), unit, holds(for: report) ? "met" : "NOT met")
    }
}
