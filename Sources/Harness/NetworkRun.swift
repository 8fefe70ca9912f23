import ISO8583
import NIOCore
import PaymentNetwork
import SettlementCalendar
import Wire

/// One scenario's network while it runs: the nodes' state machines, the wire between them,
/// the virtual clock and its timers, and the timeline.
///
/// Confined to one event loop: every method must run on it.
final class NetworkRun: @unchecked Sendable {
    let scenario: Scenario
    let wire: WireNetwork
    private(set) var now: Instant
    private(set) var timeline: [TimelineEvent] = []
    private var nodes: [String: any NodeLogic] = [:]
    private var scheduler = VirtualScheduler()
    private let codec = MessageCodec(dialect: .default)
    /// What node logic could not do (a message it could not pack, a date outside its calendar).
    private(set) var faults: [String] = []

    init(scenario: Scenario, wire: WireNetwork) {
        self.scenario = scenario
        self.wire = wire
        self.now = scenario.start
        for node in NetworkAssembly.nodes(of: scenario) { nodes[node.name] = node }
        wire.onFrame = { [unowned self] node, peer, bytes in self.receive(bytes, at: node, from: peer) }
    }

    /// Names of the nodes that run a server (all but the terminals).
    var serverNodes: [String] { NetworkAssembly.servers(of: scenario) }
    /// Client connections to open: (client, server).
    var links: [(String, String)] { NetworkAssembly.links(of: scenario) }

    /// Starts servers, opens every link, and lets each node start.
    func start() -> EventLoopFuture<Void> {
        let loop = wire.eventLoop
        let listening = serverNodes.map { wire.listen(node: $0).map { _ in () } }
        return EventLoopFuture.andAllSucceed(listening, on: loop).flatMap { [self] in
            EventLoopFuture.andAllSucceed(links.map { wire.connect(from: $0.0, to: $0.1) }, on: loop)
        }.map { [self] in
            for name in nodes.keys.sorted() {
                let actions = nodes[name]!.start(now: now)
                carryOut(actions, of: name)
            }
        }
    }

    /// The time of the next timer, if any.
    func nextTimer() -> Instant? { scheduler.peek()?.at }

    /// Moves the clock to the next timer and fires it.
    func fireNextTimer() {
        guard let timer = scheduler.pop() else { return }
        now = max(now, timer.at)
        guard nodes[timer.node] != nil else { return }
        let actions = nodes[timer.node]!.timerFired(TimerKey(timer.key), now: now)
        carryOut(actions, of: timer.node)
    }

    /// Moves the clock to a step and performs it.
    func perform(_ step: Step) {
        now = max(now, step.at)
        switch step.action {
        case .swipe(let id, let terminal, let card, let amount, let keyed):
            let spec = scenario.network.cards.first { $0.pan == card }
            let swipe = NodeCommand.Swipe(id: id, pan: card, expiry: spec?.expiry ?? "2812", amount: keyed ?? amount)
            guard nodes[terminal] != nil else { return }
            carryOut(nodes[terminal]!.perform(.swipe(swipe), now: now), of: terminal)
        }
    }

    /// The ledgers of every node, by node name.
    func ledgers() -> [String: Ledger] { nodes.mapValues(\.ledger) }

    private func receive(_ bytes: [UInt8], at node: String, from peer: String) {
        let message: ISOMessage
        do {
            message = try codec.unpack(bytes)
        } catch {
            wire.reportProblem("\(node): malformed frame from \(peer) dropped: \(error)")
            return
        }
        guard nodes[node] != nil else { return }
        carryOut(nodes[node]!.receive(message, from: peer, now: now), of: node)
    }

    private func carryOut(_ actions: [NodeAction], of node: String) {
        for action in actions {
            switch action {
            case .send(let message, let peer):
                do {
                    wire.send(from: node, to: peer, message: try codec.pack(message))
                } catch {
                    faults.append("\(node) built a message it cannot send to \(peer): \(error) in \(message)")
                }
            case .startTimer(let key, let at):
                scheduler.schedule(node: node, key: key.name, at: max(at, now))
            case .cancelTimer(let key):
                scheduler.cancel(node: node, key: key.name)
            case .record(let event):
                timeline.append(event)
            case .fault(let problem):
                faults.append("\(node): \(problem)")
            }
        }
    }
}
