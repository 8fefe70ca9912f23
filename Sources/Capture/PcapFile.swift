import CPcap

/// A capture file written through libpcap (`pcap_open_dead` and `pcap_dump`), so that
/// Wireshark, tshark and tcpdump read it as they read their own.
public final class PcapFile {
    /// A problem opening or writing the file.
    public struct Problem: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    private let handle: OpaquePointer
    private var dumper: OpaquePointer?
    /// The file's path.
    public let path: String

    /// Creates (or truncates) a capture file of raw IPv4 packets (`LINKTYPE_RAW`).
    public init(path: String, snapshotLength: Int32 = 65535) throws {
        guard let handle = pcap_open_dead(DLT_RAW, snapshotLength) else {
            throw Problem(description: "libpcap could not make a capture handle")
        }
        guard let dumper = pcap_dump_open(handle, path) else {
            let message = String(cString: pcap_geterr(handle))
            pcap_close(handle)
            throw Problem(description: "cannot write \(path): \(message)")
        }
        self.handle = handle
        self.dumper = dumper
        self.path = path
    }

    deinit {
        close()
        pcap_close(handle)
    }

    /// Appends one packet with its time, in microseconds since the Unix epoch.
    public func write(_ packet: [UInt8], microsecondsSinceEpoch: Int64) {
        guard let dumper else { return }
        var header = pcap_pkthdr()
        header.ts.tv_sec = Int(microsecondsSinceEpoch / 1_000_000)
        header.ts.tv_usec = Int(microsecondsSinceEpoch % 1_000_000)
        header.caplen = UInt32(packet.count)
        header.len = UInt32(packet.count)
        packet.withUnsafeBufferPointer { bytes in
            pcap_dump(UnsafeMutableRawPointer(dumper).assumingMemoryBound(to: UInt8.self), &header, bytes.baseAddress)
        }
    }

    /// Flushes and closes the file; later writes are ignored.
    public func close() {
        guard let dumper else { return }
        pcap_dump_flush(dumper)
        pcap_dump_close(dumper)
        self.dumper = nil
    }
}
