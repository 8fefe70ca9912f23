import CPcap
import Foundation
import Synchronization

/// A live capture of this run's traffic on the loopback interface, through libpcap, with
/// a BPF filter on exactly the run's ports, written to a file as it arrives.
///
/// Capturing needs root or CAP_NET_RAW; without it ``start(path:ports:)`` throws
/// ``Problem/permissionDenied`` and the run goes on without it.
public final class LiveCapture: @unchecked Sendable {
    /// Why a live capture could not start.
    public enum Problem: Error, Sendable, CustomStringConvertible {
        /// The process may not capture (it needs root or CAP_NET_RAW).
        case permissionDenied(String)
        /// libpcap refused for another reason.
        case failed(String)

        public var description: String {
            switch self {
            case .permissionDenied(let detail): return "live capture needs root or CAP_NET_RAW (\(detail))"
            case .failed(let detail): return "live capture failed: \(detail)"
            }
        }
    }

    private let handle: OpaquePointer
    private let dumper: OpaquePointer
    private let stopping = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)
    /// The BPF filter in force.
    public let filter: String

    /// The BPF filter for TCP on these ports of 127.0.0.1.
    public static func filter(ports: [Int]) -> String {
        "tcp and host 127.0.0.1 and (" + ports.sorted().map { "port \($0)" }.joined(separator: " or ") + ")"
    }

    /// Starts capturing on `interface` into `path` (pcap format), on a thread of its own.
    public init(path: String, ports: [Int], interface: String = "lo") throws(Problem) {
        var errors = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE))
        guard let handle = pcap_create(interface, &errors) else {
            throw .failed(String(decoding: errors.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        pcap_set_snaplen(handle, 65535)
        // The ring holds whole snapshot-length frames: 2 MB (the default) is only about 30
        // of them, too few for a burst of handshakes before the capture thread runs.
        pcap_set_buffer_size(handle, 64 << 20)
        pcap_set_immediate_mode(handle, 1)
        pcap_set_timeout(handle, 5)
        let status = pcap_activate(handle)
        if status < 0 {
            let detail = String(cString: pcap_geterr(handle))
            pcap_close(handle)
            if status == PCAP_ERROR_PERM_DENIED || detail.contains("ermission") || detail.contains("perm") {
                throw .permissionDenied(detail)
            }
            throw .failed(detail)
        }
        filter = Self.filter(ports: ports)
        var program = bpf_program()
        guard pcap_compile(handle, &program, filter, 1, PCAP_NETMASK_UNKNOWN) == 0, pcap_setfilter(handle, &program) == 0 else {
            let detail = String(cString: pcap_geterr(handle))
            pcap_close(handle)
            throw .failed("BPF filter '\(filter)': \(detail)")
        }
        pcap_freecode(&program)
        pcap_setnonblock(handle, 1, &errors)
        guard let dumper = pcap_dump_open(handle, path) else {
            let detail = String(cString: pcap_geterr(handle))
            pcap_close(handle)
            throw .failed("cannot write \(path): \(detail)")
        }
        self.handle = handle
        self.dumper = dumper
        let started = DispatchSemaphore(value: 0)
        let thread = Thread { [self] in
            started.signal()
            run()
        }
        thread.name = "paylab-capture"
        thread.start()
        started.wait()
    }

    /// Packets the kernel dropped because the capture fell behind (0 when all were kept).
    public private(set) var droppedPackets: Int = 0

    private func run() {
        let user = UnsafeMutableRawPointer(dumper).assumingMemoryBound(to: UInt8.self)
        var quietRounds = 0
        var drainStarted: ContinuousClock.Instant?
        while true {
            let count = pcap_dispatch(handle, -1, pcap_dump, user)
            if count > 0 {
                quietRounds = 0
                continue
            }
            if stopping.load(ordering: .acquiring) {
                // Drain what the kernel still holds, then stop: 20 quiet polls and at least 50 ms,
                // so a loaded machine that runs this thread late still hands over every packet.
                quietRounds += 1
                let since = drainStarted ?? ContinuousClock.now
                drainStarted = since
                if count < 0 || (quietRounds > 20 && ContinuousClock.now - since > .milliseconds(50)) { break }
            }
            usleep(1000)
        }
        pcap_dump_flush(dumper)
        var stats = pcap_stat()
        if pcap_stats(handle, &stats) == 0 { droppedPackets = Int(stats.ps_drop) }
        finished.signal()
    }

    /// Stops capturing once the kernel has handed over what it holds, and closes the file.
    public func stop() {
        stopping.store(true, ordering: .releasing)
        finished.wait()
        pcap_dump_close(dumper)
        pcap_close(handle)
    }
}

extension LiveCapture {
    /// Rewrites the capture at `path` with each packet's timestamp passed through `time`
    /// (microseconds since the epoch in, microseconds out), with libpcap on both sides: the
    /// bytes, the link type and the order stay as captured.
    public static func retime(path: String, _ time: (Int64) -> Int64) throws(Problem) {
        var errors = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE))
        guard let input = pcap_open_offline(path, &errors) else {
            throw .failed("cannot read \(path): \(String(cString: errors))")
        }
        defer { pcap_close(input) }
        let temporary = path + ".retimed"
        guard let dead = pcap_open_dead(pcap_datalink(input), pcap_snapshot(input)) else { throw .failed("pcap_open_dead failed") }
        defer { pcap_close(dead) }
        guard let output = pcap_dump_open(dead, temporary) else {
            throw .failed("cannot write \(temporary): \(String(cString: pcap_geterr(dead)))")
        }
        var header: UnsafeMutablePointer<pcap_pkthdr>?
        var data: UnsafePointer<u_char>?
        while pcap_next_ex(input, &header, &data) == 1, let header, let data {
            var copy = header.pointee
            let micros = time(Int64(copy.ts.tv_sec) * 1_000_000 + Int64(copy.ts.tv_usec))
            copy.ts.tv_sec = Int(micros / 1_000_000)
            copy.ts.tv_usec = Int(micros % 1_000_000)
            pcap_dump(UnsafeMutableRawPointer(output).assumingMemoryBound(to: UInt8.self), &copy, data)
        }
        pcap_dump_close(output)
        guard rename(temporary, path) == 0 else { throw .failed("cannot replace \(path): \(String(cString: strerror(errno)))") }
    }
}
