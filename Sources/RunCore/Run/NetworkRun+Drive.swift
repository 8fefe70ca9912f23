import NIOCore
import Scenario
import SettlementCalendar
import Wire

extension NetworkRun {
    /// Runs the scenario on the virtual clock: its steps in order, each after the timers, held
    /// frames and fault windows due by its instant, then the clock on to the horizon until
    /// nothing more can happen. Each step or event is handled once the network is quiet after
    /// the one before. Gives each step's wall time.
    ///
    /// All of it runs on the run's event loop, one step or event after another, with no thread
    /// in between: a scenario moves its clock thousands of times, and a hop from a task to the
    /// loop and back for each (a wake-up of each thread) cost more than many an event itself.
    func drive(quietTimeout timeout: TimeAmount) -> EventLoopFuture<[Duration]> {
        let bound = self.bound
        let loop = wire.eventLoop
        let end = (scenario.steps.last?.at ?? scenario.start).advanced(by: scenario.horizon)
        var steps = scenario.steps[...]
        var stepTimes: [Duration] = []
        stepTimes.reserveCapacity(steps.count)
        let next = { () -> EventLoopFuture<Bool> in
            let run = bound.value
            guard let step = steps.first else {
                return run.isSettled ? loop.makeSucceededFuture(false) : run.fireNext(until: end, quietTimeout: timeout)
            }
            return run.fireNext(until: step.at, quietTimeout: timeout).assumeIsolated().flatMap { fired in
                if fired { return loop.makeSucceededFuture(true) }
                steps.removeFirst()
                let started = ContinuousClock.now
                return run.perform(step, quietTimeout: timeout).assumeIsolated().map {
                    stepTimes.append(ContinuousClock.now - started)
                    return true
                }.nonisolated()
            }.nonisolated()
        }
        return quiet(timeout: timeout).assumeIsolated()
            .flatMap { Self.repeatWhile(on: loop, next) }
            .map { stepTimes }
            .nonisolated()
    }

    /// Calls `body` on `loop` again and again, each time once the future of the time before
    /// gave true; completes when one gives false, fails when one fails. Each turn is queued on
    /// the loop, so a long run of futures already complete does not deepen the stack.
    static func repeatWhile(on loop: any EventLoop, _ body: @escaping () -> EventLoopFuture<Bool>) -> EventLoopFuture<Void> {
        let done = loop.makePromise(of: Void.self)
        let isolated = loop.assumeIsolated()
        func turn() {
            body().assumeIsolated().whenComplete { result in
                switch result {
                case .success(true): isolated.execute(turn)
                case .success(false): done.succeed(())
                case .failure(let error): done.fail(error)
                }
            }
        }
        turn()
        return done.futureResult
    }
}
