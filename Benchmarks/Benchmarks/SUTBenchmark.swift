import Foundation
import Scenario
import ISO8583
import NIOCore
import NIOPosix
import PaymentNetwork
import Wire
import RunCore
import SettlementCalendar
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
        let baseline = scenario(purchases: purchases, hostPort: nil)
        let external = scenario(purchases: purchases, hostPort: host.port)
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

    /// The default network with one card of ample balance and a purchase every 30 seconds
    /// from midnight, all before the 23:00 cutoff; with `hostPort`, the issuer is the host there
    /// (plain TCP, no echo tests).
    static func scenario(purchases: Int, hostPort: Int?) -> Scenario {
        let zone = Zone(identifier: "Asia/Shanghai")!
        let midnight = zone.instant(LocalDateTime("2026-05-11 00:00")!)
        var scenario = Scenario.served(start: midnight)
        scenario.file = "bench.yaml"
        scenario.name = "bench"
        scenario.horizon = .seconds(3 * 86400)
        scenario.network.cards[0].balance = Money(minorUnits: 100_000_000)
        if let hostPort {
            var host = ExternalSystem()
            host.address = Endpoint(host: "127.0.0.1", port: hostPort)
            host.tls = .none
            host.echo = .zero
            scenario.network.external["Issuer"] = host
        }
        let terminal = scenario.network.merchants[0].terminals[0], card = scenario.network.cards[0].pan
        scenario.steps = (0..<purchases).map { index in
            Step(at: midnight.advanced(by: .seconds(index * 30)), action: .swipe(id: "p\(index)", terminal: terminal, card: card, amount: Money(minorUnits: 100), keyed: nil))
        }
        return scenario
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
            var answer = NetworkManagement(of: request) != nil ? NetworkManagement.answer(request) : request.response(code: .approved)
            if request.mti.original == .financialRequest { answer[DE.authorizationCode] = "123456" }
            guard let bytes = try? Framing.standard.frame(codec.pack(answer)) else { return }
            context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: bytes)), promise: nil)
        }
    }
}

