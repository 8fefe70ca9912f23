import ISO8583
public import Scenario
import PaymentNetwork
import SettlementCalendar
import Foundation

/// JUnit XML as Jenkins, GitLab and GitHub Actions read it: one `testsuite` per scenario
/// file, one `testcase` per scenario, a `failure` with the expected and actual values and
/// the timeline, times in seconds, the seed as a property.
public enum JUnitReport {
    /// The whole document.
    public static func render(_ results: [ScenarioResult]) -> String {
        let failures = results.filter { !$0.passed }.count
        let total = results.reduce(Duration.zero) { $0 + $1.wallTime }
        var xml = #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n"
        xml += #"<testsuites name="paylab" tests="\#(results.count)" failures="\#(failures)" errors="0" time="\#(seconds(total))">"# + "\n"
        var files: [String] = []
        var byFile: [String: [ScenarioResult]] = [:]
        for result in results {
            if byFile[result.scenario.file] == nil { files.append(result.scenario.file) }
            byFile[result.scenario.file, default: []].append(result)
        }
        for file in files {
            let suite = byFile[file]!
            let suiteFailures = suite.filter { !$0.passed }.count
            let time = suite.reduce(Duration.zero) { $0 + $1.wallTime }
            xml += #"  <testsuite name="\#(escape(file))" tests="\#(suite.count)" failures="\#(suiteFailures)" errors="0" skipped="0" time="\#(seconds(time))">"# + "\n"
            xml += "    <properties>\n"
            xml += #"      <property name="paylab_version" value="\#(PayLabVersion.current)"/>"# + "\n"
            for result in suite {
                xml += #"      <property name="seed" value="\#(result.scenario.seed)"/>"# + "\n"
            }
            xml += "    </properties>\n"
            for result in suite {
                xml += testcase(result)
            }
            xml += "  </testsuite>\n"
        }
        xml += "</testsuites>\n"
        return xml
    }

    /// The report of a run that found invalid files and ran nothing: one `testsuite` per
    /// file, each problem an `<error>` at its line, so a CI test tab shows what is broken.
    public static func render(invalid: [ScenarioDiagnostic]) -> String {
        var byFile: [String: [ScenarioDiagnostic]] = [:]
        var files: [String] = []
        for problem in invalid {
            if byFile[problem.file] == nil { files.append(problem.file) }
            byFile[problem.file, default: []].append(problem)
        }
        var xml = #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n"
        xml += #"<testsuites name="paylab" tests="\#(files.count)" failures="0" errors="\#(files.count)" time="0.000">"# + "\n"
        for file in files {
            let problems = byFile[file]!
            xml += #"  <testsuite name="\#(escape(file))" tests="1" failures="0" errors="1" skipped="0" time="0.000">"# + "\n"
            xml += "    <properties>\n" + #"      <property name="paylab_version" value="\#(PayLabVersion.current)"/>"# + "\n    </properties>\n"
            xml += #"    <testcase name="\#(escape(file))" classname="invalid" file="\#(escape(file))" time="0.000">"# + "\n"
            let first = problems[0]
            xml += #"      <error message="\#(escape(first.description))" type="InvalidScenario">\#(escape(problems.map(\.description).joined(separator: "\n")))</error>"# + "\n"
            xml += "    </testcase>\n  </testsuite>\n"
        }
        return xml + "</testsuites>\n"
    }

    private static func testcase(_ result: ScenarioResult) -> String {
        let scenario = result.scenario
        let classname = scenario.file.replacingOccurrences(of: "/", with: ".").replacingOccurrences(of: ".yaml", with: "")
        var xml = #"    <testcase name="\#(escape(scenario.name))" classname="\#(escape(classname))" file="\#(escape(scenario.file))" time="\#(seconds(result.wallTime))">"# + "\n"
        if !result.passed {
            let message = result.failures.count == 1 ? "\(result.failures[0])" : "\(result.failures.count) expectations failed: \(result.failures[0])"
            let body = result.failures.map(\.description).joined(separator: "\n") + "\n\nseed \(scenario.seed)\n\n" + TextReport.render(result)
            xml += #"      <failure message="\#(escape(message))" type="ExpectationFailed">\#(escape(body))</failure>"# + "\n"
        }
        xml += "      <system-out>\(escape(TextReport.render(result)))</system-out>\n"
        xml += "    </testcase>\n"
        return xml
    }

    static func seconds(_ duration: Duration) -> String {
        let (whole, fraction) = duration.components
        let milliseconds = whole * 1000 + fraction / 1_000_000_000_000_000
        let text = String(milliseconds % 1000)
        return "\(milliseconds / 1000)." + text.leftPadded(to: 3)
    }

    static func escape(_ text: String) -> String { Markup.escape(text) }
}
