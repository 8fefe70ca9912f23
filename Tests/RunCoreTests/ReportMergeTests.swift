import Foundation
import Testing
@testable import RunCore
@testable import Scenario

/// `paylab report merge`: the shards' reports as the whole suite's.
@Suite("Merging shard reports")
struct ReportMergeTests {
    @Test("the library in 3 shards, merged in any order: the JSON of the whole run byte for byte, the JUnit the same but for times, the HTML page the same; overlapping shards and another build refused")
    func library() async throws {
        let scenarios = try ScenarioFiles.expand(["Scenarios"]).map { try ScenarioLoader.load(path: $0) }
        let runner = ScenarioRunner()
        var results: [ScenarioResult] = []
        for scenario in SuiteSelection().apply(scenarios) { results.append(await runner.run(scenario)) }
        try await runner.shutdown()
        // Two failures, in different shards, for the page's failures-first order.
        for index in [results.count - 1, 3] { results[index].failures.append(.stopped("a failure planted by the test")) }
        let whole = JSONReport.report(results).rendered(pretty: true)
        var jsons: [(name: String, text: String)] = [], junits: [(name: String, text: String)] = [], pages: [(name: String, text: String)] = []
        for index in [3, 1, 2] {
            let files = Set(SuiteSelection(shard: (index, 3)).apply(scenarios).map(\.file))
            let shard = results.filter { files.contains($0.scenario.file) }
            jsons.append(("shard\(index).json", JSONReport.report(shard).rendered(pretty: true)))
            junits.append(("shard\(index).xml", JUnitReport.render(shard)))
            pages.append(("shard\(index).html", HTMLReport.render(shard, wallTime: .milliseconds(1000 * index))))
        }
        #expect(try ReportMerge.json(jsons).rendered(pretty: true) == whole)
        func withoutTimes(_ xml: String) -> String { xml.replacingOccurrences(of: #" time="[0-9.]+""#, with: "", options: .regularExpression) }
        #expect(withoutTimes(try ReportMerge.junit(junits)) == withoutTimes(JUnitReport.render(results)))
        #expect(ReportMerge.attribute("tests", in: try ReportMerge.junit(junits)) == results.count)
        // The page: the whole run's, the shards' wall times added (6000 ms) and each scenario's its own.
        #expect(try ReportMerge.html(pages) == HTMLReport.render(results, wallTime: .milliseconds(6000)))
        #expect(throws: ReportMerge.Problem.self) { try ReportMerge.html([pages[0], pages[0]]) }
        #expect(throws: ReportMerge.Problem.self) { try ReportMerge.html([(name: "x.html", text: "<!DOCTYPE html><p>hello</p>")]) }
        // The same shard twice, and a shard of another build.
        #expect(throws: ReportMerge.Problem.self) { try ReportMerge.json([jsons[0], jsons[0]]) }
        let other = (name: "old.json", text: jsons[1].text.replacingOccurrences(of: "\"paylab_version\": \"\(PayLabVersion.current)\"", with: "\"paylab_version\": \"0.0.1\""))
        #expect(throws: ReportMerge.Problem.self) { try ReportMerge.json([jsons[0], other]) }
        #expect(throws: ReportMerge.Problem.self) { try ReportMerge.json([(name: "x.json", text: "{\"scenarios\": [")]) }
    }

    @Test("JSON read back keeps every value and the order of keys: unicode, escapes, numbers, nesting")
    func parse() throws {
        let value = JSONValue.object([("z", .string("二清 \"quoted\" \\ \n\t\u{1}")), ("a", .array([.number(-12), .bool(true), .null, .decimal(1.5)])),
                                      ("m", .object([("k", .string("😀"))]))])
        #expect(try JSONValue.parse(value.rendered(pretty: true)) == value)
        #expect(try JSONValue.parse(#"{"s": "\ud83d\ude00\u00e9"}"#) == .object([("s", .string("😀é"))]))
        for bad in ["", "{", "[1,]", "{\"a\" 1}", "\"\\x\"", "01x", "{} extra"] {
            #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse(bad) }
        }
    }
}
