import Capture
import Foundation
import RunCore
import ISO8583
import PaymentNetwork
import Scenario
import SettlementCalendar
import Testing
import TestSupport
import Incident

/// `paylab incident import`: evidence in, each transaction's timeline and what is odd out.
@Suite("Importing an incident's evidence")
struct IncidentImportTests {
    let zone = Zone(identifier: "Asia/Shanghai")!

    func read(_ path: String, framing: Framing = .standard) throws -> IncidentEvidence {
        try IncidentEvidence.read(path: path, dialect: .default, framing: framing)
    }

    func temporary(_ name: String) -> String { NSTemporaryDirectory() + "paylab-incident-\(UUID().uuidString)-\(name)" }

    @Test("a library capture: the lost approval's transaction across three hops, its 98 and the reversal the scheme sent")
    func libraryCapture() async throws {
        let root = temporary("captures")
        let runner = ScenarioRunner()
        let result = await runner.run(try ScenarioLoader.load(path: "Scenarios/approval-lost.yaml"), capture: .init(root: root, runTime: "20260101-000000"))
        try await runner.shutdown()
        let evidence = try read(try #require(result.captureFolder) + "/messages.pcap")
        #expect(evidence.problems.isEmpty, "\(evidence.problems)")
        let purchase = try #require(evidence.transactions.first)
        #expect(evidence.transactions.count == 1)
        #expect(purchase.terminal == "T0000001" && purchase.response == "98" && purchase.hops == 3 && purchase.amount == "4999.00")
        #expect(purchase.notes.contains { $0.hasPrefix("reversed: 0420") })
        let json = evidence.json(zone: zone).rendered()
        #expect(json.contains(#""requested_at":"2026-03-16T12:30:00+08:00","answered_at":"2026-03-16T12:30:30+08:00","hops":3"#))
    }

    /// What a round trip must keep: each transaction's answer, when its money arrived and how
    /// much; of the transactions the evidence holds (an attempt that never reached the wire,
    /// as in an outage, left nothing to import, even when a later repeat of it did), but for money an aggregator in default kept:
    /// its credit to the aggregator's account was answered 00 and nothing came after it, and no
    /// message tells that account from a merchant's own.
    static func outcomes(_ result: ScenarioResult, seenIn evidence: IncidentEvidence? = nil) -> [String] {
        // What went on the wire, by terminal, STAN and second: a try that never left its
        // terminal is not there, even when a repeat of the same message (same STAN) later was.
        // (Within a second: a capture stamps a frame when it crossed, a moment after its swipe.)
        let seen = evidence.map { Dictionary(grouping: $0.messages, by: { "\($0.message[DE.terminalID] ?? "-")/\($0.message[DE.stan] ?? "-")" })
            .mapValues { $0.map { ($0.time ?? 0) / 1_000 } } }
        return result.transactions.filter { outcome in
            guard let seen, let first = outcome.events.first, case .transaction(let reference) = first.reference else { return true }
            return seen["\(reference.terminal)/\(reference.stan)"]?.contains { abs($0 - first.at.milliseconds) <= 1_000 } == true
        }.map { outcome in
            evidence != nil && outcome.events.contains(where: { $0.kind == .kept }) ? Self.kept
                : "\(outcome.response) \(outcome.arrives.map { "\(result.scenario.zone.local($0))" } ?? "never") \(outcome.credited.formatted(exponent: 2))"
        }
    }

    static let kept = "(kept by an aggregator in default: not compared)"

    /// The replay's outcomes against the original's, but where the original's money was kept by an aggregator.
    static func same(_ replay: [String], _ original: [String]) -> Bool {
        replay.count == original.count && zip(replay, original).allSatisfy { $1 == kept || $0 == $1 }
    }

    @Test("every library scenario: its capture (messages.pcap, and wire.pcap with keys.log) becomes a scenario that passes and gives the same answers, arrivals and credits",
          arguments: try! ScenarioFiles.expand(["Scenarios"]))
    func scenarioFromCapture(file: String) async throws {
        let root = temporary("captures")
        let runner = ScenarioRunner()
        let original = await runner.run(try ScenarioLoader.load(path: file), capture: .init(root: root, runTime: "20260101-000000"))
        let folder = try #require(original.captureFolder)
        var sources = [("messages.pcap", try read(folder + "/messages.pcap"))]
        // The live capture, when this machine may capture (root or CAP_NET_RAW; CI runs as root).
        if FileManager.default.fileExists(atPath: folder + "/wire.pcap") {
            sources.append(("wire.pcap", try IncidentEvidence.read(path: folder + "/wire.pcap", dialect: .default, framing: .standard, keyLog: folder + "/keys.log")))
        }
        for (name, evidence) in sources {
            #expect(evidence.problems.isEmpty, "\(name): \(evidence.problems)")
            let written = evidence.reproduction(name: "from \(file)", zone: original.scenario.zone, calendar: .china, calendarReference: "cn", terms: nil).yaml
            let replay = await runner.run(try ScenarioLoader.parse(written, file: "incident.yaml"))
            #expect(replay.passed, "\(name): \(replay.failures)\n\(written)")
            #expect(Self.same(Self.outcomes(replay), Self.outcomes(original, seenIn: evidence)), "\(name): \(Self.outcomes(replay)) against \(Self.outcomes(original, seenIn: evidence))\n\(written)")
        }
        try await runner.shutdown()
    }

    @Test("the live TLS capture (wire.pcap) read with keys.log gives the same transactions as the decrypted messages.pcap; without the key log it says what is missing")
    func tlsWithKeyLog() async throws {
        let root = temporary("captures")
        let runner = ScenarioRunner()
        let result = await runner.run(try ScenarioLoader.load(path: "Scenarios/approval-lost.yaml"), capture: .init(root: root, runTime: "20260101-000000"))
        try await runner.shutdown()
        let folder = try #require(result.captureFolder)
        try #require(FileManager.default.fileExists(atPath: folder + "/wire.pcap"), "no live capture here: \(result.captureNote ?? "")")
        let decrypted = try read(folder + "/messages.pcap")
        let live = try IncidentEvidence.read(path: folder + "/wire.pcap", dialect: .default, framing: .standard, keyLog: folder + "/keys.log")
        #expect(live.problems.isEmpty, "\(live.problems)")
        func summary(_ evidence: IncidentEvidence) -> [String] {
            evidence.transactions.map { "\($0.terminal) \($0.stan) \($0.amount ?? "-") \($0.response ?? "-") \($0.hops) \($0.notes.count)" }
        }
        #expect(summary(live) == summary(decrypted))
        #expect(live.messages.count == decrypted.messages.count)
        let locked = try read(folder + "/wire.pcap")
        #expect(locked.transactions.isEmpty && locked.problems.allSatisfy { $0.hasSuffix("TLS; give the key log (--keylog) to read it") })
    }

    @Test("the terms are inferred from the payouts the evidence holds", arguments: [
        ("Scenarios/holiday-cutoff.yaml", "T+1", "09:00"), ("Scenarios/instant-t0.yaml", "T+0", "09:00"), ("Scenarios/instant-d0.yaml", "D+0", "09:00"),
    ])
    func terms(file: String, terms: String, payoutAt: String) async throws {
        let root = temporary("captures")
        let runner = ScenarioRunner()
        let result = await runner.run(try ScenarioLoader.load(path: file), capture: .init(root: root, runTime: "20260101-000000"))
        try await runner.shutdown()
        let evidence = try read(try #require(result.captureFolder) + "/messages.pcap")
        let inferred = try #require(evidence.inferredTerms(calendar: .china, zone: result.scenario.zone))
        #expect(inferred.terms == terms && inferred.payoutAt == payoutAt, "\(inferred.why)")
        // And the fee the merchant pays, from what the payout holds back.
        let fee = result.scenario.network.merchants[0].feePartsPerMillion
        #expect(evidence.inferredFee() == String(format: "%d.%02d%%", fee / 10_000, fee / 100 % 100))
    }

    @Test("a capture PayLab did not make: dumpcap on loopback between pyiso8583 programs; the timeline is what the client logged")
    func foreignCapture() async throws {
        let host = try IssuerHost(
            cardsJSON: #"[{"pan": "6222020000000001", "expiry": "2812", "balance": "100.00", "status": "active", "daily_limit": null}]"#, arguments: [])
        let pcap = temporary("foreign.pcapng")
        let dumpcap = try ChildProcess(["dumpcap", "-i", "lo", "-f", "tcp port \(host.port)", "-a", "duration:30", "-w", pcap, "-q"], deadline: .seconds(60))
        // dumpcap says "Capturing on ..." once it captures; a loaded machine may take a while.
        #expect(await dumpcap.errorsContain("Capturing on", timeout: .seconds(20)), "dumpcap did not start capturing")
        try await Task.sleep(for: .milliseconds(200))
        let logged = try await ExternalTool.run(["python3", "Tests/Interop/pos_client.py", "--port", "\(host.port)", "--stan", "000321", "--amount", "12.34"])
        // The client has its answer and has closed; give the last segments a moment, then
        // stop dumpcap as a person would, with Ctrl-C (it writes the file and exits 0).
        try await Task.sleep(for: .milliseconds(300))
        dumpcap.terminate(signal: SIGINT)
        let captured = await dumpcap.result()
        #expect(captured.exit.status == 0 && !captured.exit.timedOut, "dumpcap: \(captured.exit) \(captured.errors)")
        withExtendedLifetime(host) {}
        let evidence = try read(pcap)
        #expect(evidence.problems.isEmpty, "\(evidence.problems)")
        let purchase = try #require(evidence.transactions.first)
        #expect(evidence.transactions.count == 1)
        #expect(purchase.stan == "000321" && purchase.amount == "12.34" && purchase.hops == 1)
        // What the client printed: its 0210 with the same DE39 and DE38.
        let answer = try #require(logged.split(separator: "\n").last)
        let client = try JSONSerialization.jsonObject(with: Data(answer.utf8)) as? [String: String]
        #expect(purchase.response == client?["39"])
        #expect(purchase.exchanges.first?.answer?.message[38] == client?["38"])
    }

    @Test("JSON lines of paylab decode --json, and a hex dump, are evidence too")
    func logs() throws {
        // As `paylab decode --json` prints them, the PAN masked as a switch's log has it.
        let request = #"{"mti":"0200","fields":{"2":"622202******0001","3":"000000","4":"000000001000","7":"0316020000","11":"000042","41":"T0000001"}}"#
        let answer = #"{"mti":"0210","fields":{"3":"000000","4":"000000001000","7":"0316020000","11":"000042","39":"51","41":"T0000001"}}"#
        let jsonLines = temporary("log.jsonl")
        try Data((request + "\n" + answer + "\n").utf8).write(to: URL(fileURLWithPath: jsonLines))
        let fromJSON = try read(jsonLines)
        #expect(fromJSON.transactions.map { "\($0.terminal) \($0.stan) \($0.response ?? "-")" } == ["T0000001 000042 51"])
        #expect(fromJSON.transactions.first?.notes == ["declined 51 (insufficient funds)"])
        let codec = MessageCodec(dialect: .default)
        let bytes = try codec.pack(try #require(fromJSON.messages.first?.message))
        let hex = temporary("dump.txt")
        try Data(("# a switch's log\n" + Hex.encode(bytes) + "\nnot hex at all\n").utf8).write(to: URL(fileURLWithPath: hex))
        let fromHex = try read(hex)
        #expect(fromHex.transactions.first?.notes == ["no answer to the 0200"])
        #expect(fromHex.problems.count == 1 && fromHex.problems[0].hasSuffix(":3: not hex and not a JSON object"))
    }

    @Test("bad evidence: a file that is no capture, a truncated capture, a stream that is not ISO 8583; each says so and keeps what it could read")
    func badEvidence() async throws {
        let junk = temporary("junk.pcap")
        try Data([0xD4, 0xC3, 0xB2, 0xA1] + [UInt8](repeating: 0x7F, count: 10)).write(to: URL(fileURLWithPath: junk))
        #expect(throws: IncidentEvidence.Problem.self) { try read(junk) }
        let binary = temporary("binary.bin")
        try Data([0xFF, 0xFE, 0x00, 0x81]).write(to: URL(fileURLWithPath: binary))
        #expect(throws: IncidentEvidence.Problem.self) { try read(binary) }

        let root = temporary("captures")
        let runner = ScenarioRunner()
        let result = await runner.run(try ScenarioLoader.load(path: "Scenarios/happy-path.yaml"), capture: .init(root: root, runTime: "20260101-000000"))
        try await runner.shutdown()
        let whole = try Data(contentsOf: URL(fileURLWithPath: try #require(result.captureFolder) + "/messages.pcap"))
        let cut = temporary("cut.pcap")
        try whole.prefix(whole.count - 30).write(to: URL(fileURLWithPath: cut))
        let truncated = try read(cut)
        #expect(!truncated.problems.isEmpty)
        #expect(!truncated.transactions.isEmpty)
        let asASCII = try read(try #require(result.captureFolder) + "/messages.pcap", framing: Framing(length: .ascii4))
        #expect(asASCII.transactions.isEmpty)
        #expect(asASCII.problems.contains { $0.contains("is not four ASCII digits") })
    }
}

@Suite("Reassembling TCP streams")
struct TCPReassemblerTests {
    func segment(_ sequence: UInt32, _ text: String, syn: Bool = false, time: Int64 = 0) -> PcapReader.Segment {
        PcapReader.Segment(time: time, source: "10.0.0.1", sourcePort: 1000, destination: "10.0.0.2", destinationPort: 2000,
                           sequence: sequence, syn: syn, fin: false, payload: Array(text.utf8))
    }

    @Test("out of order, retransmitted and overlapping segments come out once, in order")
    func order() {
        var reassembler = TCPReassembler()
        var out = ""
        func add(_ segment: PcapReader.Segment) { if let got = reassembler.add(segment) { out += String(decoding: got.bytes, as: UTF8.self) } }
        add(segment(99, "", syn: true))
        add(segment(106, "world"))           // ahead of a gap: waits
        #expect(out.isEmpty)
        add(segment(100, "hello "))          // fills it: both come out
        #expect(out == "hello world")
        add(segment(100, "hello "))          // a retransmission: nothing new
        add(segment(109, "ld!!"))            // overlaps what came: only the new bytes
        #expect(out == "hello world!!")
    }

    @Test("a capture that begins mid-connection starts from the first segment it has")
    func midStream() {
        var reassembler = TCPReassembler()
        let got = reassembler.add(segment(5000, "0200"))
        #expect(got.map { String(decoding: $0.bytes, as: UTF8.self) } == "0200")
    }
}
