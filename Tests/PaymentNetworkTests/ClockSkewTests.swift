import ISO8583
import SettlementCalendar
import Testing
@testable import PaymentNetwork

/// A terminal whose clock is off: what it stamps, and the sign-on answer that sets it.
@Suite("A terminal's clock")
struct ClockSkewTests {
    @Test("26 hours behind, the terminal stamps yesterday in DE13/DE12; the next day's sign-on answer (DE12/DE13 from the acquirer) sets it, and the held purchase goes with the right time")
    func skewedThenSet() throws {
        var terminal = Fixture.terminal()
        _ = terminal.perform(.clockSkew(.seconds(-26 * 3600)), now: Fixture.friday)
        let friday = Fixture.sent(terminal.perform(.swipe(.init(id: "a", pan: "6222020000000001", expiry: "2812", amount: Money(minorUnits: 1000))), now: Fixture.friday))
        let first = try #require(friday.first?.0)
        // Friday 15:30 less 26 hours: Thursday 13:30.
        #expect(first[DE.localDate] == "0507" && first[DE.localTime] == "133000")
        // Saturday: the daily sign-on goes first; its answer carries the acquirer's date and time.
        let saturday = Fixture.at("2026-05-09 10:00")
        let signOn = try #require(Fixture.sent(terminal.perform(.swipe(.init(id: "b", pan: "6222020000000001", expiry: "2812", amount: Money(minorUnits: 2000))), now: saturday)).first?.0)
        #expect(signOn.mti == .networkManagementRequest)
        var acquirer = Fixture.acquirer()
        let answer = try #require(Fixture.sent(acquirer.receive(signOn, from: "T0000001", now: saturday)).first?.0)
        #expect(answer[DE.localDate] == "0509" && answer[DE.localTime] == "100000")
        let held = try #require(Fixture.sent(terminal.receive(answer, from: "Leshua", now: saturday)).first?.0)
        #expect(held[DE.localDate] == "0509" && held[DE.localTime] == "100000")
        #expect(terminal.clockOffset == .zero)
    }
}
