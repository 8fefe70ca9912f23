import Scenario
import PaymentNetwork
import SettlementCalendar
import Foundation

/// The report a person reads on a terminal.
public enum TextReport {
    /// A scenario's result: pass or fail, then each transaction's timeline.
    public static func render(_ result: ScenarioResult, reasons showReasons: Bool = false, colour: Bool = false) -> String {
        let scenario = result.scenario
        let zone = scenario.zone
        let exponent = scenario.currency.exponent
        var lines: [String] = []
        let verdict = paint(result.passed ? "PASS" : "FAIL", result.passed ? "32" : "31", colour)
        lines.append("\(verdict)  \(scenario.name)  (\(scenario.file), seed \(scenario.seed), \(milliseconds(result.wallTime)) ms)")
        for failure in result.failures {
            lines.append("  ✗ \(failure)")
        }
        for outcome in result.transactions {
            var summary = "  \(outcome.id): response \(outcome.response), \(outcome.status)"
            if let date = outcome.settlementDate { summary += ", settlement date \(date)" }
            summary += ", arrives " + (outcome.arrives.map { Values.show($0, zone) } ?? "never")
            summary += ", credited \(outcome.credited.formatted(exponent: exponent))"
            lines.append(summary)
            if outcome.held > .zero { lines[lines.count - 1] += ", holds \(outcome.held.formatted(exponent: exponent))" }
            if outcome.refunded > .zero { lines[lines.count - 1] += ", refunded \(outcome.refunded.formatted(exponent: exponent)) to the card" }
            let nodeWidth = max(8, outcome.events.map(\.node.count).max() ?? 8)
            let kindWidth = max(11, outcome.events.map(\.kind.rawValue.count).max() ?? 11)
            for event in outcome.events {
                let node = event.node.padding(toLength: nodeWidth, withPad: " ", startingAt: 0)
                let kind = event.kind.rawValue.padding(toLength: kindWidth, withPad: " ", startingAt: 0)
                lines.append("    \(timestamp(event.at, zone))  \(node)  \(kind)  \(outcome.detail(of: event, exponent: exponent))")
            }
            if showReasons, let reasons = result.reasons[outcome.id] {
                lines.append("    why:")
                for reason in reasons { lines.append("      - \(reason)") }
            }
        }
        if !result.faultLog.isEmpty {
            lines.append("  faults:")
            for entry in result.faultLog { lines.append("    \(timestamp(entry.at, zone))  \(entry.what)") }
        }
        if !result.externalLog.isEmpty {
            lines.append("  systems under test:")
            for entry in result.externalLog { lines.append("    \(timestamp(entry.at, zone))  \(entry.what)") }
        }
        if !result.problems.isEmpty {
            lines.append("  wire:")
            for problem in result.problems { lines.append("    \(problem)") }
        }
        return lines.joined(separator: "\n")
    }

    /// `YYYY-MM-DD HH:MM:SS` local time.
    static func timestamp(_ instant: Instant, _ zone: Zone) -> String {
        let local = zone.local(instant)
        let time = local.time
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(local.date) \(two(time.hour)):\(two(time.minute)):\(two(time.second))"
    }

    static func milliseconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let ms = Double(seconds) * 1000 + Double(attoseconds) / 1e15
        return ms < 10 ? String(Double(Int(ms * 10)) / 10) : String(Int(ms.rounded()))
    }

    /// The last line: counts and the total wall time.
    public static func summary(_ results: [ScenarioResult], wallTime: Duration, colour: Bool = false) -> String {
        let passed = results.filter(\.passed).count
        let failed = results.count - passed
        let failedText = paint("\(failed) failed", failed > 0 ? "31" : "0", colour && failed > 0)
        return "\(results.count) scenario\(results.count == 1 ? "" : "s"): \(passed) passed, \(failedText), \(milliseconds(wallTime)) ms"
    }

    /// Text in an ANSI colour, when colour is on.
    static func paint(_ text: String, _ code: String, _ colour: Bool) -> String {
        colour ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }
}
