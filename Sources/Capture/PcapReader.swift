import CPcap
import Foundation

/// Reads the TCP segments of a pcap or pcapng file with libpcap (which reads both): Ethernet,
/// raw IP, BSD loopback and Linux cooked captures, IPv4 and IPv6. Whatever cannot be read is a
/// problem in words, and what came before it is kept.
public struct PcapReader {
    /// One TCP segment with data or a SYN/FIN.
    public struct Segment: Sendable {
        /// Microseconds since the epoch.
        public var time: Int64
        public var source: String, sourcePort: Int
        public var destination: String, destinationPort: Int
        public var sequence: UInt32
        public var syn: Bool, fin: Bool
        public var payload: [UInt8]

        public init(time: Int64, source: String, sourcePort: Int, destination: String, destinationPort: Int, sequence: UInt32, syn: Bool, fin: Bool, payload: [UInt8]) {
            self.time = time
            self.source = source
            self.sourcePort = sourcePort
            self.destination = destination
            self.destinationPort = destinationPort
            self.sequence = sequence
            self.syn = syn
            self.fin = fin
            self.payload = payload
        }
    }

    /// A file that is no capture, or one cut short.
    public struct Problem: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// The segments of the file, and what went wrong after them (a truncated file, say).
    public static func read(path: String) throws(Problem) -> (segments: [Segment], problems: [String]) {
        var errors = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE))
        guard let handle = pcap_open_offline_with_tstamp_precision(path, UInt32(PCAP_TSTAMP_PRECISION_MICRO), &errors) else {
            let detail = String(decoding: errors.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw Problem(description: "\(path) is not a pcap or pcapng file libpcap can read: \(detail)")
        }
        defer { pcap_close(handle) }
        let link = pcap_datalink(handle)
        var segments: [Segment] = []
        var problems: [String] = []
        var skipped = 0
        var header: UnsafeMutablePointer<pcap_pkthdr>?
        var data: UnsafePointer<UInt8>?
        var number = 0
        while true {
            let status = pcap_next_ex(handle, &header, &data)
            if status == -2 { break }
            if status == -1 {
                problems.append("\(path): stopped after packet \(number): \(String(cString: pcap_geterr(handle)))")
                break
            }
            guard status == 1, let header, let data else { continue }
            number += 1
            let bytes = UnsafeBufferPointer(start: data, count: Int(header.pointee.caplen))
            let time = Int64(header.pointee.ts.tv_sec) * 1_000_000 + Int64(header.pointee.ts.tv_usec)
            if let segment = parse(bytes, link: link, time: time) { segments.append(segment) } else { skipped += 1 }
        }
        if number == 0, problems.isEmpty { problems.append("\(path) holds no packets") }
        return (segments, problems)
    }

    /// A TCP segment of one captured frame, or nil for anything else.
    static func parse(_ frame: UnsafeBufferPointer<UInt8>, link: Int32, time: Int64) -> Segment? {
        var offset: Int
        var ipVersion: UInt8? = nil
        switch link {
        case 1: // Ethernet
            guard frame.count >= 14 else { return nil }
            offset = 14
            var type = Int(frame[12]) << 8 | Int(frame[13])
            while type == 0x8100, frame.count >= offset + 4 { // VLAN tags
                type = Int(frame[offset + 2]) << 8 | Int(frame[offset + 3])
                offset += 4
            }
            guard type == 0x0800 || type == 0x86DD else { return nil }
        case 0, 108: offset = 4 // BSD loopback
        case 12, 14, 101: offset = 0 // raw IP
        case 113: offset = 16 // Linux cooked
        case 276: offset = 20 // Linux cooked v2
        case 228: offset = 0; ipVersion = 4
        case 229: offset = 0; ipVersion = 6
        default: return nil
        }
        guard frame.count > offset else { return nil }
        let version = ipVersion ?? frame[offset] >> 4
        let source: String, destination: String
        var tcpStart: Int
        var end: Int
        if version == 4 {
            guard frame.count >= offset + 20, frame[offset + 9] == 6 else { return nil }
            let headerLength = Int(frame[offset] & 0x0F) * 4
            let total = Int(frame[offset + 2]) << 8 | Int(frame[offset + 3])
            source = (12..<16).map { String(frame[offset + $0]) }.joined(separator: ".")
            destination = (16..<20).map { String(frame[offset + $0]) }.joined(separator: ".")
            tcpStart = offset + headerLength
            end = min(frame.count, offset + max(total, headerLength))
        } else if version == 6 {
            guard frame.count >= offset + 40, frame[offset + 6] == 6 else { return nil }
            let payload = Int(frame[offset + 4]) << 8 | Int(frame[offset + 5])
            func hex(_ at: Int) -> String { stride(from: at, to: at + 16, by: 2).map { String(format: "%x", Int(frame[$0]) << 8 | Int(frame[$0 + 1])) }.joined(separator: ":") }
            source = hex(offset + 8)
            destination = hex(offset + 24)
            tcpStart = offset + 40
            end = min(frame.count, tcpStart + payload)
        } else {
            return nil
        }
        guard end >= tcpStart + 20 else { return nil }
        let sourcePort = Int(frame[tcpStart]) << 8 | Int(frame[tcpStart + 1])
        let destinationPort = Int(frame[tcpStart + 2]) << 8 | Int(frame[tcpStart + 3])
        let sequence = (4..<8).reduce(UInt32(0)) { $0 << 8 | UInt32(frame[tcpStart + $1]) }
        let dataOffset = Int(frame[tcpStart + 12] >> 4) * 4
        let flags = frame[tcpStart + 13]
        guard end >= tcpStart + dataOffset else { return nil }
        return Segment(
            time: time, source: source, sourcePort: sourcePort, destination: destination, destinationPort: destinationPort,
            sequence: sequence, syn: flags & 0x02 != 0, fin: flags & 0x01 != 0, payload: Array(frame[(tcpStart + dataOffset)..<end]))
    }
}

/// Puts a TCP connection's bytes back in order, per direction: segments out of order wait
/// for the gap to fill, retransmitted bytes are taken once, and each run of bytes delivered
/// carries the time of the segment that completed it.
public struct TCPReassembler {
    /// One direction of a connection.
    public struct Flow: Hashable, Sendable, CustomStringConvertible {
        public var source: String, sourcePort: Int, destination: String, destinationPort: Int
        public var description: String { "\(source):\(sourcePort) -> \(destination):\(destinationPort)" }
        public var reversed: Flow { Flow(source: destination, sourcePort: destinationPort, destination: source, destinationPort: sourcePort) }
    }

    private struct State {
        var next: UInt32?
        var pending: [UInt32: (bytes: [UInt8], time: Int64)] = [:]
    }

    private var flows: [Flow: State] = [:]

    public init() {}

    /// Bytes that became contiguous with this segment, in order, with the segment's time.
    public mutating func add(_ segment: PcapReader.Segment) -> (flow: Flow, bytes: [UInt8], time: Int64)? {
        let flow = Flow(source: segment.source, sourcePort: segment.sourcePort, destination: segment.destination, destinationPort: segment.destinationPort)
        var state = flows[flow] ?? State()
        defer { flows[flow] = state }
        var sequence = segment.sequence
        if segment.syn {
            state.next = sequence &+ 1
            sequence &+= 1
        }
        guard !segment.payload.isEmpty else { return nil }
        if state.next == nil { state.next = sequence } // the capture began mid-connection
        state.pending[sequence] = (segment.payload, segment.time)
        var out: [UInt8] = []
        // Take whatever starts at or before the next byte, trimming what was seen already.
        while let next = state.next {
            guard let key = state.pending.keys.first(where: { Int32(bitPattern: $0 &- next) <= 0 && Int32(bitPattern: ($0 &+ UInt32(state.pending[$0]!.bytes.count)) &- next) > 0 }) else {
                // Drop what lies wholly behind the next byte (retransmissions).
                for key in state.pending.keys where Int32(bitPattern: (key &+ UInt32(state.pending[key]!.bytes.count)) &- next) <= 0 { state.pending[key] = nil }
                break
            }
            let chunk = state.pending.removeValue(forKey: key)!
            let skip = Int(next &- key)
            out += chunk.bytes[skip...]
            state.next = next &+ UInt32(chunk.bytes.count - skip)
        }
        return out.isEmpty ? nil : (flow, out, segment.time)
    }
}
