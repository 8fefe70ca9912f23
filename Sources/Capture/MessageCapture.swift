/// Writes decrypted ISO 8583 frames as the TCP streams they crossed: each connection
/// opens with a handshake, each frame is one segment with its real addresses and ports,
/// sequence numbers run on, and times are the run's virtual times.
public final class MessageCapture {
    /// One end of a connection.
    public struct Endpoint: Hashable, Sendable {
        public var address: String
        public var port: UInt16
        public init(address: String = "127.0.0.1", port: UInt16) {
            self.address = address
            self.port = port
        }
    }

    private struct Flow: Hashable {
        var from: Endpoint
        var to: Endpoint
    }

    private let file: PcapFile
    private var nextSequence: [Flow: UInt32] = [:]
    private var identification: UInt16 = 1

    /// Creates the capture file.
    public init(path: String) throws {
        file = try PcapFile(path: path)
    }

    /// Appends a frame (with its 2-byte length header) sent from one endpoint to another.
    public func append(frame: [UInt8], from: Endpoint, to: Endpoint, microsecondsSinceEpoch: Int64) {
        let flow = Flow(from: from, to: to)
        let reverse = Flow(from: to, to: from)
        if nextSequence[flow] == nil && nextSequence[reverse] == nil {
            handshake(flow, at: microsecondsSinceEpoch)
        }
        let sequence = nextSequence[flow] ?? 1
        let acknowledgement = nextSequence[reverse] ?? 1
        emit(flow, sequence: sequence, acknowledgement: acknowledgement, flags: [.psh, .ack], payload: frame, at: microsecondsSinceEpoch)
        nextSequence[flow] = sequence &+ UInt32(frame.count)
    }

    /// Closes the file.
    public func close() { file.close() }

    private func handshake(_ flow: Flow, at time: Int64) {
        let reverse = Flow(from: flow.to, to: flow.from)
        emit(flow, sequence: 0, acknowledgement: 0, flags: [.syn], payload: [], at: time)
        emit(reverse, sequence: 0, acknowledgement: 1, flags: [.syn, .ack], payload: [], at: time)
        emit(flow, sequence: 1, acknowledgement: 1, flags: [.ack], payload: [], at: time)
        nextSequence[flow] = 1
        nextSequence[reverse] = 1
    }

    private func emit(_ flow: Flow, sequence: UInt32, acknowledgement: UInt32, flags: TCPSegment.Flags, payload: [UInt8], at time: Int64) {
        let packet = TCPSegment.packet(
            source: TCPSegment.address(flow.from.address) ?? 0x7F00_0001, sourcePort: flow.from.port,
            destination: TCPSegment.address(flow.to.address) ?? 0x7F00_0001, destinationPort: flow.to.port,
            sequence: sequence, acknowledgement: acknowledgement, flags: flags, payload: payload, identification: identification)
        identification &+= 1
        file.write(packet, microsecondsSinceEpoch: time)
    }
}
