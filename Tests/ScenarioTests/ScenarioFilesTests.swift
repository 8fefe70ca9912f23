import Foundation
import Testing
@testable import Scenario

/// Which files of a folder are scenarios.
@Suite("Scenario files")
struct ScenarioFilesTests {
    @Test("a calendar, dialect or case file kept beside the scenarios is not read as a scenario, whether a scenario names it or its keys say what it is; each is noted")
    func namedFilesAreNoScenarios() throws {
        let folder = NSTemporaryDirectory() + "paylab-files-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder + "/shared", withIntermediateDirectories: true)
        let files = [
            "acme-bank.yaml": "name: acme-bank\nyears: 2026\nholidays: [{ date: 2026-05-11, name: Bank day }]\n",
            "shared/host.yaml": "name: host\nfields: {}\n",
            "stray.yaml": "name: stray\nyears: 2026\n",
            "cases.yaml": "suite: mine\nversion: \"1\"\nrole: issuer\ncases: []\n",
            "broken.yaml": "name: no start\nsteps: []\n",
            "uses.yaml": """
                name: Uses both
                start: 2026-05-08 10:00
                calendar: acme-bank.yaml
                network:
                  banks:
                    - { name: Issuer, bins: ["622202"], external: { address: "127.0.0.1:9", dialect: shared/host.yaml } }
                """,
        ]
        for (name, text) in files { try text.write(toFile: folder + "/" + name, atomically: true, encoding: .utf8) }
        let expanded = try ScenarioFiles.expandNoting([folder])
        let found = expanded.files.map { String($0.dropFirst(folder.count + 1)) }
        // A file with a scenario's keys is one, even a broken one: its errors are reported when it is read.
        #expect(found == ["broken.yaml", "uses.yaml"])
        #expect(expanded.notes.contains { $0.hasSuffix("stray.yaml: a calendar file (years:), not a scenario; skipped") }, "\(expanded.notes)")
        #expect(expanded.notes.contains { $0.hasSuffix("cases.yaml: certification cases (suite:), not a scenario; skipped") })
        #expect(expanded.notes.contains { $0.hasSuffix("acme-bank.yaml: a calendar or dialect file a scenario names; not run as a scenario") })
        #expect(expanded.notes.count == 4)
        // Named on the command line, a file is read as given.
        #expect(try ScenarioFiles.expand([folder + "/acme-bank.yaml"]).count == 1)
    }
}
