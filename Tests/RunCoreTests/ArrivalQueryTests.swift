import SettlementCalendar
import Testing
@testable import RunCore

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

    @Test("a refund is credited to the card at its batch's cutoff; a chargeback at once; both are netted from the merchant's next payout after a holiday")
    func moneyBack() throws {
        let refund = try ArrivalQuery.answer(at: "2026-09-30 23:30", terms: "T+1", calendar: "cn", cutoff: "23:00", payoutAt: "09:00", timezone: "Asia/Shanghai", kind: .refund)
        #expect(refund.clearingDate.description == "2026-10-01")
        #expect(refund.json.rendered().hasPrefix(#"{"of":"refund","clearing_date":"2026-10-01","arrives":"2026-10-01T23:00:00+08:00""#))
        #expect(refund.reasons.last?.contains("2026-10-08 at 09:00") == true)
        let chargeback = try ArrivalQuery.answer(at: "2026-09-30 10:00", terms: "T+1", calendar: "cn", cutoff: "23:00", payoutAt: "09:00", timezone: "Asia/Shanghai", kind: .chargeback)
        #expect(chargeback.text.hasPrefix("the card is credited 2026-09-30 10:00"))
        #expect(chargeback.reasons.contains { $0.contains("when the batch of 2026-09-30 clears") })
    }
}
