import Foundation
public import ISO8583
public import PaymentNetwork
public import RunCore
import Synchronization

/// Plays the POS centre's part of `certify pos`, case by case, inside a served run of PayLab's
/// real acquirer, scheme and banks: announces each case, answers the POS as the case needs (by
/// dropping, spoiling or replacing the node's answer, or spoiling the issuer's ARPC), matches
/// what the POS sends against the case's expected messages, and judges them.
public final class POSDirector: ServeDirector {
    struct State {
        var index = 0
        var started: ContinuousClock.Instant?
        var lastMatch: ContinuousClock.Instant?
        var matched: [ISOMessage] = []
        var answers: [Int: ISOMessage] = [:]
        var messages: [CertificationRun.Exchanged] = []
        var outcomes: [CertificationRun.Outcome] = []
        var commands: [(node: String, command: NodeCommand)] = []
    }

    let suite: POSSuite
    let cases: [POSSuite.Case]
    let issuer: String
    let caseTimeout: Duration
    let firstWait: Duration
    let announce: @Sendable (POSSuite.Case) -> Void
    /// The TPDU and header the POS's messages must start with (`--tpdu`, `--header`), if checked.
    let expectedHeader: [UInt8]?
    private let state = Mutex(State())

    public init(suite: POSSuite, only: Set<String>?, issuer: String, caseTimeout: Duration, firstWait: Duration, expectedHeader: [UInt8]? = nil,
                announce: @escaping @Sendable (POSSuite.Case) -> Void) {
        self.expectedHeader = expectedHeader
        self.suite = suite
        cases = suite.cases.filter { only?.contains($0.id) ?? true }
        self.issuer = issuer
        self.caseTimeout = caseTimeout
        self.firstWait = firstWait
        self.announce = announce
    }

    /// The verdicts of the cases run so far.
    public var outcomes: [CertificationRun.Outcome] { state.withLock { $0.outcomes } }

    public func received(_ message: ISOMessage, bytes: [UInt8], from peer: String, at node: String) {
        guard peer == suite.terminal else { return }
        state.withLock { state in
            guard state.index < cases.count, state.started != nil else { return }
            var expect = cases[state.index].expect
            // A new transaction while the case still waits for what the POS owed (its reversal, its
            // upload): the case ends there, failed, and the message belongs to the next one.
            if !state.matched.isEmpty, state.matched.count < expect.count, message.mti.rawValue != expect[state.matched.count].mti,
               message.mti.isRequest, message.mti.messageClass != .networkManagement, !message.isReversal {
                finish(&state, waited: nil)
                guard state.index < cases.count else { return }
                expect = cases[state.index].expect
            }
            let step = min(state.matched.count + 1, expect.count)
            state.messages.append(CertificationRun.Exchanged(step: step, sent: false, at: Date(), bytes: bytes, message: message))
            if state.matched.count < expect.count, message.mti.rawValue == expect[state.matched.count].mti {
                state.matched.append(message)
                state.lastMatch = .now
            }
        }
    }

    public func outgoing(_ message: ISOMessage, to peer: String, from node: String) -> OutgoingFate {
        guard peer == suite.terminal else { return .send }
        return state.withLock { state -> OutgoingFate in
            guard state.index < cases.count else { return .send }
            let item = cases[state.index]
            let answered = state.matched.indices.last { index in
                state.answers[index] == nil && state.matched[index].mti.response == message.mti && state.matched[index][DE.stan] == message[DE.stan]
            }
            var fate = OutgoingFate.send
            var sent = message
            if let answered {
                if answered == 0 {
                    switch item.centre {
                    case .noAnswer: fate = .drop
                    case .badMAC: fate = .spoilMAC
                    case .disagree where message.mti.rawValue == "0510":
                        if let (totals, _) = BatchTotals.unionPay(message) {
                            totals.writeUnionPay(into: &sent, code: .disagree)
                            fate = .replace(sent)
                        }
                    default: break
                    }
                }
                state.answers[answered] = sent
            }
            defer {
                // The answer to the case's last message ends it.
                if answered == item.expect.count - 1, state.matched.count == item.expect.count { finish(&state, waited: nil) }
            }
            let step = (answered ?? state.matched.count - 1) + 1
            if case .drop = fate {} else {
                state.messages.append(CertificationRun.Exchanged(step: max(step, 1), sent: true, at: Date(), bytes: [], message: sent))
            }
            return fate
        }
    }

    public func wrote(_ bytes: [UInt8], of message: ISOMessage, to peer: String) {
        guard peer == suite.terminal else { return }
        state.withLock { state in
            // The evidence shows the answer as it went: the last one recorded of this MTI and STAN
            // (in the case just judged, when that answer ended it).
            func matches(_ exchanged: CertificationRun.Exchanged) -> Bool {
                exchanged.sent && exchanged.bytes.isEmpty && exchanged.message?.mti == message.mti && exchanged.message?[DE.stan] == message[DE.stan]
            }
            if let index = state.messages.lastIndex(where: matches) {
                state.messages[index].bytes = bytes
            } else if let last = state.outcomes.indices.last, let index = state.outcomes[last].messages.lastIndex(where: matches) {
                state.outcomes[last].messages[index].bytes = bytes
            }
        }
    }

    public func orders() -> DirectorOrders {
        state.withLock { state -> DirectorOrders in
            guard state.index < cases.count else {
                var orders = take(&state)
                orders.stop = true
                return orders
            }
            guard let started = state.started else {
                begin(&state)
                return take(&state)
            }
            let wait = state.index == 0 ? firstWait : caseTimeout
            let quietAfterLast = state.matched.count == cases[state.index].expect.count && (state.lastMatch.map { ContinuousClock.now - $0 > .seconds(2) } ?? false)
            guard quietAfterLast || ContinuousClock.now - started > wait else { return take(&state) }
            let silent = !state.messages.contains { !$0.sent }
            finish(&state, waited: quietAfterLast ? nil : wait)
            if silent, !quietAfterLast { abandon(&state, after: cases[state.index - 1].id, waited: wait) }
            return take(&state)
        }
    }

    /// The POS sent nothing for a whole case (it is not connected, or stuck): the cases after it
    /// are not run, and say why, rather than each waiting out its time.
    func abandon(_ state: inout State, after id: String, waited: Duration) {
        if let item = state.index < cases.count ? cases[state.index] : nil, item.centre == .badARPC { state.commands.append((issuer, .spoilARPC(false))) }
        for item in cases[state.index...] {
            state.outcomes.append(CertificationRun.Outcome(id: item.id, name: item.name, mandatory: true,
                                                           skipped: "not run: the POS sent nothing for \(id) within \(waited.components.seconds) s",
                                                           checks: [], messages: []))
        }
        state.index = cases.count
        state.started = nil
    }

    /// Starts the current case: announced, and the centre set up for it.
    func begin(_ state: inout State) {
        guard state.index < cases.count else { return }
        let item = cases[state.index]
        state.started = .now
        announce(item)
        if item.centre == .badARPC { state.commands.append((issuer, .spoilARPC(true))) }
    }

    /// Ends the current case with its verdict and begins the next (at once: the POS may send its
    /// next case's messages as soon as it has its last answer).
    func finish(_ state: inout State, waited: Duration?) {
        let item = cases[state.index]
        state.outcomes.append(judge(item, state: state, waited: waited))
        if item.centre == .badARPC { state.commands.append((issuer, .spoilARPC(false))) }
        state.index += 1
        state.started = nil
        state.lastMatch = nil
        state.matched = []
        state.answers = [:]
        state.messages = []
        begin(&state)
    }

    private func take(_ state: inout State) -> DirectorOrders {
        defer { state.commands = [] }
        return DirectorOrders(commands: state.commands)
    }
}
