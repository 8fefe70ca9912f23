import Foundation
import Histogram
import PaymentNetwork
import RunCore

/// `load --html`: one self-contained page (no external resources) with what load-test users
/// read first and look for: the reconciliation verdict and the thresholds, the latency by
/// percentile (on a logarithmic percentile axis, as HdrHistogram plots it), the rate and
/// p50/p99/p99.9 over time, errors and timeouts per second, the response codes, and the
/// run's parameters, each chart with labelled axes and a grid.
extension LoadReport {
    public func html() -> String {
        var body = verdictSection() + summaryTable()
        body += percentileChart()
        body += SVGChart(title: "Answers per second", xLabel: "second of the run", yLabel: "per second", id: "rate",
                         series: [("answered", "#2a6", perSecond { Double($0.answered) }), ("sent", "#59c", perSecond { Double($0.sent) })]).svg
        body += SVGChart(title: "Latency over time", xLabel: "second of the run", yLabel: "ms", id: "latency",
                         series: [50.0, 99, 99.9].enumerated().map { index, percentile in
                             (percentile == 99.9 ? "p99.9" : "p\(Int(percentile))", ["#2a6", "#e90", "#c33"][index], perSecond { second in
                                 second.latency.totalCount == 0 ? nil : Double(second.latency.valueAtPercentile(percentile)) / 1000
                             })
                         }).svg
        body += SVGChart(title: "Errors and timeouts per second", xLabel: "second of the run", yLabel: "per second", id: "errors",
                         series: [("errors (declines and timeouts)", "#c33", perSecond { Double($0.errors) }), ("timeouts", "#888", perSecond { Double($0.timeouts) })]).svg
        body += codesTable() + parametersTable()
        return """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>PayLab load: \(reconciled ? "reconciled" : "NOT reconciled")</title>
            <style>\(Self.style)</style></head>
            <body data-seconds="\(seconds.count)" data-reconciled="\(reconciled ? "yes" : "no")">
            <h1>PayLab load</h1>
            \(body)
            </body></html>

            """
    }

    static let style = """
        body{font-family:system-ui,sans-serif;margin:2em;max-width:960px;color:#222}
        .verdict{padding:.8em 1em;border-radius:6px;font-size:1.1em}
        .verdict.ok{background:#e3f4e8;border:1px solid #2a6}.verdict.bad{background:#fbe4e4;border:1px solid #c33}
        table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border-bottom:1px solid #ddd;padding:.25em .8em;text-align:left}
        td.n{text-align:right;font-variant-numeric:tabular-nums}.met{color:#2a6}.missed{color:#c33;font-weight:bold}
        .warning{color:#a60}svg{display:block;margin-bottom:1.5em}svg text{font-size:11px;fill:#444}
        """

    private func verdictSection() -> String {
        var html = reconciled
            ? "<p class=\"verdict ok\">Reconciled: every approved purchase debited once, cleared once and paid out once for the amount less the fee; nothing paid for the rest; money conserved.</p>\n"
            : "<p class=\"verdict bad\">NOT reconciled: \(problems.count) problem\(problems.count == 1 ? "" : "s").</p>\n<ul class=\"problems\">"
                + problems.prefix(50).map { "<li>\(Self.escape($0))</li>" }.joined() + (problems.count > 50 ? "<li>and \(problems.count - 50) more (the JSON lists them all)</li>" : "") + "</ul>\n"
        if !thresholds.isEmpty {
            html += "<table class=\"thresholds\"><tr><th>threshold</th><th>value</th><th>verdict</th></tr>" + thresholds.map { threshold in
                let met = threshold.holds(for: self)
                return "<tr><td>\(Self.escape(threshold.description))</td><td class=\"n\">\(String(format: "%.3f", threshold.measure(self)))</td><td class=\"\(met ? "met" : "missed")\">\(met ? "met" : "NOT met")</td></tr>"
            }.joined() + "</table>\n"
        }
        return html + warnings.map { "<p class=\"warning\">warning: \(Self.escape($0))</p>\n" }.joined()
    }

    private func summaryTable() -> String {
        let rows: [(String, String)] = [
            ("sent", "\(sent)"), ("approved", "\(approved)"), ("declined", "\(declined)"), ("timeouts", "\(timeouts)"), ("unmatched", "\(unmatched)"),
            ("late answers", "\(late)"), ("rate", String(format: "%.1f answers/s", rate)),
            ("latency p50 / p90 / p99 / p99.9 / max", String(format: "%.2f / %.2f / %.2f / %.2f / %.2f ms", milliseconds(50), milliseconds(90), milliseconds(99), milliseconds(99.9), maxMilliseconds)),
        ]
        return "<table class=\"summary\">" + rows.map { "<tr><th>\($0.0)</th><td class=\"n\">\($0.1)</td></tr>" }.joined() + "</table>\n"
    }

    private func codesTable() -> String {
        let total = max(byCode.values.reduce(0, +), 1)
        return "<h2>Response codes</h2><table class=\"codes\"><tr><th>code</th><th>meaning</th><th>answers</th><th>share</th></tr>" + byCode.sorted { $0.key < $1.key }.map { code, count in
            "<tr><td>\(Self.escape(code))</td><td>\(Self.escape(ResponseCode(code).meaning))</td><td class=\"n\">\(count)</td><td class=\"n\">\(String(format: "%.2f%%", Double(count) * 100 / Double(total)))</td></tr>"
        }.joined() + "</table>\n"
    }

    private func parametersTable() -> String {
        let rows = parameters.isEmpty ? [("setup", description)] : parameters
        return "<h2>Parameters</h2><table class=\"parameters\">" + rows.map { "<tr><th>\(Self.escape($0.0))</th><td>\(Self.escape($0.1))</td></tr>" }.joined() + "</table>\n"
    }

    /// The latency at each percentile, from the median out to the histogram's last value, on
    /// a logarithmic axis of 1 / (1 - percentile): 90%, 99%, 99.9% ... equally spaced.
    private func percentileChart() -> String {
        guard latency.totalCount > 0 else { return SVGChart(title: "Latency by percentile", xLabel: "percentile", yLabel: "ms", id: "percentiles", series: []).svg }
        let reach = max(3, log10(Double(latency.totalCount)))
        let points: [(Double, Double?)] = (0...200).map { step in
            let x = reach * Double(step) / 200
            let percentile = min(100 * (1 - pow(10, -x)), 100)
            return (x, Double(latency.valueAtPercentile(percentile)) / 1000)
        }
        var chart = SVGChart(title: "Latency by percentile", xLabel: "percentile (logarithmic, as HdrHistogram plots it)", yLabel: "ms", id: "percentiles",
                             series: [("latency", "#c33", points)])
        chart.xTicks = (0...Int(reach.rounded(.down))).map { exponent in
            (Double(exponent), exponent == 0 ? "0%" : String(format: "%.\(max(0, exponent - 2))f%%", 100 * (1 - pow(10, -Double(exponent)))))
        }
        return chart.svg
    }

    /// A value for each second of the run (nil: nothing to draw there).
    private func perSecond(_ value: (Second) -> Double?) -> [(Double, Double?)] {
        seconds.enumerated().map { (Double($0.offset), value($0.element)) }
    }

    static func escape(_ text: String) -> String { Markup.escape(text) }
}

/// A line chart as SVG: labelled axes, a grid at round values, a legend, one path per series.
struct SVGChart {
    var title: String
    var xLabel: String
    var yLabel: String
    var id: String
    var series: [(name: String, color: String, points: [(Double, Double?)])]
    /// Where the x axis is labelled; nil: at round values.
    var xTicks: [(Double, String)]?

    static let width = 900.0, height = 300.0, left = 64.0, right = 24.0, top = 16.0, bottom = 48.0

    var svg: String {
        let xs = series.flatMap { $0.points.map(\.0) }, ys = series.flatMap { $0.points.compactMap(\.1) }
        let xMax = max(xs.max() ?? 1, 1e-9), xMin = min(xs.min() ?? 0, 0)
        let yTicks = Self.ticks(upTo: ys.max() ?? 1)
        let yMax = yTicks.last ?? 1
        let plotWidth = Self.width - Self.left - Self.right, plotHeight = Self.height - Self.top - Self.bottom
        func x(_ value: Double) -> Double { Self.left + plotWidth * (value - xMin) / max(xMax - xMin, 1e-9) }
        func y(_ value: Double) -> Double { Self.top + plotHeight * (1 - value / yMax) }
        var svg = "<h2>\(LoadReport.escape(title))</h2>\n<svg class=\"chart\" id=\"\(id)\" width=\"\(Int(Self.width))\" height=\"\(Int(Self.height))\" role=\"img\" aria-label=\"\(LoadReport.escape(title))\">\n"
        for tick in yTicks {
            svg += String(format: "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e4e4e4\"/>", Self.left, y(tick), Self.width - Self.right, y(tick))
            svg += String(format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%@</text>\n", Self.left - 6, y(tick) + 4, Self.label(tick))
        }
        let xMarks = xTicks ?? Self.ticks(upTo: xMax).map { ($0, Self.label($0)) }
        for (value, label) in xMarks where value <= xMax + 1e-9 {
            svg += String(format: "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e4e4e4\"/>", x(value), Self.top, x(value), Self.height - Self.bottom)
            svg += String(format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%@</text>\n", x(value), Self.height - Self.bottom + 16, label)
        }
        svg += String(format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#888\"/>", Self.left, Self.height - Self.bottom, Self.width - Self.right, Self.height - Self.bottom)
        svg += String(format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#888\"/>\n", Self.left, Self.top, Self.left, Self.height - Self.bottom)
        svg += String(format: "<text class=\"axis\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%@</text>\n", Self.left + plotWidth / 2, Self.height - 8, LoadReport.escape(xLabel))
        svg += String(format: "<text class=\"axis\" x=\"14\" y=\"%.1f\" text-anchor=\"middle\" transform=\"rotate(-90 14 %.1f)\">%@</text>\n",
                      Self.top + plotHeight / 2, Self.top + plotHeight / 2, LoadReport.escape(yLabel))
        for (index, line) in series.enumerated() {
            var d = "", pen = "M"
            for (px, py) in line.points {
                guard let py else { pen = "M"; continue }
                d += String(format: "%@%.1f,%.1f ", pen, x(px), y(py))
                pen = "L"
            }
            svg += "<path class=\"series\" data-name=\"\(LoadReport.escape(line.name))\" d=\"\(d)\" fill=\"none\" stroke=\"\(line.color)\" stroke-width=\"2\"/>\n"
            let legendX = Self.left + 12 + Double(index) * 190
            svg += String(format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"3\" fill=\"%@\"/><text x=\"%.1f\" y=\"%.1f\">%@</text>\n",
                          legendX, Self.top + 6, line.color, legendX + 16, Self.top + 10, LoadReport.escape(line.name))
        }
        return svg + "</svg>\n"
    }

    /// Round tick values from 0 up to at least `top` (steps of 1, 2 or 5 times a power of ten), at most about six.
    static func ticks(upTo top: Double) -> [Double] {
        let top = top > 0 ? top : 1   // nothing to draw: an axis to 1
        let raw = top / 5, power = pow(10, (log10(raw)).rounded(.down))
        let step = [1.0, 2, 5, 10].map { $0 * power }.first { $0 >= raw } ?? 10 * power
        return (0...Int((top / step).rounded(.up))).map { Double($0) * step }
    }

    static func label(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: value < 1 ? "%.2f" : "%.1f", value)
    }
}
