import NIOCore
import NIOPosix
import NIOSSL

/// The real connections between the nodes of one run: TLS 1.3 with mutual authentication
/// on 127.0.0.1, 2-byte length framing, and the count of frames in flight.
///
/// Everything here runs on one event loop, the run's serial executor: call it only from
/// that loop (or through `eventLoop.submit`).
public final class WireNetwork: @unchecked Sendable {
    /// Called on the event loop for each frame a node receives: (node, peer, message bytes).
    public typealias FrameSink = (String, String, [UInt8]) -> Void

    /// The event loop every connection and handler runs on.
    public let eventLoop: any EventLoop
    /// The run's CA.
    public let authority: CertificateAuthority
    /// Where received frames go.
    public var onFrame: FrameSink = { _, _, _ in }

    private var identities: [String: CertificateAuthority.Identity] = [:]
    private var servers: [String: any Channel] = [:]
    private var ports: [String: Int] = [:]
    private var links: [LinkKey: any Channel] = [:]
    private var registrationWaiters: [LinkKey: EventLoopPromise<Void>] = [:]
    private var inFlight = 0
    private var quietWaiters: [EventLoopPromise<Void>] = []
    /// Problems seen on the wire (failed handshakes, broken frames), in order.
    public private(set) var problems: [String] = []
    private let keyLog: NIOSSLKeyLogCallback?

    struct LinkKey: Hashable {
        var node: String
        var peer: String
    }

    /// Makes a network on one event loop with the run's CA.
    public init(eventLoop: any EventLoop, authority: CertificateAuthority, keyLog: NIOSSLKeyLogCallback? = nil) {
        self.eventLoop = eventLoop
        self.authority = authority
        self.keyLog = keyLog
    }

    /// The identity of a node, issued on first use.
    public func identity(of node: String) throws -> CertificateAuthority.Identity {
        if let identity = identities[node] { return identity }
        let identity = try authority.issue(for: node)
        identities[node] = identity
        return identity
    }

    /// The port a node listens on, once it does.
    public func port(of node: String) -> Int? { ports[node] }

    /// Starts a node's server on 127.0.0.1 (port 0: the OS picks one); returns the port.
    public func listen(node: String, port: Int = 0) -> EventLoopFuture<Int> {
        eventLoop.assertInEventLoop()
        let context: NIOSSLContext
        do {
            context = try authority.serverContext(for: identity(of: node), keyLog: keyLog)
        } catch {
            return eventLoop.makeFailedFuture(error)
        }
        return ServerBootstrap(group: eventLoop)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers([
                        NIOSSLServerHandler(context: context),
                        ByteToMessageHandler(FrameDecoder()),
                        LinkHandler(network: self, node: node, expectedPeer: nil),
                    ])
                }
            }
            .bind(host: "127.0.0.1", port: port)
            .map { [self] channel in
                servers[node] = channel
                let bound = channel.localAddress?.port ?? 0
                ports[node] = bound
                return bound
            }
    }

    /// Connects `node` to `server`'s listener; completes when both ends have registered the link.
    public func connect(from node: String, to server: String) -> EventLoopFuture<Void> {
        eventLoop.assertInEventLoop()
        guard let port = ports[server] else {
            return eventLoop.makeFailedFuture(WireError(message: "\(server) is not listening"))
        }
        let context: NIOSSLContext
        let hostname = CertificateAuthority.hostname(for: server)
        do {
            context = try authority.clientContext(for: identity(of: node), keyLog: keyLog)
        } catch {
            return eventLoop.makeFailedFuture(error)
        }
        let registered = eventLoop.makePromise(of: Void.self)
        registrationWaiters[LinkKey(node: server, peer: node)] = registered
        return ClientBootstrap(group: eventLoop)
            .channelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers([
                        try NIOSSLClientHandler(context: context, serverHostname: hostname),
                        ByteToMessageHandler(FrameDecoder()),
                        LinkHandler(network: self, node: node, expectedPeer: server),
                    ])
                }
            }
            .connect(host: "127.0.0.1", port: port)
            .flatMap { _ in registered.futureResult }
    }

    /// Whether `node` has a live connection to `peer`.
    public func isConnected(_ node: String, to peer: String) -> Bool { links[LinkKey(node: node, peer: peer)] != nil }

    /// Sends a message from a node to a peer over their link, with its length header.
    /// Returns false (and reports it) when there is no link.
    @discardableResult
    public func send(from node: String, to peer: String, message: [UInt8]) -> Bool {
        eventLoop.assertInEventLoop()
        guard let channel = links[LinkKey(node: node, peer: peer)] else {
            report("\(node) -> \(peer): no connection; message not sent")
            return false
        }
        guard message.count <= Int(UInt16.max) else {
            report("\(node) -> \(peer): message of \(message.count) bytes does not fit a 2-byte length; not sent")
            return false
        }
        inFlight += 1
        let promise = eventLoop.makePromise(of: Void.self)
        promise.futureResult.whenFailure { [self] error in
            report("\(node) -> \(peer): write failed: \(Self.describe(error))")
            frameHandled()
        }
        channel.writeAndFlush(FrameDecoder.frame(message, allocator: channel.allocator), promise: promise)
        return true
    }

    /// Completes when no frame is written and not yet handled.
    public func whenQuiet() -> EventLoopFuture<Void> {
        eventLoop.assertInEventLoop()
        if inFlight == 0 { return eventLoop.makeSucceededVoidFuture() }
        let promise = eventLoop.makePromise(of: Void.self)
        quietWaiters.append(promise)
        return promise.futureResult
    }

    /// The number of frames written and not yet handled.
    public var framesInFlight: Int { inFlight }

    /// Closes every connection and server.
    public func shutdown() -> EventLoopFuture<Void> {
        eventLoop.assertInEventLoop()
        let channels = Array(links.values) + Array(servers.values)
        links.removeAll()
        servers.removeAll()
        let closes = channels.map { channel in channel.close().recover { _ in } }
        return EventLoopFuture.andAllSucceed(closes, on: eventLoop)
    }

    // MARK: - Called by the handlers

    func register(node: String, peer: String, channel: any Channel) {
        let key = LinkKey(node: node, peer: peer)
        links[key] = channel
        registrationWaiters.removeValue(forKey: key)?.succeed(())
    }

    func unregister(node: String, peer: String, channel: any Channel) {
        let key = LinkKey(node: node, peer: peer)
        if let current = links[key], current === channel { links[key] = nil }
    }

    func deliver(to node: String, from peer: String, frame: ByteBuffer) {
        onFrame(node, peer, Array(frame.readableBytesView))
        frameHandled()
    }

    /// Records a problem seen on the wire or in a frame.
    public func reportProblem(_ problem: String) { report(problem) }

    func report(_ problem: String) {
        problems.append(problem)
    }

    private func frameHandled() {
        inFlight -= 1
        if inFlight <= 0 {
            inFlight = 0
            let waiters = quietWaiters
            quietWaiters.removeAll()
            waiters.forEach { $0.succeed(()) }
        }
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? NIOSSLError { return "TLS error: \(error)" }
        if let error = error as? BoringSSLError { return "TLS error: \(error)" }
        return String(describing: error)
    }
}

/// A problem setting up the wire.
public struct WireError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public var message: String
    /// Makes an error.
    public init(message: String) { self.message = message }
    public var description: String { message }
}
