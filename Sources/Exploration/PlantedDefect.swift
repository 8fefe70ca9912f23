public import PaymentNetwork
import ISO8583
public import RunCore
import SettlementCalendar

/// Known defects that `paylab explore --self-test` plants, one at a time, to show that
/// exploration finds them. They live here, not in the nodes: each is planted when the network
/// is assembled, as a configuration no real network has or as a node put in place of the
/// real one. No scenario file can plant one; `paylab run --plant` reruns a self-test's
/// reproducer with it.
public enum PlantedDefect: String, Sendable, CaseIterable, NetworkAlteration {
    /// The merchant's bank credits a payout twice.
    case payoutPaidTwice = "payout-paid-twice"
    /// The issuer acknowledges a reversal without giving the card its money back.
    case reversalNotCredited = "reversal-not-credited"
    /// The scheme's cutoff is one minute late: a swipe in that minute is cleared a day early.
    case cutoffOffByOneMinute = "cutoff-off-by-one-minute"
    /// The acquirer counts public holidays as business days (and makeup days as weekends).
    case holidayIgnored = "holiday-ignored"
    /// The acquirer rounds fees down instead of up.
    case feeRoundedDown = "fee-rounded-down"

    public func alter(_ configurations: inout NodeConfigurations) {
        switch self {
        case .cutoffOffByOneMinute:
            let cutoff = configurations.scheme.cutoff.secondsSinceMidnight
            configurations.scheme.cutoff = TimeOfDay(secondsSinceMidnight: min(cutoff + 60, 86399))
        case .holidayIgnored:
            configurations.acquirer.calendar = .weekdays
        case .feeRoundedDown:
            for index in configurations.acquirer.merchants.indices { configurations.acquirer.merchants[index].feeRounding = .down }
        case .payoutPaidTwice, .reversalNotCredited:
            break
        }
    }

    public func wrap(_ node: any NodeLogic) -> any NodeLogic {
        guard node is BankStateMachine, self == .payoutPaidTwice || self == .reversalNotCredited else { return node }
        return PlantedBank(bank: node, defect: self)
    }
}

/// A bank with a defect planted around it: it books every payout credit twice (answering and
/// recording only the first), or it answers every reversal 00 and does nothing with it (the
/// card never gets its money back). Everything else goes to the bank as it is.
private struct PlantedBank: NodeLogic {
    var bank: any NodeLogic
    let defect: PlantedDefect
    var name: String { bank.name }
    var ledger: Ledger { bank.ledger }
    var waitingOn: [NodeWait] { bank.waitingOn }
    var isWaiting: Bool { bank.isWaiting }
    var auditFailures: [AuditFailure] { bank.auditFailures }

    mutating func receive(_ message: ISOMessage, from peer: String, now: Instant) -> [NodeAction] {
        if defect == .reversalNotCredited, message.isReversal, !message.isResponse {
            return [.send(message.response(code: .approved), to: peer)]
        }
        let actions = bank.receive(message, from: peer, now: now)
        guard defect == .payoutPaidTwice, message.isPayout, !message.isResponse, let rrn = message[DE.rrn], !rrn.isEmpty else { return actions }
        // The same credit under another RRN: the bank books it again; its answer goes nowhere.
        var again = message
        again[DE.rrn] = String(rrn.dropLast()) + (rrn.last == "9" ? "8" : "9")
        _ = bank.receive(again, from: peer, now: now)
        return actions
    }
    mutating func start(now: Instant) -> [NodeAction] { bank.start(now: now) }
    mutating func timerFired(_ key: TimerKey, now: Instant) -> [NodeAction] { bank.timerFired(key, now: now) }
    mutating func perform(_ command: NodeCommand, now: Instant) -> [NodeAction] { bank.perform(command, now: now) }
    mutating func untrusted(_ message: ISOMessage, from peer: String, now: Instant) -> [NodeAction] { bank.untrusted(message, from: peer, now: now) }
    mutating func sendFailed(_ message: ISOMessage, to peer: String, now: Instant) -> [NodeAction] { bank.sendFailed(message, to: peer, now: now) }
    mutating func peerAvailable(_ peer: String, now: Instant) -> [NodeAction] { bank.peerAvailable(peer, now: now) }
    mutating func reserve(transactions: Int) { bank.reserve(transactions: transactions) }
    func security(towards peer: String) -> LinkSecurity? { bank.security(towards: peer) }
    var forwarded: HopMap? { bank.forwarded }
}
