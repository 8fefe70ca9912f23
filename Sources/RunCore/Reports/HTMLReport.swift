import Scenario
import PaymentNetwork
import SettlementCalendar

/// One self-contained HTML page (no network fetches): a summary, and for each scenario
/// each transaction's timeline drawn as SVG on the virtual time axis, the arrival marked
/// and the reasons beside it.
public enum HTMLReport {
    /// The page.
    public static func render(_ results: [ScenarioResult], wallTime: Duration) -> String {
        // Failures first, in the order they ran, then what passed: triage starts at the top.
        let ordered = results.filter { !$0.passed } + results.filter(\.passed)
        var rows = ""
        for (index, result) in ordered.enumerated() {
            rows += "<tr data-status=\"\(result.passed ? "pass" : "fail")\"><td><a href=\"#s\(index)\">\(escape(result.scenario.name))</a></td><td>\(escape(result.scenario.file))</td>"
            rows += "<td class=\"\(result.passed ? "pass" : "fail")\">\(result.passed ? "pass" : "fail")</td><td>\(result.scenario.seed)</td>"
            rows += "<td>\(TextReport.milliseconds(result.wallTime))</td></tr>\n"
        }
        let sections = ordered.enumerated().map { section($1, index: $0) }.joined()
        return page(passed: results.filter(\.passed).count, total: results.count, wall: TextReport.milliseconds(wallTime), rows: rows, sections: sections)
    }

    /// The page around its scenarios' rows and sections (a run's, or shards' merged).
    static func page(passed: Int, total: Int, wall: String, rows: String, sections: String) -> String {
        var html = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>PayLab report: \(passed) of \(total) passed</title>
            <style>\(style)</style></head>
            <body data-ready="no">
            <h1>PayLab report</h1>
            <p class="summary"><span class="pass">\(passed) passed</span>, <span class="fail">\(total - passed) failed</span>,
            \(total) scenarios in \(wall) ms of wall time.</p>
            <p class="filter">show <button data-show="all">all</button> <button data-show="fail">failed</button> <button data-show="pass">passed</button></p>
            <table class="scenarios"><thead><tr><th>scenario</th><th>file</th><th>result</th><th>seed</th><th>wall ms</th></tr></thead><tbody>

            """
        html += rows
        html += "</tbody></table>\n"
        html += sections
        html += """
            <script>
            (function () {
              var buttons = document.querySelectorAll('p.filter button');
              buttons.forEach(function (button) {
                button.addEventListener('click', function () {
                  var show = button.getAttribute('data-show');
                  document.querySelectorAll('[data-status]').forEach(function (item) {
                    item.hidden = show !== 'all' && item.getAttribute('data-status') !== show;
                  });
                  document.body.setAttribute('data-showing', show);
                });
              });
              var timelines = document.querySelectorAll('svg.timeline');
              document.body.setAttribute('data-timelines', String(timelines.length));
              document.body.setAttribute('data-ready', 'yes');
            })();
            </script>
            </body></html>

            """
        return html
    }

    private static func section(_ result: ScenarioResult, index: Int) -> String {
        let scenario = result.scenario
        var html = "<section class=\"scenario\" id=\"s\(index)\" data-status=\"\(result.passed ? "pass" : "fail")\">\n"
        html += "<h2 class=\"\(result.passed ? "pass" : "fail")\">\(result.passed ? "PASS" : "FAIL") \(escape(scenario.name))</h2>\n"
        html += "<p class=\"meta\">\(escape(scenario.file)), seed \(scenario.seed), \(TextReport.milliseconds(result.wallTime)) ms</p>\n"
        if !scenario.description.isEmpty { html += "<p class=\"story\">\(escape(scenario.description))</p>\n" }
        if !result.failures.isEmpty {
            html += "<ul class=\"failures\">" + result.failures.map { "<li>\(escape($0.description))</li>" }.joined() + "</ul>\n"
        }
        for outcome in result.transactions {
            html += transaction(outcome, result: result)
        }
        for (title, log) in [("faults", result.faultLog), ("systems under test", result.externalLog)] where !log.isEmpty {
            html += "<details><summary>\(title)</summary><ul>" + log.map {
                "<li>\(escape(TextReport.timestamp($0.at, scenario.zone))) \(escape($0.what))</li>"
            }.joined() + "</ul></details>\n"
        }
        if !result.problems.isEmpty {
            html += "<details><summary>wire</summary><ul>" + result.problems.map { "<li>\(escape($0))</li>" }.joined() + "</ul></details>\n"
        }
        return html + "</section>\n"
    }

    private static func transaction(_ outcome: TransactionOutcome, result: ScenarioResult) -> String {
        let zone = result.scenario.zone
        let exponent = result.scenario.currency.exponent
        var html = "<div class=\"transaction\"><h3>\(escape(outcome.id)) <span class=\"status \(outcome.status)\">\(outcome.status)</span></h3>\n"
        html += "<p class=\"facts\">response \(escape(outcome.response))"
        if let date = outcome.settlementDate { html += ", settlement date \(date)" }
        html += ", arrives \(outcome.arrives.map { escape(TextReport.timestamp($0, zone)) } ?? "never")"
        html += ", credited \(outcome.credited.formatted(exponent: exponent))</p>\n"
        html += "<div class=\"row\">" + timeline(outcome, zone: zone, expected: expectedArrival(of: outcome.id, in: result), exponent: exponent)
        html += "<div class=\"reasons\"><h4>why</h4><ul>" + (result.reasons[outcome.id] ?? []).map { "<li>\(escape($0))</li>" }.joined() + "</ul></div></div>\n"
        html += "<details><summary>events</summary><table class=\"events\">" + outcome.events.map { event in
            "<tr><td>\(escape(TextReport.timestamp(event.at, zone)))</td><td>\(escape(event.node))</td><td>\(event.kind.rawValue)</td><td>\(escape(outcome.detail(of: event, exponent: exponent)))</td></tr>"
        }.joined() + "</table></details></div>\n"
        return html
    }

    /// When a failed `arrives` expectation said the money would arrive, for the mark beside the actual one.
    static func expectedArrival(of id: String, in result: ScenarioResult) -> Instant? {
        for failure in result.failures {
            guard case .expectation(let miss) = failure, miss.subject == "transaction \(id)", miss.field == "arrives",
                  let expected = miss.expected, expected != "never" else { continue }
            return Values.instant(expected, zone: result.scenario.zone)
        }
        return nil
    }

    /// The events on a time axis, the arrival marked (and, when an expectation missed it, where
    /// it was expected); labels that would overlap go on lanes below each other.
    static func timeline(_ outcome: TransactionOutcome, zone: Zone, expected: Instant? = nil, exponent: Int = 2) -> String {
        let width = 760.0, left = 20.0, right = 20.0
        guard let first = outcome.events.first?.at else { return "<svg class=\"timeline\" width=\"\(Int(width))\" height=\"40\"></svg>" }
        let last = ([outcome.events.last?.at, outcome.arrives, expected].compactMap { $0 }.max()) ?? first
        let span = max(Double(last.milliseconds - first.milliseconds), 60_000)
        func x(_ instant: Instant) -> Double { left + Double(instant.milliseconds - first.milliseconds) / span * (width - left - right) }
        // Each lane holds the label extents drawn on it; a label goes on the first lane it fits.
        var lanes: [[ClosedRange<Double>]] = []
        var marks = ""
        for event in outcome.events {
            let position = x(event.at)
            let labelWidth = Double(event.kind.rawValue.count + event.node.count + 3) * 6.4
            let extent = position > width * 0.66 ? (position - 3 - labelWidth)...(position) : position...(position + 3 + labelWidth)
            let lane = lanes.firstIndex { used in !used.contains { $0.overlaps(extent) } } ?? lanes.count
            if lane == lanes.count { lanes.append([extent]) } else { lanes[lane].append(extent) }
            let y = 58.0 + Double(lane) * 16
            marks += "<g class=\"event \(event.kind.rawValue)\"><title>\(escape(TextReport.timestamp(event.at, zone))) \(escape(event.node)) \(event.kind.rawValue): \(escape(outcome.detail(of: event, exponent: exponent)))</title>"
            marks += "<line x1=\"\(fmt(position))\" y1=\"30\" x2=\"\(fmt(position))\" y2=\"\(fmt(y - 10))\"/>"
            marks += "<circle cx=\"\(fmt(position))\" cy=\"30\" r=\"5\"/>"
            // Labels in the right third hang to the left of their mark, so none is cut off.
            let anchor = position > width * 0.66 ? " text-anchor=\"end\"" : ""
            let textX = position > width * 0.66 ? position - 3 : position + 3
            marks += "<text x=\"\(fmt(textX))\" y=\"\(fmt(y))\"\(anchor)>\(event.kind.rawValue) · \(escape(event.node))</text></g>"
        }
        let height = 70.0 + Double(max(lanes.count, 1)) * 16
        var svg = "<svg class=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\">"
        svg += "<line class=\"axis\" x1=\"\(fmt(left))\" y1=\"30\" x2=\"\(fmt(width - right))\" y2=\"30\"/>"
        for tick in ticks(from: first, span: span, zone: zone) {
            let position = x(tick.at)
            // A label near an end hangs inwards, so none is cut off at the edge.
            let labelHalf = Double(tick.label.count) * 2.9
            let anchor = position - labelHalf < 2 ? " style=\"text-anchor:start\"" : position + labelHalf > width - 2 ? " style=\"text-anchor:end\"" : ""
            svg += "<g class=\"tick\"><line x1=\"\(fmt(position))\" y1=\"24\" x2=\"\(fmt(position))\" y2=\"36\"/><text x=\"\(fmt(position))\" y=\"16\"\(anchor)>\(escape(tick.label))</text></g>"
        }
        if let expected {
            let position = x(expected)
            svg += "<g class=\"expected\"><line x1=\"\(fmt(position))\" y1=\"6\" x2=\"\(fmt(position))\" y2=\"\(fmt(height - 18))\"/>"
            // In the right half the label hangs to the left of its line, so it is not cut off.
            let hangs = position > width / 2
            svg += "<text x=\"\(fmt(hangs ? position - 4 : position + 4))\" y=\"\(fmt(height - 20))\"\(hangs ? " text-anchor=\"end\"" : "")>expected \(escape(TextReport.timestamp(expected, zone)))</text></g>"
        }
        if let arrives = outcome.arrives {
            let position = x(arrives)
            svg += "<g class=\"arrival\"><line x1=\"\(fmt(position))\" y1=\"6\" x2=\"\(fmt(position))\" y2=\"\(fmt(height - 4))\"/>"
            svg += "<text x=\"\(fmt(position - 4))\" y=\"\(fmt(height - 6))\" text-anchor=\"end\">arrived \(escape(TextReport.timestamp(arrives, zone)))</text></g>"
        }
        return svg + marks + "</svg>"
    }

    /// Tick marks on local-time boundaries, at most about ten of them.
    static func ticks(from first: Instant, span: Double, zone: Zone) -> [(at: Instant, label: String)] {
        let steps: [Int64] = [60, 300, 900, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 2 * 86400, 7 * 86400, 14 * 86400, 30 * 86400]
        let step = steps.first { Double($0 * 1000) * 7 >= span } ?? steps.last!
        let offset = Int64(zone.offsetSeconds(at: first))
        let localSeconds = Int64(first.seconds) + offset
        var tick = (localSeconds / step + 1) * step - offset
        var result: [(Instant, String)] = []
        while Double((tick - Int64(first.seconds)) * 1000) <= span {
            let instant = Instant(milliseconds: tick * 1000)
            let local = zone.local(instant)
            // ISO dates: 2026-05-08, or 2026-05-08 10:00 within a day.
            let label = step >= 86400 ? "\(local.date)" : "\(local.date) \(local.time)"
            result.append((instant, label))
            tick += step
        }
        return result
    }

    private static func fmt(_ value: Double) -> String { String(Double(Int(value * 10)) / 10) }

    static func escape(_ text: String) -> String { Markup.escape(text) }

    static let style = """
        body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:24px;color:#1d2330;max-width:1200px}
        h1{font-size:22px}.pass{color:#1b7f3b}.fail{color:#b3261e}
        table.scenarios{border-collapse:collapse;margin:12px 0 28px}table.scenarios td,table.scenarios th{border-bottom:1px solid #dde;padding:4px 10px;text-align:left}
        section.scenario{border-top:2px solid #dde;padding-top:8px;margin-top:18px}.meta{color:#667}.story{max-width:900px}
        ul.failures li{color:#b3261e;font-family:ui-monospace,monospace}
        .transaction{margin:10px 0 18px 10px}.row{display:flex;gap:18px;align-items:flex-start;flex-wrap:wrap}
        .reasons{max-width:360px;font-size:13px}.reasons h4{margin:0}.status{font-size:12px;padding:1px 6px;border-radius:8px;background:#eef}
        .status.arrived{background:#dff3e4}.status.declined,.status.failed,.status.returned{background:#fde2e0}.status.held,.status.pending{background:#fff1d6}
        svg.timeline{background:#fafbfe;border:1px solid #e3e6f0;border-radius:6px}
        svg .axis{stroke:#8a93a8;stroke-width:1.5}svg .tick line{stroke:#8a93a8}svg .tick text{font-size:10px;fill:#667;text-anchor:middle}
        svg .event line{stroke:#c5cbe0;stroke-dasharray:2 2}svg .event circle{fill:#3b5bdb}svg .event text{font-size:11px;fill:#1d2330}
        svg .event.authorized circle,svg .event.arrived circle,svg .event.released circle{fill:#1b7f3b}
        svg .event.declined circle,svg .event.failed circle,svg .event.returned circle{fill:#b3261e}
        svg .event.timed_out circle,svg .event.held circle,svg .event.duplicate circle{fill:#e8590c}
        svg .arrival line{stroke:#1b7f3b;stroke-width:2}svg .arrival text{font-size:11px;fill:#1b7f3b;font-weight:600}
        svg .expected line{stroke:#b3261e;stroke-width:2;stroke-dasharray:5 3}svg .expected text{font-size:11px;fill:#b3261e;font-weight:600}
        p.filter button{font:inherit;margin-right:4px}
        table.events td{padding:2px 8px;font-family:ui-monospace,monospace;font-size:12px;vertical-align:top}
        """
}
