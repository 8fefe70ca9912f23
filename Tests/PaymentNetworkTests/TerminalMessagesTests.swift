import ISO8583
import SettlementCalendar
import Testing
@testable import PaymentNetwork

@Suite("What a terminal sends, built in one place")
struct TerminalMessagesTests {
    let messages = TerminalMessages(terminal: "T0000001", merchant: "898440354110001", currency: Currency.known["CNY"]!)
    let zone = Zone(identifier: "Asia/Shanghai")!

    @Test("a purchase and a pre-authorization: MTI, processing code, DE25, the card, the amount in minor units, the times")
    func purchase() {
        let now = zone.instant(LocalDateTime("2026-05-11 10:00:00")!)
        let buy = messages.purchase(pan: "6222020000000001", expiry: "2812", amount: Money(minorUnits: 4352), stan: "000007", now: now, local: zone.local(now))
        #expect(buy.mti == .financialRequest && buy[3] == "000000" && buy[4] == "000000004352" && buy[25] == "00" && buy[22] == "022")
        #expect(buy[7] == "0511020000" && buy[11] == "000007" && buy[12] == "100000" && buy[13] == "0511" && buy[14] == "2812")
        #expect(buy[41] == "T0000001" && buy[42] == "898440354110001" && buy[49] == "156")
        let hold = messages.purchase(pan: "6222020000000001", expiry: "2812", amount: Money(minorUnits: 100), stan: "000008", now: now, local: nil, preauthorization: true)
        #expect(hold.mti == .authorizationRequest && hold[3] == "030000" && hold[25] == "06" && hold[12] == nil)
    }

    @Test("a void, a completion, a cancellation and a refund name the original in DE61 as a UnionPay POS does, and carry its RRN and approval code")
    func followUps() {
        let now = zone.instant(LocalDateTime("2026-05-11 10:00:00")!)
        let later = now.advanced(by: .seconds(60))
        let buy = messages.purchase(pan: "6222020000000001", expiry: "2812", amount: Money(minorUnits: 4352), stan: "000007", now: now, local: zone.local(now))
        var answer = buy.response(code: .approved)
        answer[37] = "605110000001"
        answer[38] = "123456"
        let void = messages.void(of: buy, answer: answer, batch: 3, stan: "000009", now: later, local: nil)
        #expect(void.mti == .financialRequest && void[3] == "200000" && void[4] == buy[4] && void[37] == "605110000001" && void[38] == "123456" && void[11] == "000009")
        // 61.1 the batch, 61.2 the original's trace number, 61.3 its local date; no DE90 from a POS.
        #expect(void[61] == "000003" + "000007" + "0511" && void[90] == nil)
        let completion = messages.followUp(.completion, of: buy, answer: answer, amount: Money(minorUnits: 5000), batch: 3, stan: "000010", now: later, local: nil)
        #expect(completion.mti.rawValue == "0220" && completion[3] == "000000" && completion[25] == "06" && completion[4] == "000000005000" && completion[38] == "123456")
        // A pre-authorization's follow-ups name it by its date, RRN and authorization code: no batch or trace.
        #expect(completion[61] == "000000000000" + "0511" && completion[37] == "605110000001")
        let online = messages.followUp(.onlineCompletion, of: buy, answer: answer, amount: Money(minorUnits: 5000), batch: 3, stan: "000013", now: later, local: nil)
        #expect(online.mti == .financialRequest && online[3] == "000000" && online[25] == "06" && online[61] == completion[61] && online.isCompletion && !online.isPurchase)
        let cancellation = messages.followUp(.cancellation, of: buy, answer: answer, amount: nil, batch: 3, stan: "000011", now: later, local: nil)
        #expect(cancellation.mti == .authorizationRequest && cancellation[3] == "200000" && cancellation[4] == buy[4] && cancellation[61] == completion[61])
        let refund = messages.followUp(.refund, of: buy, answer: answer, amount: Money(minorUnits: 100), batch: 3, stan: "000012", now: later, local: nil)
        #expect(refund.mti.rawValue == "0220" && refund[3] == "200000" && refund[25] == "00" && refund[61] == void[61] && refund[90] == nil)
    }
}
