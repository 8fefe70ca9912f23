import ISO8583
import SettlementCalendar
import Testing
@testable import PaymentNetwork

@Suite("Network management, one vocabulary for every link")
struct NetworkManagementTests {
    @Test("a terminal's sign-on carries DE7, DE11, DE12/13, DE41, DE42 and DE70 001; its answer keeps DE70 and says 00")
    func signOn() throws {
        let zone = Zone(identifier: "Asia/Shanghai")!
        let now = zone.instant(LocalDateTime("2026-05-11 10:00:05")!)
        let request = NetworkManagement.signOn.request(stan: "000042", now: now, local: zone.local(now), terminal: ("T0000001", "898440354110001"))
        #expect(request.mti == .networkManagementRequest)
        #expect(request[DE.stan] == "000042" && request[DE.transmissionDateTime] == "0511020005")
        #expect(request[DE.localTime] == "100005" && request[DE.localDate] == "0511")
        #expect(request[DE.terminalID] == "T0000001" && request[DE.merchantID] == "898440354110001" && request[70] == "001")
        let answer = NetworkManagement.answer(request)
        #expect(answer.mti.rawValue == "0810" && answer[39] == "00" && answer[70] == "001" && answer[DE.stan] == "000042")
        #expect(NetworkManagement(of: request) == .signOn && NetworkManagement(of: answer) == .signOn)
        // The packed message reads back the same through the codec.
        let codec = MessageCodec(dialect: .default)
        #expect(NetworkManagement(of: try codec.unpack(try codec.pack(request))) == .signOn)
    }

    @Test("an issuer's sign-off and a link's echo carry no terminal; a code PayLab does not know, or a purchase, is none of them")
    func others() {
        let echo = NetworkManagement.echo.request(stan: "000001", now: Instant(milliseconds: 0))
        #expect(echo[DE.terminalID] == nil && echo[70] == "301" && echo[DE.localTime] == nil)
        #expect(NetworkManagement.signOff.request(stan: "000002", now: Instant(milliseconds: 0))[70] == "002")
        var unknown = ISOMessage(mti: .networkManagementRequest)
        unknown[70] = "101"
        #expect(NetworkManagement(of: unknown) == nil)
        var purchase = ISOMessage(mti: .financialRequest)
        purchase[70] = "001"
        #expect(NetworkManagement(of: purchase) == nil)
        #expect(NetworkManagement.allCases.map(\.description) == ["sign-on", "sign-off", "echo test"])
    }
}
