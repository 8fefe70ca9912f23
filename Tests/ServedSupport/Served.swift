import Foundation
public import RunCore
import Scenario
import Synchronization
import TestSupport
import Wire

/// A scenario served in real time (`paylab serve` in-process) until `stop()`: the other side
/// of a test that plays a system under test, or that puts a PayLab network in a SUT's place.
public final class Served: Sendable {
    public let addresses: ScenarioRunner.Addresses
    private let task: Task<ScenarioResult, Never>
    private let runner: ScenarioRunner
    private let flag: StopFlag

    public init(_ yaml: String, pki: String?) async throws {
        let scenario = try ScenarioLoader.parse(yaml, file: "served.yaml")
        let runner = try pki.map { try ScenarioRunner(pki: $0) } ?? ScenarioRunner()
        let (stream, continuation) = AsyncStream<ScenarioRunner.Addresses>.makeStream()
        let flag = StopFlag()
        task = Task {
            await runner.serve(scenario, serving: .init(
                duration: .seconds(30), stop: { flag.stopped }, announce: { continuation.yield($0) }))
        }
        self.runner = runner
        self.flag = flag
        var iterator = stream.makeAsyncIterator()
        guard let addresses = await iterator.next() else { throw ExternalTool.Failure(description: "serve did not start") }
        self.addresses = addresses
    }

    /// Stops serving and returns the report.
    public func stop() async throws -> ScenarioResult {
        flag.stop()
        let result = await task.value
        try await runner.shutdown()
        return result
    }

    /// The port of the node's listener for SUTs.
    public func port(_ node: String) throws -> Int {
        guard let address = addresses.forSUTs[node], let port = Int(address.split(separator: ":").last ?? "") else {
            throw ExternalTool.Failure(description: "\(node) has no listener for systems under test")
        }
        return port
    }

    /// A fresh `pki init` folder in the temporary directory.
    public static func pki() throws -> String {
        let folder = NSTemporaryDirectory() + "paylab-serve-tests-\(getpid())-\(UUID().uuidString)"
        _ = try PKI(directory: folder).initialize()
        return folder
    }

    private final class StopFlag: Sendable {
        private let flag = Mutex(false)
        func stop() { flag.withLock { $0 = true } }
        var stopped: Bool { flag.withLock { $0 } }
    }
}
