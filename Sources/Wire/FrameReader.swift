public import NIOCore
public import ISO8583

/// Cuts a connection's byte stream into messages by the link's ``Framing``, with bounds a
/// peer cannot push past: it keeps at most one frame's worth of bytes (the largest the length
/// header can describe), and a frame that stays incomplete for `stallLimit` (half a frame held
/// open, a length of 65535 with nothing behind it) closes the connection with that error.
/// Bytes that are not a frame close it too: a stream out of step cannot be resynchronised.
/// Keep-alives (a zero length) are skipped.
public final class FrameReader: ChannelInboundHandler, RemovableChannelHandler {
    public typealias InboundIn = ByteBuffer
    public typealias InboundOut = ByteBuffer

    /// The framing this reader reads.
    public let framing: Framing
    private let stallLimit: TimeAmount
    private var buffer: ByteBuffer?
    private var stall: Scheduled<Void>?
    /// Whether this side stopped reading (a host's full queue pushing back): a frame cannot
    /// finish arriving while nobody reads it, so the wait is not the peer's and is not timed.
    private var paused = false

    /// Tells the reader, as a user inbound event, that its channel stopped or started being read.
    public enum Reading: Sendable { case paused, resumed }

    /// Makes a reader; a frame begun and not finished within `stallLimit` is an error.
    public init(framing: Framing = .standard, stallLimit: TimeAmount = .seconds(10)) {
        self.framing = framing
        self.stallLimit = stallLimit
    }

    /// Whether part of a frame has come and the rest not yet.
    public var holdsPartOfAFrame: Bool { (buffer?.readableBytes ?? 0) > 0 }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        if buffer == nil {
            buffer = incoming
        } else {
            buffer!.writeBuffer(&incoming)
        }
        do {
            while let next = try buffer!.withUnsafeReadableBytes({ raw throws(Framing.Problem) in try framing.next(in: raw) }) {
                buffer!.moveReaderIndex(forwardBy: next.consumed)
                if !next.frame.message.isEmpty {
                    context.fireChannelRead(wrapInboundOut(context.channel.allocator.buffer(bytes: next.frame.message)))
                }
                if !context.channel.isActive { return }
            }
        } catch {
            fail(context, FramingError(problem: error, framing: framing))
            return
        }
        let left = buffer!.readableBytes
        if left == 0 {
            buffer = nil
            stall?.cancel()
            stall = nil
        } else {
            buffer!.discardReadBytes()
            timeStall(context)
        }
    }

    public func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard let reading = event as? Reading else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        paused = reading == .paused
        if paused {
            stall?.cancel()
            stall = nil
        } else if (buffer?.readableBytes ?? 0) > 0 {
            // The peer gets the whole limit again from the moment its bytes can be read.
            timeStall(context)
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// Starts the clock on the half frame held, unless it runs already or nobody reads.
    private func timeStall(_ context: ChannelHandlerContext) {
        guard stall == nil, !paused else { return }
        let limit = stallLimit
        stall = context.eventLoop.assumeIsolated().scheduleTask(in: limit) { [self] in
            let held = buffer?.readableBytes ?? 0
            fail(context, FramingError(problem: .init("half a frame held open: \(held) bytes of a frame and nothing more for \(limit.nanoseconds / 1_000_000) ms"), framing: framing))
        }
    }

    public func channelInactive(context: ChannelHandlerContext) {
        stall?.cancel()
        stall = nil
        if let left = buffer?.readableBytes, left > 0 {
            buffer = nil
            context.fireErrorCaught(FramingError(problem: .init("the connection closed in the middle of a frame (\(left) bytes of it received)"), framing: framing))
        }
        context.fireChannelInactive()
    }

    private func fail(_ context: ChannelHandlerContext, _ error: FramingError) {
        stall?.cancel()
        stall = nil
        buffer = nil
        context.fireErrorCaught(error)
        context.close(promise: nil)
    }
}

/// Bytes on a connection that its framing cannot read.
public struct FramingError: Error, Sendable, CustomStringConvertible {
    public var problem: Framing.Problem
    public var framing: Framing
    public var description: String { "framing error (\(framing)): \(problem)" }
}
