import ISO8583
import NIOCore
import PaymentNetwork
import PaymentSecurity
import Foundation
import SettlementCalendar
import Scenario
import Wire
import RunCore

/// The one connection of a certification run: PayLab, as the scheme (issuer suite) or the
/// terminal (acquirer suite), dials the SUT, sends one request at a time and takes the answer
/// that pairs with it. A SUT's own 0800 is answered on
/// the way; an answer with another STAN (a late one of an earlier step) is passed over.
final class CertificationLink: Sendable {
    enum Answer {
        case success(([UInt8], ISOMessage))
        case failure(String)
    }

    static let peer = "SUT"
    /// PayLab's node on the link it dials: the scheme (issuer suite) or the terminal (acquirer suite).
    let node: String

    private let loop: any EventLoop
    private let wire: NIOLoopBound<WireNetwork>?
    private let inbox: NIOLoopBound<Inbox>?
    private let openProblem: String?

    private init(node: String, loop: any EventLoop, wire: NIOLoopBound<WireNetwork>?, inbox: NIOLoopBound<Inbox>?, openProblem: String?) {
        self.node = node
        self.loop = loop
        self.wire = wire
        self.inbox = inbox
        self.openProblem = openProblem
    }

    /// Frames received and not yet taken, and the one waiting for them.
    final class Inbox {
        var frames: [[UInt8]] = []
        var waiter: EventLoopPromise<[UInt8]?>?

        func push(_ frame: [UInt8]) {
            if let waiter {
                self.waiter = nil
                waiter.succeed(frame)
            } else {
                frames.append(frame)
            }
        }

        func next(within limit: TimeAmount, on loop: any EventLoop) -> EventLoopFuture<[UInt8]?> {
            if !frames.isEmpty { return loop.makeSucceededFuture(frames.removeFirst()) }
            let promise = loop.makePromise(of: [UInt8]?.self)
            waiter = promise
            let bound = NIOLoopBound(self, eventLoop: loop)
            let timer = loop.scheduleTask(in: limit) {
                let inbox = bound.value
                if inbox.waiter?.futureResult === promise.futureResult { inbox.waiter = nil }
                promise.succeed(nil)
            }
            promise.futureResult.whenComplete { _ in timer.cancel() }
            return promise.futureResult
        }
    }

    /// Dials the SUT as PayLab's terminal (acquirer suite) or scheme (issuer suite); with
    /// `failing`, opens nothing and every exchange fails with that problem.
    static func open(target: CertificationRun.Target, role: String, credentials: TLSCredentials, on loop: any EventLoop,
                     failing: String? = nil) async -> CertificationLink {
        let node = role == "acquirer" ? "T0000001" : "Scheme"
        if let failing { return CertificationLink(node: node, loop: loop, wire: nil, inbox: nil, openProblem: failing) }
        let made: (NIOLoopBound<Inbox>, NIOLoopBound<WireNetwork>)? = try? await loop.submit {
            let inbox = NIOLoopBound(Inbox(), eventLoop: loop)
            let network = WireNetwork(eventLoop: loop, credentials: credentials)
            network.onFrame = { at, _, bytes in
                if at == node { inbox.value.push(bytes) }
            }
            return (inbox, NIOLoopBound(network, eventLoop: loop))
        }.get()
        guard let (inbox, wire) = made else {
            return CertificationLink(node: node, loop: loop, wire: nil, inbox: nil, openProblem: "the event loop is gone")
        }
        let link = CertificationLink(node: node, loop: loop, wire: wire, inbox: inbox, openProblem: nil)
        // The SUT may still be starting: try again until the link's timeout has passed.
        let deadline = ContinuousClock.now.advanced(by: .nanoseconds(target.link.timeout.nanoseconds))
        var lastError: (any Error)?
        repeat {
            do {
                try await loop.flatSubmit {
                    wire.value.dial(from: node, to: peer, host: target.host, port: target.port, link: target.link)
                }.get()
                return link
            } catch {
                lastError = error
                try? await Task.sleep(for: .milliseconds(250))
            }
        } while ContinuousClock.now < deadline
        let said = (try? await loop.submit { wire.value.problems }.get()) ?? []
        return CertificationLink(node: node, loop: loop, wire: wire, inbox: inbox, openProblem: ([lastError.map { String(describing: $0) } ?? "no connection"] + said).joined(separator: "; "))
    }

    /// Sends a request and waits up to `limit` for its answer.
    func exchange(_ bytes: [UInt8], within limit: Duration, codec: MessageCodec) async -> Answer {
        if let openProblem { return .failure("no connection to the SUT: \(openProblem)") }
        guard let wire, let inbox else { return .failure("no connection") }
        let request = try? codec.unpack(bytes)
        let sent = (try? await loop.submit { wire.value.send(from: self.node, to: Self.peer, message: bytes) }.get()) ?? false
        guard sent else { return .failure("the connection to the SUT is closed") }
        let deadline = ContinuousClock.now.advanced(by: limit)
        while true {
            let left = ContinuousClock.now.duration(to: deadline)
            guard left > .zero else { return .failure("no answer within \(CertificationReportText.show(limit))") }
            let amount = TimeAmount(left)
            let next = try? await loop.flatSubmit { inbox.value.next(within: amount, on: inbox.eventLoop) }.get()
            guard let frame = next.flatMap({ $0 }) else { return .failure("no answer within \(CertificationReportText.show(limit))") }
            let message: ISOMessage
            do {
                message = try codec.unpack(frame)
            } catch {
                return .failure("an answer that does not decode in the \(codec.dialect.name) dialect: \(error)")
            }
            if message.mti.isRequest {
                // The SUT's own network management is answered; anything else it asks is not ours to answer here.
                if message.mti.messageClass == .networkManagement, let answer = try? codec.pack(NetworkManagement.answer(message)) {
                    _ = try? await loop.submit { wire.value.send(from: self.node, to: Self.peer, message: answer, answer: true) }.get()
                }
                continue
            }
            if let stan = message[DE.stan], let asked = request?[DE.stan], stan != asked { continue }
            return .success((frame, message))
        }
    }

    /// Signs nothing off (the cases do network management themselves); closes and returns what the wire saw.
    func close() async -> [String] {
        guard let wire else { return [] }
        return (try? await loop.flatSubmit { wire.value.shutdown().map { wire.value.problems } }.get()) ?? []
    }
}
