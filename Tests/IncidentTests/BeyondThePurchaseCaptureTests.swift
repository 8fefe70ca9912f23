import Foundation
import ISO8583
import PaymentNetwork
import Testing
import TestSupport
@testable import RunCore
@testable import Scenario
import Incident

/// Pre-authorizations, completions, cancellations, refunds and chargebacks over the real
/// links (mutual TLS on loopback), captured, and read back by two decoders PayLab did not
/// write: Wireshark's iso8583 dissector (tshark) and pyiso8583.
@Suite("Beyond the purchase: on the wire", .serialized)
struct BeyondThePurchaseCaptureTests {
    /// Runs a library scenario with --capture; its result and the capture folder.
    func captured(_ file: String) async throws -> (ScenarioResult, String) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("paylab-captures-\(UUID().uuidString)").path
        let runner = ScenarioRunner()
        let result = await runner.run(try ScenarioLoader.load(path: file), capture: .init(root: root, runTime: "20260101-000000"))
        try await runner.shutdown()
        return (result, try #require(result.captureFolder))
    }

    /// tshark's reading of messages.pcap: MTI, DE3, DE4, DE25, DE39, DE63, DE90, DE61, DE48 and DE60 per message.
    func tsharkRows(_ folder: String) async throws -> [[String]] {
        let readme = try String(contentsOfFile: folder + "/README.md", encoding: .utf8)
        let line = try #require(readme.split(separator: "\n").first { $0.hasPrefix("The traffic of one scenario run. Ports:") })
        let ports = line.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        let text = try await runTool(["tshark", "-r", folder + "/messages.pcap"] + ports.flatMap { ["-d", "tcp.port==\($0),iso8583"] } + [
            "-o", "iso8583.len_endian:bigendian", "-o", "iso8583.binencode:bin", "-Y", "iso8583", "-T", "fields", "-E", "separator=|",
            "-e", "iso8583.mti", "-e", "iso8583.bit3", "-e", "iso8583.bit4", "-e", "iso8583.bit25", "-e", "iso8583.bit39", "-e", "iso8583.bit63", "-e", "iso8583.bit90", "-e", "iso8583.bit61", "-e", "iso8583.bit48", "-e", "iso8583.bit60",
        ])
        return text.split(separator: "\n").map { $0.split(separator: "|", omittingEmptySubsequences: false).map(String.init) }
    }

    /// How each message names its original: `61:` and DE61, or `90:` and DE90's MTI.
    static func namings(_ rows: [[String]]) -> [String] {
        rows.map { row in row[6].isEmpty ? "61:\(row[7])" : "90:\(row[6].prefix(4))" }
    }

    @Test("a pre-authorization (0100/0110), its completion (0220/0230) and a cancellation (0100 processing code 20) cross every hop, and tshark reads them")
    func preauthorization() async throws {
        let (result, folder) = try await captured("Scenarios/hotel-preauthorization.yaml")
        #expect(result.passed, "\(result.failures)")
        let rows = try await tsharkRows(folder)
        // Three hops each way: terminal, acquirer, scheme, issuer.
        let preauths = rows.filter { $0[0] == "0100" && $0[1] == "030000" }
        #expect(preauths.count == 6 && preauths.allSatisfy { $0[3] == "06" })
        #expect(rows.filter { $0[0] == "0110" && $0[1] == "030000" }.count == 6)
        let cancels = rows.filter { $0[0] == "0100" && $0[1] == "200000" }
        // The terminal names the pre-authorization as a UnionPay POS does, by DE61 (no batch or
        // trace, its date 0508); the acquirer and the scheme name it by DE90.
        #expect(cancels.count == 3 && cancels.allSatisfy { $0[3] == "06" } && Self.namings(cancels) == ["61:0000000000000508", "90:0100", "90:0100"], "\(cancels)")
        let completions = rows.filter { $0[0] == "0220" && $0[1] == "000000" }
        #expect(completions.count == 3 && completions.allSatisfy { $0[2] == "000000076000" && $0[3] == "06" } && Self.namings(completions) == ["61:0000000000000508", "90:0100", "90:0100"])
        #expect(rows.filter { $0[0] == "0230" }.count == 3 && rows.filter { $0[0] == "0230" }.allSatisfy { $0[4] == "00" })
    }

    @Test("a batch settlement (0500/0510) with DE48's totals answered with reconciliation code 2, the batch upload (0320/0330) and its end (DE60.3 207), as tshark reads them")
    func batch() async throws {
        let (result, folder) = try await captured("Scenarios/batch-does-not-balance.yaml")
        #expect(result.passed, "\(result.failures)")
        let rows = try await tsharkRows(folder)
        let batch = rows.filter { ["0500", "0510", "0320", "0330"].contains($0[0]) }.map { "\($0[0]) \($0[4]) \($0[9])" }
        #expect(batch == ["0500  00000001201", "0510 00 ", "0320  ", "0330 00 ", "0320  00000001207", "0330 00 "], "\(batch)")
        // DE48: one purchase of 30.00, reconciliation code 0 asked; the journal's two of 80.00, code 2.
        let totals = rows.filter { ["0500", "0510"].contains($0[0]) }.map { String($0[8].prefix(31)) }
        #expect(totals == ["001000000003000000000000000000" + "0", "002000000008000000000000000000" + "2"], "\(totals)")
        let upload = try #require(rows.first { $0[0] == "0320" })
        #expect(upload[1] == "000000" && upload[2] == "000000003000" && upload[6].hasPrefix("0200"))
    }

    @Test("a refund (0220 processing code 20) goes to the scheme, which sends the issuer the refund when it clears; tshark reads both")
    func refund() async throws {
        let (result, folder) = try await captured("Scenarios/refund-netted-from-payout.yaml")
        #expect(result.passed, "\(result.failures)")
        let rows = try await tsharkRows(folder)
        let refunds = rows.filter { $0[0] == "0220" && $0[1] == "200000" }
        // Terminal to acquirer, acquirer to scheme, and at the cutoff scheme to issuer.
        #expect(refunds.count == 3 && refunds.allSatisfy { $0[2] == "000000010000" })
        // From the terminal DE61 names the purchase by batch 1, its trace number and its date; upstream DE90 does.
        #expect(Self.namings(refunds).map { $0.prefix(9) } == ["61:000001", "90:0200", "90:0200"], "\(refunds)")
        #expect(rows.filter { $0[0] == "0230" && $0[1] == "200000" }.count == 3)
    }

    @Test("a chargeback (0422) goes from the issuer through the scheme to the acquirer with its reason, acknowledged 0432; pyiso8583 reads it too")
    func chargeback() async throws {
        let (result, folder) = try await captured("Scenarios/chargeback.yaml")
        #expect(result.passed, "\(result.failures)")
        let rows = try await tsharkRows(folder)
        let chargebacks = rows.filter { $0[0] == "0422" }
        // The chargeback crosses two hops; the second dispute reaches the scheme only, which answers it 12.
        #expect(chargebacks.count == 3 && chargebacks.allSatisfy { $0[2] == "000000050000" && $0[5] == "4837" && $0[6].hasPrefix("0200") })
        #expect(rows.filter { $0[0] == "0432" }.map { $0[4] }.sorted() == ["00", "00", "12"])
        // pyiso8583 decodes the chargeback as PayLab packs it (default dialect, no MAC).
        let evidence = try IncidentEvidence.read(path: folder + "/messages.pcap", dialect: .default, framing: .standard)
        let message = try #require(evidence.messages.first { $0.message.mti == "0422" }?.message)
        var plain = message
        plain[64] = nil
        let hex = Hex.encode(try MessageCodec(dialect: .default).pack(plain))
        let decoded = try await runTool(["python3", "Tests/Interop/pyiso8583_peer.py", "decode", hex])
        let fields = try #require(try JSONSerialization.jsonObject(with: Data(decoded.utf8)) as? [String: String])
        #expect(fields["t"] == "0422" && fields["3"] == "000000" && fields["4"] == "000000050000" && fields["63"] == "4837")
        #expect(fields["90"] == message[90] && fields["41"] == "T0000004")
    }

    @Test("pyiso8583 reads every new message type off the captures field for field as PayLab does: 0100/0110, 0220/0230, 0320/0330, 0422/0432, 0500/0510")
    func pyiso8583ReadsThemAll() async throws {
        var seen: [String: ISOMessage] = [:]
        for file in ["Scenarios/hotel-preauthorization.yaml", "Scenarios/refund-netted-from-payout.yaml", "Scenarios/chargeback.yaml", "Scenarios/batch-does-not-balance.yaml"] {
            let (_, folder) = try await captured(file)
            let evidence = try IncidentEvidence.read(path: folder + "/messages.pcap", dialect: .default, framing: .standard)
            for message in evidence.messages.map(\.message) where seen[message.mti.rawValue] == nil { seen[message.mti.rawValue] = message }
        }
        let wanted = ["0100", "0110", "0220", "0230", "0320", "0330", "0422", "0432", "0500", "0510"]
        #expect(wanted.allSatisfy { seen[$0] != nil }, "\(seen.keys.sorted())")
        for mti in wanted {
            guard var message = seen[mti] else { continue }
            // PayLab's MAC (DE64, or DE128 with a secondary bitmap) is binary; the rest is text.
            message[64] = nil
            message[128] = nil
            let hex = Hex.encode(try MessageCodec(dialect: .default).pack(message))
            let decoded = try await runTool(["python3", "Tests/Interop/pyiso8583_peer.py", "decode", hex])
            let fields = try #require(try JSONSerialization.jsonObject(with: Data(decoded.utf8)) as? [String: String])
            #expect(fields["t"] == mti)
            for field in 2...128 where message.has(field) {
                #expect(fields["\(field)"] == message[field], "\(mti) DE\(field)")
            }
            #expect(fields.count == 1 + (2...128).filter { message.has($0) }.count, "\(mti): \(fields.keys.sorted())")
        }
    }
}
