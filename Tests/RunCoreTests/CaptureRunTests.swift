import Foundation
import PaymentNetwork
import Testing
import TestSupport
@testable import RunCore
@testable import Scenario

/// `--capture` on a real run, read back with tshark (install: apt-get install tshark).
@Suite("Capturing a run", .serialized)
struct CaptureRunTests {
    func capturedRun(_ file: String = "Scenarios/happy-path.yaml") async throws -> (ScenarioResult, String) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("paylab-captures-\(UUID().uuidString)").path
        let runner = ScenarioRunner()
        let result = await runner.run(try ScenarioLoader.load(path: file), capture: .init(root: root, runTime: "20260101-000000"))
        try await runner.shutdown()
        let folder = try #require(result.captureFolder)
        return (result, folder)
    }

    func ports(in folder: String) throws -> [Int] {
        let readme = try String(contentsOfFile: folder + "/README.md", encoding: .utf8)
        let line = try #require(readme.split(separator: "\n").first { $0.hasPrefix("The traffic of one scenario run. Ports:") })
        return line.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
    }

    @Test("tshark decodes messages.pcap with the iso8583 dissector: amounts, STANs and response codes of the run")
    func messages() async throws {
        let (result, folder) = try await capturedRun()
        #expect(result.passed)
        let ports = try ports(in: folder)
        #expect(ports.count == 4)
        let decodeAs = ports.flatMap { ["-d", "tcp.port==\($0),iso8583"] }
        let text = try await runTool(["tshark", "-r", folder + "/messages.pcap"] + decodeAs + [
            "-o", "iso8583.len_endian:bigendian", "-o", "iso8583.binencode:bin", "-Y", "iso8583",
            "-T", "fields", "-E", "separator=|", "-e", "iso8583.mti", "-e", "iso8583.bit3", "-e", "iso8583.bit4", "-e", "iso8583.bit11", "-e", "iso8583.bit39",
        ])
        let all = text.split(separator: "\n").map { $0.split(separator: "|", omittingEmptySubsequences: false).map(String.init) }
        // The terminal signs on when it starts (0800, DE70 001; 0810 00).
        #expect(all.prefix(2).map { $0[0] } == ["0800", "0810"])
        #expect(all.count > 1 && all[1][4] == "00")
        let rows = Array(all.dropFirst(2))
        // Terminal to acquirer, acquirer to scheme, scheme to issuer, and back; then the payout and its answer.
        #expect(rows.map { $0[0] } == ["0200", "0200", "0200", "0210", "0210", "0210", "0200", "0210"])
        let swipe = try #require(result.timeline.first { $0.kind == .swiped })
        let stan = try #require(swipe.detail.split(separator: " ").last.map(String.init))
        #expect(rows.prefix(6).allSatisfy { $0[2] == "000000010000" })
        // Every hop has its own STAN: the terminal's, the acquirer's, the scheme's; each answer echoes its request's.
        let stans = rows.prefix(6).map { $0[3] }
        #expect(stans[0] == stan && Set(stans[0...2]).count == 3 && Array(stans[3...5]) == Array(stans[0...2].reversed()), "\(stans)")
        #expect(rows[3...5].allSatisfy { $0[4] == "00" })
        #expect(rows[6][1] == "280000" && rows[6][2] == "000000009940")
        #expect(rows[7][4] == "00")
    }

    @Test("wire.pcap holds TLS 1.3 on the run's ports only, and keys.log decrypts it to the same frames")
    func liveTLS() async throws {
        let (_, folder) = try await capturedRun()
        let ports = Set(try ports(in: folder))
        let tls = try await runTool(["tshark", "-r", folder + "/wire.pcap", "-Y", "tls.handshake.type == 2", "-T", "fields",
                               "-e", "tcp.srcport", "-e", "tls.handshake.extensions.supported_version"])
        let hellos = tls.split(separator: "\n").map { $0.split(separator: "\t").map(String.init) }
        // Terminal -> acquirer, acquirer -> scheme, scheme -> issuer, acquirer -> merchant's bank
        // (the scheme has no link to a bank that issues no cards).
        #expect(hellos.count == 4, "one ServerHello per connection")
        #expect(hellos.allSatisfy { ports.contains(Int($0[0]) ?? 0) && $0[1] == "0x0304" })
        let all = try await runTool(["tshark", "-r", folder + "/wire.pcap", "-T", "fields", "-e", "tcp.srcport", "-e", "tcp.dstport"])
        #expect(all.split(separator: "\n").allSatisfy { line in line.split(separator: "\t").contains { ports.contains(Int($0) ?? 0) } })

        let decodeAs = ports.flatMap { ["-d", "tcp.port==\($0),tls"] }
        let plain = try await runTool(["tshark", "-r", folder + "/wire.pcap"] + decodeAs + ["-Y", "data", "-T", "fields", "-e", "data.data"])
        #expect(plain.isEmpty, "without the keys nothing is readable")
        let decrypted = try await runTool(["tshark", "-r", folder + "/wire.pcap", "-o", "tls.keylog_file:" + folder + "/keys.log"] + decodeAs
                                    + ["-Y", "data", "-T", "fields", "-e", "data.data"])
        let records = decrypted.split(separator: "\n").map(String.init)
        #expect(records.count == 10, "decrypted records in \(folder)")
        // Each record is a frame: 2-byte length, then "0800" or "0810" (the terminal's sign-on), "0200" or "0210" in ASCII.
        let mtis = ["30383030", "30383130", "30323030", "30323130"]
        #expect(records.allSatisfy { record in mtis.contains { record.dropFirst(4).hasPrefix($0) } })
        #expect(records.filter { $0.dropFirst(4).hasPrefix("3038") }.count == 2)
        #expect(FileManager.default.fileExists(atPath: folder + "/timeline.json"))
        // editcap (tshark's package) put the secrets inside wire-with-keys.pcapng: it decrypts with no key log.
        let embedded = try await runTool(["tshark", "-r", folder + "/wire-with-keys.pcapng"] + decodeAs + ["-Y", "data", "-T", "fields", "-e", "data.data"])
        #expect(embedded.split(separator: "\n").map(String.init) == records)
    }

    @Test("wire.pcap's packets take their frames' virtual times: a node's microseconds show, a pause of the machine does not, and time never runs back")
    func virtualStamps() {
        // Two frames at virtual 09:00:00 (written 1 ms apart in real time), then one at 15:00:00.
        let nine: Int64 = 32_400_000_000, fifteen: Int64 = 54_000_000_000
        var stamper = VirtualStamper(marks: [(wall: 1_000_000, virtual: nine), (wall: 1_001_000, virtual: nine), (wall: 9_000_000, virtual: fifteen)])
        let stamps = [999_000, 1_000_040, 1_001_070, 1_900_000, 2_500_000, 9_000_010, 9_000_005].map { stamper.stamp($0) }
        #expect(stamps == [
            nine,                  // before any frame: the first frame's time
            nine + 40,             // 40 µs after its frame
            nine + 70,             // 70 µs after the second
            nine + 10_000,         // 0.9 s later in real time (a busy machine): no more than 10 ms of it
            nine + 10_000,         // likewise
            fifteen + 10,          // the next frame's time
            fifteen + 10,          // a packet stamped earlier than the one before it: never earlier
        ], "\(stamps)")
    }

    @Test("capturing does not change the run")
    func sameTimeline() async throws {
        let scenario = try ScenarioLoader.load(path: "Scenarios/slow-link-timeout.yaml")
        let runner = ScenarioRunner()
        let plain = await runner.run(scenario)
        try await runner.shutdown()
        let (captured, _) = try await capturedRun("Scenarios/slow-link-timeout.yaml")
        #expect(plain.timeline == captured.timeline)
        #expect(JSONReport.scenario(plain) == JSONReport.scenario(captured))
    }
}

/// The command line without the right to capture: it says so in one line and writes the rest.
@Suite("Capturing without CAP_NET_RAW")
struct CapturePermissionTests {
    /// The `paylab` that `swift test` built next to the tests.
    static var paylab: String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/paylab").path
    }

    @Test("without CAP_NET_RAW, --capture says so in one line and still writes messages.pcap, keys.log and timeline.json")
    func noPermission() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("paylab-noraw-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: folder + "/Scenarios", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: root + "/Scenarios/happy-path.yaml", toPath: folder + "/Scenarios/happy-path.yaml")
        // setpriv (util-linux) drops the capability for the child even when the tests run as root.
        let output = try await runTool(["sh", "-c", "cd '\(folder)' && setpriv --bounding-set=-net_raw,-net_admin --inh-caps=-net_raw,-net_admin '\(Self.paylab)' run --capture Scenarios/happy-path.yaml"])
        let notes = output.split(separator: "\n").filter { $0.contains("CAP_NET_RAW") }
        #expect(notes.count == 1)
        #expect(notes.first?.contains("wrote messages.pcap, keys.log and timeline.json only") == true)
        let captures = try FileManager.default.contentsOfDirectory(atPath: folder + "/Captures")
        let written = try FileManager.default.contentsOfDirectory(atPath: folder + "/Captures/" + (captures.first ?? "")).sorted()
        #expect(written == ["README.md", "keys.log", "messages.pcap", "timeline.json"])
    }
}
