import Testing
@testable import Harness

@Suite("paylab arrival")
struct ArrivalQueryTests {
    @Test("the arrival query answers with the clearing date, the arrival and the reasons as JSON")
    func arrivalJSON() throws {
        let answer = try ArrivalQuery.answer(at: "2026-09-29 23:10", terms: "T+1", calendar: "cn", cutoff: "23:00", payoutAt: "09:00", timezone: "Asia/Shanghai")
        #expect(answer.json.rendered().hasPrefix(#"{"clearing_date":"2026-09-30","arrives":"2026-10-08T09:00:00+08:00","reasons":["#))
        #expect(throws: ArrivalQuery.Problem.self) {
            try ArrivalQuery.answer(at: "2027-09-29 23:10", terms: "T+1", calendar: "cn", cutoff: "23:00", payoutAt: "09:00", timezone: "Asia/Shanghai")
        }
    }
}
