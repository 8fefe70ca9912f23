import ISO8583
import SettlementCalendar
import Testing
@testable import PaymentNetwork

/// Drives each node's state machine directly: no sockets, no clock but the one passed in.
@Suite("Node state machines")
struct NodeStateMachineTests {
    let zone = Zone(identifier: "Asia/Shanghai")!
    let cny = Currency.known["CNY"]!
    var friday: Instant { zone.instant(LocalDateTime("2026-05-08 15:30")!) }

    func sent(_ actions: [NodeAction]) -> [(ISOMessage, String)] {
        actions.compactMap { if case .send(let message, let peer) = $0 { return (message, peer) } else { return nil } }
    }

    func events(_ actions: [NodeAction]) -> [TimelineEvent] {
        actions.compactMap { if case .record(let event) = $0 { return event } else { return nil } }
    }

    func merchant(terms: String = "T+1") -> MerchantContract {
        MerchantContract(
            id: "898440354110001", name: "Shop", mcc: "5411", terminals: ["T0000001"], terms: SettlementTerms(terms)!,
            feePartsPerMillion: 6000, feeCap: nil, payoutAt: TimeOfDay(hour: 9, minute: 0)!, accountBank: "CMB",
            accountNumber: "6214830000000001", terminalTimeout: .seconds(60))
    }

    func purchase() -> ISOMessage {
        var terminal = TerminalStateMachine(configuration: .init(
            id: "T0000001", merchantID: "898440354110001", acquirer: "Leshua", timeout: .seconds(60), currency: cny, zone: zone), seed: 1)
        let swipe = NodeCommand.Swipe(id: "buy", pan: "6222020000000001", expiry: "2812", amount: Money(minorUnits: 10000))
        return sent(terminal.perform(.swipe(swipe), now: friday))[0].0
    }

    func bank(balance: Int64 = 500_000, status: BankStateMachine.AccountStatus = .active, expiry: String = "2812") -> BankStateMachine {
        BankStateMachine(configuration: .init(
            name: "ICBC",
            cards: [.init(pan: "6222020000000001", expiry: expiry, status: status)],
            accounts: [(number: "6222020000000001", balance: Money(minorUnits: balance), status: status)],
            zone: zone, currency: cny), seed: 1)
    }

    @Test("a swipe sends a 0200 to the acquirer, starts the response timer and records the swipe")
    func terminalSwipe() {
        var terminal = TerminalStateMachine(configuration: .init(
            id: "T0000001", merchantID: "898440354110001", acquirer: "Leshua", timeout: .seconds(60), currency: cny, zone: zone), seed: 1)
        let actions = terminal.perform(.swipe(.init(id: "buy", pan: "6222020000000001", expiry: "2812", amount: Money(minorUnits: 10000))), now: friday)
        let (message, peer) = sent(actions)[0]
        #expect(peer == "Leshua")
        #expect(message.mti == "0200")
        #expect(message[4] == "000000010000")
        #expect(message[12] == "153000")
        #expect(message[13] == "0508")
        #expect(message[7] == "0508073000")
        #expect(actions.contains(.startTimer(TimerKey("answer \(message.transactionReference)"), at: friday.advanced(by: .seconds(60)))))
        #expect(events(actions).map(\.kind) == [.swiped])

        let answer = terminal.receive(message.response(code: "00"), from: "Leshua", now: friday)
        #expect(events(answer).first?.kind == .authorized)
        #expect(events(answer).first?.facts.transactionID == "buy")
        // An answer to nothing pending is ignored.
        #expect(terminal.receive(message.response(code: "00"), from: "Leshua", now: friday).isEmpty)
    }

    @Test("a terminal with no answer times out and reverses, repeating the reversal as 0401 until answered")
    func terminalTimeout() {
        var terminal = TerminalStateMachine(configuration: .init(
            id: "T0000001", merchantID: "898440354110001", acquirer: "Leshua", timeout: .seconds(60), currency: cny, zone: zone), seed: 1)
        let request = sent(terminal.perform(.swipe(.init(id: "buy", pan: "6222020000000001", expiry: "2812", amount: Money(minorUnits: 100))), now: friday))[0].0
        let minute = friday.advanced(by: .seconds(60))
        let actions = terminal.timerFired(TimerKey("answer \(request.transactionReference)"), now: minute)
        #expect(events(actions).map(\.kind) == [.timedOut])
        let reversal = sent(actions)[0].0
        #expect(reversal.mti == "0400")
        #expect(reversal[90] == "0200" + request[11]! + request[7]! + String(repeating: "0", count: 22))
        #expect(reversal.originalReference == request.transactionReference)
        let again = terminal.timerFired(TimerKey("answer \(reversal.transactionReference)"), now: minute.advanced(by: .seconds(60)))
        #expect(sent(again)[0].0.mti == "0401")
        var answer = reversal.response(code: "00")
        answer.mti = "0410"
        let acknowledged = terminal.receive(answer, from: "Leshua", now: minute.advanced(by: .seconds(61)))
        #expect(events(acknowledged).map(\.kind) == [.reversed])
        #expect(terminal.waitingOn.isEmpty)
    }

    @Test("a terminal that cannot reach its acquirer records the swipe as failed, with nothing to reverse")
    func terminalUnreachable() {
        var terminal = TerminalStateMachine(configuration: .init(
            id: "T0000001", merchantID: "898440354110001", acquirer: "Leshua", timeout: .seconds(60), currency: cny, zone: zone), seed: 1)
        let request = sent(terminal.perform(.swipe(.init(id: "buy", pan: "6222020000000001", expiry: "2812", amount: Money(minorUnits: 100))), now: friday))[0].0
        let actions = terminal.sendFailed(request, to: "Leshua", now: friday)
        #expect(events(actions).map(\.kind) == [.failed])
        #expect(terminal.waitingOn.isEmpty)
    }

    @Test("the acquirer ignores a repeat while the first is in progress, and answers 94 once it is done")
    func acquirerDuplicate() {
        var acquirer = AcquirerStateMachine(configuration: .init(
            name: "Leshua", institutionID: "48020000", scheme: "UnionPay", timeout: .seconds(45), merchants: [merchant()],
            calendar: .weekdays, cutoff: TimeOfDay(hour: 23, minute: 0)!, zone: zone, currency: cny), seed: 1)
        let request = purchase()
        let forwarded = sent(acquirer.receive(request, from: "T0000001", now: friday))[0].0
        let during = acquirer.receive(request, from: "T0000001", now: friday)
        #expect(sent(during).isEmpty)
        #expect(events(during).map(\.kind) == [.duplicate])
        _ = acquirer.receive(forwarded.response(code: "00"), from: "UnionPay", now: friday)
        let again = acquirer.receive(request, from: "T0000001", now: friday)
        #expect(sent(again).map { $0.0[39] } == ["94"])
        #expect(events(again).map(\.kind) == [.duplicate])
    }

    @Test("the scheme stands in up to its limit when the issuer is silent, and advises the issuer")
    func standIn() {
        var scheme = SchemeStateMachine(configuration: .init(
            name: "UnionPay", cutoff: TimeOfDay(hour: 23, minute: 0)!, timeout: .seconds(30), standInLimit: Money(minorUnits: 50000),
            routes: [(bin: "622202", bank: "ICBC")], zone: zone, currency: cny), seed: 1)
        let request = purchase()
        _ = scheme.receive(request, from: "Leshua", now: friday)
        let timeout = scheme.timerFired(TimerKey("issuer \(request.transactionReference)"), now: friday.advanced(by: .seconds(30)))
        let messages = sent(timeout)
        #expect(messages.map(\.1) == ["Leshua", "ICBC"])
        #expect(messages[0].0[39] == "00")
        #expect(messages[1].0.mti == "0220")
        #expect(events(timeout).map(\.kind) == [.stoodIn])
    }

    @Test("the issuer gives the money back on a reversal once, and answers 25 for one it never saw")
    func issuerReversal() {
        var issuer = bank()
        let request = purchase()
        _ = issuer.receive(request, from: "UnionPay", now: friday)
        var reversal = request.keeping([2, 3, 4, 41, 42, 49], mti: "0420")
        reversal[7] = "0508080000"
        reversal[11] = "999999"
        reversal[90] = request.originalDataElements
        let first = issuer.receive(reversal, from: "UnionPay", now: friday)
        #expect(sent(first)[0].0[39] == "00")
        #expect(events(first).map(\.kind) == [.reversed])
        #expect(issuer.ledger.balance("6222020000000001") == Money(minorUnits: 500_000))
        let second = issuer.receive(reversal, from: "UnionPay", now: friday)
        #expect(events(second).isEmpty)
        #expect(issuer.ledger.balance("6222020000000001") == Money(minorUnits: 500_000))
        var unknown = reversal
        unknown[90] = "0200" + "000001" + "0508000000" + String(repeating: "0", count: 22)
        #expect(sent(issuer.receive(unknown, from: "UnionPay", now: friday))[0].0[39] == "25")
    }

    @Test("a bank in maintenance answers nothing, and credits queued payouts when it ends")
    func maintenance() {
        var bank = BankStateMachine(configuration: .init(
            name: "CMB", cards: [], accounts: [(number: "6214830000000001", balance: .zero, status: .active)], zone: zone, currency: cny), seed: 1)
        var credit = ISOMessage(mti: "0200")
        credit[3] = "280000"
        credit[4] = "000000009940"
        credit[37] = "123456789012"
        credit[103] = "6214830000000001"
        _ = bank.perform(.maintenance(true), now: friday)
        #expect(bank.receive(credit, from: "Leshua", now: friday).isEmpty)
        #expect(bank.receive(purchase(), from: "UnionPay", now: friday).isEmpty)
        let end = bank.perform(.maintenance(false), now: friday.advanced(by: .seconds(3600)))
        #expect(events(end).map(\.kind) == [.arrived])
        #expect(bank.ledger.balance("6214830000000001") == Money(minorUnits: 9940))
    }

    @Test("the scheme routes on the BIN, assigns the RRN and the clearing date, and answers 14 for an unknown BIN")
    func schemeRouting() {
        var scheme = SchemeStateMachine(configuration: .init(
            name: "UnionPay", cutoff: TimeOfDay(hour: 23, minute: 0)!, timeout: .seconds(30),
            routes: [(bin: "622202", bank: "ICBC"), (bin: "6222021", bank: "Other")], zone: zone, currency: cny), seed: 1)
        let late = zone.instant(LocalDateTime("2026-09-29 23:10")!)
        let (forwarded, issuer) = sent(scheme.receive(purchase(), from: "Leshua", now: late))[0]
        #expect(issuer == "ICBC")
        #expect(forwarded[37]?.count == 12)
        #expect(forwarded[15] == "0930")
        #expect(scheme.issuer(of: "6222021000000001") == "Other")

        var unknown = purchase()
        unknown[2] = "4111111111111111"
        let (answer, peer) = sent(scheme.receive(unknown, from: "Leshua", now: late))[0]
        #expect(peer == "Leshua")
        #expect(answer.mti == "0210")
        #expect(answer[39] == "14")
    }

    @Test("the scheme clears and settles the day's approvals at its cutoff")
    func schemeCutoff() {
        var scheme = SchemeStateMachine(configuration: .init(
            name: "UnionPay", cutoff: TimeOfDay(hour: 23, minute: 0)!, timeout: .seconds(30),
            routes: [(bin: "622202", bank: "ICBC")], zone: zone, currency: cny), seed: 1)
        let start = scheme.start(now: friday)
        #expect(start == [.startTimer(TimerKey("cutoff"), at: zone.instant(LocalDateTime("2026-05-08 23:00")!))])
        let forwarded = sent(scheme.receive(purchase(), from: "Leshua", now: friday))[0].0
        _ = scheme.receive(forwarded.response(code: "00"), from: "ICBC", now: friday)
        let cutoff = scheme.timerFired(TimerKey("cutoff"), now: zone.instant(LocalDateTime("2026-05-08 23:00")!))
        #expect(events(cutoff).map(\.kind) == [.cleared, .settled])
        #expect(events(cutoff)[0].facts.clearingDate == LocalDate("2026-05-08"))
        #expect(scheme.ledger.balance("settlement:ICBC") == Money(minorUnits: -10000))
        #expect(scheme.ledger.balance("settlement:Leshua") == Money(minorUnits: 10000))
        #expect(cutoff.contains(.startTimer(TimerKey("cutoff"), at: zone.instant(LocalDateTime("2026-05-09 23:00")!))))
    }

    @Test("the issuer approves and debits, or declines with the code of the first check that fails", arguments: [
        (500_000 as Int64, BankStateMachine.AccountStatus.active, "2812", "00"),
        (5_000, .active, "2812", "51"),
        (500_000, .frozen, "2812", "62"),
        (500_000, .lost, "2812", "62"),
        (500_000, .active, "2604", "54"),
    ])
    func issuerChecks(balance: Int64, status: BankStateMachine.AccountStatus, expiry: String, code: String) {
        var issuer = bank(balance: balance, status: status, expiry: expiry)
        let actions = issuer.receive(purchase(), from: "UnionPay", now: friday)
        let (answer, peer) = sent(actions)[0]
        #expect(peer == "UnionPay")
        #expect(answer[39] == code)
        let debited = Money(minorUnits: balance - 10000)
        #expect(issuer.ledger.balance("6222020000000001") == (code == "00" ? debited : Money(minorUnits: balance)))
        #expect(issuer.ledger.total == .zero)
    }

    @Test("the issuer answers 13 for a zero amount and 14 for an unknown card")
    func issuerAmountAndCard() {
        var issuer = bank()
        var zero = purchase()
        zero[4] = "000000000000"
        #expect(sent(issuer.receive(zero, from: "UnionPay", now: friday))[0].0[39] == "13")
        var unknown = purchase()
        unknown[2] = "6222029999999999"
        #expect(sent(issuer.receive(unknown, from: "UnionPay", now: friday))[0].0[39] == "14")
    }

    @Test("the acquirer adds DE32, and on approval pays the merchant at the payout time of its terms")
    func acquirerPayout() {
        var acquirer = AcquirerStateMachine(configuration: .init(
            name: "Leshua", institutionID: "48020000", scheme: "UnionPay", timeout: .seconds(45), merchants: [merchant()],
            calendar: .weekdays, cutoff: TimeOfDay(hour: 23, minute: 0)!, zone: zone, currency: cny), seed: 1)
        let (forwarded, scheme) = sent(acquirer.receive(purchase(), from: "T0000001", now: friday))[0]
        #expect(scheme == "UnionPay")
        #expect(forwarded[32] == "48020000")
        #expect(forwarded[18] == "5411")
        let answered = acquirer.receive(forwarded.response(code: "00"), from: "UnionPay", now: friday)
        #expect(sent(answered).map(\.1) == ["T0000001"])
        let monday = zone.instant(LocalDateTime("2026-05-11 09:00")!)
        let timer = TimerKey("payout 898440354110001 2026-05-11 09:00")
        #expect(answered.contains(.startTimer(timer, at: monday)))
        let payout = acquirer.timerFired(timer, now: monday)
        let (credit, bank) = sent(payout)[0]
        #expect(bank == "CMB")
        #expect(credit[3] == "280000")
        #expect(credit[4] == "000000009940")
        #expect(credit[103] == "6214830000000001")
        #expect(events(payout).map(\.kind) == [.paidOut])
        _ = acquirer.receive(credit.response(code: "00"), from: "CMB", now: monday)
        #expect(acquirer.ledger.balance("settlement:CMB") == Money(minorUnits: 9940))
        #expect(acquirer.ledger.balance("fees") == Money(minorUnits: 60))
        #expect(acquirer.ledger.total == .zero)
    }

    @Test("a T+0 approval in business hours is paid out at once")
    func instantPayout() {
        var acquirer = AcquirerStateMachine(configuration: .init(
            name: "Leshua", institutionID: "48020000", scheme: "UnionPay", timeout: .seconds(45), merchants: [merchant(terms: "T+0")],
            calendar: .weekdays, cutoff: TimeOfDay(hour: 23, minute: 0)!, zone: zone, currency: cny), seed: 1)
        let forwarded = sent(acquirer.receive(purchase(), from: "T0000001", now: friday))[0].0
        let answered = acquirer.receive(forwarded.response(code: "00"), from: "UnionPay", now: friday)
        #expect(sent(answered).map(\.1) == ["T0000001", "CMB"])
    }

    @Test("the merchant's bank credits an active account and refuses a frozen one")
    func merchantBankCredit() {
        var credit = ISOMessage(mti: "0200")
        credit[3] = "280000"
        credit[4] = "000000009940"
        credit[37] = "123456789012"
        credit[103] = "6214830000000001"
        var open = BankStateMachine(configuration: .init(
            name: "CMB", cards: [], accounts: [(number: "6214830000000001", balance: .zero, status: .active)], zone: zone, currency: cny), seed: 1)
        let actions = open.receive(credit, from: "Leshua", now: friday)
        #expect(sent(actions)[0].0[39] == "00")
        #expect(events(actions).map(\.kind) == [.arrived])
        #expect(open.ledger.balance("6214830000000001") == Money(minorUnits: 9940))

        var frozen = BankStateMachine(configuration: .init(
            name: "CMB", cards: [], accounts: [(number: "6214830000000001", balance: .zero, status: .frozen)], zone: zone, currency: cny), seed: 1)
        let refused = frozen.receive(credit, from: "Leshua", now: friday)
        #expect(sent(refused)[0].0[39] == "62")
        #expect(events(refused).map(\.kind) == [.returned])
        #expect(frozen.ledger.balance("6214830000000001") == .zero)
    }

    @Test("fees round up to the minor unit and stop at the cap")
    func fees() {
        var contract = merchant()
        #expect(contract.fee(on: Money(minorUnits: 100_001)) == Money(minorUnits: 601))
        contract.feeCap = Money(minorUnits: 2000)
        #expect(contract.fee(on: Money(minorUnits: 10_000_000)) == Money(minorUnits: 2000))
    }

    @Test("amounts are read from text without floating point")
    func money() {
        #expect(Money(decimal: "99.4", exponent: 2) == Money(minorUnits: 9940))
        #expect(Money(decimal: "1000.00", exponent: 2) == Money(minorUnits: 100_000))
        #expect(Money(decimal: "0.001", exponent: 2) == nil)
        #expect(Money(decimal: "1e3", exponent: 2) == nil)
        #expect(Money(minorUnits: 9940).formatted(exponent: 2) == "99.40")
        #expect(Money(minorUnits: 5).formatted(exponent: 2) == "0.05")
    }
}
