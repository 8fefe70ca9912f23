import Foundation
import Scenario
import ISO8583
import NIOCore
import PaymentNetwork
import PaymentSecurity
import SettlementCalendar
import Wire

/// The links of one run to systems under test (SUTs): their dialects and framings, the
/// requests PayLab waits on (in real time, each bounded by its link's timeout), network
/// management both ways (sign-on, echo, sign-off; answering a SUT's 0800), and pairing
/// answers with requests by key.
///
/// It lives on the run's event loop and is not `Sendable`.
final class SystemsUnderTest {
    /// One direction of PayLab's side of a link: PayLab's `node` and the SUT `peer`.
    struct LinkKey: Hashable {
        var node: String
        var peer: String
    }

    /// What PayLab knows of one link to a SUT.
    private struct Session {
        var system: ExternalSystem
        var codec: MessageCodec
        /// PayLab opened it (the SUT is the server): PayLab signs on, echoes and signs off.
        var dialed: Bool
        var signedOn = false
        var stan = 0
        var echo: Scheduled<Void>?
        var matcher: AnswerMatcher<Int>
        /// Requests in a row that got no answer within the timeout.
        var unanswered = 0
        /// The bytes before the MTI (a UnionPay POS's TPDU and header) of the last frame the SUT sent.
        var header: [UInt8]?

        /// The message in the SUT's dialect, MACed by PayLab's node with the keys it holds for the
        /// link (none when the link names no keys). In a dialect with bytes before the MTI, PayLab's
        /// message takes the SUT's last ones, the TPDU's destination and source swapped (zeros
        /// after a 0x60 TPDU id before the SUT has sent any).
        func pack(_ message: ISOMessage, securedBy authenticator: MACAuthenticator?) throws(ISO8583Error) -> [UInt8] {
            var message = message.recast(from: .default, to: codec.dialect)
            let length = codec.dialect.headerLength
            if length > 0, message.header.count != length {
                var header = self.header ?? ([0x60] + [UInt8](repeating: 0, count: length - 1))
                if header.count == length, length >= 5 { header.swapAt(1, 3); header.swapAt(2, 4) }
                message.header = header
            }
            return try codec.pack(message, securedBy: authenticator, exempt: ISOMessage.macExempt)
        }

        /// A frame from the SUT in PayLab's terms, its MAC checked when `authenticator` is given.
        func unpack(_ bytes: [UInt8], securedBy authenticator: MACAuthenticator?) throws(ISO8583Error) -> ISOMessage {
            try codec.unpack(bytes, securedBy: authenticator, exempt: ISOMessage.macExempt).recast(from: codec.dialect, to: .default)
        }
    }

    /// A request PayLab sent a SUT, until its answer comes.
    private struct Awaited {
        var link: LinkKey
        var request: ISOMessage
        var summary: String
        var management: String?
        var timer: Scheduled<Void>?
        var expired = false
        var sentAt = ContinuousClock.now
    }

    /// After this many requests in a row without an answer, a SUT is not waited for in real time.
    static let silenceLimit = 3

    private let network: NetworkSpec
    private let exponent: Int
    private var hostAnswers = HostAnswers()
    private var terminalSwipes = HostAnswers.TerminalSwipes()
    private let record: (TimelineEvent) -> Void
    private let terminals: Set<String>
    /// The banks that issue cards (an issuer under test signs off to the scheme for its maintenance).
    private let issuers: Set<String>
    private let wire: WireNetwork
    private let now: () -> Instant
    /// The MAC PayLab's node puts on a link and checks on it: the node's keys for its peer.
    private let authenticator: (_ node: String, _ peer: String) -> MACAuthenticator?
    private var sessions: [LinkKey: Session] = [:]
    /// Who watches a served run (`certify pos`): told of the answers given here.
    var director: (any ServeDirector)?
    private var awaited: [Int: Awaited] = [:]
    private var nextToken = 0
    /// The frame `accept` last decoded, which the node's delivery then need not decode again
    /// (unless a fault changed its bytes on the way, or the node's keys changed while a fault
    /// held it): one whose MAC checked under `mac`, the keys the node then held for the link.
    private var lastAccepted: (key: LinkKey, bytes: [UInt8], message: ISOMessage, mac: MACAuthenticator?)?
    /// The wall time from the write of each answered request to its answer.
    private(set) var roundTrips: [Duration] = []
    /// What happened on the links, for the run's log (sign-ons, echoes, late and unmatched answers).
    private(set) var log: [(at: Instant, what: String)] = []

    /// Forgets the purchases of the terminals under test (a load run's night: they were answered).
    func forgetSwipes() { terminalSwipes = HostAnswers.TerminalSwipes() }

    private var bound: NIOLoopBound<SystemsUnderTest> { NIOLoopBound(self, eventLoop: wire.eventLoop) }

    /// Links for the run's network; `record` takes the events SUTs' messages stand for.
    init(network: NetworkSpec, exponent: Int, wire: WireNetwork, now: @escaping () -> Instant, record: @escaping (TimelineEvent) -> Void,
         authenticator: @escaping (_ node: String, _ peer: String) -> MACAuthenticator?) {
        self.network = network
        self.authenticator = authenticator
        self.record = record
        terminals = Set(network.merchants.flatMap(\.terminals))
        issuers = Set(network.banks.filter { !$0.bins.isEmpty }.map(\.name))
        self.exponent = exponent
        self.wire = wire
        self.now = now
        for link in network.links {
            if let system = network.external[link.server] {
                sessions[LinkKey(node: link.client, peer: link.server)] = Self.session(system, dialed: true)
            } else if let system = network.external[link.client] {
                sessions[LinkKey(node: link.server, peer: link.client)] = Self.session(system, dialed: false)
            }
        }
    }

    private static func session(_ system: ExternalSystem, dialed: Bool) -> Session {
        Session(system: system, codec: MessageCodec(dialect: system.dialect), dialed: dialed, matcher: AnswerMatcher(fields: system.match))
    }

    /// Makes room for this many purchases from POS applications under test.
    /// Whether the link from `node` to `peer` is one to a SUT.
    func isExternal(_ node: String, _ peer: String) -> Bool { sessions[LinkKey(node: node, peer: peer)] != nil }

    /// The dialect of a link to a SUT.
    func dialect(_ node: String, _ peer: String) -> Dialect? { sessions[LinkKey(node: node, peer: peer)]?.codec.dialect }

    /// A message from a SUT, read in its link's dialect (and MAC, if the link names keys); nil when the link is PayLab's own.
    func unpack(_ bytes: [UInt8], at node: String, from peer: String) -> Result<ISOMessage, ISO8583Error>? {
        let key = LinkKey(node: node, peer: peer)
        guard let session = sessions[key] else { return nil }
        let authenticator = authenticator(node, peer)
        // The bytes before the MTI (a TPDU and header) belong to the link, not to PayLab's nodes.
        if let last = lastAccepted, last.key == key, last.mac == authenticator, last.bytes == bytes { return .success(last.message.withoutHeader) }
        return Result { () throws(ISO8583Error) in try session.unpack(bytes, securedBy: authenticator).withoutHeader }
    }

    // MARK: - Opening the links

    /// How a link to this SUT is secured and framed on the wire.
    func wireLink(for system: ExternalSystem) throws -> WireNetwork.ExternalLink {
        let roots = try system.ca.map(PeerVerifier.certificates(pemFile:)) ?? [wire.authority.certificate]
        let source = system.ca ?? "the run's CA (the --pki CA, which signed sut.pem)"
        let security: WireNetwork.ExternalLink.Security = switch system.tls {
        case .mutual: .mutual
        case .server: .server
        case .none: .none
        }
        return WireNetwork.ExternalLink(
            security: security, verifier: PeerVerifier(roots: roots, rootsSource: source, expectedHost: nil),
            framing: system.framing, timeout: TimeAmount(system.timeout))
    }

    /// Starts the listeners where SUTs dial PayLab's nodes (`only`: one node's, after its outage,
    /// on the port it had).
    func listen(only: String? = nil) -> EventLoopFuture<Void> {
        var byNode: [String: [String]] = [:]
        for (key, session) in sessions where !session.dialed && (only == nil || key.node == only) { byNode[key.node, default: []].append(key.peer) }
        let futures = byNode.sorted { $0.key < $1.key }.map { node, peers -> EventLoopFuture<Void> in
            let peers = peers.sorted()
            let system = network.external[peers[0]]!
            var endpoint = network.listen[node] ?? Endpoint(host: "127.0.0.1", port: 0)
            if endpoint.port == 0, let earlier = wire.sutPorts[node] { endpoint.port = earlier }
            let link: WireNetwork.ExternalLink
            do {
                link = try wireLink(for: system)
            } catch {
                return wire.eventLoop.makeFailedFuture(error)
            }
            // Several SUTs on one listener (external terminals) are told apart by DE41 of their first message.
            let codecs = peers.map { (peer: $0, codec: MessageCodec(dialect: network.external[$0]!.dialect)) }
            let identify: @Sendable ([UInt8]) -> String? = { bytes in
                for (peer, codec) in codecs {
                    if let message = try? codec.unpack(bytes), message[DE.terminalID] == peer { return peer }
                }
                return nil
            }
            return wire.listenForSUTs(node: node, host: endpoint.host, port: endpoint.port, peers: peers, link: link, identify: identify)
                .map { _ in () }
        }
        return EventLoopFuture.andAllSucceed(futures, on: wire.eventLoop)
    }

    /// Dials a SUT that is a server and signs on; a SUT that cannot be reached is a problem in
    /// the log, and the run goes on (PayLab's node then finds no link, as it would in life).
    func dial(from node: String, to peer: String) -> EventLoopFuture<Void> {
        let key = LinkKey(node: node, peer: peer)
        guard let session = sessions[key], session.dialed, let address = session.system.address else {
            return wire.eventLoop.makeSucceededVoidFuture()
        }
        let bound = self.bound
        let link: WireNetwork.ExternalLink
        do {
            link = try wireLink(for: session.system)
        } catch {
            wire.reportProblem("\(node) cannot dial \(peer): \(error)")
            return wire.eventLoop.makeSucceededVoidFuture()
        }
        // A SUT still starting refuses the connection: dial again every 250 ms until the link's timeout.
        let deadline = NIODeadline.now() + link.timeout
        @Sendable func attempt() -> EventLoopFuture<Void> {
            let systems = bound.value
            return systems.wire.dial(from: node, to: peer, host: address.host, port: address.port, link: link)
                .map { bound.value.manage(key, .signOn) }
                .flatMapError { error in
                    let systems = bound.value
                    if (error as? WireError)?.refused == true, NIODeadline.now() + .milliseconds(250) < deadline {
                        return systems.wire.eventLoop.scheduleTask(in: .milliseconds(250)) {}.futureResult.flatMap { attempt() }
                    }
                    systems.wire.reportProblem("\(node) could not reach \(peer): \(error)")
                    return systems.wire.eventLoop.makeSucceededVoidFuture()
                }
        }
        return attempt()
    }

    /// Signs off every link PayLab opened (0800, DE70 002) and completes when the answers are in
    /// or their waits are over.
    func signOff() -> EventLoopFuture<Void> {
        for (key, session) in sessions.sorted(by: { "\($0.key)" < "\($1.key)" }) where session.dialed && wire.isConnected(key.node, to: key.peer) {
            manage(key, .signOff)
        }
        for key in sessions.keys { sessions[key]?.echo?.cancel() }
        return wire.whenQuiet()
    }

    /// Sends a network management request on a link PayLab opened.
    private func manage(_ key: LinkKey, _ management: NetworkManagement) {
        guard var session = sessions[key] else { return }
        session.stan = session.stan % 999_999 + 1
        sessions[key] = session
        send(management.request(stan: TraceNumbers.text(session.stan), now: now()), from: key.node, to: key.peer, management: management.description)
    }

    // MARK: - Sending

    /// Sends a message to a SUT at once (network management; PayLab's answers to a SUT's 0800).
    @discardableResult
    func send(_ message: ISOMessage, from node: String, to peer: String, management: String? = nil) -> Bool {
        // Answered here, not by a node: a director sees it (and lets it go as it is).
        if message.isResponse { _ = director?.outgoing(message, to: peer, from: node) }
        guard let bytes = pack(message, from: node, to: peer) else { return false }
        if message.isResponse { director?.wrote(bytes, of: message, to: peer) }
        return transmit(bytes, from: node, to: peer, management: management)
    }

    /// A message in the dialect (and MAC) of a link to a SUT; nil (reported) when it cannot be written.
    func pack(_ message: ISOMessage, from node: String, to peer: String) -> [UInt8]? {
        guard let session = sessions[LinkKey(node: node, peer: peer)] else { return nil }
        do {
            return try session.pack(message, securedBy: authenticator(node, peer))
        } catch {
            wire.reportProblem("\(node) -> \(peer): cannot write \(message.mti) in the SUT's dialect \(session.codec.dialect.name): \(error)")
            return nil
        }
    }

    /// Writes a packed message to a SUT; a request is awaited (the network is not quiet until
    /// its answer comes or its link's timeout passes). False when there is no link to write on.
    /// Writes the first half of a frame to a SUT (a link fault's slice); ``transmit(_:from:to:management:restOfSlice:)`` sends its rest.
    func transmitHalf(_ bytes: [UInt8], from node: String, to peer: String) -> Bool {
        let key = LinkKey(node: node, peer: peer)
        guard let session = sessions[key] else { return false }
        let message = try? session.unpack(bytes, securedBy: nil)
        return wire.sendHalf(from: node, to: peer, message: bytes, answer: message?.mti.isResponse ?? false)
    }

    func transmit(_ bytes: [UInt8], from node: String, to peer: String, management: String? = nil, restOfSlice: Bool = false) -> Bool {
        let key = LinkKey(node: node, peer: peer)
        guard let session = sessions[key] else { return false }
        // What a fault corrupted on the way still goes; only a readable request is awaited.
        let message = try? session.unpack(bytes, securedBy: nil)
        guard wire.send(from: node, to: peer, message: bytes, answer: message?.mti.isResponse ?? false, restOfSlice: restOfSlice) else { return false }
        restartEcho(key)
        if let message, message.mti.isResponse { terminalSwipes.answer(message, to: peer, now: now()).forEach(record) }
        guard let message, message.mti.isRequest else { return true }
        let token = nextToken
        nextToken += 1
        sessions[key]!.matcher.expect(message, token: token)
        let summary = Self.summary(message)
        // A SUT that answered none of its last requests is no longer waited for in real time
        // (what is sent still goes, and a late answer is still taken): a silent host costs at
        // most a few timeouts of wall time, however often the network retries it.
        guard session.unanswered < Self.silenceLimit else {
            awaited[token] = Awaited(link: key, request: message, summary: summary, management: management, timer: nil, expired: true)
            return true
        }
        wire.awaitAnswer()
        let bound = self.bound
        let timeout = session.system.timeout
        let timer = wire.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(timeout)) {
            bound.value.expire(token)
        }
        awaited[token] = Awaited(link: key, request: message, summary: summary, management: management, timer: timer)
        return true
    }

    private func expire(_ token: Int) {
        guard var request = awaited[token], !request.expired else { return }
        request.expired = true
        awaited[token] = request
        let timeout = sessions[request.link]?.system.timeout ?? .zero
        note("\(request.link.node) -> \(request.link.peer): no answer to \(request.summary) within \(Self.show(timeout))")
        sessions[request.link]?.unanswered += 1
        if sessions[request.link]?.unanswered == Self.silenceLimit {
            note("\(request.link.peer) answered none of the last \(Self.silenceLimit) requests: PayLab stops waiting for it in real time (requests still go, answers are still taken)")
        }
        if let management = request.management { problem("\(request.link.peer) did not answer the \(management) within \(Self.show(timeout))") }
        wire.answerSettled()
    }

    // MARK: - Receiving

    /// What becomes of a frame from a SUT.
    enum Verdict {
        /// Handled here (network management, an unmatched answer): nothing goes on.
        case consumed
        /// Goes on to PayLab's node; `settles` when it is an awaited answer, whose wait ends
        /// once the node has handled it (so the network is not quiet in between).
        case deliver(settles: Bool)
    }

    /// A frame from a SUT decoded in PayLab's terms, its MAC not checked, with the bytes its
    /// dialect puts before the MTI (a TPDU and header); nil when it does not decode.
    func decoded(_ bytes: [UInt8], at node: String, from peer: String) -> ISOMessage? {
        guard let session = sessions[LinkKey(node: node, peer: peer)] else { return nil }
        return try? session.unpack(bytes, securedBy: nil)
    }

    /// A frame from a SUT: network management is answered here; an answer is paired with its
    /// request (an answer that pairs with nothing is reported and dropped).
    func accept(_ bytes: [UInt8], at node: String, from peer: String) -> Verdict {
        let key = LinkKey(node: node, peer: peer)
        guard let session = sessions[key] else { return .deliver(settles: false) }
        restartEcho(key)
        // A frame that does not decode goes on: the node's delivery reports it (and answers 30 where it can).
        // Read under the link's MAC, so that the node's delivery need not read it again; one
        // whose MAC does not check is read without, and the delivery answers it A0.
        let mac = authenticator(node, peer)
        let verified = try? session.unpack(bytes, securedBy: mac)
        guard let message = verified ?? (try? session.unpack(bytes, securedBy: nil)) else { return .deliver(settles: false) }
        lastAccepted = verified.map { (key, bytes, $0, mac) }
        if !message.header.isEmpty { sessions[key]!.header = message.header }
        // A POS under test signs on to PayLab's acquirer, which keeps who signed on today (77
        // otherwise); an issuer under test signs off to PayLab's scheme for its maintenance (the
        // scheme answers for it until it signs on): the node answers, and learns.
        if message.mti.messageClass == MTI.MessageClass.networkManagement, message.mti.isRequest,
           terminals.contains(peer) || (issuers.contains(peer) && node == network.scheme.name) {
            note("\(peer) sent \(message.mti) (\(Self.managementCode(message))) to \(node)")
            return .deliver(settles: false)
        }
        if message.mti.messageClass == MTI.MessageClass.networkManagement, message.mti.isRequest {
            let answer = NetworkManagement.answer(message)
            send(answer, from: node, to: peer)
            note("\(peer) sent \(message.mti) (\(Self.managementCode(message))); \(node) answered \(answer.mti) 00")
            return .consumed
        }
        guard message.mti.isResponse else {
            // A request that lacks what its kind must carry gets 30 here, with the fields named.
            // (A balance inquiry carries no amount.)
            let missing = Self.required(for: message).filter { !message.has($0) }
            if !missing.isEmpty {
                send(message.response(code: ResponseCode.formatError), from: node, to: peer)
                problem("\(node) <- \(peer): \(Self.summary(message)) lacks \(missing.map { "DE\($0)" }.joined(separator: ", ")), which a \(message.mti) must carry: answered 30")
                return .consumed
            }
            if terminals.contains(peer) { terminalSwipes.request(message, from: peer, now: now(), exponent: exponent).forEach(record) }
            return .deliver(settles: false)
        }
        guard let token = sessions[key]!.matcher.answer(message), let request = awaited.removeValue(forKey: token) else {
            problem("\(node) <- \(peer): unmatched answer \(Self.summary(message)): PayLab sent no request it pairs with (key \(session.matcher.key(of: message))); dropped")
            return .consumed
        }
        request.timer?.cancel()
        if !request.expired { roundTrips.append(ContinuousClock.now - request.sentAt) }
        sessions[key]!.unanswered = 0
        if request.expired {
            note("\(node) <- \(peer): late answer \(Self.summary(message)), after the \(Self.show(session.system.timeout)) timeout")
        }
        if let management = request.management {
            let code = message[DE.responseCode] ?? "none"
            if management == "sign-on" { sessions[key]!.signedOn = code == "00" }
            if code == "00" { note("\(peer) answered the \(management): 00") } else { problem("\(peer) refused the \(management): DE39 \(code)") }
            if !request.expired { wire.answerSettled() }
            return .consumed
        }
        hostAnswers.events(request: request.request, answer: message, host: peer, now: now(), exponent: exponent).forEach(record)
        return .deliver(settles: !request.expired)
    }

    /// The fields a request from a SUT must carry for PayLab's node to act on it: a card
    /// transaction its card, amount and terminal (a balance inquiry carries no amount); an
    /// acquirer's payout credit (processing code 28) its amount, its reference (DE37), the
    /// merchant and the account to credit (DE103), and no card or terminal.
    static func required(for message: ISOMessage) -> [Int] {
        switch message.mti.messageClass {
        case .financial? where message.isPayout:
            return [DE.processingCode, DE.amount, DE.transmissionDateTime, DE.stan, DE.rrn, DE.merchantID, DE.creditAccount]
        case .authorization?, .financial?:
            return [DE.pan, DE.processingCode] + (message.isBalanceInquiry ? [] : [DE.amount]) + [DE.transmissionDateTime, DE.stan, DE.terminalID]
        case .reversal?: return [DE.processingCode, DE.amount, DE.transmissionDateTime, DE.stan, DE.terminalID]
        default: return []
        }
    }

    // MARK: - Echo

    private func restartEcho(_ key: LinkKey) {
        guard let session = sessions[key], session.dialed else { return }
        session.echo?.cancel()
        guard session.system.echo > .zero else { return }
        let bound = self.bound
        sessions[key]!.echo = wire.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(session.system.echo)) {
            let links = bound.value
            guard links.wire.isConnected(key.node, to: key.peer) else { return }
            links.manage(key, .echo)
        }
    }

    // MARK: - Words

    private func note(_ what: String) { log.append((now(), what)) }

    private func problem(_ what: String) {
        wire.reportProblem(what)
        note(what)
    }

    /// DE70 of a network management message, or a UnionPay POS's DE60.3.
    static func managementCode(_ message: ISOMessage) -> String {
        if let code = message[DE.networkManagementCode] { return "DE70 \(code)" }
        if let code = NetworkManagement.unionPayCode(message) { return "DE60.3 \(code)" }
        return "DE70 none"
    }

    static func summary(_ message: ISOMessage) -> String {
        var parts = ["\(message.mti)"]
        if let stan = message[DE.stan] { parts.append("STAN \(stan)") }
        if let terminal = message[DE.terminalID] { parts.append("terminal \(terminal)") }
        if let code = message[DE.responseCode] { parts.append("DE39 \(code)") }
        return parts.joined(separator: " ")
    }

    static func show(_ duration: Duration) -> String {
        let ms = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        return ms % 1000 == 0 ? "\(ms / 1000) s" : "\(ms) ms"
    }
}

extension ISOMessage {
    /// The message without the bytes its dialect puts before the MTI.
    var withoutHeader: ISOMessage {
        guard !header.isEmpty else { return self }
        var copy = self
        copy.header = []
        return copy
    }
}
