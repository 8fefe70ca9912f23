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
        guard node is BankStateMachine else { return node }
        switch self {
        case .payoutPaidTwice: return CreditsPayoutsTwice(bank: node)
        case .reversalNotCredited: return AcknowledgesReversalsOnly(bank: node)
        default: return node
        }
    }
}

/// A bank that books every payout credit twice, answering and recording only the first.
private struct CreditsPayoutsTwice: NodeLogic {
    var bank: any NodeLogic
    var name: String { bank.name }
    var ledger: Ledger { bank.ledger }
    var waitingOn: [String] { bank.waitingOn }
    var auditFailures: [String] { bank.auditFailures }

    mutating func receive(_ message: ISOMessage, from peer: String, now: Instant) -> [NodeAction] {
        let actions = bank.receive(message, from: peer, now: now)
        guard message.isPayout, !message.isResponse, let rrn = message[DE.rrn], !rrn.isEmpty else { return actions }
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
}

/// An issuer that answers every reversal 00 and does nothing with it: the card is never given
/// its money back.
private struct AcknowledgesReversalsOnly: NodeLogic {
    var bank: any NodeLogic
    var name: String { bank.name }
    var ledger: Ledger { bank.ledger }
    var waitingOn: [String] { bank.waitingOn }
    var auditFailures: [String] { bank.auditFailures }

    mutating func receive(_ message: ISOMessage, from peer: String, now: Instant) -> [NodeAction] {
        guard message.isReversal, !message.isResponse else { return bank.receive(message, from: peer, now: now) }
        return [.send(message.response(code: .approved), to: peer)]
    }
    mutating func start(now: Instant) -> [NodeAction] { bank.start(now: now) }
    mutating func timerFired(_ key: TimerKey, now: Instant) -> [NodeAction] { bank.timerFired(key, now: now) }
    mutating func perform(_ command: NodeCommand, now: Instant) -> [NodeAction] { bank.perform(command, now: now) }
    mutating func untrusted(_ message: ISOMessage, from peer: String, now: Instant) -> [NodeAction] { bank.untrusted(message, from: peer, now: now) }
    mutating func sendFailed(_ message: ISOMessage, to peer: String, now: Instant) -> [NodeAction] { bank.sendFailed(message, to: peer, now: now) }
    mutating func peerAvailable(_ peer: String, now: Instant) -> [NodeAction] { bank.peerAvailable(peer, now: now) }
    mutating func reserve(transactions: Int) { bank.reserve(transactions: transactions) }
}
