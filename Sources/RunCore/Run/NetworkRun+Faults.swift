import Scenario
import ISO8583
import NIOCore
import PaymentNetwork
import SettlementCalendar
import Wire

/// Fault windows: a fault opening and closing on the virtual clock, as a command to the node it acts inside or a link fault, and a node brought back up after an outage.
extension NetworkRun {
    static func linkFault(_ fault: Fault) -> LinkFault? {
        guard case .network(let client, let server, let kind, let count) = fault.kind else { return nil }
        let wireKind: LinkFault.Kind
        switch kind {
        case .latency(let delay): wireKind = .latency(delay)
        case .drop(let response): wireKind = .drop(response ? .response : .request)
        case .duplicate(let response): wireKind = .duplicate(response ? .response : .request)
        case .corrupt(let response): wireKind = .corrupt(response ? .response : .request)
        case .disconnect: wireKind = .disconnect
        case .slice(let response, let pause): wireKind = .slice(response ? .response : .request, pause: pause)
        case .slowClose(let delay): wireKind = .slowClose(delay)
        }
        var linkFault = LinkFault(client: client, server: server, kind: wireKind, from: fault.from, to: fault.to, count: count)
        linkFault.jitter = fault.jitter
        linkFault.probabilityPPM = fault.probabilityPPM
        return linkFault
    }

    func faultWindow(_ index: Int, starting: Bool) -> EventLoopFuture<Void> {
        let done = wire.eventLoop.makeSucceededVoidFuture()
        guard scenario.faults.indices.contains(index) else { return done }
        let fault = scenario.faults[index]
        switch fault.kind {
        case .maintenance(let bank):
            log("\(bank) \(starting ? "goes into" : "comes out of") maintenance")
            command(.maintenance(starting), to: bank)
        case .freeze(let account, let bank):
            log("account \(account) at \(bank) \(starting ? "frozen" : "unfrozen")")
            command(.freeze(account: account, starting), to: bank)
        case .hold(let merchant):
            log("risk hold on merchant \(merchant) \(starting ? "starts" : "ends")")
            command(.hold(merchant: merchant, starting), to: scenario.network.acquirer.name)
        case .staleKeys(let terminal):
            guard starting else { return done }
            log("\(scenario.network.acquirer.name) changes its working keys for \(terminal) under it (stale keys)")
            command(.rekey(terminal: terminal), to: scenario.network.acquirer.name)
        case .badARQC(let card), .chipUnreadable(let card):
            let unreadable: Bool
            if case .chipUnreadable = fault.kind { unreadable = true } else { unreadable = false }
            log("card \(PAN.mask(card)): \(unreadable ? "its chip cannot be read" : "its cryptograms do not verify") \(starting ? "from now" : "no more")")
            chipFaults[unreadable ? "unreadable \(card)" : "bad ARQC \(card)", default: 0] += starting ? 1 : -1
        case .clockSkew(let terminal, let by):
            log("\(terminal)'s clock \(starting ? "goes \(TerminalStateMachine.offset(by))" : "is set right")")
            command(.clockSkew(starting ? by : nil), to: terminal)
        case .aggregatorDefault(let aggregator):
            log("\(aggregator) \(starting ? "stops paying its merchants on (aggregator default)" : "pays its merchants on again")")
            command(.aggregatorDefault(starting), to: aggregator)
        case .payoutShort(let acquirer, let covers):
            log("\(acquirer)'s payout account \(starting ? "holds only \(covers.formatted(exponent: scenario.currency.exponent)) for its payout runs" : "is funded again")")
            command(.payoutShort(covers: starting ? covers : nil, until: fault.to), to: acquirer)
        case .badARPC(let bank):
            log("\(bank)'s answer cryptograms \(starting ? "stop" : "start again") verifying at the card")
            command(.spoilARPC(starting), to: bank)
        case .outage(let node):
            log("\(node) \(starting ? "goes down" : "comes back up")")
            if starting {
                down[node] = .some(fault.to)
                let kept = closeSlowly(scenario.network.links.filter { $0.client == node || $0.server == node }.map { ($0.client, $0.server) }, going: node)
                return wire.takeDown(node, keeping: kept)
            }
            down[node] = nil
            return bringUp(node)
        case .network(let client, let server, let kind, _):
            guard case .disconnect = kind else {
                log("link \(client) -> \(server) \(starting ? "starts" : "stops") misbehaving")
                return done
            }
            log("link \(client) -> \(server) \(starting ? "cut" : "restored")")
            if starting {
                cut.insert("\(client) -> \(server)")
                guard closeSlowly([(client, server)], going: nil).isEmpty else { return done }
                return wire.disconnect(client, server)
            }
            cut.remove("\(client) -> \(server)")
            return reconnect([(client, server)])
        }
        return done
    }

    /// Links closing as `going` goes down (nil: as they are cut) whose slow close is in force:
    /// the ends still up are not told for its delay (what they write meanwhile is lost) and
    /// a system under test's connection stays open as long. Returns the peers whose
    /// connections with `going` stay open until then (all of a cut link's).
    func closeSlowly(_ links: [(client: String, server: String)], going: String?) -> Set<String> {
        var kept: Set<String> = []
        for (client, server) in links {
            guard let delay = linkFaults.slowClose(between: client, server, at: now) else { continue }
            let until = now.advanced(by: delay)
            for (node, peer) in [(client, server), (server, client)] where node != going {
                slowClosing["\(node) -> \(peer)"] = until
                kept.insert(node)
            }
            log("link \(client) -> \(server) closes slowly: \(going.map { "\($0)'s peer" } ?? "either end") is not told for \(delay.compact)")
            scheduler.schedule(.closeSlowly(client: client, server: server), at: until)
        }
        return kept
    }

    /// A frame `node` writes to `peer` into a connection whose other end is gone but not yet
    /// closed (a slow close): lost, with a line in the link log.
    func lostInSlowClose(_ message: ISOMessage, from node: String, to peer: String) -> Bool {
        guard let until = slowClosing["\(node) -> \(peer)"] else { return false }
        guard now < until else {
            slowClosing["\(node) -> \(peer)"] = nil
            return false
        }
        linkLog.append((now, "\(node) wrote a \(message.mti) to \(peer) into a connection closing slowly: lost"))
        return true
    }

    func command(_ command: NodeCommand, to node: String) {
        guard nodes[node] != nil else { return }
        carryOut(nodes[node]!.perform(command, now: now), of: node)
    }

    /// Listens again (on the same port) and reopens the node's links.
    func bringUp(_ node: String) -> EventLoopFuture<Void> {
        let bound = self.bound
        // Its old port may meanwhile be another connection's local port: then it listens on a new one.
        let listening = NetworkAssembly.servers(of: scenario).contains(node)
            ? wire.listen(node: node, clients: clients(of: node)).map { _ in () }.flatMapError { error in
                let wire = bound.value.wire
                wire.reportProblem("\(node) could not listen on its old port again (\(error)); listening on a new one")
                return wire.listen(node: node, clients: bound.value.clients(of: node), port: 0).map { _ in () }
            }
            : wire.eventLoop.makeSucceededVoidFuture()
        let links = scenario.network.links.filter { ($0.client == node || $0.server == node) }
        return listening
            .flatMap { bound.value.suts.listen(only: node).recover { error in bound.value.wire.reportProblem("\(node) could not listen for systems under test again: \(error)") } }
            .flatMap { bound.value.reconnect(links.map { ($0.client, $0.server) }) }
    }

    /// Reopens links whose ends are both up and not cut, then tells both ends.
    func reconnect(_ links: [(String, String)]) -> EventLoopFuture<Void> {
        let open = links.filter { down[$0.0] == nil && down[$0.1] == nil && !cut.contains("\($0.0) -> \($0.1)") }
        let bound = self.bound
        let connecting = open.filter { !scenario.network.isExternal($0.0) }.map { link in
            self.open(link.0, link.1).recover { error in
                bound.value.wire.reportProblem("\(link.0) could not reconnect to \(link.1): \(error)")
            }
        }
        return EventLoopFuture.andAllComplete(connecting, on: wire.eventLoop).map {
            let run = bound.value
            for (client, server) in open where run.wire.isConnected(client, to: server) {
                for (node, peer) in [(client, server), (server, client)] where run.nodes[node] != nil {
                    run.carryOut(run.nodes[node]!.peerAvailable(peer, now: run.now), of: node)
                }
            }
        }
    }
}
