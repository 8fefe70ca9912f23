import Foundation
import RunCore
import Scenario
import SettlementCalendar
import PaymentNetwork
import Testing
import Incident

/// `paylab incident ask`: a merchant's words in, the expected arrival, lateness and causes out.
@Suite("Asking about a merchant's complaint")
struct ComplaintQueryTests {
    func ask(_ swiped: String, _ terms: String, now: String? = nil) throws -> ComplaintQuery {
        try ComplaintQuery.answer(swiped: swiped, terms: terms, calendar: "cn", now: now, cutoff: "23:00", payoutAt: "09:00", timezone: "Asia/Shanghai")
    }

    @Test("swiped 23:10 on 29 September, T+1, nothing on 2 October: due 8 October, not late; the cutoff and National Day explain it")
    func nationalDay() throws {
        let answer = try ask("2026-09-29 23:10", "T+1", now: "2026-10-02 15:00")
        #expect(answer.json.rendered().hasPrefix(#"{"expected":"2026-10-08T09:00:00+08:00","late":false,"escalate_after":"2026-10-10T23:59:00+08:00","causes":["#))
        #expect(answer.causes.count == 2)
        #expect(answer.causes[0].hasPrefix("cutoff: swiped at 23:10, after the 23:00 cutoff"))
        #expect(answer.causes[1] == "holiday: National Day, 2026-10-01 to 2026-10-07: no business days, so no clearing and no payout")
        #expect(answer.text.contains("contact the payment provider or the bank, with the terminal's slip: the time, the RRN, the STAN and the amount"))
    }

    @Test("a day after the money was due it is late, and what could hold it is listed")
    func late() throws {
        let answer = try ask("2026-09-29 23:10", "T+1", now: "2026-10-09 10:00")
        #expect(answer.late)
        #expect(answer.causes.contains { $0.hasPrefix("maintenance:") } && answer.causes.contains { $0.hasPrefix("hold:") })
    }

    @Test("a Friday swipe on T+1 waits for Monday: the weekend is the cause")
    func weekend() throws {
        let answer = try ask("2026-03-13 10:00", "T+1", now: "2026-03-14 12:00")
        #expect(!answer.late)
        #expect(answer.causes == ["weekend: Saturday 2026-03-14, Sunday 2026-03-15 are not business days"])
    }

    @Test("the scenario it writes runs, and shows the expected timeline")
    func scenario() async throws {
        let answer = try ask("2026-09-29 23:10", "T+1")
        let scenario = try ScenarioLoader.parse(answer.scenario(), file: "complaint.yaml")
        #expect(scenario.withoutLines == answer.scenarioValue(amount: Money(minorUnits: 10_000)).withoutLines)
        #expect(answer.scenario().hasPrefix("# Written by paylab incident ask"))
        let runner = ScenarioRunner()
        let result = await runner.run(scenario)
        try await runner.shutdown()
        #expect(result.passed, "\(result.failures)")
        #expect(result.transactions.first?.arrives == answer.arrival.arrives)
    }

    @Test("with a calendar file, the scenario it writes names the file, and runs on it (it used to name the calendar inside, which no run could find)")
    func calendarFile() async throws {
        let folder = NSTemporaryDirectory() + "paylab-complaint-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = folder + "/acme.yaml"
        try "name: acme-bank\nyears: 2026\nholidays:\n  - { date: 2026-05-12, name: Bank day }\n".write(toFile: path, atomically: true, encoding: .utf8)
        let answer = try ComplaintQuery.answer(swiped: "2026-05-11 10:00", terms: "T+1", calendar: path, now: nil, cutoff: "23:00", payoutAt: "09:00", timezone: "Asia/Shanghai")
        let written = answer.scenario()
        #expect(written.contains("calendar: \(path)") || written.contains("calendar: \"\(path)\""), "\(written)")
        let scenario = try ScenarioLoader.parse(written, file: folder + "/complaint.yaml")
        let runner = ScenarioRunner()
        let result = await runner.run(scenario)
        try await runner.shutdown()
        #expect(result.passed, "\(result.failures)")
        // The bank's own holiday on Tuesday: paid on Wednesday.
        #expect(result.transactions.first.map { scenario.zone.local($0.arrives!).description } == "2026-05-13 09:00")
    }

    @Test("a swipe time that does not exist is a clear error")
    func badInput() {
        #expect(throws: (any Error).self) { try ask("2026-02-30 10:00", "T+1") }
        #expect(throws: (any Error).self) { try ask("2026-09-29 23:10", "T+1", now: "tomorrow") }
        #expect(throws: (any Error).self) { try ask("2026-09-29 23:10", "T+one") }
    }
}
