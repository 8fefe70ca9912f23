import Foundation

/// The shards' HTML pages (`run --html`) as the page of the whole run: every scenario's row
/// and section, failures first and each group in the whole run's order (by file, then name),
/// renumbered; the counts added, the wall time the shards' added.
extension ReportMerge {
    /// One scenario of a page: its summary row and its section.
    struct PageEntry {
        var file: String
        var name: String
        var failed: Bool
        var row: String
        var section: String
    }

    public static func html(_ pages: [(name: String, text: String)]) throws(Problem) -> String {
        var entries: [PageEntry] = []
        var wall = 0.0
        for (name, text) in pages {
            let (page, milliseconds) = try Self.entries(of: name, text)
            entries += page
            wall += milliseconds
        }
        var seen: Set<String> = []
        for entry in entries where !seen.insert(entry.file + "\u{0}" + entry.name).inserted {
            throw Problem("\(entry.file) (\(entry.name)) is in two reports: the shards overlap")
        }
        let byRun = entries.sorted { ($0.file, $0.name) < ($1.file, $1.name) }
        let ordered = byRun.filter(\.failed) + byRun.filter { !$0.failed }
        let renumbered = ordered.enumerated().map { index, entry in
            (entry.row.replacingOccurrences(of: ##"href="#s\d+""##, with: "href=\"#s\(index)\"", options: .regularExpression),
             entry.section.replacingOccurrences(of: ##"^<section class="scenario" id="s\d+""##, with: "<section class=\"scenario\" id=\"s\(index)\"", options: .regularExpression))
        }
        return HTMLReport.page(passed: ordered.count { !$0.failed }, total: ordered.count, wall: wall < 10 ? String(Double(Int(wall * 10)) / 10) : String(Int(wall.rounded())),
                               rows: renumbered.map(\.0).joined(), sections: renumbered.map(\.1).joined())
    }

    /// A page's scenarios and its wall time, read back from what ``HTMLReport`` writes.
    static func entries(of name: String, _ text: String) throws(Problem) -> ([PageEntry], Double) {
        guard text.contains("<h1>PayLab report</h1>"), let body = text.range(of: "<tbody>\n"), let end = text.range(of: "</tbody></table>\n"),
              let summary = text.range(of: #"scenarios in ([0-9.]+) ms of wall time"#, options: .regularExpression),
              let scriptStart = text.range(of: "<script>", range: end.upperBound..<text.endIndex) else {
            throw Problem("\(name): not the --html report of paylab run")
        }
        let wall = Double(text[summary].split(separator: " ")[2]) ?? 0
        let rows = text[body.upperBound..<end.lowerBound].split(separator: "\n").map { String($0) + "\n" }
        let sections = text[end.upperBound..<scriptStart.lowerBound].components(separatedBy: "<section class=\"scenario\" ")
            .dropFirst().map { "<section class=\"scenario\" " + $0 }
        guard rows.count == sections.count else { throw Problem("\(name): \(rows.count) rows but \(sections.count) sections: not a page paylab run wrote") }
        var entries: [PageEntry] = []
        for (row, section) in zip(rows, sections) {
            let cells = Self.cells(row)
            guard cells.count == 5, let anchorEnd = cells[0].range(of: "\">"), cells[0].hasSuffix("</a>") else {
                throw Problem("\(name): a row that is not a scenario's: \(row.prefix(80))")
            }
            let scenarioName = String(cells[0][anchorEnd.upperBound...].dropLast(4))
            entries.append(PageEntry(file: unescape(cells[1]), name: unescape(scenarioName), failed: cells[2] == "fail", row: row, section: section))
        }
        return (entries, wall)
    }

    /// The contents of a row's cells (`<td ...>...</td>`).
    static func cells(_ row: String) -> [String] {
        row.components(separatedBy: "</td>").dropLast().compactMap { cell in
            cell.range(of: "<td").flatMap { open in cell[open.upperBound...].firstIndex(of: ">").map { String(cell[cell.index(after: $0)...]) } }
        }
    }

    /// What ``Markup/escape(_:)`` made of a text.
    static func unescape(_ text: String) -> String {
        text.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&quot;", with: "\"")
            .replacingOccurrences(of: "&apos;", with: "'").replacingOccurrences(of: "&amp;", with: "&")
    }
}
