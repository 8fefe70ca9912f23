import ISO8583
import SettlementCalendar
import Testing
@testable import PaymentNetwork

@Suite("Terminal")
struct TerminalStateMachineTests {
    @Test("a swipe sends a 0200 to the acquirer, starts the response timer and records the swipe")
    func swipe() {
        var terminal = Fixture.terminal()
        let actions = terminal.perform(.swipe(.init(id: "buy", pan: "6222020000000001", expiry: "2812", amount: Money(minorUnits: 10000))), now: Fixture.friday)
        let (message, peer) = Fixture.sent(actions)[0]
        #expect(peer == "Leshua")
        #expect(message.mti == "0200")
        #expect(message[4] == "000000010000")
        #expect(message[12] == "153000")
        #expect(message[13] == "0508")
        #expect(message[7] == "0508073000")
        #expect(Fixture.timers(actions).map(\.1) == [Fixture.friday.advanced(by: .seconds(60))])
        #expect(Fixture.events(actions).map(\.kind) == [.swiped])

        let answer = terminal.receive(message.response(code: .approved), from: "Leshua", now: Fixture.friday)
        #expect(Fixture.events(answer).first?.kind == .authorized)
        #expect(Fixture.events(answer).first?.facts.transactionID == "buy")
        #expect(answer.contains(.cancelTimer(Fixture.timers(actions)[0].0)))
        // An answer to nothing pending is ignored.
        #expect(terminal.receive(message.response(code: .approved), from: "Leshua", now: Fixture.friday).isEmpty)
    }

    @Test("a terminal with no answer times out and reverses, repeating the reversal as 0401 until answered")
    func timeout() {
        var terminal = Fixture.terminal()
        let swipe = terminal.perform(.swipe(.init(id: "buy", pan: "6222020000000001", expiry: "2812", amount: Money(minorUnits: 100))), now: Fixture.friday)
        let request = Fixture.sent(swipe)[0].0
        let minute = Fixture.friday.advanced(by: .seconds(60))
        let actions = terminal.timerFired(Fixture.timers(swipe)[0].0, now: minute)
        #expect(Fixture.events(actions).map(\.kind) == [.timedOut])
        let reversal = Fixture.sent(actions)[0].0
        #expect(reversal.mti == "0400")
        #expect(reversal[90] == "0200" + request[11]! + request[7]! + String(repeating: "0", count: 22))
        #expect(reversal.originalReference == request.transactionReference)
        let again = terminal.timerFired(Fixture.timers(actions)[0].0, now: minute.advanced(by: .seconds(60)))
        #expect(Fixture.sent(again)[0].0.mti == "0401")
        let acknowledged = terminal.receive(Fixture.sent(again)[0].0.response(code: .approved), from: "Leshua", now: minute.advanced(by: .seconds(61)))
        #expect(Fixture.events(acknowledged).map(\.kind) == [.reversed])
        #expect(terminal.waitingOn.isEmpty)
    }

    @Test("a void with no answer is reversed, so the purchase stands at every node")
    func voidTimeout() {
        var terminal = Fixture.terminal()
        let swipe = terminal.perform(.swipe(.init(id: "buy", pan: "6222020000000001", expiry: "2812", amount: Money(minorUnits: 100))), now: Fixture.friday)
        _ = terminal.receive(Fixture.sent(swipe)[0].0.response(code: .approved), from: "Leshua", now: Fixture.friday)
        let voiding = terminal.perform(.void(of: "buy"), now: Fixture.friday)
        let void = Fixture.sent(voiding)[0].0
        #expect(void[3] == "200000")
        let silent = terminal.timerFired(Fixture.timers(voiding)[0].0, now: Fixture.friday.advanced(by: .seconds(60)))
        let reversal = Fixture.sent(silent)[0].0
        #expect(reversal.mti == "0400")
        #expect(reversal[3] == "200000")
        #expect(reversal.originalReference == void.transactionReference)
        let answered = terminal.receive(reversal.response(code: .approved), from: "Leshua", now: Fixture.friday.advanced(by: .seconds(61)))
        #expect(Fixture.events(answered).map(\.facts.operation) == [.voidReversal])
        #expect(terminal.waitingOn.isEmpty)
    }

    @Test("a terminal that cannot reach its acquirer records the swipe as failed, with nothing to reverse")
    func unreachable() {
        var terminal = Fixture.terminal()
        let request = Fixture.sent(terminal.perform(.swipe(.init(id: "buy", pan: "6222020000000001", expiry: "2812", amount: Money(minorUnits: 100))), now: Fixture.friday))[0].0
        let actions = terminal.sendFailed(request, to: "Leshua", now: Fixture.friday)
        #expect(Fixture.events(actions).map(\.kind) == [.failed])
        #expect(terminal.waitingOn.isEmpty)
    }

    @Test("an approval that comes back after the terminal reversed the message approves nothing, not even a repeat of it; a reversal answered 25 lets the message start afresh")
    func lateApprovalAfterOwnReversal() {
        var terminal = Fixture.terminal()
        let swipe = terminal.perform(.swipe(.init(id: "buy", pan: "6222020000000001", expiry: "2812", amount: Money(minorUnits: 100))), now: Fixture.friday)
        let request = Fixture.sent(swipe)[0].0
        let reversing = terminal.timerFired(Fixture.timers(swipe)[0].0, now: Fixture.friday.advanced(by: .seconds(60)))
        let reversal = Fixture.sent(reversing)[0].0
        _ = terminal.perform(.repeatSwipe(id: "again", of: "buy"), now: Fixture.friday.advanced(by: .seconds(70)))
        #expect(terminal.receive(request.response(code: .approved), from: "Leshua", now: Fixture.friday.advanced(by: .seconds(80))).isEmpty)
        // Once the reversal is answered 25 (nobody saw the message), a later send is a fresh start.
        _ = terminal.receive(reversal.response(code: .originalNotFound), from: "Leshua", now: Fixture.friday.advanced(by: .seconds(90)))
        let answered = terminal.receive(request.response(code: .approved), from: "Leshua", now: Fixture.friday.advanced(by: .seconds(95)))
        #expect(Fixture.events(answered).map(\.kind) == [.authorized])
        #expect(Fixture.events(answered).first?.facts.transactionID == "again")
    }
}
