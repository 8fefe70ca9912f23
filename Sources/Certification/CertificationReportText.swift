import Capture
public import Foundation
import ISO8583
import PaymentNetwork
public import RunCore

/// The certification run's reports: text for the terminal, JSON, JUnit XML, a one-page HTML
/// summary a provider can send its scheme, and the evidence folder. PANs are masked.
public enum CertificationReportText {
    /// The report a person reads: each case's verdict and, for a failed one, every failed check.
    public static func render(_ report: CertificationRun.Report) -> String {
        var lines = ["certification: \(report.suite.name) suite v\(report.suite.version) (\(report.suite.role)) against \(report.target), paylab \(PayLabVersion.current)"]
        for outcome in report.outcomes {
            let verdict = outcome.skipped != nil ? "SKIP" : outcome.passed ? "PASS" : "FAIL"
            lines.append("\(verdict)  \(outcome.id)  \(outcome.name)\(outcome.mandatory ? "" : " (conditional)")")
            if let skipped = outcome.skipped { lines.append("      \(skipped)") }
            if let error = outcome.error { lines.append("  ✗ \(error)") }
            for check in outcome.checks where !check.passed {
                lines.append("  ✗ \(outcome.id) step \(check.step): \(describe(check))")
            }
        }
        for problem in report.problems { lines.append("wire: \(problem)") }
        lines.append("\(report.outcomes.count) cases: \(report.passed) passed, \(report.failed) failed, \(report.skipped) skipped")
        return lines.joined(separator: "\n")
    }

    /// One check in words: the field, the rule, what was expected and what came.
    static func describe(_ check: CertificationRun.Check) -> String {
        let what = check.field.map { "DE\($0) \(check.rule)" } ?? check.rule
        return "\(what): expected \(check.expected ?? "nothing"), got \(check.actual ?? "nothing")"
    }

    /// `10 s`, `500 ms`.
    static func show(_ duration: Duration) -> String {
        let ms = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        return ms % 1000 == 0 ? "\(ms / 1000) s" : "\(ms) ms"
    }

    // MARK: - JSON

    public static func json(_ report: CertificationRun.Report) -> JSONValue {
        let cases: [JSONValue] = report.outcomes.map(json)
        let problems: [JSONValue] = report.problems.map { .string($0) }
        return .object([
            ("suite", .string(report.suite.name)), ("version", .string(report.suite.version)), ("paylab_version", .string(PayLabVersion.current)),
            ("role", .string(report.suite.role)), ("target", .string(report.target)),
            ("passed", .number(Int64(report.passed))), ("failed", .number(Int64(report.failed))), ("skipped", .number(Int64(report.skipped))),
            ("cases", .array(cases)), ("problems", .array(problems)),
        ])
    }

    static func json(_ outcome: CertificationRun.Outcome) -> JSONValue {
        let skipped: JSONValue = outcome.skipped.map { .string($0) } ?? .null
        let error: JSONValue = outcome.error.map { .string($0) } ?? .null
        let checks: [JSONValue] = outcome.checks.map(json)
        let messages: [JSONValue] = outcome.messages.map(json)
        return .object([
            ("id", .string(outcome.id)), ("name", .string(outcome.name)), ("mandatory", .bool(outcome.mandatory)),
            // A skipped case neither passed nor failed: null, with its reason in `skipped`.
            ("passed", outcome.skipped == nil ? .bool(outcome.passed) : .null), ("skipped", skipped), ("error", error),
            ("checks", .array(checks)), ("messages", .array(messages)),
        ])
    }

    static func json(_ check: CertificationRun.Check) -> JSONValue {
        let field: JSONValue = check.field.map { .number(Int64($0)) } ?? .null
        let expected: JSONValue = check.expected.map { .string($0) } ?? .null
        let actual: JSONValue = check.actual.map { .string($0) } ?? .null
        return .object([
            ("step", .number(Int64(check.step))), ("field", field), ("rule", .string(check.rule)),
            ("expected", expected), ("actual", actual), ("passed", .bool(check.passed)),
        ])
    }

    static func json(_ exchanged: CertificationRun.Exchanged) -> JSONValue {
        var fields: [(String, JSONValue)] = []
        if let message = exchanged.message {
            fields.append(("mti", .string(message.mti.rawValue)))
            for number in message.fieldNumbers {
                fields.append(("\(number)", .string(message.displayValue(number))))
            }
        }
        return .object([
            ("step", .number(Int64(exchanged.step))), ("direction", .string(exchanged.sent ? "sent" : "received")),
            ("at", .string(ISO8601DateFormatter().string(from: exchanged.at))),
            ("hex", .string(maskedHex(exchanged))), ("fields", .object(fields)),
        ])
    }

    /// The bytes in hex, with the PAN's middle digits masked where it appears as text.
    static func maskedHex(_ exchanged: CertificationRun.Exchanged) -> String {
        var bytes = exchanged.bytes
        if let pan = exchanged.message?[DE.pan], pan.count > 10 {
            let clear = Array(pan.utf8), masked = Array(PAN.mask(pan).utf8)
            if let range = bytes.firstRange(of: clear) { bytes.replaceSubrange(range, with: masked) }
        }
        return Hex.encode(bytes)
    }

    // MARK: - JUnit

    public static func junit(_ report: CertificationRun.Report) -> String {
        var xml = #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n"
        xml += #"<testsuites name="paylab certify"><testsuite name="\#(Markup.escape(report.suite.name)) v\#(Markup.escape(report.suite.version))" tests="\#(report.outcomes.count)" failures="\#(report.failed)" errors="0" skipped="\#(report.skipped)">"# + "\n"
        for outcome in report.outcomes {
            xml += #"  <testcase classname="\#(Markup.escape(report.suite.name))" name="\#(Markup.escape("\(outcome.id) \(outcome.name)"))">"#
            if let skipped = outcome.skipped {
                xml += #"<skipped message="\#(Markup.escape(skipped))"/>"#
            } else if !outcome.passed {
                let failures = outcome.checks.filter { !$0.passed }.map { "step \($0.step): \(describe($0))" } + (outcome.error.map { [$0] } ?? [])
                xml += #"<failure message="\#(Markup.escape(failures.first ?? "failed"))">\#(Markup.escape(failures.joined(separator: "\n")))</failure>"#
            }
            xml += "</testcase>\n"
        }
        return xml + "</testsuite></testsuites>\n"
    }

    // MARK: - HTML summary

    /// One page: host, date, suite and version, every case with its verdict.
    public static func summary(_ report: CertificationRun.Report) -> String {
        let date = ISO8601DateFormatter().string(from: report.started)
        var html = """
            <!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>PayLab certification: \(Markup.escape(report.suite.name))</title>
            <style>body{font:14px system-ui,sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}
            .PASS{color:#070}.FAIL{color:#b00}.SKIP{color:#777}</style></head><body>
            <h1>Certification summary</h1>
            <p>Suite <b>\(Markup.escape(report.suite.name))</b> version \(Markup.escape(report.suite.version)) (role \(Markup.escape(report.suite.role))),
            run by PayLab against the host at <b>\(Markup.escape(report.target))</b> on \(Markup.escape(date)).</p>
            <p>\(report.passed) passed, \(report.failed) failed, \(report.skipped) skipped, of \(report.outcomes.count) cases.</p>
            <table><tr><th>case</th><th>name</th><th>kind</th><th>verdict</th><th>failed checks</th></tr>

            """
        for outcome in report.outcomes {
            let verdict = outcome.skipped != nil ? "SKIP" : outcome.passed ? "PASS" : "FAIL"
            let failures = outcome.checks.filter { !$0.passed }.map { "step \($0.step): \(describe($0))" } + (outcome.error.map { [$0] } ?? []) + (outcome.skipped.map { [$0] } ?? [])
            html += "<tr><td>\(Markup.escape(outcome.id))</td><td>\(Markup.escape(outcome.name))</td><td>\(outcome.mandatory ? "mandatory" : "conditional")</td>"
            html += "<td class=\"\(verdict)\">\(verdict)</td><td>\(failures.map(Markup.escape).joined(separator: "<br>"))</td></tr>\n"
        }
        return html + "</table></body></html>\n"
    }

    // MARK: - Evidence

    /// Writes, per case, the messages (hex and decoded, PANs masked), their times and each
    /// check's verdict; the run's messages as `messages.pcap`; and `summary.html`.
    public static func writeEvidence(_ report: CertificationRun.Report, to folder: String) throws {
        let files = FileManager.default
        try files.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let capture = try MessageCapture(path: (folder as NSString).appendingPathComponent("messages.pcap"))
        let paylab = MessageCapture.Endpoint(port: 40000), host = MessageCapture.Endpoint(port: UInt16(clamping: Int(report.target.split(separator: ":").last ?? "") ?? 1))
        for outcome in report.outcomes {
            var text = ["\(outcome.id) \(outcome.name): \(outcome.skipped != nil ? "SKIP" : outcome.passed ? "PASS" : "FAIL")"]
            for exchanged in outcome.messages {
                let micros = Int64(exchanged.at.timeIntervalSince1970 * 1_000_000)
                // A frame as the default framing carries it, so Wireshark's iso8583 dissector reads it.
                let frame = [UInt8(exchanged.bytes.count >> 8), UInt8(exchanged.bytes.count & 0xFF)] + exchanged.bytes
                capture.append(frame: frame, from: exchanged.sent ? paylab : host, to: exchanged.sent ? host : paylab, microsecondsSinceEpoch: micros)
                text.append("")
                text.append("step \(exchanged.step) \(exchanged.sent ? "sent" : "received") at \(ISO8601DateFormatter().string(from: exchanged.at))")
                text.append("  hex \(maskedHex(exchanged))")
                if let message = exchanged.message {
                    text.append("  MTI \(message.mti)")
                    for number in message.fieldNumbers { text.append("  DE\(number) \(message.displayValue(number))") }
                }
            }
            text.append("")
            for check in outcome.checks { text.append("\(check.passed ? "✓" : "✗") step \(check.step): \(describe(check))") }
            if let error = outcome.error { text.append("✗ \(error)") }
            if let skipped = outcome.skipped { text.append("skipped: \(skipped)") }
            try Data((text.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: (folder as NSString).appendingPathComponent("\(outcome.id).txt")))
        }
        capture.close()
        try Data(summary(report).utf8).write(to: URL(fileURLWithPath: (folder as NSString).appendingPathComponent("summary.html")))
        try Data((json(report).rendered(pretty: true) + "\n").utf8).write(to: URL(fileURLWithPath: (folder as NSString).appendingPathComponent("cases.json")))
    }
}
