import Capture
import Foundation
import ISO8583
import PaymentNetwork
import RunCore
import Incident

/// `paylab bench import`: how many messages a second `incident import` reads from a large
/// pcap (written here: purchases and their answers on 16 terminals' connections, with the
/// 2-byte framing), median of several runs.
public enum ImportBenchmark {
    public struct Result: Sendable {
        public var messages: Int
        public var runs: Int
        public var bytes: Int
        public var messagesPerSecond: Int
    }

    public static func run(exchanges: Int, runs: Int) throws -> Result {
        let path = NSTemporaryDirectory() + "paylab-import-bench-\(UUID().uuidString).pcap"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let capture = try MessageCapture(path: path)
        let codec = MessageCodec(dialect: .default)
        let acquirer = MessageCapture.Endpoint(port: 9000)
        for index in 0..<exchanges {
            let terminal = MessageCapture.Endpoint(port: UInt16(40000 + index % 16))
            var request = ISOMessage(mti: .financialRequest)
            request[DE.pan] = "6222020000000001"
            request[DE.processingCode] = ProcessingCode.purchase
            request[DE.amount] = Money(minorUnits: Int64(100 + index % 1000)).de4
            request[DE.transmissionDateTime] = String(format: "0316%06d", index % 1_000_000)
            request[DE.stan] = String(format: "%06d", index % 1_000_000)
            request[DE.terminalID] = String(format: "T%07d", index % 16)
            request[DE.merchantID] = "898440354110001"
            request[DE.currency] = "156"
            let answer = request.response(code: .approved)
            let time = Int64(1_773_626_400_000_000) + Int64(index) * 1000
            for (message, from, to, at) in [(request, terminal, acquirer, time), (answer, acquirer, terminal, time + 400)] {
                let body = try codec.pack(message)
                capture.append(frame: [UInt8(body.count >> 8), UInt8(body.count & 0xFF)] + body, from: from, to: to, microsecondsSinceEpoch: at)
            }
        }
        capture.close()
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        var rates: [Double] = []
        var count = 0
        for _ in 0..<max(1, runs) {
            let started = ContinuousClock.now
            let evidence = try IncidentEvidence.read(path: path, dialect: .default, framing: .standard)
            let elapsed = ContinuousClock.now - started
            count = evidence.messages.count
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            rates.append(Double(count) / seconds)
        }
        rates.sort()
        return Result(messages: count, runs: rates.count, bytes: size, messagesPerSecond: Int(rates[rates.count / 2]))
    }
}
