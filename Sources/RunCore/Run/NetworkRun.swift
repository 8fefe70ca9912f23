import Scenario
import ISO8583
import NIOCore
import PaymentNetwork
import PaymentSecurity
import SettlementCalendar
import Wire

/// One scenario's network while it runs: the nodes' state machines, the wire between them,
/// the link faults, the virtual clock with its one queue of timers, held frames and fault
/// windows, and the timeline.
///
/// It lives on the run's event loop and is not `Sendable`: the runner reaches it through a
/// `NIOLoopBound`.
final class NetworkRun {
    let scenario: Scenario
    let wire: WireNetwork
    private(set) var now: Instant
    /// Everything that happened, in order.
    var timeline: [TimelineEvent] { events.all }
    var events = ChunkedLog<TimelineEvent>()
    /// Where events go instead of `events`, when a load run folds them as they come.
    var eventSink: ((TimelineEvent) -> Void)?
    /// Maps what a node reports back to the transaction the terminal started, through the
    /// forwarding nodes' own hop maps.
    let aliases: ReferenceAliases
    var nodes: [String: any NodeLogic] = [:]
    var scheduler = VirtualScheduler()
    var linkFaults: LinkFaults
    /// Frames a latency fault holds, by the number their release event carries.
    /// `sliced`: its first half went to a SUT already; the rest goes on release.
    var held: [Int: (node: String, peer: String, frame: [UInt8], sliced: Bool)] = [:]
    var heldCount = 0
    /// When the last frame held on each direction of a link (`peer -> node`) is released.
    var lastRelease: [String: Instant] = [:]
    /// What the link faults did, with the virtual time.
    var linkLog: [(at: Instant, what: String)] = []
    let codec = MessageCodec(dialect: .default)
    /// Each chip card's next application transaction counter.
    var nextATC: [String: Int] = [:]
    /// Each card's track 2 as its stripe reads, by PAN: its CVN is worked out once.
    var stripes: [String: Track2] = [:]
    /// Where each PAN's card is in the scenario's cards (the first, as a search would find it).
    let cardsByPAN: [String: Int]
    /// Who watches and steers a served run from outside (`certify pos`), if anyone.
    var director: (any ServeDirector)? {
        didSet { suts.director = director }
    }
    /// Chip faults in force, counted by window: `unreadable PAN` and `bad ARQC PAN`.
    var chipFaults: [String: Int] = [:]
    /// Nodes in an outage, with when it ends (nil: never).
    var down: [String: Instant?] = [:]
    /// Links cut by a `disconnect` fault, as `client -> server`.
    var cut: Set<String> = []
    /// Directions of links closing slowly (`node -> peer`): until the instant, what the node writes is lost.
    var slowClosing: [String: Instant] = [:]
    /// What node logic could not do (a message it could not pack, a date outside its calendar).
    private(set) var faults: [(node: String, fault: NodeFault)] = []
    /// What the fault windows did, with the virtual time.
    private(set) var faultLog: [(at: Instant, what: String)] = []
    /// The links to systems under test.
    private(set) var suts: SystemsUnderTest!
    /// The wall clock mapped to virtual time, when serving in real time.
    var wallClock: (() -> Instant)?

    /// This run, for closures that run later on its loop (the compiler checks they stay there).
    var bound: NIOLoopBound<NetworkRun> { NIOLoopBound(self, eventLoop: wire.eventLoop) }

    /// Makes the run; `tap`, when given, sees every frame written, with the virtual time.
    init(scenario: Scenario, wire: WireNetwork, tap: ((WireNetwork.WrittenFrame, Instant) -> Void)? = nil, planted: (any NetworkAlteration)? = nil) {
        self.scenario = scenario
        self.wire = wire
        self.now = scenario.start
        cardsByPAN = Dictionary(scenario.network.cards.enumerated().map { ($1.pan, $0) }, uniquingKeysWith: { first, _ in first })
        aliases = ReferenceAliases(numbering: NetworkAssembly.numbering(of: scenario.network))
        for node in NetworkAssembly.nodes(of: scenario, altered: planted) { nodes[node.name] = node }
        linkFaults = LinkFaults(scenario.faults.compactMap(Self.linkFault), seed: scenario.seed)
        for (index, fault) in scenario.faults.enumerated() {
            scheduler.schedule(.faultWindow(index: index, starting: true), at: fault.from)
            if let to = fault.to { scheduler.schedule(.faultWindow(index: index, starting: false), at: to) }
        }
        suts = SystemsUnderTest(
            network: scenario.network, exponent: scenario.currency.exponent, wire: wire,
            now: { [unowned self] in self.now }, record: { [unowned self] in self.record(self.resolved($0)) },
            authenticator: { [unowned self] node, peer in self.authenticator(node, peer) })
        wire.onFrame = { [unowned self] node, peer, bytes in self.arrived(bytes, at: node, from: peer) }
        if let tap { wire.onWrite = { [unowned self] frame in tap(frame, self.now) } }
    }

    /// Carries out a director's commands right after what it was just told, before the next frame
    /// is read (a case's set-up must be in place when the POS's next request arrives).
    func followDirector() {
        wire.eventLoop.execute { [unowned self] in _ = self.obeyDirector() }
    }

    /// Carries out the director's commands now; true when it says the run is over.
    func obeyDirector() -> Bool {
        guard let orders = director?.orders() else { return false }
        for (node, command) in orders.commands { self.command(command, to: node) }
        return orders.stop
    }

    /// Starts every node's server on 127.0.0.1, and the listeners where systems under test dial PayLab.
    func listen() -> EventLoopFuture<Void> {
        let listening = NetworkAssembly.servers(of: scenario).map { wire.listen(node: $0, clients: clients(of: $0)).map { _ in () } }
        return EventLoopFuture.andAllSucceed(listening + [suts.listen()], on: wire.eventLoop)
    }

    /// The PayLab nodes whose links a node serves: the only certificates its listener admits.
    func clients(of node: String) -> Set<String> {
        Set(scenario.network.links.filter { $0.server == node && !scenario.network.isExternal($0.client) }.map(\.client))
    }

    /// Opens every link (dialling and signing on to systems under test that are servers) and lets each node start.
    func connect() -> EventLoopFuture<Void> {
        let bound = self.bound
        return EventLoopFuture.andAllSucceed(scenario.network.links.map { open($0.client, $0.server) }, on: wire.eventLoop)
            .flatMap { bound.value.wire.whenQuiet() }
            .map {
                let run = bound.value
                for name in run.nodes.keys.sorted() {
                    run.carryOut(run.nodes[name]!.start(now: run.now), of: name)
                }
            }
    }

    /// Opens a link: PayLab's own over TLS 1.3; to a SUT that is a server, by dialling it (and
    /// signing on); a SUT that is a client dials PayLab.
    func open(_ client: String, _ server: String) -> EventLoopFuture<Void> {
        let network = scenario.network
        if network.isExternal(server) { return suts.dial(from: client, to: server) }
        if network.isExternal(client) { return wire.eventLoop.makeSucceededVoidFuture() }
        return wire.connect(from: client, to: server)
    }

    /// The ports a live capture watches: PayLab's listeners, the listeners for SUTs, and the SUTs' own.
    var capturedPorts: [String: Int] {
        var ports = wire.listeningPorts
        for (node, port) in wire.sutPorts { ports["\(node) (for SUTs)"] = port }
        for (node, system) in scenario.network.external { if let address = system.address { ports[node] = address.port } }
        return ports
    }

    /// Where each listener for SUTs is, as HOST:PORT.
    var sutAddresses: [String: String] {
        var addresses: [String: String] = [:]
        for (node, port) in wire.sutPorts {
            let host = scenario.network.listen[node]?.host ?? "127.0.0.1"
            addresses[node] = Endpoint(host: host, port: port).description
        }
        return addresses
    }

    /// Makes room for this many transactions in the lists that grow with a run (the scheme's
    /// clearing batch, the timer queue), a load run that knows its volume; the tables keyed by
    /// transaction grow a shard at a time and need none.
    func reserve(transactions: Int) {
        for name in nodes.keys { nodes[name]!.reserve(transactions: transactions) }
        scheduler.reserve(2 * transactions)
    }

    /// An event on the references its transaction started under, through the nodes' own hop maps.
    func resolved(_ event: TimelineEvent) -> TimelineEvent {
        aliases.resolve(event) { self.nodes[$0]?.forwarded }
    }

    /// In `serve`, the virtual clock follows the wall clock: a frame is handled at the time it arrives.
    /// nil: back to the virtual clock, which moves only when the runner fires the next timer.
    func followWallClock(_ clock: (() -> Instant)?) {
        wallClock = clock
    }

    /// Signs off the links PayLab opened to systems under test; completes when they answered or their waits ended.
    func signOff() -> EventLoopFuture<Void> { suts.signOff() }

    /// Handles the next timer, held frame or fault window if it is due by `limit`, and
    /// completes when the network is quiet again: true when it handled one.
    func fireNext(until limit: Instant, quietTimeout: TimeAmount) -> EventLoopFuture<Bool> {
        guard let next = scheduler.peek(), next.at <= limit else { return wire.eventLoop.makeSucceededFuture(false) }
        let bound = self.bound
        return fire().flatMap { bound.value.quiet(timeout: quietTimeout) }.map { true }
    }

    /// In real time: handles the next timer, held frame or fault window if it is due by
    /// `limit`, without waiting for the network to go quiet (under load it never is: frames are
    /// always in flight, and a timer's consequences take their course like any other frame's).
    /// True when it handled one.
    func fireDue(until limit: Instant) -> EventLoopFuture<Bool> {
        guard let next = scheduler.peek(), next.at <= limit else { return wire.eventLoop.makeSucceededFuture(false) }
        return fire().map { true }
    }

    /// Performs a step at its time and completes when the network is quiet again.
    func perform(_ step: Step, quietTimeout: TimeAmount) -> EventLoopFuture<Void> {
        perform(step)
        return quiet(timeout: quietTimeout)
    }

    /// Completes when the network is quiet, or fails after `timeout` of wall time.
    func quiet(timeout: TimeAmount) -> EventLoopFuture<Void> {
        let loop = wire.eventLoop
        // Already quiet (a timer that sent nothing): no watch to set and take down again.
        if wire.isQuiet { return loop.makeSucceededVoidFuture() }
        let promise = loop.makePromise(of: Void.self)
        wire.whenQuiet().cascade(to: promise)
        watch(promise, timeout: timeout)
        return promise.futureResult
    }

    /// Fails `promise` when the network has not gone quiet after `timeout` of wall time; while
    /// answers from systems under test are awaited (each bounded by its link's timeout) it waits on.
    private func watch(_ promise: EventLoopPromise<Void>, timeout: TimeAmount) {
        let bound = self.bound
        let timer = wire.eventLoop.scheduleTask(in: timeout) {
            let wire = bound.value.wire
            if wire.answersAwaited > 0, wire.framesInFlight == 0 {
                bound.value.watch(promise, timeout: timeout)
                return
            }
            promise.fail(WireError(message: "the network did not go quiet: \(wire.framesInFlight) frames in flight after \(timeout.nanoseconds / 1_000_000) ms; last problems: \(wire.problems.suffix(3))"))
        }
        promise.futureResult.whenComplete { _ in timer.cancel() }
    }

    /// Moves the clock to the next event and handles it.
    private func fire() -> EventLoopFuture<Void> {
        let done = wire.eventLoop.makeSucceededVoidFuture()
        guard let entry = scheduler.pop() else { return done }
        advance(to: entry.at)
        switch entry.event {
        case .faultWindow(let index, let starting):
            return faultWindow(index, starting: starting)
        case .closeSlowly(let client, let server):
            slowClosing["\(client) -> \(server)"] = nil
            slowClosing["\(server) -> \(client)"] = nil
            return wire.disconnect(client, server)
        case .release(let number):
            if let frame = held.removeValue(forKey: number) { hand(frame.frame, to: frame.node, from: frame.peer, restOfSlice: frame.sliced) }
            return done
        case .timer(let node, let key):
            if let end = down[node] {
                // A node in an outage does nothing; its timers run when it is back.
                if let end { scheduler.schedule(entry.event, at: end) }
                return done
            }
            guard nodes[node] != nil else { return done }
            carryOut(nodes[node]!.timerFired(key, now: now), of: node)
            return done
        }
    }

    func advance(to instant: Instant) {
        now = max(now, instant)
    }

    /// Whether nothing more can happen: every transaction is final, no node waits on
    /// anything and no frame is held.
    var isSettled: Bool {
        // (Debug builds, as every test runs, check the cheap answer against the described one.)
        assert(nodes.values.allSatisfy { $0.isWaiting == !$0.waitingOn.isEmpty }, "a node's isWaiting disagrees with its waitingOn")
        guard held.isEmpty, !nodes.values.contains(where: \.isWaiting) else { return false }
        return settlement.everythingSettled(timeline)
    }
    /// What `isSettled` knows of the timeline from the times before.
    private var settlement = SettlementWatch()

    /// Every transaction's outcome (the verdict's reading of the timeline): the one `isSettled`
    /// made last, when it read them all on the timeline as it is now.
    func outcomes(of timeline: [TimelineEvent]) -> [TransactionOutcome] {
        settlement.outcomes(of: timeline) ?? TransactionOutcome.all(from: timeline)
    }

    /// Frames a latency fault still holds.
    var heldFrames: Int { held.count }

    /// The ledgers of every node, by node name.
    func ledgers() -> [String: Ledger] { nodes.mapValues(\.ledger) }

    /// What each node is still waiting on, for nodes that wait on something.
    func waiting() -> [String: [String]] { nodes.mapValues { $0.waitingOn.map(\.description) }.filter { !$0.value.isEmpty } }

    /// What each node finds wrong in its own books, for nodes that find something.
    func audits() -> [String: [AuditFailure]] { nodes.mapValues(\.auditFailures).filter { !$0.value.isEmpty } }

    // MARK: - Fault windows

    func log(_ what: String) {
        faultLog.append((now, what))
    }

    // MARK: - Messages

    /// A frame reached a node: the link faults decide whether it is handed on now, later or never.
    private func arrived(_ bytes: [UInt8], at node: String, from peer: String) {
        if let wallClock { advance(to: wallClock()) }
        // A SUT's network management and its answers are settled at the link, before any fault;
        // an awaited answer's wait ends once the node has it (or a fault holds it).
        if let director, suts.isExternal(node, peer), let message = suts.decoded(bytes, at: node, from: peer) {
            director.received(message, bytes: bytes, from: peer, at: node)
            followDirector()
        }
        switch suts.accept(bytes, at: node, from: peer) {
        case .consumed: return
        case .deliver(let settles):
            passOn(bytes, at: node, from: peer)
            if settles { wire.answerSettled() }
        }
    }

    /// A frame goes through the link faults, then to its receiver (`node`, which may be a SUT).
    private func passOn(_ bytes: [UInt8], at node: String, from peer: String) {
        // PayLab's own links carry ASCII MTIs: 08xx is network management.
        let management = !suts.isExternal(peer, node) && bytes.count > 4 && bytes[0] == 0x30 && bytes[1] == 0x38
        let (verdict, log) = linkFaults.apply(to: bytes, at: node, from: peer, now: now, management: management)
        linkLog += log.map { (now, $0) }
        // A connection never reorders: a frame behind one still held waits for it. (Named only
        // once a frame was held: a run without latency faults names no link per frame.)
        var link: String { "\(peer) -> \(node)" }
        var release: Instant?
        var copies: [[UInt8]]
        var sliced = false
        switch verdict {
        case .deliver(let now): copies = now
        case .hold(let until, let later): copies = later; release = until
        case .slice(_, let until, let halves):
            // A node has the whole frame from its framer when the rest comes; a SUT is written
            // the first half now (behind nothing held) and the rest then.
            copies = halves
            release = until
            let behindNothing = lastRelease.isEmpty || (lastRelease[link].map { $0 <= now } ?? true)
            if suts.isExternal(peer, node), halves.count == 1, behindNothing {
                sliced = suts.transmitHalf(halves[0], from: peer, to: node)
            }
        }
        if !lastRelease.isEmpty, let last = lastRelease[link], last > now { release = max(release ?? last, last) }
        guard let release else {
            for copy in copies { hand(copy, to: node, from: peer) }
            return
        }
        lastRelease[link] = release
        for copy in copies {
            held[heldCount] = (node, peer, copy, sliced)
            scheduler.schedule(.release(frame: heldCount), at: release)
            heldCount += 1
        }
    }

    /// A frame past the faults reaches its receiver: a SUT over its link, or PayLab's node.
    private func hand(_ bytes: [UInt8], to node: String, from peer: String, restOfSlice: Bool = false) {
        if suts.isExternal(peer, node) {
            _ = suts.transmit(bytes, from: peer, to: node, restOfSlice: restOfSlice)
        } else {
            deliver(bytes, at: node, from: peer)
        }
    }

    private func deliver(_ bytes: [UInt8], at node: String, from peer: String) {
        let message: ISOMessage
        do throws(ISO8583Error) {
            if let external = suts.unpack(bytes, at: node, from: peer) {
                message = try external.get()
            } else {
                message = try codec.unpack(bytes, securedBy: authenticator(node, peer), exempt: ISOMessage.macExempt)
            }
        } catch {
            // A frame that fails its format or MAC: a request gets 30 (A0 for a MAC that does not
            // match: the sender signs on again for new keys), anything else is dropped.
            let readable = try? (suts.dialect(node, peer).map { MessageCodec(dialect: $0) } ?? codec).unpack(bytes)
            if let readable, readable.isResponse, error.reason == .macMismatch, nodes[node] != nil, down[node] == nil {
                // An answer that cannot be trusted: the node decides (a terminal reverses with A0).
                macFailed(readable, at: node, from: peer, what: "not taken")
                carryOut(nodes[node]!.untrusted(readable, from: peer, now: now), of: node)
            } else if let readable, !readable.isResponse {
                let code: ResponseCode = error.reason == .macMismatch ? .macFailure : .formatError
                if error.reason == .macMismatch {
                    macFailed(readable, at: node, from: peer, what: "answered A0")
                } else {
                    wire.reportProblem("\(node): bad frame from \(peer) (\(error)): answered \(code)")
                }
                send(readable.response(code: code), from: node, to: peer)
            } else {
                wire.reportProblem("\(node): malformed frame from \(peer) dropped: \(error)")
            }
            return
        }
        guard nodes[node] != nil, down[node] == nil else { return }
        carryOut(nodes[node]!.receive(message, from: peer, now: now), of: node)
    }

    /// A message whose MAC did not check under the keys `node` holds for its link to `peer`: on the
    /// transaction's timeline (a link fault that corrupts frames is not the only cause: keys out of step are).
    private func macFailed(_ message: ISOMessage, at node: String, from peer: String, what: String) {
        let algorithm = nodes[node]?.security(towards: peer).map { " (\($0.mac))" } ?? ""
        record(resolved(TimelineEvent(
            at: now, node: node, kind: .macFailed, reference: .transaction(message.transactionReference),
            detail: "the MAC\(algorithm) of the \(message.mti) from \(peer) did not check under the keys \(node) holds for the link: \(what)")))
    }

    private func send(_ message: ISOMessage, from node: String, to peer: String) {
        if !slowClosing.isEmpty, lostInSlowClose(message, from: node, to: peer) { return }
        if suts.isExternal(node, peer) {
            // To a SUT: in its dialect (as a director has it go), then through the link's faults as a frame to any node.
            var message = message, spoil = false
            let fate = director?.outgoing(message, to: peer, from: node) ?? .send
            if director != nil { followDirector() }
            switch fate {
            case .send: break
            case .drop: return
            case .spoilMAC: spoil = true
            case .replace(let other): message = other
            }
            if var bytes = suts.pack(message, from: node, to: peer), wire.isConnected(node, to: peer) {
                // The MAC (DE64 or DE128) is the last field of a message.
                if spoil, !bytes.isEmpty { bytes[bytes.count - 1] ^= 0x01 }
                director?.wrote(bytes, of: message, to: peer)
                passOn(bytes, at: peer, from: node)
            } else if nodes[node] != nil {
                carryOut(nodes[node]!.sendFailed(message, to: peer, now: now), of: node)
            }
            return
        }
        let bytes: [UInt8]
        do {
            bytes = try codec.pack(message, securedBy: authenticator(node, peer), exempt: ISOMessage.macExempt)
        } catch {
            faults.append((node, NodeFault(.unsendable, "built a message it cannot send to \(peer): \(error) in \(message)")))
            return
        }
        if !wire.send(from: node, to: peer, message: bytes), nodes[node] != nil {
            carryOut(nodes[node]!.sendFailed(message, to: peer, now: now), of: node)
        }
    }

    /// How each link is secured now, as the PayLab node at either end holds it.
    var linkSecurity: [(link: String, mac: String, pinBlocks: Bool)] {
        scenario.network.links.map { client, server in
            let security = nodes[client]?.security(towards: server) ?? nodes[server]?.security(towards: client)
            return ("\(client) -> \(server)", security?.macKey == nil ? "none" : security!.mac.rawValue, security?.pinKey != nil)
        }
    }

    /// The MAC `node` puts on what it sends `peer` and checks on what comes from it: the keys the
    /// node holds for that link (a link between PayLab's nodes always has them; one to a SUT when it names keys).
    func authenticator(_ node: String, _ peer: String) -> MACAuthenticator? {
        nodes[node]?.security(towards: peer)?.authenticator
    }

    /// An event, on the references its transaction started under: into the timeline, or the sink.
    func record(_ event: TimelineEvent) {
        if let eventSink { eventSink(event) } else { events.append(event) }
    }

    func carryOut(_ actions: [NodeAction], of node: String) {
        for action in actions {
            switch action {
            case .send(let message, let peer):
                send(message, from: node, to: peer)
            case .startTimer(let key, let at):
                scheduler.schedule(.timer(node: node, key: key), at: max(at, now))
            case .cancelTimer(let key):
                scheduler.cancel(.timer(node: node, key: key))
            case .record(let event):
                record(resolved(event))
            case .fault(let fault):
                faults.append((node, fault))
            }
        }
    }
}
