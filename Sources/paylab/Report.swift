import ArgumentParser
import Foundation
import RunCore

extension PayLab {
    /// `paylab report merge`.
    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Work with run reports.",
            subcommands: [Merge.self])

        /// `paylab report merge s1.json s1.xml s1.html s2.json ... --json all.json --junit all.xml --html all.html`.
        struct Merge: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Combine the reports of the shards of a suite (run --shard I/N) into one.",
                discussion: """
                    Give each shard's --json, --junit and --html reports (told apart by their \
                    content). The merged JSON is what one run of the whole suite writes, byte for \
                    byte: the scenarios in the whole run's order (by file, then name), the counts \
                    added. The merged JUnit report has each shard's test suites in file order and \
                    the totals added (its times are the shards' own). The merged HTML page is the \
                    whole run's page but for its wall times (the shards' own, added): failures \
                    first, then the rest, each in the whole run's order. Reports of different paylab builds, or \
                    shards that overlap, are refused. Exit status: 0 when every scenario passed, 1 \
                    when one failed, 2 on invalid input.
                    """)

            @Argument(help: "The shards' --json, --junit and --html reports.")
            var files: [String]

            @Option(help: "Write the merged JSON report (- for standard output).")
            var json: String?

            @Option(help: "Write the merged JUnit report (- for standard output).")
            var junit: String?

            @Option(help: "Write the merged HTML page (- for standard output).")
            var html: String?

            func run() async throws {
                var jsons: [(name: String, text: String)] = [], junits: [(name: String, text: String)] = [], pages: [(name: String, text: String)] = []
                for file in files {
                    guard let data = FileManager.default.contents(atPath: file) else {
                        printError("error: \(file): cannot be read")
                        throw ExitStatus.invalid
                    }
                    let text = String(decoding: data, as: UTF8.self)
                    if text.drop(while: \.isWhitespace).hasPrefix("{") {
                        jsons.append((file, text))
                    } else if text.contains("<testsuites ") {
                        junits.append((file, text))
                    } else if text.hasPrefix("<!DOCTYPE html>") {
                        pages.append((file, text))
                    } else {
                        printError("error: \(file): not a --json, --junit or --html report of paylab run")
                        throw ExitStatus.invalid
                    }
                }
                if json != nil, jsons.isEmpty { printError("error: --json needs the shards' --json reports"); throw ExitStatus.invalid }
                if junit != nil, junits.isEmpty { printError("error: --junit needs the shards' --junit reports"); throw ExitStatus.invalid }
                if html != nil, pages.isEmpty { printError("error: --html needs the shards' --html reports"); throw ExitStatus.invalid }
                var failed = false
                do {
                    if !jsons.isEmpty {
                        let merged = try ReportMerge.json(jsons)
                        if case .object(let pairs) = merged, case .number(let count)? = pairs.first(where: { $0.0 == "failed" })?.1 { failed = failed || count > 0 }
                        if let json { try writeReport(merged.rendered(pretty: true) + "\n", to: json) }
                        printError(summary(merged))
                    }
                    if !junits.isEmpty {
                        let merged = try ReportMerge.junit(junits)
                        failed = failed || (ReportMerge.attribute("failures", in: merged) ?? 0) > 0
                        if let junit { try writeReport(merged, to: junit) }
                    }
                    if !pages.isEmpty {
                        let merged = try ReportMerge.html(pages)
                        if let html { try writeReport(merged, to: html) }
                    }
                } catch let problem as ReportMerge.Problem {
                    printError("error: \(problem)")
                    throw ExitStatus.invalid
                }
                if failed { throw ExitStatus.failed }
            }

            private func summary(_ merged: JSONValue) -> String {
                guard case .object(let pairs) = merged else { return "" }
                let fields = Dictionary(pairs, uniquingKeysWith: { first, _ in first })
                guard case .number(let passed)? = fields["passed"], case .number(let failed)? = fields["failed"] else { return "" }
                return "\(jsons(files)) shard reports: \(passed + failed) scenarios: \(passed) passed, \(failed) failed"
            }

            private func jsons(_ files: [String]) -> Int { files.filter { $0.hasSuffix(".json") }.count }
        }
    }
}
