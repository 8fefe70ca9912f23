import ISO8583
import SettlementCalendar
@testable import PaymentNetwork

/// What the node tests share: a zone, a currency, a Friday afternoon, and ways to read actions.
enum Fixture {
    static let zone = Zone(identifier: "Asia/Shanghai")!
    static let cny = Currency.known["CNY"]!
    static var friday: Instant { at("2026-05-08 15:30") }

    static func at(_ local: String) -> Instant { zone.instant(LocalDateTime(local)!) }

    static func sent(_ actions: [NodeAction]) -> [(ISOMessage, String)] {
        actions.compactMap { if case .send(let message, let peer) = $0 { return (message, peer) } else { return nil } }
    }

    static func events(_ actions: [NodeAction]) -> [TimelineEvent] {
        actions.compactMap { if case .record(let event) = $0 { return event } else { return nil } }
    }

    /// The timers the actions start, with when.
    static func timers(_ actions: [NodeAction]) -> [(TimerKey, Instant)] {
        actions.compactMap { if case .startTimer(let key, let at) = $0 { return (key, at) } else { return nil } }
    }

    static func merchant(terms: String = "T+1", id: String = "898440354110001") -> MerchantContract {
        MerchantContract(
            id: id, name: "Shop", mcc: "5411", terminals: ["T0000001"], terms: SettlementTerms(terms)!,
            feePartsPerMillion: 6000, feeCap: nil, payoutAt: TimeOfDay(hour: 9, minute: 0)!, accountBank: "CMB",
            accountNumber: "6214830000000001", terminalTimeout: .seconds(60))
    }

    /// Terminal T0000001, signed on for the day of `signedOn` (its sign-on answered 00).
    static func terminal(merchantID: String = "898440354110001", signedOn: Instant = friday) -> TerminalStateMachine {
        var terminal = TerminalStateMachine(configuration: .init(
            id: "T0000001", merchantID: merchantID, acquirer: "Leshua", timeout: .seconds(60), currency: cny, zone: zone), seed: 1)
        if let signOn = sent(terminal.start(now: signedOn)).first?.0 {
            var answer = signOn.response(code: .approved)
            answer[70] = "001"
            _ = terminal.receive(answer, from: "Leshua", now: signedOn)
        }
        return terminal
    }

    /// A terminal's sign-on (0800, DE70 `001`), as the acquirer receives it.
    static func signOn(_ terminal: String = "T0000001", at now: Instant = friday) -> ISOMessage {
        var message = ISOMessage(mti: .networkManagementRequest)
        message.stamp(now: now, stan: "000001", local: zone.local(now))
        message[41] = terminal
        message[70] = "001"
        return message
    }

    static func purchase(amount: Int64 = 10000, at now: Instant = friday, merchantID: String = "898440354110001") -> ISOMessage {
        var terminal = terminal(merchantID: merchantID, signedOn: now)
        let swipe = NodeCommand.Swipe(id: "buy", pan: "6222020000000001", expiry: "2812", amount: Money(minorUnits: amount))
        return sent(terminal.perform(.swipe(swipe), now: now))[0].0
    }

    /// Acquirer Leshua, its terminals signed on for the day of `signedOn`.
    static func acquirer(_ merchant: MerchantContract = merchant(), signedOn: Instant = friday) -> AcquirerStateMachine {
        var acquirer = AcquirerStateMachine(configuration: .init(
            name: "Leshua", institutionID: "48020000", scheme: "UnionPay", timeout: .seconds(45), merchants: [merchant],
            calendar: .weekdays, zone: zone, currency: cny), seed: 1)
        for terminal in merchant.terminals { _ = acquirer.receive(signOn(terminal, at: signedOn), from: terminal, now: signedOn) }
        return acquirer
    }

    static func scheme(standInLimit: Money? = nil, refusals: [String: ResponseCode] = [:], configure: (inout SchemeStateMachine.Configuration) -> Void = { _ in }) -> SchemeStateMachine {
        var configuration = SchemeStateMachine.Configuration(
            name: "UnionPay", cutoff: TimeOfDay(hour: 23, minute: 0)!, timeout: .seconds(30), standInLimit: standInLimit,
            routes: [(bin: "622202", bank: "ICBC"), (bin: "6222021", bank: "Other")], zone: zone, currency: cny,
            standInRefusals: refusals)
        configure(&configuration)
        return SchemeStateMachine(configuration: configuration, seed: 1)
    }

    static func bank(balance: Int64 = 500_000, status: AccountStatus = .active, expiry: String = "2812", dailyLimit: Money? = nil) -> BankStateMachine {
        BankStateMachine(configuration: .init(
            name: "ICBC",
            cards: [.init(pan: "6222020000000001", expiry: expiry, status: status, dailyLimit: dailyLimit)],
            accounts: [(number: "6222020000000001", balance: Money(minorUnits: balance), status: status)],
            zone: zone, currency: cny), seed: 1)
    }

    /// A payout credit to the merchant's account, as the acquirer sends it.
    static func credit(_ amount: String = "000000009940") -> ISOMessage {
        var credit = ISOMessage(mti: .financialRequest)
        credit[3] = "280000"
        credit[4] = amount
        credit[37] = "123456789012"
        credit[103] = "6214830000000001"
        return credit
    }

    /// The scheme's answer to a forwarded request, with the clearing date it decided (DE15).
    static func approval(of request: ISOMessage, clearedOn mmdd: String = "0508") -> ISOMessage {
        var answer = request.response(code: .approved)
        answer[15] = mmdd
        answer[37] = "000000000001"
        return answer
    }
}
