import ISO8583
import SettlementCalendar
@testable import PaymentNetwork

/// Node logics wired together in memory, without sockets: messages are delivered in the order
/// they were sent, at the instant they were sent; timers fire in time order. For testing a
/// message flow across every node on the virtual clock (the runner does the same over TLS).
struct InMemoryNetwork {
    private(set) var nodes: [String: any NodeLogic] = [:]
    private(set) var now: Instant
    private(set) var timeline: [TimelineEvent] = []
    private(set) var faults: [String] = []
    /// Every message delivered: from, to, message.
    private(set) var delivered: [(from: String, to: String, message: ISOMessage)] = []
    /// Drop the next message that matches (from, to, MTI).
    var drops: [(from: String, to: String, mti: MTI)] = []
    private var queue: [(from: String, to: String, message: ISOMessage)] = []
    private var timers: [String: [TimerKey: Instant]] = [:]
    private var aliases: ReferenceAliases

    init(_ nodes: [any NodeLogic], start: Instant) {
        now = start
        // Whose STANs each node receives: the scheme the acquirer's, each issuer the scheme's.
        var numbering: [String: String] = [:]
        for node in nodes {
            if let acquirer = node as? AcquirerStateMachine { numbering[acquirer.configuration.scheme] = acquirer.name }
            if let scheme = node as? SchemeStateMachine { for route in scheme.configuration.routes { numbering[route.bank] = scheme.name } }
        }
        aliases = ReferenceAliases(numbering: numbering)
        for node in nodes { self.nodes[node.name] = node }
        for name in self.nodes.keys.sorted() { carryOut(self.nodes[name]!.start(now: start), of: name) }
        deliver()
    }

    /// Gives a node a command at `at` (the clock runs forward to it first) and runs until quiet.
    /// A dispute names the purchase as the issuer knows it (under the last hop's STAN).
    mutating func perform(_ command: NodeCommand, on node: String, at: Instant) {
        run(until: at)
        var command = command
        if case .dispute(let id, let original, let reason) = command { command = .dispute(id: id, of: aliases.deepest(of: original, forwarders: Array(nodes.keys)) { nodes[$0]?.forwarded }, reason: reason) }
        carryOut(nodes[node]!.perform(command, now: now), of: node)
        deliver()
    }

    /// Delivers a message as if `from` (a node that need not be in the network, such as a
    /// terminal played by the test) had sent it now, and runs until quiet.
    mutating func inject(_ message: ISOMessage, from: String, to: String) {
        queue.append((from, to, message))
        deliver()
    }

    /// Fires every timer due by `instant`, in time order, delivering what each sends.
    mutating func run(until instant: Instant) {
        while let (node, key, at) = nextTimer(), at <= instant {
            now = max(now, at)
            timers[node]?[key] = nil
            carryOut(nodes[node]!.timerFired(key, now: now), of: node)
            deliver()
        }
        now = max(now, instant)
    }

    func ledger(_ node: String) -> Ledger { nodes[node]!.ledger }

    /// Every node retires what is final (a load run's night); how many entries each retired.
    mutating func retireFinal() -> [String: Int] {
        var retired: [String: Int] = [:]
        for name in nodes.keys { retired[name] = nodes[name]!.retireFinal(now: now) }
        return retired
    }

    /// The events recorded for a reference, as kinds.
    func kinds(_ reference: TransactionReference) -> [EventKind] {
        timeline.filter { $0.reference == .transaction(reference) }.map(\.kind)
    }

    /// The reference of the transaction a terminal started for a scenario id.
    func reference(of id: String) -> TransactionReference? {
        for event in timeline where event.kind == .swiped && event.facts.transactionID == id {
            if case .transaction(let reference) = event.reference { return reference }
        }
        return nil
    }

    /// The answer the terminal recorded for a transaction id.
    func answer(_ id: String) -> ResponseCode? {
        timeline.last { $0.facts.transactionID == id && [.authorized, .declined, .cancelled].contains($0.kind) && $0.node.hasPrefix("T") }?.facts.responseCode
    }

    /// Whether every ledger balances, and each pair of nodes' settlement accounts mirror each other.
    var moneyConserved: Bool {
        let names = nodes.keys.sorted()
        for name in names where nodes[name]!.ledger.total != .zero { return false }
        for (i, a) in names.enumerated() {
            for b in names[(i + 1)...] where nodes[a]!.ledger.balance(Ledger.settlement(with: b)) + nodes[b]!.ledger.balance(Ledger.settlement(with: a)) != .zero {
                return false
            }
        }
        return true
    }

    private func nextTimer() -> (String, TimerKey, Instant)? {
        var best: (String, TimerKey, Instant)?
        for (node, keys) in timers.sorted(by: { $0.key < $1.key }) {
            for (key, at) in keys where best == nil || at < best!.2 { best = (node, key, at) }
        }
        return best
    }

    private mutating func carryOut(_ actions: [NodeAction], of node: String) {
        for action in actions {
            switch action {
            case .send(let message, let peer): queue.append((node, peer, message))
            case .startTimer(let key, let at): timers[node, default: [:]][key] = at
            case .cancelTimer(let key): timers[node]?[key] = nil
            case .record(let event): timeline.append(aliases.resolve(event) { nodes[$0]?.forwarded })
            case .fault(let text): faults.append("\(node): \(text)")
            }
        }
    }

    private mutating func deliver() {
        while !queue.isEmpty {
            let (from, to, message) = queue.removeFirst()
            if let index = drops.firstIndex(where: { $0.from == from && $0.to == to && $0.mti == message.mti }) {
                drops.remove(at: index)
                continue
            }
            delivered.append((from, to, message))
            guard nodes[to] != nil else { continue }
            carryOut(nodes[to]!.receive(message, from: from, now: now), of: to)
        }
    }
}

extension Fixture {
    /// Terminal T0000001, acquirer Leshua, scheme UnionPay, issuer ICBC (card 6222020000000001 with `balance`), merchant bank CMB.
    static func network(balance: Int64 = 500_000, preauthDays: Int = 30, start: Instant = friday) -> InMemoryNetwork {
        let scheme = SchemeStateMachine(configuration: .init(
            name: "UnionPay", cutoff: TimeOfDay(hour: 23, minute: 0)!, timeout: .seconds(30), standInLimit: nil,
            routes: [(bin: "622202", bank: "ICBC")], zone: zone, currency: cny, preauthDays: preauthDays), seed: 1)
        let issuer = BankStateMachine(configuration: .init(
            name: "ICBC", cards: [.init(pan: "6222020000000001", expiry: "2812")],
            accounts: [(number: "6222020000000001", balance: Money(minorUnits: balance), status: .active)],
            zone: zone, currency: cny, preauthDays: preauthDays), seed: 1)
        let merchantBank = BankStateMachine(configuration: .init(
            name: "CMB", cards: [], accounts: [(number: "6214830000000001", balance: .zero, status: .active)], zone: zone, currency: cny), seed: 1)
        return InMemoryNetwork([terminal(), acquirer(), scheme, issuer, merchantBank], start: start)
    }

    static func swipe(_ id: String, _ amount: Int64, preauthorization: Bool = false) -> NodeCommand {
        .swipe(.init(id: id, pan: "6222020000000001", expiry: "2812", amount: Money(minorUnits: amount), preauthorization: preauthorization))
    }
}
