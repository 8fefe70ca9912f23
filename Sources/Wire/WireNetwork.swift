public import NIOCore
import NIOPosix
public import NIOSSL
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

    private var servers: [String: any Channel] = [:]
    private var ports: [String: Int] = [:]
    private var links: [InFlightFrames.Link: any Channel] = [:]
    private var registrationWaiters: [InFlightFrames.Link: EventLoopPromise<Void>] = [:]
    private var inFlight = InFlightFrames()
    private var quietWaiters: [EventLoopPromise<Void>] = []

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

    /// Starts a node's server on 127.0.0.1 (port 0: the OS picks one, or the node's earlier port); returns the port.
    public func listen(node: String, port: Int? = nil) -> EventLoopFuture<Int> {
        eventLoop.assertInEventLoop()
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
                        ByteToMessageHandler(FrameDecoder()),
                        LinkHandler(network: bound.value, node: node, expectedPeer: nil),
                    ])
                }
            }
            .bind(host: "127.0.0.1", port: port ?? ports[node] ?? 0)
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
        let registered = eventLoop.makePromise(of: Void.self)
        registrationWaiters[InFlightFrames.Link(node: server, peer: node)] = registered
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        return ClientBootstrap(group: eventLoop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers([
                        try NIOSSLClientHandler(context: context, serverHostname: hostname),
                        ByteToMessageHandler(FrameDecoder()),
                        LinkHandler(network: bound.value, node: node, expectedPeer: server),
                    ])
                }
            }
            .connect(host: "127.0.0.1", port: port)
            .flatMap { _ in registered.futureResult }
    }

    /// Whether `node` has a live connection to `peer`.
    public func isConnected(_ node: String, to peer: String) -> Bool { links[InFlightFrames.Link(node: node, peer: peer)] != nil }

    /// Sends a message from a node to a peer over their link, with its length header.
    /// Returns false (and reports it) when there is no link.
    @discardableResult
    public func send(from node: String, to peer: String, message: [UInt8]) -> Bool {
        eventLoop.assertInEventLoop()
        let link = InFlightFrames.Link(node: node, peer: peer)
        guard let channel = links[link] else {
            return false
        }
        guard message.count <= Int(UInt16.max) else {
            report("\(node) -> \(peer): message of \(message.count) bytes does not fit a 2-byte length; not sent")
            return false
        }
        inFlight.sent(from: node, to: peer)
        let frame = FrameDecoder.frame(message, allocator: channel.allocator)
        onWrite?(WrittenFrame(
            node: node, peer: peer, bytes: Array(frame.readableBytesView),
            localPort: channel.localAddress?.port ?? 0, remotePort: channel.remoteAddress?.port ?? 0))
        let promise = eventLoop.makePromise(of: Void.self)
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        promise.futureResult.whenFailure { error in
            let network = bound.value
            network.report("\(node) -> \(peer): write failed: \(Self.describe(error))")
            network.lose(link, all: false)
        }
        channel.writeAndFlush(frame, promise: promise)
        return true
    }

    /// Completes when no frame is written and not yet handled.
    public func whenQuiet() -> EventLoopFuture<Void> {
        eventLoop.assertInEventLoop()
        if inFlight.count == 0 { return eventLoop.makeSucceededVoidFuture() }
        let promise = eventLoop.makePromise(of: Void.self)
        quietWaiters.append(promise)
        return promise.futureResult
    }

    /// The number of frames written and not yet handled.
    public var framesInFlight: Int { inFlight.count }

    /// Cuts every connection of a node and stops its server: it refuses connections until it listens again.
    public func takeDown(_ node: String) -> EventLoopFuture<Void> {
        eventLoop.assertInEventLoop()
        var channels: [any Channel] = []
        if let server = servers.removeValue(forKey: node) { channels.append(server) }
        for (key, channel) in links where key.node == node || key.peer == node { channels.append(channel) }
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

    /// Closes every connection and server.
    public func shutdown() -> EventLoopFuture<Void> {
        eventLoop.assertInEventLoop()
        let channels = Array(links.values) + Array(servers.values)
        links.removeAll()
        servers.removeAll()
        return close(channels)
    }

    /// Records a problem seen on the wire or in a frame.
    public func reportProblem(_ problem: String) { report(problem) }

    // MARK: - Called by the handlers

    func register(node: String, peer: String, channel: any Channel) {
        let link = InFlightFrames.Link(node: node, peer: peer)
        links[link] = channel
        registrationWaiters.removeValue(forKey: link)?.succeed(())
    }

    func unregister(node: String, peer: String, channel: any Channel) {
        let link = InFlightFrames.Link(node: node, peer: peer)
        guard let current = links[link], current === channel else { return }
        links[link] = nil
        // Frames still on this connection, either way, are lost with it.
        lose(link, all: true)
        lose(InFlightFrames.Link(node: peer, peer: node), all: true)
    }

    /// A frame `node` received from `peer` on an authenticated link: hand it on, then count it handled.
    func received(_ frame: [UInt8], at node: String, from peer: String) {
        onFrame(node, peer, frame)
        if inFlight.handled(at: node, from: peer) { wakeIfQuiet() }
    }

    func report(_ problem: String) {
        problems.append(problem)
    }

    private func lose(_ link: InFlightFrames.Link, all: Bool) {
        let lost = inFlight.lose(link, all: all)
        guard lost > 0 else { return }
        if all { report("\(lost) frame\(lost == 1 ? "" : "s") from \(link.node) to \(link.peer) lost when the connection closed") }
        wakeIfQuiet()
    }

    private func wakeIfQuiet() {
        guard inFlight.count == 0 else { return }
        let waiters = quietWaiters
        quietWaiters.removeAll()
        waiters.forEach { $0.succeed(()) }
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? NIOSSLError { return "TLS error: \(error)" }
        if let error = error as? BoringSSLError { return "TLS error: \(error)" }
        return String(describing: error)
    }
}
