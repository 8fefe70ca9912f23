import Foundation
import Testing
@testable import Scenario

/// Which files of a folder are scenarios.
@Suite("Scenario files")
struct ScenarioFilesTests {
    @Test("a calendar or dialect file kept beside the scenarios that name it is not read as a scenario; a stray one still is")
    func namedFilesAreNoScenarios() throws {
        let folder = NSTemporaryDirectory() + "paylab-files-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder + "/shared", withIntermediateDirectories: true)
        let files = [
            "acme-bank.yaml": "name: acme-bank\nyears: 2026\nholidays: [{ date: 2026-05-11, name: Bank day }]\n",
            "shared/host.yaml": "name: host\nfields: {}\n",
            "stray.yaml": "name: stray\nyears: 2026\n",
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
        let found = try ScenarioFiles.expand([folder]).map { String($0.dropFirst(folder.count + 1)) }
        #expect(found == ["stray.yaml", "uses.yaml"])
        // Named on the command line, a file is read as given.
        #expect(try ScenarioFiles.expand([folder + "/acme-bank.yaml"]).count == 1)
    }
}
