import ArgumentParser
import Certification
import Foundation
import ISO8583
import PaymentSecurity
import RunCore
import Scenario
import SettlementCalendar
import Wire

extension PayLab.Certify {
    /// `paylab certify pos`: PayLab is the POS centre for the POS application under test.
    func runPOS() async throws {
        let suite = POSCertification.withTracks(POSSuite.builtIn)
        if printCases || casesJSON || cards {
            print(casesJSON || cards ? suite.json : suite.text)
            return
        }
        func invalid(_ message: String) -> ExitCode {
            printError("error: \(message)")
            return ExitStatus.invalid
        }
        guard let listen, let endpoint = Endpoint(listen) else { throw invalid("the pos suite needs --listen HOST:PORT (where PayLab's acquirer listens for your POS)") }
        guard let security = ExternalSystem.TLSMode(rawValue: tls) else { throw invalid("--tls takes mutual, server or none, not '\(tls)'") }
        guard let length = Framing.Length(rawValue: framing) else { throw invalid("--framing takes binary2, bcd2, ascii4 or none, not '\(framing)'") }
        guard caseTimeout >= .seconds(1) else { throw invalid("--case-timeout takes at least 1s, not \(caseTimeout.compact)") }
        let keys = try linkKeys()
        var certification = POSCertification(suite: suite, listen: endpoint)
        certification.pos.tls = security
        certification.pos.dialect = try dialect.resolved()
        certification.pos.framing = Framing(length: length)
        certification.pos.tmk = keys.tmk
        certification.pos.mac = keys.terminalMAC
        certification.pos.ca = ca
        certification.only = only.isEmpty ? nil : Set(only)
        certification.caseTimeout = caseTimeout
        certification.firstWait = caseTimeout * 2
        // With the cup dialect the TPDU and header come with each message; given, they are checked.
        if tpdu != nil || header != nil {
            guard certification.pos.dialect.headerLength > 0 else { throw invalid("--tpdu and --header are checked on a dialect that carries them before the MTI (cup)") }
            guard let tpduBytes = Hex.decode(tpdu ?? ""), tpduBytes.count == 5 else { throw invalid("--tpdu is 5 bytes in hex (\"6000030000\"), not '\(tpdu ?? "")'") }
            guard let headerBytes = Hex.decode(header ?? ""), tpduBytes.count + headerBytes.count == certification.pos.dialect.headerLength else {
                throw invalid("--header is the \(certification.pos.dialect.headerLength - 5) bytes after the TPDU in hex (\"603100000000\"), not '\(header ?? "")'")
            }
            certification.expectedHeader = tpduBytes + headerBytes
        }
        let runner: ScenarioRunner
        do {
            runner = try certificates.checked().map { try ScenarioRunner(pki: $0) } ?? ScenarioRunner()
        } catch {
            throw invalid("\(error)")
        }
        let report = await certification.run(runner: runner, announce: { item in
            let instruction = item.instruction.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            FileHandle.standardOutput.write(Data("case \(item.id): \(item.name)\n  do: \(instruction)\n".utf8))
        }, listening: { addresses in
            let lines = addresses.forSUTs.sorted { $0.key < $1.key }.map { "listening: \($0.key) at \($0.value) for \(suite.terminal)\n" }
            FileHandle.standardOutput.write(Data(lines.joined().utf8))
        })
        try await runner.shutdown()
        print(CertificationReportText.render(report))
        try reports.write(report)
        // A case that did not run (the POS went silent) is no pass.
        if report.outcomes.contains(where: { $0.failed || $0.skipped != nil }) || report.outcomes.count < suite.cases.filter({ only.isEmpty || only.contains($0.id) }).count {
            throw ExitStatus.failed
        }
    }
}
