/// Builds IPv4/TCP packets around payloads, with correct checksums, so a capture of
/// decrypted messages looks to Wireshark like the TCP stream it travelled on.
public enum TCPSegment {
    /// TCP flag bits.
    public struct Flags: OptionSet, Sendable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let fin = Flags(rawValue: 0x01)
        public static let syn = Flags(rawValue: 0x02)
        public static let psh = Flags(rawValue: 0x08)
        public static let ack = Flags(rawValue: 0x10)
    }

    /// An IPv4 address from its dotted text (`127.0.0.1`).
    public static func address(_ text: String) -> UInt32? {
        let parts = text.split(separator: ".").compactMap { UInt8($0) }
        guard parts.count == 4 else { return nil }
        return parts.reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// An IPv4 packet holding one TCP segment.
    public static func packet(
        source: UInt32, sourcePort: UInt16, destination: UInt32, destinationPort: UInt16,
        sequence: UInt32, acknowledgement: UInt32, flags: Flags, payload: [UInt8], identification: UInt16 = 0
    ) -> [UInt8] {
        var tcp: [UInt8] = []
        tcp.reserveCapacity(20 + payload.count)
        append16(sourcePort, to: &tcp)
        append16(destinationPort, to: &tcp)
        append32(sequence, to: &tcp)
        append32(flags.contains(.ack) ? acknowledgement : 0, to: &tcp)
        tcp.append(5 << 4)            // data offset: 5 words, no options
        tcp.append(flags.rawValue)
        append16(65535, to: &tcp)     // window
        append16(0, to: &tcp)         // checksum, filled below
        append16(0, to: &tcp)         // urgent pointer
        tcp += payload
        // The TCP checksum covers a pseudo-header of the addresses, protocol and length.
        var pseudo: [UInt8] = []
        append32(source, to: &pseudo)
        append32(destination, to: &pseudo)
        pseudo += [0, 6]
        append16(UInt16(tcp.count), to: &pseudo)
        let tcpChecksum = checksum(pseudo + tcp)
        tcp[16] = UInt8(tcpChecksum >> 8)
        tcp[17] = UInt8(tcpChecksum & 0xFF)

        var ip: [UInt8] = [0x45, 0x00]
        append16(UInt16(20 + tcp.count), to: &ip)
        append16(identification, to: &ip)
        append16(0x4000, to: &ip)     // don't fragment
        ip += [64, 6]                 // TTL, protocol TCP
        append16(0, to: &ip)          // checksum, filled below
        append32(source, to: &ip)
        append32(destination, to: &ip)
        let ipChecksum = checksum(ip)
        ip[10] = UInt8(ipChecksum >> 8)
        ip[11] = UInt8(ipChecksum & 0xFF)
        return ip + tcp
    }

    /// The Internet checksum (RFC 1071).
    static func checksum(_ bytes: [UInt8]) -> UInt16 {
        var sum: UInt32 = 0
        var index = 0
        while index + 1 < bytes.count {
            sum += UInt32(bytes[index]) << 8 | UInt32(bytes[index + 1])
            index += 2
        }
        if index < bytes.count { sum += UInt32(bytes[index]) << 8 }
        while sum >> 16 != 0 { sum = (sum & 0xFFFF) + (sum >> 16) }
        return ~UInt16(sum)
    }

    private static func append16(_ value: UInt16, to bytes: inout [UInt8]) {
        bytes.append(UInt8(value >> 8))
        bytes.append(UInt8(value & 0xFF))
    }

    private static func append32(_ value: UInt32, to bytes: inout [UInt8]) {
        for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }
}
