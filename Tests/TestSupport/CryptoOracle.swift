import Foundation

/// Payment cryptography by psec and pycryptodome (Tests/Interop/crypto_oracle.py): what PayLab's
/// MACs, PIN blocks and keys are compared with.
public enum CryptoOracle {
    /// Asks the oracle; each request a JSON object (`kind`: kcv, encrypt, mac, pinblock, pin), each answer a string.
    public static func ask(_ requests: [[String: Any]]) async throws -> [String] {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Interop/crypto_oracle.py").path
        let input = FileManager.default.temporaryDirectory.appendingPathComponent("crypto-oracle-\(UUID().uuidString).json")
        try JSONSerialization.data(withJSONObject: requests).write(to: input)
        defer { try? FileManager.default.removeItem(at: input) }
        let output = try await runTool(["sh", "-c", "python3 \"$0\" < \"$1\"", script, input.path])
        guard let answers = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String], answers.count == requests.count else {
            throw ExternalTool.Failure(description: "the crypto oracle answered \(output)")
        }
        return answers
    }
}
