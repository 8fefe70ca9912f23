import Scenario
import Capture
import Foundation
import SettlementCalendar
import Wire

/// What `--capture` writes for one scenario: the live TLS traffic, the key log, the
/// decrypted messages, the timeline and a README with the commands for this folder.
final class CaptureSession: @unchecked Sendable {
    let folder: String
    let keyLog = KeyLog()
    private let messages: MessageCapture
    private var live: LiveCapture?
    /// One line for the person running it when live capture could not start.
    private(set) var note: String?
    private var ports: [String: Int] = [:]
    /// The wall clock (the kernel's, as the live capture stamps packets) and the virtual
    /// clock at each frame written, in microseconds, in order.
    private var clockMarks: [(wall: Int64, virtual: Int64)] = []

    /// Makes the folder `root/<run-time>-<scenario-file-name>/` and opens `messages.pcap`.
    init(root: String, runTime: String, scenarioFile: String) throws {
        let name = ((scenarioFile as NSString).lastPathComponent as NSString).deletingPathExtension
        folder = (root as NSString).appendingPathComponent("\(runTime)-\(name)")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        messages = try MessageCapture(path: (folder as NSString).appendingPathComponent("messages.pcap"))
    }

    func path(_ file: String) -> String { (folder as NSString).appendingPathComponent(file) }

    /// Records each frame as it is written, with its real ports and virtual time.
    func record(_ frame: WireNetwork.WrittenFrame, at now: Instant) {
        clockMarks.append((wall: Int64((Date().timeIntervalSince1970 * 1_000_000).rounded()), virtual: now.milliseconds * 1000))
        messages.append(
            frame: frame.bytes, from: .init(port: UInt16(clamping: frame.localPort)), to: .init(port: UInt16(clamping: frame.remotePort)),
            microsecondsSinceEpoch: now.milliseconds * 1000)
    }

    /// Starts the live capture on the run's ports (once they are known, before any connection).
    func startLive(ports: [String: Int]) {
        self.ports = ports
        do {
            live = try LiveCapture(path: path("wire.pcap"), ports: Array(ports.values))
        } catch {
            note = "\(error); wrote messages.pcap, keys.log and timeline.json only"
        }
    }

    /// Stops capturing and writes the rest of the folder.
    func finish(timeline: JSONValue) throws {
        live?.stop()
        if live != nil { putOnVirtualClock() }
        if let dropped = live?.droppedPackets, dropped > 0 {
            note = "the kernel dropped \(dropped) packets of the live capture; wire.pcap is incomplete"
        }
        messages.close()
        try keyLog.write(to: path("keys.log"))
        try Data(timeline.rendered(pretty: true).utf8).write(to: URL(fileURLWithPath: path("timeline.json")))
        if live != nil { injectSecrets() }
        try Data(readme().utf8).write(to: URL(fileURLWithPath: path("README.md")))
    }

    /// Moves wire.pcap onto the scenario's clock, as messages.pcap is: a packet captured
    /// after the frame written at virtual time V, wall time W, is stamped V plus the real
    /// time since W (the microseconds the nodes took) up to `VirtualStamper.nodeTimeCap`, never earlier than
    /// the packet before. A week of virtual time then reads as a week in Wireshark, and
    /// `incident import` of the live capture sees the same times as of the decrypted one.
    private func putOnVirtualClock() {
        guard !clockMarks.isEmpty else { return }
        var stamper = VirtualStamper(marks: clockMarks)
        do {
            try LiveCapture.retime(path: path("wire.pcap")) { stamper.stamp($0) }
        } catch {
            note = "wire.pcap keeps the wall-clock times it was captured with: \(error)"
        }
    }

    /// `wire-with-keys.pcapng`: the capture with the secrets inside, when editcap is installed.
    private func injectSecrets() {
        // Bounded: a stuck editcap costs only wire-with-keys.pcapng, never the run. editcap is
        // optional: the README gives the command.
        _ = Subprocess.run(["editcap", "--inject-secrets", "tls,\(path("keys.log"))", path("wire.pcap"), path("wire-with-keys.pcapng")],
                           within: .seconds(30))
    }

    private func readme() -> String {
        let sorted = ports.sorted { $0.value < $1.value }
        let decodeAs = sorted.map { "-d tcp.port==\($0.value),iso8583" }.joined(separator: " ")
        let tlsAs = sorted.map { "-d tcp.port==\($0.value),tls" }.joined(separator: " ")
        let prefs = "-o iso8583.len_endian:bigendian -o iso8583.binencode:bin"
        var text = """
            # PayLab capture

            The traffic of one scenario run. Ports: \(sorted.map { "\($0.key) \($0.value)" }.joined(separator: ", ")).

            | file | what |
            |---|---|
            | `wire.pcap` | the real TLS 1.3 traffic between the nodes, captured live on loopback (BPF filter on the ports above); each packet stamped with the scenario's virtual time (plus the real microseconds since the frame before it was written, at most 10 ms), as in `messages.pcap` |
            | `keys.log` | the TLS secrets in the NSS key log format |
            | `wire-with-keys.pcapng` | `wire.pcap` with the secrets inside (when editcap was installed) |
            | `messages.pcap` | the decrypted ISO 8583 frames as they crossed each link, with real ports and virtual times |
            | `timeline.json` | this scenario's part of the JSON report |

            The decrypted messages, field by field:

                tshark -r messages.pcap \(decodeAs) \(prefs) -V -Y iso8583

            The live capture, decrypted with the key log (each decrypted record is one framed
            message: 2-byte length, then the ISO 8583 bytes):

                tshark -r wire.pcap -o tls.keylog_file:keys.log \(tlsAs) -Y data -T fields -e tcp.srcport -e tcp.dstport -e data.data

            Wireshark 4.0's iso8583 dissector cannot be stacked on TLS by port; read the fields
            in `messages.pcap`, which holds the same bytes.

            The secrets inside the capture, as one file for Wireshark:

                editcap --inject-secrets tls,keys.log wire.pcap wire-with-keys.pcapng

            In Wireshark: open `wire.pcap`, set Preferences > Protocols > TLS > (Pre)-Master-Secret log
            filename to `keys.log`, and Decode As TLS then ISO 8583 on the ports above; set ISO 8583's
            length endianness to big endian and binary encoding to binary.

            """
        if let note { text += "\nLive capture did not run: \(note).\n" }
        return text
    }
}

/// Stamps a live capture's packets (wall-clock microseconds, in capture order) with virtual
/// times from the frames' marks: the virtual time of the last frame written before the packet,
/// plus the real time since it up to `nodeTimeCap`, never earlier than the packet before.
struct VirtualStamper {
    /// The most real time a packet is stamped past its frame's virtual time (microseconds).
    /// Virtual time stands still while the nodes work, so the real time between a frame's
    /// write and its packet is theirs, or a pause of a busy machine: a CI run once stamped a
    /// hop half a second late, and `incident import` read it as latency on that link.
    static let nodeTimeCap: Int64 = 10_000

    let marks: [(wall: Int64, virtual: Int64)]
    private var previous = Int64.min
    private var index = 0

    init(marks: [(wall: Int64, virtual: Int64)]) {
        self.marks = marks
    }

    mutating func stamp(_ wall: Int64) -> Int64 {
        while index + 1 < marks.count && marks[index + 1].wall <= wall { index += 1 }
        let mark = marks[index].wall <= wall ? marks[index] : marks[0]
        let stamped = max(previous, mark.virtual + min(max(0, wall - mark.wall), Self.nodeTimeCap))
        previous = stamped
        return stamped
    }
}
