public import NIOCore
import NIOPosix
public import NIOSSL
public import ISO8583
import PaymentNetwork
import SettlementCalendar

/// The real connections between the nodes of one run: TLS 1.3 with mutual authentication
/// on 127.0.0.1, 2-byte length framing, and the count of frames in flight. It moves bytes
/// and knows nothing of faults, time or business rules: each frame a node receives goes to
/// ``onFrame`` with the peer it came from.
///
/// It lives on one event loop, the run's serial executor, and is not `Sendable`: code on
/// other threads reaches it through a `NIOLoopBound`, so the compiler keeps it confined.
public final class WireNetwork {
    /// Called for each frame a node receives: (node, peer, message bytes).
    public typealias FrameSink = (String, String, [UInt8]) -> Void

    /// A frame as it was written, for captures.
    public struct WrittenFrame: Sendable {
        /// The sending node and the receiving one.
        public var node: String, peer: String
        /// The frame with its length header.
        public var bytes: [UInt8]
        /// The TCP ports of the connection at the sender and at the receiver.
        public var localPort: Int, remotePort: Int
    }

    /// The event loop every connection and handler runs on.
    public let eventLoop: any EventLoop
    /// The run's TLS material.
    public let credentials: TLSCredentials
    /// The run's CA.
    public var authority: CertificateAuthority { credentials.authority }
    /// Where received frames go.
    public var onFrame: FrameSink = { _, _, _ in }
    /// Where every frame written goes, for captures.
    public var onWrite: ((WrittenFrame) -> Void)?
    /// Problems seen on the wire (failed handshakes, broken frames), in order.
    public private(set) var problems: [String] = []

    /// How a link to a system under test is secured and framed.
    public struct ExternalLink: Sendable {
        /// mutual: both present certificates; server: only the server does; none: plain TCP.
        public enum Security: String, Sendable { case mutual, server, none }
        public var security: Security
        /// Checks the SUT's certificate (unused with `none`, and for a SUT client with `server`).
        public var verifier: PeerVerifier
        public var framing: Framing
        /// How long a handshake, a first message or half a frame may take.
        public var timeout: TimeAmount
        /// At most this many connections at once on a listener for SUTs.
        public var connectionLimit: Int

        public init(security: Security, verifier: PeerVerifier, framing: Framing, timeout: TimeAmount, connectionLimit: Int = 32) {
            self.security = security
            self.verifier = verifier
            self.framing = framing
            self.timeout = timeout
            self.connectionLimit = connectionLimit
        }
    }

    var servers: [String: any Channel] = [:]
    /// Listeners for systems under test, by node, with the connections open on each.
    var sutServers: [String: any Channel] = [:]
    var sutConnections: [String: Int] = [:]
    /// The connections systems under test opened to PayLab's listeners, which stop being read
    /// while PayLab's own nodes have too much in flight (as a real host's full queue pushes
    /// back on TCP): a flood more than the network can carry waits in the sender's buffers,
    /// in bounded memory, instead of starving what is already inside of the loop's time.
    var admitted: [ObjectIdentifier: any Channel] = [:]
    var admitting = true
    /// Frames in flight between PayLab's nodes past which SUTs' connections are not read, and below which they are again.
    static let admissionPause = 1_024, admissionResume = 256
    /// Channels written to and not yet flushed in this tick of the event loop.
    var unflushed: [ObjectIdentifier: any Channel] = [:]
    var flushScheduled = false
    /// The framing of each link direction that is not PayLab's standard.
    var framings: [InFlightFrames.Link: Framing] = [:]
    /// Peers that are systems under test: frames to them are not counted in flight (no node of
    /// PayLab handles them); the runner counts the answers it waits for instead.
    var externalPeers: Set<String> = []
    /// Answers awaited from systems under test, each bounded by its link's timeout.
    var awaited = 0
    var ports: [String: Int] = [:]
    var links: [InFlightFrames.Link: any Channel] = [:]
    var registrationWaiters: [InFlightFrames.Link: EventLoopPromise<Void>] = [:]
    var inFlight = InFlightFrames()
    var quietWaiters: [EventLoopPromise<Void>] = []
    /// Where clean links go at `shutdown`, and where `connect` looks first: the runner's, kept across its runs.
    public var pool: LinkPool?
    /// Set by `shutdown`: nothing more is connected.
    var isShutDown = false
    /// Frames between PayLab's nodes are handed on in the order they were written.
    var order = DeliveryOrder()
    var handingOn = false
    /// Whether frames between PayLab's nodes are numbered when written and handed on in that
    /// order: on the virtual clock, until the network is served in real time.
    var ordering = true
    /// The nodes that listen or dial on this network (a frame to anyone else, a load
    /// generator's terminal say, never reaches a node here, so it is not numbered).
    var localNodes: Set<String> = []
    /// Frames written behind a sliced frame whose second half is still to come, by link
    /// direction: TCP keeps a connection's bytes in order, so they follow it.
    var behindSlice: [InFlightFrames.Link: [(frame: ByteBuffer, promise: EventLoopPromise<Void>)]] = [:]
    /// The second halves of sliced frames, by link direction, until their time comes.
    var restOfSlice: [InFlightFrames.Link: ByteBuffer] = [:]

    /// Makes a network on one event loop with the run's CA.
    public convenience init(eventLoop: any EventLoop, authority: CertificateAuthority, keyLog: NIOSSLKeyLogCallback? = nil) {
        self.init(eventLoop: eventLoop, credentials: TLSCredentials(authority: authority, keyLog: keyLog))
    }

    /// Makes a network on one event loop with TLS material that runs may share.
    public init(eventLoop: any EventLoop, credentials: TLSCredentials) {
        self.eventLoop = eventLoop
        self.credentials = credentials
    }

    /// The identity of a node, issued on first use.
    public func identity(of node: String) throws -> CertificateAuthority.Identity {
        try credentials.identity(of: node)
    }

    /// The port a node listens on, once it does.
    public func port(of node: String) -> Int? { ports[node] }

    /// Every node's listening port.
    public var listeningPorts: [String: Int] { ports }

    /// Starts a node's server on 127.0.0.1 (port 0: the OS picks one, or the node's earlier port),
    /// admitting only `clients` (the nodes whose links it serves, by their certificates' names);
    /// returns the port.
    public func listen(node: String, clients: Set<String>, port: Int? = nil) -> EventLoopFuture<Int> {
        eventLoop.assertInEventLoop()
        localNodes.insert(node)
        let context: NIOSSLContext
        do {
            context = try credentials.serverContext(of: node)
        } catch {
            return eventLoop.makeFailedFuture(error)
        }
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        return ServerBootstrap(group: eventLoop)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers([
                        NIOSSLServerHandler(context: context),
                        FrameReader(),
                        LinkHandler(network: bound.value, node: node, identity: .certificate(allowed: clients)),
                    ])
                }
            }
            .bind(to: Self.loopback(port: port ?? ports[node] ?? 0))
            .map { channel in
                let network = bound.value
                network.servers[node] = channel
                let port = channel.localAddress?.port ?? 0
                network.ports[node] = port
                return port
            }
    }

    /// Connects `node` to `server`'s listener; completes when both ends have registered the link.
    public func connect(from node: String, to server: String) -> EventLoopFuture<Void> {
        eventLoop.assertInEventLoop()
        localNodes.insert(node)
        guard let port = ports[server], servers[server] != nil else {
            return eventLoop.makeFailedFuture(WireError(message: "\(server) is not listening"))
        }
        let context: NIOSSLContext
        let hostname = CertificateAuthority.hostname(for: server)
        do {
            context = try credentials.clientContext(of: node)
        } catch {
            return eventLoop.makeFailedFuture(error)
        }
        if let (nodeEnd, serverEnd) = pool?.take(node, server) {
            do {
                try adopt(nodeEnd, of: node, from: server)
                try adopt(serverEnd, of: server, from: node)
                return eventLoop.makeSucceededVoidFuture()
            } catch {
                // Not a link of PayLab's after all: it is closed, and dialled anew.
                _ = Self.reset([nodeEnd, serverEnd], on: eventLoop)
            }
        }
        let registered = eventLoop.makePromise(of: Void.self)
        let key = InFlightFrames.Link(node: server, peer: node)
        registrationWaiters[key] = registered
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        let connected = ClientBootstrap(group: eventLoop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers([
                        try NIOSSLClientHandler(context: context, serverHostname: hostname),
                        FrameReader(),
                        LinkHandler(network: bound.value, node: node, identity: .certificate(allowed: [server])),
                    ])
                }
            }
            .connect(to: Self.loopback(port: port))
        awaitRegistration(key, registered, dialled: connected, named: "\(node) -> \(server)")
        return connected.flatMap { _ in registered.futureResult }
    }

    /// Fails the wait for link `key` (`registered`) when its dial fails, or when its connection
    /// closes before the link is registered (a failed handshake): none is left pending. Only this
    /// dial's wait: a later dial of the same link has its own.
    func awaitRegistration(
        _ key: InFlightFrames.Link, _ registered: EventLoopPromise<Void>, dialled connected: EventLoopFuture<any Channel>,
        named link: String
    ) {
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        @Sendable func fail(_ error: WireError) {
            guard bound.value.registrationWaiters[key]?.futureResult === registered.futureResult else { return }
            bound.value.registrationWaiters.removeValue(forKey: key)?.fail(error)
        }
        connected.whenFailure { fail(WireError(message: "\(link): \(Self.describe($0))", refused: Self.isRefused($0))) }
        connected.whenSuccess { channel in
            channel.closeFuture.whenComplete { _ in fail(WireError(message: "\(link): the connection closed before the link was up")) }
        }
    }

    /// Whether `node` has a live connection to `peer`.
    public func isConnected(_ node: String, to peer: String) -> Bool { links[InFlightFrames.Link(node: node, peer: peer)] != nil }

    /// Sends a message from a node to a peer over their link, with its length header.
    /// Returns false (and reports it) when there is no link.
    @discardableResult
    /// `restOfSlice`: the message whose first half ``sendHalf(from:to:message:answer:)`` wrote: its rest goes.
    public func send(from node: String, to peer: String, message: [UInt8], answer: Bool = false, restOfSlice: Bool = false) -> Bool {
        eventLoop.assertInEventLoop()
        let link = InFlightFrames.Link(node: node, peer: peer)
        guard let channel = links[link] else {
            return false
        }
        let external = externalPeers.contains(peer)
        let bytes: [UInt8]
        do {
            bytes = try (framings[link] ?? .standard).frame(message, answer: answer)
        } catch {
            report("\(node) -> \(peer): \(error); not sent")
            return false
        }
        if !external {
            inFlight.sent(from: node, to: peer)
            if admitting, inFlight.count > Self.admissionPause { admit(false) }
        }
        let number = !external && ordering && localNodes.contains(peer) ? order.written(on: link) : nil
        let frame = channel.allocator.buffer(bytes: bytes)
        onWrite?(WrittenFrame(
            node: node, peer: peer, bytes: Array(frame.readableBytesView),
            localPort: channel.localAddress?.port ?? 0, remotePort: channel.remoteAddress?.port ?? 0))
        let promise = eventLoop.makePromise(of: Void.self)
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        promise.futureResult.whenFailure { error in
            let network = bound.value
            network.report("\(node) -> \(peer): write failed: \(Self.describe(error))")
            if let number { network.order.lost(number, on: link) }
            if !external { network.lose(link, all: false) }
        }
        write(frame, on: link, channel, promise: promise, restOfSlice: restOfSlice)
        return true
    }

    /// Flushes `channel` once everything this event loop tick writes is written: the frames
    /// a burst of reads causes leave in as few TLS records and system calls as can be.
    func flushSoon(_ channel: any Channel) {
        unflushed[ObjectIdentifier(channel)] = channel
        guard !flushScheduled else { return }
        flushScheduled = true
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        eventLoop.execute {
            let network = bound.value
            network.flushScheduled = false
            let channels = network.unflushed.values
            network.unflushed.removeAll(keepingCapacity: true)
            for channel in channels { channel.flush() }
        }
    }

    /// From now on frames are handed on as they arrive: the network is served in real time,
    /// where the wall clock decides what comes first. What waits for an earlier frame goes at
    /// once; an earlier frame still on its way goes when it comes.
    public func handOnAsTheyArrive() {
        eventLoop.assertInEventLoop()
        guard ordering else { return }
        ordering = false
        while let arrival = order.next(skippingGaps: true) { handOn(arrival.frame, at: arrival.node, from: arrival.peer) }
    }

    /// Completes when no frame is written and not yet handled.
    public func whenQuiet() -> EventLoopFuture<Void> {
        eventLoop.assertInEventLoop()
        if isQuiet { return eventLoop.makeSucceededVoidFuture() }
        let promise = eventLoop.makePromise(of: Void.self)
        quietWaiters.append(promise)
        return promise.futureResult
    }

    /// Whether no frame is written and not yet handled, and no answer from a SUT awaited.
    public var isQuiet: Bool { inFlight.count == 0 && awaited == 0 && order.isEmpty }

    /// The number of frames written and not yet handled.
    public var framesInFlight: Int { inFlight.count }

    /// The runner waits for an answer from a system under test: the network is not quiet
    /// until ``answerSettled()`` (the answer came, or the link's timeout passed).
    public func awaitAnswer() { awaited += 1 }

    /// An answer awaited from a system under test came, or its wait ended.
    public func answerSettled() {
        guard awaited > 0 else { return }
        awaited -= 1
        wakeIfQuiet()
    }

    /// Answers still awaited from systems under test.
    public var answersAwaited: Int { awaited }

    /// Cuts every connection of a node and stops its server: it refuses connections until it listens again.
    /// `keeping`: peers whose connections with it stay open (a slow close), to be disconnected later.
    public func takeDown(_ node: String, keeping: Set<String> = []) -> EventLoopFuture<Void> {
        eventLoop.assertInEventLoop()
        var channels: [any Channel] = []
        if let server = servers.removeValue(forKey: node) { channels.append(server) }
        if let server = sutServers.removeValue(forKey: node) { channels.append(server) }
        for (key, channel) in links where (key.node == node && !keeping.contains(key.peer)) || (key.peer == node && !keeping.contains(key.node)) {
            channels.append(channel)
        }
        return close(channels)
    }

    /// Cuts the connection between two nodes.
    public func disconnect(_ a: String, _ b: String) -> EventLoopFuture<Void> {
        eventLoop.assertInEventLoop()
        let channels = [links[.init(node: a, peer: b)], links[.init(node: b, peer: a)]].compactMap { $0 }
        return close(channels)
    }

    private func close(_ channels: [any Channel]) -> EventLoopFuture<Void> {
        EventLoopFuture.andAllComplete(channels.map { $0.close() }, on: eventLoop)
    }

    /// Closes every connection and server. What still waits on the network (a link being set
    /// up, a wait for quiet that a run which stopped on an error left behind) is failed, not
    /// left pending: a link that comes up later is closed at once.
    /// With a ``pool``, the links left clean go to it instead, for the next run.
    public func shutdown() -> EventLoopFuture<Void> {
        eventLoop.assertInEventLoop()
        if let pool { keepClean(in: pool) }
        // PayLab's own links are reset (both ends are here); a system under test's is closed as usual.
        let connections = links.filter { !isExternal($0.key) }.map(\.value)
        let channels = Array(servers.values) + Array(sutServers.values) + links.filter { isExternal($0.key) }.map(\.value)
        links.removeAll()
        servers.removeAll()
        sutServers.removeAll()
        isShutDown = true
        let ended = WireError(message: "the network was shut down first")
        let waiting = Array(registrationWaiters.values) + quietWaiters + behindSlice.values.joined().map(\.promise)
        registrationWaiters.removeAll()
        quietWaiters.removeAll()
        behindSlice.removeAll()
        waiting.forEach { $0.fail(ended) }
        return close(channels).and(Self.reset(connections, on: eventLoop)).map { _ in () }
    }

    /// Whether either end of `link` is a system under test.
    func isExternal(_ link: InFlightFrames.Link) -> Bool {
        externalPeers.contains(link.node) || externalPeers.contains(link.peer)
    }

    /// Records a problem seen on the wire or in a frame.
    public func reportProblem(_ problem: String) { report(problem) }

    // MARK: - Systems under test

    /// The ports of the listeners for systems under test, by node.
    public internal(set) var sutPorts: [String: Int] = [:]

    // MARK: - Called by the handlers

    func register(node: String, peer: String, channel: any Channel) {
        guard !isShutDown else {
            channel.close(promise: nil)
            return
        }
        let link = InFlightFrames.Link(node: node, peer: peer)
        links[link] = channel
        registrationWaiters.removeValue(forKey: link)?.succeed(())
    }

    func unregister(node: String, peer: String, channel: any Channel) {
        let link = InFlightFrames.Link(node: node, peer: peer)
        guard let current = links[link], current === channel else { return }
        links[link] = nil
        dropSlice(link)
        // Frames still on this connection, either way, are lost with it.
        lose(link, all: true)
        lose(InFlightFrames.Link(node: peer, peer: node), all: true)
    }

    /// A frame `node` received from `peer` on an authenticated link: hand it on, then count it handled.
    func received(_ frame: [UInt8], at node: String, from peer: String) {
        if externalPeers.contains(peer) {
            // What a SUT sends is recorded where it arrives (no PayLab node wrote it).
            if let onWrite, let channel = links[InFlightFrames.Link(node: node, peer: peer)],
               let framed = try? (framings[InFlightFrames.Link(node: node, peer: peer)] ?? .standard).frame(frame) {
                onWrite(WrittenFrame(node: peer, peer: node, bytes: framed,
                                     localPort: channel.remoteAddress?.port ?? 0, remotePort: channel.localAddress?.port ?? 0))
            }
            onFrame(node, peer, frame)
            return
        }
        guard ordering, order.arrived(frame, at: node, from: peer) else {
            // Unordered: a frame numbered before ordering was switched off takes its number with it.
            if !ordering { order.arrivedUnordered(at: node, from: peer) }
            handOn(frame, at: node, from: peer)
            return
        }
        handOn()
    }

    /// Hands on every frame whose turn has come, in the order they were written.
    private func handOn() {
        guard !handingOn else { return }
        handingOn = true
        defer { handingOn = false }
        while let arrival = order.next() { handOn(arrival.frame, at: arrival.node, from: arrival.peer) }
    }

    private func handOn(_ frame: [UInt8], at node: String, from peer: String) {
        onFrame(node, peer, frame)
        if inFlight.handled(at: node, from: peer) { wakeIfQuiet() }
        if !admitting, inFlight.count < Self.admissionResume { admit(true) }
    }

    /// Reads, or stops reading, the connections of systems under test that dialled PayLab.
    func admit(_ reading: Bool) {
        admitting = reading
        for channel in admitted.values {
            try? channel.syncOptions?.setOption(.autoRead, value: reading)
            // A frame half read when reading stopped waits on PayLab, not on the peer: its stall is not timed meanwhile.
            channel.pipeline.fireUserInboundEventTriggered(reading ? FrameReader.Reading.resumed : .paused)
        }
    }

    func report(_ problem: String) {
        problems.append(problem)
    }

    private func lose(_ link: InFlightFrames.Link, all: Bool) {
        if all {
            order.lostAll(on: link)
            handOn()
        }
        let lost = inFlight.lose(link, all: all)
        guard lost > 0 else { return }
        if all { report("\(lost) frame\(lost == 1 ? "" : "s") from \(link.node) to \(link.peer) lost when the connection closed") }
        wakeIfQuiet()
    }

    private func wakeIfQuiet() {
        guard inFlight.count == 0, awaited == 0, order.isEmpty else { return }
        let waiters = quietWaiters
        quietWaiters.removeAll()
        waiters.forEach { $0.succeed(()) }
    }

    /// 127.0.0.1 at `port`, made directly: a host name would go through the resolver (a
    /// getaddrinfo on another thread and a Happy Eyeballs race) for every listener and link.
    /// (PayLab's own ports: 0 or one the system gave.)
    static func loopback(port: Int) -> SocketAddress {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(truncatingIfNeeded: port)).bigEndian
        address.sin_addr.s_addr = in_addr_t(INADDR_LOOPBACK).bigEndian
        return SocketAddress(address, host: "127.0.0.1")
    }

    /// Whether a connect failed because nothing listened there (ECONNREFUSED).
    static func isRefused(_ error: any Error) -> Bool {
        if let error = error as? IOError { return error.errnoCode == ECONNREFUSED }
        if let error = error as? NIOConnectionError { return !error.connectionErrors.isEmpty && error.connectionErrors.allSatisfy { isRefused($0.error) } }
        return false
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? NIOSSLError { return "TLS error: \(error)" }
        if let error = error as? BoringSSLError { return "TLS error: \(error)" }
        return String(describing: error)
    }
}
