import Foundation
import Scenario
import ISO8583
import NIOCore
import NIOPosix
import PaymentNetwork
import Wire
import RunCore
import Load

/// `paylab bench sut`: the time PayLab adds around a system under test. An issuer host that
/// answers at once (a SwiftNIO server on 127.0.0.1, plain TCP, 2-byte lengths, answering
/// every request `00` as soon as it has read it) takes the Issuer's place; each purchase's
/// wall time at the terminal, less the host's round trip on the wire, is PayLab's own time.
/// The same scenario with PayLab's own issuer is the baseline, measured in the same run.
public enum SUTBenchmark {
    /// Medians, in microseconds.
    public struct Result: Sendable {
        public var purchases: Int
        public var runs: Int
        /// A purchase from swipe to the terminal's answer, with the host as the issuer.
        public var purchaseWithHost: Double
        /// From PayLab's write of a request to the host until its answer arrived.
        public var hostRoundTrip: Double
        /// The first less the second: PayLab's own time around one message to the host and back.
        public var paylabOwn: Double
        /// A purchase with PayLab's own issuer.
        public var purchaseBaseline: Double
    }

    /// Runs `runs` times with `purchases` purchases (at most 2700, all on one day).
    public static func run(purchases: Int, runs: Int) async throws -> Result {
        let purchases = min(max(purchases, 1), 2700)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let host = try await InstantHost.start(on: group)
        let baseline = try ScenarioLoader.parse(yaml(purchases: purchases, hostPort: nil), file: "bench.yaml")
        let external = try ScenarioLoader.parse(yaml(purchases: purchases, hostPort: host.port), file: "bench.yaml")
        let runner = ScenarioRunner(quietTimeout: .seconds(30))
        var withHost: [Double] = [], roundTrips: [Double] = [], own: [Double] = [], base: [Double] = []
        for _ in 0..<runs {
            let theirs = await runner.run(external)
            let ours = await runner.run(baseline)
            guard theirs.passed, ours.passed else {
                throw WireError(message: "the benchmark's scenario failed: \((theirs.failures + ours.failures).prefix(3))")
            }
            let step = median(theirs.stepTimes.map(microseconds))
            let trip = median(theirs.sutRoundTrips.map(microseconds))
            withHost.append(step)
            roundTrips.append(trip)
            own.append(step - trip)
            base.append(median(ours.stepTimes.map(microseconds)))
        }
        try await runner.shutdown()
        try await host.channel.close()
        try await group.shutdownGracefully()
        return Result(purchases: purchases, runs: runs, purchaseWithHost: median(withHost), hostRoundTrip: median(roundTrips),
                      paylabOwn: median(own), purchaseBaseline: median(base))
    }

    static func yaml(purchases: Int, hostPort: Int?) -> String {
        var text = """
            name: bench
            start: 2026-05-11 00:00
            horizon: 3d
            network:
              banks:
                - name: Issuer
                  bins: ["622202"]

            """
        if let hostPort { text += "      external: { address: \"127.0.0.1:\(hostPort)\", tls: none, echo: 0 }\n" }
        text += """
                - { name: MerchantBank }
              cards:
                - { pan: "6222020000000001", bank: Issuer, balance: 1000000.00 }
            steps:

            """
        // One purchase every 30 seconds from midnight, all before the 23:00 cutoff.
        for index in 0..<purchases {
            let seconds = index * 30
            let time = String(format: "%02d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60)
            text += "  - { at: \"2026-05-11 \(time)\", swipe: { id: p\(index), amount: 1.00 } }\n"
        }
        return text
    }

    static func microseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1e6 + Double(duration.components.attoseconds) / 1e12
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }
}

/// An issuer host that answers every request `00` at once: the fastest SUT there can be.
struct InstantHost: Sendable {
    let channel: any Channel
    var port: Int { channel.localAddress?.port ?? 0 }

    static func start(on group: MultiThreadedEventLoopGroup) async throws -> InstantHost {
        let channel = try await ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers([FrameReader(), Responder()])
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return InstantHost(channel: channel)
    }

    /// Reads a request, writes its answer.
    final class Responder: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let codec = MessageCodec(dialect: .default)

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard let request = try? codec.unpack(Array(unwrapInboundIn(data).readableBytesView)), request.mti.isRequest else { return }
            var answer = request.response(code: .approved)
            if let code = request[70] { answer[70] = code }
            if request.mti.original == .financialRequest { answer[DE.authorizationCode] = "123456" }
            guard let bytes = try? Framing.standard.frame(codec.pack(answer)) else { return }
            context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: bytes)), promise: nil)
        }
    }
}

