import Foundation
import Testing
import TestSupport
@testable import RunCore
@testable import Scenario

/// Report writers on a run with a passing and a failing scenario, each checked by a reader we did not write.
@Suite("Reports", .serialized)
struct ReportTests {
    static func results() async throws -> [ScenarioResult] {
        let runner = ScenarioRunner()
        var results: [ScenarioResult] = []
        for file in ["Scenarios/holiday-cutoff.yaml", "Tests/Fixtures/wrong-arrival.yaml"] {
            results.append(await runner.run(try ScenarioLoader.load(path: file)))
        }
        try await runner.shutdown()
        return results
    }

    func temporary(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("paylab-\(UUID().uuidString)-\(name)").path
    }

    @Test("the JSON report follows the schema of SCENARIOS.md and is the same bytes for the same run")
    func json() async throws {
        let results = try await Self.results()
        let text = JSONReport.report(results).rendered(pretty: true)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["passed"] as? Int == 1)
        #expect(object["failed"] as? Int == 1)
        let scenarios = try #require(object["scenarios"] as? [[String: Any]])
        #expect(scenarios.map { $0["file"] as? String } == ["Scenarios/holiday-cutoff.yaml", "Tests/Fixtures/wrong-arrival.yaml"])
        #expect(scenarios[0]["seed"] as? Int == 7)
        let late = try #require((scenarios[0]["transactions"] as? [[String: Any]])?.first { $0["id"] as? String == "late" })
        #expect(late["arrives"] as? String == "2026-10-08T09:00:00+08:00")
        #expect(late["credited"] as? String == "994.00")
        #expect(late["settlement_date"] as? String == "2026-09-30")
        let firstEvent = try #require((late["events"] as? [[String: Any]])?.first)
        #expect(firstEvent["event"] as? String == "swiped" && firstEvent["node"] as? String == "T0000001")
        #expect((scenarios[0]["accounts"] as? [[String: Any]])?.first?["balance"] as? String == "3900.00")
        #expect((scenarios[1]["failures"] as? [String])?.count == 1)
        let again = JSONReport.report(try await Self.results()).rendered(pretty: true)
        #expect(again == text)
    }

    @Test("junitparser reads the JUnit report: one suite per file, the failure with expected and actual, times and seeds")
    func junit() async throws {
        let path = temporary("junit.xml")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(JUnitReport.render(try await Self.results()).utf8).write(to: URL(fileURLWithPath: path))
        let text = try await runTool(["python3", "Tests/Interop/junit_check.py", path])
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(parsed["tests"] as? Int == 2)
        #expect(parsed["failures"] as? Int == 1)
        let suites = try #require(parsed["suites"] as? [[String: Any]])
        #expect(suites.map { $0["name"] as? String } == ["Scenarios/holiday-cutoff.yaml", "Tests/Fixtures/wrong-arrival.yaml"])
        #expect(suites.map { $0["seed"] as? [String] } == [["7"], ["1"]])
        let failing = try #require((suites[1]["cases"] as? [[String: Any]])?.first)
        #expect(failing["passed"] as? Bool == false)
        #expect((failing["failure"] as? String)?.contains("arrives expected 2026-05-12 09:00, got 2026-05-11 09:00") == true)
        #expect((failing["failure_text"] as? String)?.contains("MerchantBank  arrived") == true)
        #expect((failing["time"] as? Double ?? 0) > 0)
        let passing = try #require((suites[0]["cases"] as? [[String: Any]])?.first)
        #expect(passing["passed"] as? Bool == true)
        #expect(passing["name"] as? String == "Holiday cutoff before National Day")
    }

    @Test("the HTML report loads in headless Chromium with no console errors and draws every timeline")
    func html() async throws {
        let results = try await Self.results()
        let path = temporary("report.html")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let page = HTMLReport.render(results, wallTime: .milliseconds(100))
        // Nothing to fetch: no links, no sources, no CSS imports or URLs.
        #expect(!page.contains("<link") && !page.contains("src=\"") && !page.contains("url(") && !page.contains("@import"))
        try Data(page.utf8).write(to: URL(fileURLWithPath: path))
        let chromium = try await ChildProcess(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0", "--dump-dom", "file://" + path],
                                              deadline: .seconds(60)).result()
        let dom = chromium.output, log = chromium.errors
        #expect(chromium.exit.status == 0 && !chromium.exit.timedOut, "chromium failed, \(chromium.exit) (install it: apt-get install chromium): \(log.suffix(500))")
        let consoleLines = log.split(separator: "\n").filter { $0.contains(":CONSOLE") }
        #expect(consoleLines.isEmpty, "console messages: \(consoleLines)")
        let transactions = results.reduce(0) { $0 + $1.transactions.count }
        #expect(dom.contains("data-ready=\"yes\""), "the page's script did not run")
        #expect(dom.contains("data-timelines=\"\(transactions)\""))
        #expect(dom.components(separatedBy: "class=\"arrival\"").count - 1 == 3)
        #expect(dom.contains("arrived 2026-10-08 09:00:00"))
        #expect(dom.contains("because 2026-10-01 to 2026-10-07 is the National Day holiday"))
        // Triage: the failing scenario comes first, a filter shows one status, and the missed
        // arrival is marked where it was expected beside where it was; dates are ISO.
        let failing = try #require(dom.range(of: "FAIL ")), passing = try #require(dom.range(of: "PASS "))
        #expect(failing.lowerBound < passing.lowerBound)
        #expect(dom.contains("data-show=\"fail\"") && dom.contains("data-status=\"fail\""))
        #expect(dom.components(separatedBy: "class=\"expected\"").count - 1 == 1)
        #expect(dom.contains("expected 2026-05-12 09:00"))
        #expect(!dom.contains(">10/8<") && dom.contains(">2026-10-08<"))
    }

    @Test("a payout that carried several purchases says its total and this purchase's part, not the total as this purchase's")
    func payoutShare() async throws {
        let runner = ScenarioRunner()
        let result = await runner.run(try ScenarioLoader.load(path: "Scenarios/spring-festival.yaml"))
        try await runner.shutdown()
        let text = TextReport.render(result)
        #expect(text.contains("payout of 771.34, 385.67 of it for this purchase"), "\(text)")
    }

    @Test("shards partition the suite: every scenario in exactly one, in a fixed order")
    func shards() throws {
        let scenarios = try ScenarioFiles.expand(["Scenarios"]).map { try ScenarioLoader.load(path: $0) }
        var seen: [String] = []
        for index in 1...4 {
            let shard = SuiteSelection(shard: (index, 4)).apply(scenarios)
            #expect(!shard.isEmpty)
            #expect(shard.map(\.file) == SuiteSelection(shard: (index, 4)).apply(scenarios.reversed()).map(\.file))
            seen += shard.map(\.file)
        }
        #expect(seen.sorted() == scenarios.map(\.file).sorted())
        #expect(Set(seen).count == seen.count)
        #expect(SuiteSelection.parseShard("0/4") == nil && SuiteSelection.parseShard("5/4") == nil && SuiteSelection.parseShard("x") == nil)
    }

    @Test("--filter keeps scenarios whose name or a tag contains the text")
    func filter() throws {
        let scenarios = try ScenarioFiles.expand(["Scenarios"]).map { try ScenarioLoader.load(path: $0) }
        let holiday = SuiteSelection(filter: "HOLIDAY").apply(scenarios)
        #expect(holiday.map(\.file).sorted() == ["Scenarios/approval-across-cutoff.yaml", "Scenarios/holiday-cutoff.yaml", "Scenarios/instant-d0.yaml", "Scenarios/spring-festival.yaml",
                                                   "Scenarios/t2-t3-across-national-day.yaml"])
        #expect(SuiteSelection(filter: "Outage").apply(scenarios).map(\.file) == ["Scenarios/issuer-vanishes.yaml", "Scenarios/provider-outage.yaml", "Scenarios/scheme-down-at-cutoff.yaml"])
    }
}
