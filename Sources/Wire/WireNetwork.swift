import NIOCore
import NIOPosix
import NIOSSL
import PaymentNetwork
import SettlementCalendar

/// The real connections between the nodes of one run: TLS 1.3 with mutual authentication
/// on 127.0.0.1, 2-byte length framing, the link faults in force, and the count of frames
/// in flight.
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
    /// A frame as it was written, for captures.
    public struct WrittenFrame: Sendable {
        /// The sending node and the receiving one.
        public var node: String, peer: String
        /// The frame with its length header.
        public var bytes: [UInt8]
        /// The TCP ports of the connection at the sender and at the receiver.
        public var localPort: Int, remotePort: Int
        /// The virtual time it was written.
        public var at: Instant
    }

    /// Where every frame written goes, for captures.
    public var onWrite: ((WrittenFrame) -> Void)?
    /// The virtual time, which the runner keeps current; faults and held frames use it.
    public var virtualNow = Instant(milliseconds: 0)

    private var identities: [String: CertificateAuthority.Identity] = [:]
    private var servers: [String: any Channel] = [:]
    private var ports: [String: Int] = [:]
    private var links: [LinkKey: any Channel] = [:]
    private var peers: [ObjectIdentifier: String] = [:]
    private var registrationWaiters: [LinkKey: EventLoopPromise<Void>] = [:]
    /// Frames written from `node` to `peer` and not yet read at the other end.
    private var pending: [LinkKey: Int] = [:]
    private var inFlight = 0
    private var quietWaiters: [EventLoopPromise<Void>] = []
    private var faults: [LinkFault] = []
    private var held: [(release: Instant, sequence: Int, node: String, peer: String, frame: [UInt8])] = []
    private var heldSequence = 0
    private var faultGenerator: SeededGenerator
    /// Problems seen on the wire (failed handshakes, broken frames), in order.
    public private(set) var problems: [String] = []
    /// What the link faults did, with the virtual time, in order.
    public private(set) var faultLog: [(at: Instant, what: String)] = []
    private let keyLog: NIOSSLKeyLogCallback?

    struct LinkKey: Hashable {
        var node: String
        var peer: String
    }

    /// Makes a network on one event loop with the run's CA; `seed` drives corrupted bytes.
    public init(eventLoop: any EventLoop, authority: CertificateAuthority, seed: UInt64 = 1, keyLog: NIOSSLKeyLogCallback? = nil) {
        self.eventLoop = eventLoop
        self.authority = authority
        self.keyLog = keyLog
        faultGenerator = SeededGenerator(seed: seed, stream: "wire faults")
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

    /// Every node's listening port.
    public var listeningPorts: [String: Int] { ports }

    /// Starts a node's server on 127.0.0.1 (port 0: the OS picks one, or the node's earlier port); returns the port.
    public func listen(node: String, port: Int? = nil) -> EventLoopFuture<Int> {
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
                        LinkFaultHandler(network: self, node: node),
                        LinkHandler(network: self, node: node, expectedPeer: nil),
                    ])
                }
            }
            .bind(host: "127.0.0.1", port: port ?? ports[node] ?? 0)
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
        guard let port = ports[server], servers[server] != nil else {
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
                        LinkFaultHandler(network: self, node: node),
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
            return false
        }
        guard message.count <= Int(UInt16.max) else {
            report("\(node) -> \(peer): message of \(message.count) bytes does not fit a 2-byte length; not sent")
            return false
        }
        inFlight += 1
        pending[LinkKey(node: node, peer: peer), default: 0] += 1
        let frame = FrameDecoder.frame(message, allocator: channel.allocator)
        onWrite?(WrittenFrame(
            node: node, peer: peer, bytes: Array(frame.readableBytesView),
            localPort: channel.localAddress?.port ?? 0, remotePort: channel.remoteAddress?.port ?? 0, at: virtualNow))
        let promise = eventLoop.makePromise(of: Void.self)
        promise.futureResult.whenFailure { [self] error in
            report("\(node) -> \(peer): write failed: \(Self.describe(error))")
            frameLost(LinkKey(node: node, peer: peer))
        }
        channel.writeAndFlush(frame, promise: promise)
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

    /// The number of frames written and not yet handled (held frames are not in flight).
    public var framesInFlight: Int { inFlight }

    // MARK: - Faults

    /// The link faults of the run.
    public func install(_ faults: [LinkFault]) {
        self.faults = faults
    }

    /// When the next held frame is due, if any.
    public var nextRelease: Instant? { held.min { ($0.release, $0.sequence) < ($1.release, $1.sequence) }?.release }

    /// Hands on every held frame that is due at the current virtual time, in order.
    public func releaseDue() {
        let due = held.filter { $0.release <= virtualNow }.sorted { ($0.release, $0.sequence) < ($1.release, $1.sequence) }
        held.removeAll { $0.release <= virtualNow }
        for entry in due { onFrame(entry.node, entry.peer, entry.frame) }
    }

    /// Frames held for latency, to be handed on later.
    public var heldFrames: Int { held.count }

    /// Cuts every connection of a node and stops its server: it refuses connections until ``bringUp(_:)``.
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
        let channels = [links[LinkKey(node: a, peer: b)], links[LinkKey(node: b, peer: a)]].compactMap { $0 }
        return close(channels)
    }

    private func close(_ channels: [any Channel]) -> EventLoopFuture<Void> {
        EventLoopFuture.andAllComplete(channels.map { $0.close() }, on: eventLoop)
    }

    /// Called by the fault handler with each frame a node receives: the copies to hand on now.
    func applyFaults(to frame: [UInt8], at node: String, from peer: String) -> [[UInt8]] {
        var copies = [frame]
        for index in faults.indices where faults[index].isActive(at: virtualNow) {
            let fault = faults[index]
            let direction: LinkFault.Direction
            if fault.client == peer && fault.server == node {
                direction = .request
            } else if fault.client == node && fault.server == peer {
                direction = .response
            } else {
                continue
            }
            switch fault.kind {
            case .latency(let delay):
                for copy in copies {
                    held.append((virtualNow.advanced(by: delay), heldSequence, node, peer, copy))
                    heldSequence += 1
                }
                log("held a \(direction) for \(delay.compact) on \(fault.linkName)")
                return []
            case .drop(let which) where which == direction:
                faults[index].remaining = fault.remaining.map { $0 - 1 }
                log("dropped a \(direction) on \(fault.linkName)")
                return []
            case .duplicate(let which) where which == direction:
                faults[index].remaining = fault.remaining.map { $0 - 1 }
                log("delivered a \(direction) twice on \(fault.linkName)")
                copies += copies
            case .corrupt(let which) where which == direction:
                faults[index].remaining = fault.remaining.map { $0 - 1 }
                guard !frame.isEmpty else { continue }
                let position = Int(faultGenerator.next(upperBound: UInt64(frame.count)))
                let flip = UInt8(truncatingIfNeeded: faultGenerator.next(upperBound: UInt64(255)) + 1)
                copies = copies.map { var copy = $0; copy[position] ^= flip; return copy }
                log("flipped byte \(position) of a \(direction) on \(fault.linkName)")
            default:
                continue
            }
        }
        return copies
    }

    /// Called by the fault handler once a received frame has been dealt with.
    func frameConsumed(at node: String, from peer: String) {
        let key = LinkKey(node: peer, peer: node)
        // A frame already written off when its connection closed is not counted twice.
        guard let count = pending[key], count > 0 else { return }
        pending[key] = count - 1
        frameHandled()
    }

    private func log(_ what: String) {
        faultLog.append((virtualNow, what))
    }

    /// Closes every connection and server.
    public func shutdown() -> EventLoopFuture<Void> {
        eventLoop.assertInEventLoop()
        let channels = Array(links.values) + Array(servers.values)
        links.removeAll()
        servers.removeAll()
        return close(channels)
    }

    // MARK: - Called by the handlers

    /// The peer a connection belongs to, once TLS named it.
    func peer(of channel: any Channel) -> String? { peers[ObjectIdentifier(channel)] }

    func register(node: String, peer: String, channel: any Channel) {
        let key = LinkKey(node: node, peer: peer)
        links[key] = channel
        peers[ObjectIdentifier(channel)] = peer
        registrationWaiters.removeValue(forKey: key)?.succeed(())
    }

    func unregister(node: String, peer: String, channel: any Channel) {
        let key = LinkKey(node: node, peer: peer)
        peers[ObjectIdentifier(channel)] = nil
        guard let current = links[key], current === channel else { return }
        links[key] = nil
        // Frames still on this connection, either way, are lost with it.
        frameLost(key, all: true)
        frameLost(LinkKey(node: peer, peer: node), all: true)
    }

    func deliver(to node: String, from peer: String, frame: ByteBuffer) {
        onFrame(node, peer, Array(frame.readableBytesView))
    }

    /// Records a problem seen on the wire or in a frame.
    public func reportProblem(_ problem: String) { report(problem) }

    func report(_ problem: String) {
        problems.append(problem)
    }

    private func frameLost(_ key: LinkKey, all: Bool = false) {
        let count = pending[key] ?? 0
        guard count > 0 else { return }
        let lost = all ? count : 1
        pending[key] = count - lost
        if all { report("\(lost) frame\(lost == 1 ? "" : "s") from \(key.node) to \(key.peer) lost when the connection closed") }
        for _ in 0..<lost { frameHandled() }
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
